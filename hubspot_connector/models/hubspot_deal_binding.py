from odoo import api, fields, models

from ..services.exceptions import HubspotNotFound, HubspotScopeError
from .hubspot_common import HubspotAssociation, HubspotValueError, hubspot_datetime


class HubspotDealBinding(models.Model):
    """A HubSpot deal and the opportunity it syncs with."""

    _name = "hubspot.deal.binding"
    _inherit = "hubspot.binding"
    _description = "HubSpot Deal Binding"
    _hubspot_object_type = "deals"
    _hubspot_object_label = "Deal"
    _hubspot_objects_label = "Deals"
    _hubspot_type_id = "0-3"
    _hubspot_event_prefix = "deal"
    _hubspot_modified_property = "hs_lastmodifieddate"
    _hubspot_enabled_field = "hubspot_sync_deals"
    _hubspot_sequence = 20
    _hubspot_converters = {
        "amount": "Amount",
        "date": "Date",
        "deal_stage": "Pipeline and stage",
    }
    # The customer: the associated contact, else the company (kept on the deal either way).
    _hubspot_associations = (
        HubspotAssociation("contacts", 3),
        HubspotAssociation("companies", 341, primary_type_id=5),
    )
    # A lost opportunity is archived in Odoo; it is a closed-lost deal, not a deletion.
    _hubspot_archive_is_removal = False
    _hubspot_odoo_id_property = "odoo_opportunity_id"
    _hubspot_odoo_id_label = "Odoo opportunity ID"
    _hubspot_property_group = "dealinformation"

    odoo_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, readonly=True, ondelete="cascade"
    )

    @api.model
    def _hubspot_stages(self):
        return self.env["hubspot.deal.stage"]

    @api.model
    def _hubspot_push_scope(self, company, records):
        """Opportunities of a sales team mapped to one of the company's pipelines."""
        teams = self._hubspot_stages()._pipelines(company).team_id
        candidates = records.filtered(
            lambda lead: (
                lead.type == "opportunity"
                and lead.team_id in teams
                and lead.company_id in (company, self.env["res.company"])
            )
        )
        return candidates - self._hubspot_linked_elsewhere(company, candidates)

    @api.model
    def _hubspot_scope_fields(self):
        return {"team_id", "type", "active"}

    @api.model
    def _hubspot_extra_properties(self):
        return super()._hubspot_extra_properties() + [
            "deal_currency_code",
            "amount_in_home_currency",
            "closed_lost_reason",
        ]

    @api.model
    def _hubspot_accept_new(self, payload, company):
        """Deals without a pipeline, or of a pipeline no sales team syncs, stay out of Odoo."""
        pipeline_id = payload["properties"].get("pipeline")
        if not pipeline_id:
            return "no_pipeline"
        if pipeline_id in self._hubspot_stages()._pipelines(company).mapped("hubspot_id"):
            return None
        if pipeline_id in self._hubspot_stages()._pipeline_names(company):
            return "pipeline_without_team"
        return "unknown_pipeline"

    @api.model
    def _hubspot_report_left_out(self, payload, company, reason):
        """Deals left out are listed with their reason, one row per pipeline with the
        number of deals it holds back; a pipeline change reads them again."""
        pipeline_id = payload["properties"].get("pipeline")
        pipeline = self._hubspot_stages()._pipeline_names(company).get(pipeline_id, pipeline_id)
        record = (
            self.env["hubspot.pipeline"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company.id), ("hubspot_id", "=", pipeline_id)])
            if pipeline_id
            else self.env["hubspot.pipeline"]
        )
        messages = {
            "no_pipeline": self.env._("These deals have no pipeline in HubSpot."),
            "unknown_pipeline": self.env._(
                "Pipeline %(pipeline)s is not known in Odoo: fetch the HubSpot pipelines "
                "in the settings.",
                pipeline=pipeline,
            ),
            "pipeline_without_team": self.env._(
                "Pipeline %(pipeline)s syncs with no sales team: choose one on the pipeline "
                "to import its deals.",
                pipeline=pipeline,
            ),
        }
        self.env["hubspot.sync.issue"]._report_held(
            company,
            self._hubspot_object_type,
            f"pipeline:{pipeline_id or ''}",
            payload["id"],
            reason,
            messages[reason],
            name=self.env._("Deals without pipeline")
            if reason == "no_pipeline"
            else self.env._("Pipeline %(pipeline)s", pipeline=pipeline),
            pipeline_id=record.id,
        )

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        return {
            "type": "opportunity",
            "company_id": company.id,
            # Not the user the job runs as: the deal owner, if any, sets it.
            "user_id": False,
            "name": payload["properties"].get("dealname") or f"HubSpot deal {payload['id']}",
        }

    @api.model
    def _hubspot_payload_label(self, payload):
        return payload["properties"].get("dealname") or payload["id"]

    @api.model
    def _hubspot_fetch_metadata(self, company, client):
        """Pipelines and stages, and the portal's currency; deals left out are read again."""
        pipelines = (
            self.env["hubspot.pipeline"]
            .sudo()
            ._update_from_hubspot(client.get_pipelines(self._hubspot_object_type), company)
        )
        self._hubspot_stages().sudo()._setup_pipelines(pipelines, company)
        self.env["hubspot.sync.issue"]._retry_left_out(company)
        try:
            details = client.get_account_details()
        except (HubspotNotFound, HubspotScopeError):
            details = {}  # an app may not read them: Odoo's rates convert every amount
        company.sudo().hubspot_home_currency = details.get("companyCurrency") or False
        return {"pipelines": len(pipelines), "stages": len(pipelines.stage_mapping_ids)}

    # ------------------------------------------------------------------
    # Push
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_create_properties(self, company):
        """A deal made in Odoo is in the company's currency, not in the portal's."""
        currency = company.currency_id.name
        if company.hubspot_home_currency and company.hubspot_home_currency != currency:
            return {"deal_currency_code": currency}
        return {}

    # ------------------------------------------------------------------
    # Converters
    # ------------------------------------------------------------------

    def _odoo2hubspot_amount(self, mapping, base):
        # The deal's own amount, so the converted value never becomes HubSpot's.
        lead = self.odoo_id
        value = lead.hubspot_amount if lead._hubspot_other_currency() else lead[mapping.odoo_field]
        return {mapping.hubspot_properties[0]: f"{value:.2f}" if value else ""}

    def _normalize_hubspot_amount(self, mapping, values, payload):
        normalized = {}
        for name, value in values.items():
            try:
                normalized[name] = f"{float(value):.2f}" if value and float(value) else ""
            except ValueError:
                normalized[name] = value
        return normalized

    def _hubspot2odoo_amount(self, mapping, remote, payload):
        """The amount in the company's currency; the deal's own amount and currency are kept.

        An amount in another currency is HubSpot's converted one when the portal's
        company currency is ours, otherwise converted with Odoo's rate of the close
        date (today when there is none).
        """
        value = remote[mapping.hubspot_properties[0]]
        try:
            amount = float(value) if value else 0.0
        except ValueError as error:
            raise HubspotValueError(
                self.env._("Invalid amount %(amount)r.", amount=value), "invalid_amount"
            ) from error
        company = self.env.company
        properties = payload["properties"]
        currency = self._hubspot_currency(properties.get("deal_currency_code"), company)
        vals = {
            mapping.odoo_field: amount,
            "hubspot_amount": amount,
            "hubspot_currency_id": currency.id,
        }
        if currency == company.currency_id or not amount:
            return vals
        home_amount = properties.get("amount_in_home_currency")
        if home_amount and company.hubspot_home_currency == company.currency_id.name:
            vals[mapping.odoo_field] = float(home_amount)
            return vals
        if not self._hubspot_cached(
            ("currency_rated", currency.id, company.id),
            lambda: bool(
                self.env["res.currency.rate"]
                .sudo()
                .search_count(
                    [("currency_id", "=", currency.id), ("company_id", "in", (company.id, False))],
                    limit=1,
                )
            ),
        ):
            raise HubspotValueError(
                self.env._(
                    "Odoo has no exchange rate for %(currency)s: add one to import the amount.",
                    currency=currency.name,
                ),
                "no_currency_rate",
            )
        closed = hubspot_datetime(properties.get("closedate"))
        date = closed.date() if closed else fields.Date.context_today(self)
        # One rate per currency and day in a run: a page of deals in francs reads it once.
        rate = self._hubspot_cached(
            ("currency_rate", currency.id, company.id, date),
            lambda: currency._get_conversion_rate(currency, company.currency_id, company, date),
        )
        vals[mapping.odoo_field] = company.currency_id.round(amount * rate)
        return vals

    @api.model
    def _hubspot_currency(self, code, company):
        """The Odoo currency of a HubSpot currency code; none means the company's."""
        code = (code or "").strip().upper()
        if not code:
            return company.currency_id
        currency = self.env["res.currency"].browse(
            self._hubspot_cached(
                ("currency", code),
                lambda: (
                    self.env["res.currency"]
                    .with_context(active_test=False)
                    .search([("name", "=", code)], limit=1)
                    .id
                ),
            )
        )
        if not currency:
            raise HubspotValueError(
                self.env._("Unknown currency %(code)r: the amount is not imported.", code=code),
                "unknown_currency",
            )
        return currency

    def _odoo2hubspot_date(self, mapping, base):
        value = self.odoo_id[mapping.odoo_field]
        return {mapping.hubspot_properties[0]: value.isoformat() if value else ""}

    def _normalize_hubspot_date(self, mapping, values, payload):
        normalized = {}
        for name, value in values.items():
            try:
                parsed = hubspot_datetime(value)
            except ValueError:
                parsed = None
            normalized[name] = parsed.date().isoformat() if parsed else value
        return normalized

    def _hubspot2odoo_date(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        try:
            return {mapping.odoo_field: fields.Date.from_string(value) if value else False}
        except ValueError as error:
            raise HubspotValueError(
                self.env._("Invalid date %(date)r.", date=value), "invalid_date"
            ) from error

    def _odoo2hubspot_deal_stage(self, mapping, base):
        """Pipeline and stage of the opportunity (decided by ``hubspot.deal.stage``)."""
        return self._hubspot_stages()._hubspot_stage_of(
            self.odoo_id, self.company_id, base, mapping.hubspot_properties
        )

    def _hubspot2odoo_deal_stage(self, mapping, remote, payload):
        """Odoo stage, team, probability (decided by ``hubspot.deal.stage``)."""
        pipeline_name, stage_name = mapping.hubspot_properties
        return self._hubspot_stages()._odoo_stage_of(
            self.env.company,
            remote[pipeline_name],
            remote[stage_name],
            payload["properties"].get("closed_lost_reason"),
            mapping.odoo_field,
        )
