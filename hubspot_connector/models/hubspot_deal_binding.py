from odoo import api, fields, models

from .hubspot_common import HubspotValueError, hubspot_datetime

CONTACT_ASSOCIATION = "associations.contacts"
OWNER_PROPERTY = "hubspot_owner_id"


class HubspotDealBinding(models.Model):
    """A HubSpot deal and the opportunity it syncs with."""

    _name = "hubspot.deal.binding"
    _inherit = "hubspot.binding"
    _description = "HubSpot Deal Binding"
    _hubspot_object_type = "deals"
    _hubspot_object_label = "Deal"
    _hubspot_type_id = "0-3"
    _hubspot_modified_property = "hs_lastmodifieddate"
    _hubspot_enabled_field = "hubspot_sync_deals"
    _hubspot_sequence = 20
    _hubspot_converters = {
        "amount": "Amount",
        "date": "Date",
        "owner": "Owner (by e-mail)",
        "deal_stage": "Pipeline and stage",
        "deal_contact": "Associated contact",
    }
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
    def _hubspot_properties(self):
        return [name for name in super()._hubspot_properties() if name != CONTACT_ASSOCIATION]

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
        """Every deal left out is listed with its reason; a pipeline change retries it."""
        pipeline_id = payload["properties"].get("pipeline")
        pipeline = self._hubspot_stages()._pipeline_names(company).get(pipeline_id, pipeline_id)
        messages = {
            "no_pipeline": self.env._("The deal has no pipeline in HubSpot."),
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
        self._hubspot_report_review(company, payload, reason, messages[reason])

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

    # ------------------------------------------------------------------
    # Runs: owners and associations
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_owner_emails(self):
        """HubSpot owners' e-mails by owner id, read once per run and only if needed."""
        cache = self.env.context.get("hubspot_run")
        if not cache:
            return None
        return cache.get(
            "owner_emails",
            lambda: {
                owner["id"]: (owner.get("email") or "").lower()
                for owner in cache.client.iter_owners()
            },
        )

    @api.model
    def _hubspot_user_ids_by_email(self):
        def compute():
            users = self.env["res.users"].sudo().search([])
            by_email = {(user.login or "").lower(): user.id for user in users}
            by_email.update({(user.email or "").lower(): user.id for user in users if user.email})
            return by_email

        return self._hubspot_cached("user_ids_by_email", compute)

    @api.model
    def _hubspot_enrich(self, payloads, company, client):
        """Searches return no associations: read them, 1,000 per request.

        Deals already in sync with this very version need none (an overlapping
        pull re-reads them).
        """
        linked = self._hubspot_linked(company, [p["id"] for p in payloads])
        payloads = [
            p for p in payloads if not (p["id"] in linked and linked[p["id"]]._is_unchanged(p))
        ]
        if not payloads:
            return
        contacts = client.batch_read_associations("deals", "contacts", [p["id"] for p in payloads])
        for payload in payloads:
            linked = contacts.get(payload["id"]) or []
            payload["properties"][CONTACT_ASSOCIATION] = min(linked, key=int) if linked else ""
        # The page's contact links in one query, for the customer of each deal.
        partner_ids = self._hubspot_cached(("partner_ids", company.id), dict)
        wanted = {p["properties"][CONTACT_ASSOCIATION] for p in payloads} - {""} - set(partner_ids)
        contact_model = self.env["hubspot.contact.binding"]
        for contact_id, contact in contact_model._hubspot_linked(company, wanted).items():
            partner_ids[contact_id] = contact.odoo_id.id

    @api.model
    def _hubspot_after_run(self, company):
        """Take up contacts linked by a concurrent run while this one left deals waiting.

        The link's own event fires in a transaction that cannot see deals marked
        waiting by a run still open, so each run looks again once committed.
        """
        deals = self._hubspot_waiting_bindings(company)
        contact_ids = {
            deal.waiting[CONTACT_ASSOCIATION][0]
            for deal in deals
            if CONTACT_ASSOCIATION in (deal.waiting or {})
        }
        contact_model = self.env["hubspot.contact.binding"]
        contacts = contact_model.union(
            *contact_model._hubspot_linked(company, contact_ids).values()
        ) | contact_model._hubspot_of_records(company, deals.odoo_id.partner_id).filtered(
            "hubspot_id"
        )
        if contacts:
            self._hubspot_contacts_linked(company, contacts)

    @api.model
    def _hubspot_contacts_linked(self, company, contacts):
        """Deals take up the contact bindings just linked: as customer, and as association."""
        self._hubspot_reevaluate_waiting(
            company, {CONTACT_ASSOCIATION: set(contacts.mapped("hubspot_id"))}
        )
        unsent = (
            self.sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("hubspot_id", "!=", False),
                    ("odoo_id.partner_id", "in", contacts.odoo_id.ids),
                ]
            )
            .filtered(lambda deal: not (deal.synced_values or {}).get(CONTACT_ASSOCIATION))
        )
        if unsent:
            queue = self.env["hubspot.sync.queue"].sudo()
            queue._enqueue(company, "push", self._hubspot_object_type, res_ids=unsent.odoo_id.ids)
            queue._trigger_job()

    def _hubspot_push_associations(self, company, client, pushed):
        pairs = [
            (hubspot_id, values[CONTACT_ASSOCIATION])
            for _record, hubspot_id, values in pushed
            if values.get(CONTACT_ASSOCIATION)
        ]
        if pairs:
            client.batch_associate_default("deals", "contacts", pairs)

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
        if (
            not self.env["res.currency.rate"]
            .sudo()
            .search_count(
                [("currency_id", "=", currency.id), ("company_id", "in", (company.id, False))],
                limit=1,
            )
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
        vals[mapping.odoo_field] = currency._convert(amount, company.currency_id, company, date)
        return vals

    @api.model
    def _hubspot_currency(self, code, company):
        """The Odoo currency of a HubSpot currency code; none means the company's."""
        code = (code or "").strip().upper()
        if not code:
            return company.currency_id
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", code)], limit=1)
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

    def _odoo2hubspot_owner(self, mapping, base):
        """The HubSpot owner with the salesperson's e-mail."""
        name = mapping.hubspot_properties[0]
        owners = self._hubspot_owner_emails()
        if owners is None:
            return {name: base.get(name, "")}
        user = self.odoo_id.user_id
        if not user:
            return {name: ""}
        email = (user.email or user.login or "").lower()
        by_email = {owner_email: owner_id for owner_id, owner_email in owners.items()}
        if email not in by_email:
            raise HubspotValueError(
                self.env._(
                    "Salesperson %(user)s has no HubSpot user with e-mail %(email)s.",
                    user=user.name,
                    email=email,
                ),
                "unknown_owner",
                waiting=True,
            )
        return {name: by_email[email]}

    def _hubspot2odoo_owner(self, mapping, remote, payload):
        owner_id = remote[mapping.hubspot_properties[0]]
        if not owner_id:
            return {mapping.odoo_field: False}
        email = (self._hubspot_owner_emails() or {}).get(owner_id)
        user = email and self._hubspot_user_ids_by_email().get(email)
        if not user:
            raise HubspotValueError(
                self.env._(
                    "HubSpot owner %(owner)s (%(email)s) is no Odoo user: the salesperson "
                    "is set as soon as a user with that e-mail exists.",
                    owner=owner_id,
                    email=email or "?",
                ),
                "unknown_owner",
                waiting=True,
                fallback={mapping.odoo_field: False},
            )
        return {mapping.odoo_field: user}

    def _odoo2hubspot_deal_contact(self, mapping, base):
        name = mapping.hubspot_properties[0]
        partner = self.odoo_id.partner_id
        if not partner:
            return {name: base.get(name, "")}
        contact = self.env["hubspot.contact.binding"]._hubspot_of_records(self.company_id, partner)
        if not contact.hubspot_id:
            raise HubspotValueError(
                self.env._(
                    "Customer %(partner)s is not in HubSpot yet: the deal is sent without "
                    "its contact, which follows once the customer is linked (tag the "
                    "customer to sync it).",
                    partner=partner.display_name,
                ),
                "contact_not_linked",
                waiting=True,
            )
        return {name: contact.hubspot_id}

    def _hubspot2odoo_deal_contact(self, mapping, remote, payload):
        contact_id = remote[mapping.hubspot_properties[0]]
        if not contact_id:
            return {}
        company = self.env.company
        partner_id = self._hubspot_cached(("partner_ids", company.id), dict).get(contact_id)
        if not partner_id:
            linked = self.env["hubspot.contact.binding"]._hubspot_linked(company, [contact_id])
            partner_id = linked[contact_id].odoo_id.id if contact_id in linked else None
        if not partner_id:
            raise HubspotValueError(
                self.env._(
                    "HubSpot contact %(contact)s is not in Odoo yet; the customer is set "
                    "once it is.",
                    contact=contact_id,
                ),
                "contact_not_linked",
                waiting=True,
            )
        return {mapping.odoo_field: partner_id}

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
