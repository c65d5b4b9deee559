from odoo import api, fields, models

from .hubspot_sync_mixin import IMPORT_CONTEXT, HubspotValueError, parse_hubspot_datetime

CONTACT_ASSOCIATION = "associations.contacts"
OWNER_PROPERTY = "hubspot_owner_id"


class CrmLead(models.Model):
    """HubSpot deals <-> opportunities."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "hubspot.sync.mixin"]
    _hubspot_object_type = "deals"
    # A lost opportunity is archived in Odoo; it is a closed-lost deal, not a deletion.
    _hubspot_archive_is_removal = False
    _hubspot_odoo_id_property = "odoo_opportunity_id"
    _hubspot_odoo_id_label = "Odoo opportunity ID"
    _hubspot_property_group = "dealinformation"

    # HubSpot's amount is in the deal's currency, Odoo's expected revenue in the company's:
    # an import converts it; an edit in Odoo is converted back into the deal's currency.
    hubspot_amount = fields.Monetary(
        string="Amount in HubSpot",
        currency_field="hubspot_currency_id",
        copy=False,
        readonly=True,
        help="The deal amount in the deal's currency, as HubSpot holds it.",
    )
    hubspot_currency_id = fields.Many2one(
        "res.currency", string="HubSpot Deal Currency", copy=False, readonly=True
    )

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("hubspot_import"):
            amount_fields = {
                m.odoo_field for m in self._hubspot_mappings() if m.converter == "amount"
            }
            if amount_fields.intersection(vals):
                self._hubspot_convert_back(amount_fields.pop())
        return result

    # ------------------------------------------------------------------
    # Scope
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_sync_enabled(self, company):
        return company.hubspot_sync_deals

    @api.model
    def _hubspot_pipelines(self, company):
        """The company's pipelines that a sales team syncs."""
        Pipeline = self.env["hubspot.pipeline"].sudo()
        return Pipeline.browse(
            self._hubspot_cached(
                ("pipelines", company.id),
                lambda: (
                    Pipeline.search([("company_id", "=", company.id), ("team_id", "!=", False)]).ids
                ),
            )
        )

    def _hubspot_push_scope(self, company):
        """Opportunities of a sales team mapped to one of the company's pipelines."""
        teams = self._hubspot_pipelines(company).team_id
        return self.filtered(
            lambda lead: (
                lead.type == "opportunity"
                and lead.team_id in teams
                and lead.hubspot_company_id in (company, self.env["res.company"])
            )
        )

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
        if pipeline_id in self._hubspot_pipelines(company).mapped("hubspot_id"):
            return None
        if pipeline_id in self._hubspot_pipeline_names(company):
            return "pipeline_without_team"
        return "unknown_pipeline"

    @api.model
    def _hubspot_pipeline_names(self, company):
        """Names of all the company's known pipelines, by HubSpot id."""
        Pipeline = self.env["hubspot.pipeline"].sudo().with_context(active_test=False)
        return self._hubspot_cached(
            ("pipeline_names", company.id),
            lambda: {
                p.hubspot_id: p.name for p in Pipeline.search([("company_id", "=", company.id)])
            },
        )

    @api.model
    def _hubspot_report_left_out(self, payload, company, reason):
        """Every deal left out is listed with its reason; a pipeline change retries it."""
        pipeline_id = payload["properties"].get("pipeline")
        pipeline = self._hubspot_pipeline_names(company).get(pipeline_id, pipeline_id)
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
    # Merge: the survivor keeps the link
    # ------------------------------------------------------------------

    def _merge_opportunity(self, user_id=False, team_id=False, auto_unlink=True, max_length=5):
        """Keep the HubSpot link on the opportunity that survives a merge.

        The head keeps its own link, or takes the link of a merged one. Links are
        taken off first, so that the deletion of the merged opportunities is not
        mistaken for a deletion to send; any other deal is listed for review.
        """
        links = {
            lead.id: (lead.display_name, lead.hubspot_company_id, lead.hubspot_id)
            for lead in self.filtered("hubspot_id")
        }
        self.filtered("hubspot_id")._hubspot_unlink(self.env._("Merged in Odoo."))
        head = super()._merge_opportunity(
            user_id=user_id, team_id=team_id, auto_unlink=auto_unlink, max_length=max_length
        )
        own = links.pop(head.id, None)
        for name, company, hubspot_id in ([own] if own else []) + list(links.values()):
            if not head.hubspot_id:
                note = self.env._("Kept by the merge of %(name)s.", name=name)
                head._hubspot_link(company, hubspot_id, note)
                continue
            self.env["hubspot.sync.issue"]._report(
                company,
                "deals",
                hubspot_id,
                "review",
                "merged_in_odoo",
                self.env._(
                    "%(name)s, linked to this HubSpot deal, was merged in Odoo into %(head)s, "
                    "which stays linked to HubSpot deal %(kept)s. Merge the deals in HubSpot too.",
                    name=name,
                    head=head.display_name,
                    kept=head.hubspot_id,
                ),
            )
        return head

    # ------------------------------------------------------------------
    # Pipelines and stages: automatic (1:1) or custom mapping
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_setup_pipelines(self, pipelines, company):
        """Map the default pipeline to a team out of the box; apply automatic stages.

        A fresh install then syncs deals of HubSpot's default pipeline with the
        company's first sales team, with no extra setup.
        """
        if not pipelines.filtered("team_id"):
            default = pipelines.filtered(lambda p: p.hubspot_id == "default")[:1] or pipelines[:1]
            team = self.env["crm.team"].search(
                [("company_id", "in", (company.id, False))], order="sequence, id", limit=1
            )
            if default and team:
                default.team_id = team
        if company.hubspot_stage_mapping_mode == "automatic":
            for pipeline in pipelines.filtered("team_id"):
                self._hubspot_apply_automatic_stages(pipeline)

    @api.model
    def _hubspot_apply_automatic_stages(self, pipeline):
        """Make the team's Odoo stages follow HubSpot's pipeline 1:1.

        Stages are created or renamed and ordered; the won stage is marked.
        Closed-lost has no stage: lost opportunities are archived with a reason,
        as Odoo does. Odoo stages are never deleted, so opportunities keep theirs.
        """
        Stage = self.env["crm.stage"].sudo()
        for mapping in pipeline.stage_mapping_ids.sorted("sequence"):
            if mapping.is_lost:
                mapping.stage_id = False
                continue
            vals = {
                "name": mapping.name,
                "sequence": mapping.sequence,
                "is_won": mapping.is_won,
                "team_id": pipeline.team_id.id,
            }
            if mapping.stage_id:
                mapping.stage_id.write(vals)
            else:
                mapping.stage_id = Stage.create(vals)

    def _hubspot_pipeline(self):
        return self._hubspot_pipelines(self.env.company).filtered(
            lambda p: p.team_id == self.team_id
        )[:1]

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
            p
            for p in payloads
            if not (p["id"] in linked and linked[p["id"]]._hubspot_is_unchanged(p))
        ]
        if not payloads:
            return
        contacts = client.batch_read_associations("deals", "contacts", [p["id"] for p in payloads])
        for payload in payloads:
            linked = contacts.get(payload["id"]) or []
            payload["properties"][CONTACT_ASSOCIATION] = min(linked, key=int) if linked else ""

    @api.model
    def _hubspot_after_run(self, company):
        """Take up contacts linked by a concurrent run while this one left deals waiting.

        The link's own event fires in a transaction that cannot see deals marked
        waiting by a run still open, so each run looks again once committed.
        """
        leads = self._hubspot_waiting_records(company)
        contact_ids = {
            lead.hubspot_waiting[CONTACT_ASSOCIATION][0]
            for lead in leads
            if CONTACT_ASSOCIATION in (lead.hubspot_waiting or {})
        }
        partners = self.env["res.partner"].browse(
            [p.id for p in self.env["res.partner"]._hubspot_linked(company, contact_ids).values()]
        ) | leads.partner_id.filtered(lambda p: p.hubspot_company_id == company)
        if partners:
            self._hubspot_contacts_linked(company, partners)

    @api.model
    def _hubspot_contacts_linked(self, company, partners):
        """Deals take up the contacts just linked: as customer, and as association."""
        self._hubspot_reevaluate_waiting(
            company, {CONTACT_ASSOCIATION: set(partners.mapped("hubspot_id"))}
        )
        unsent = (
            self.sudo()
            .with_context(active_test=False)
            .search([("hubspot_company_id", "=", company.id), ("partner_id", "in", partners.ids)])
            .filtered(lambda lead: not (lead.hubspot_synced_values or {}).get(CONTACT_ASSOCIATION))
        )
        if unsent:
            self.env["hubspot.sync.queue"].sudo()._enqueue(
                company, "push", self._name, res_ids=unsent.ids
            )
            self._hubspot_trigger_queue_job()

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

    def _hubspot_other_currency(self):
        """Whether HubSpot holds this deal's amount in another currency than Odoo does."""
        return self.hubspot_currency_id and self.hubspot_currency_id != self.company_currency

    def _hubspot_convert_back(self, amount_field):
        """An amount edited in Odoo becomes the deal's amount in the deal's own currency."""
        for lead in self.filtered(lambda lead: lead._hubspot_other_currency()):
            amount = lead.company_currency._convert(
                lead[amount_field],
                lead.hubspot_currency_id,
                lead.company_id or self.env.company,
                lead.date_deadline or fields.Date.context_today(lead),
            )
            lead.with_context(**IMPORT_CONTEXT).hubspot_amount = amount

    def _hubspot_read_amount(self, mapping, base):
        # The deal's own amount, so the converted value never becomes HubSpot's.
        value = self.hubspot_amount if self._hubspot_other_currency() else self[mapping.odoo_field]
        return {mapping.hubspot_properties[0]: f"{value:.2f}" if value else ""}

    def _hubspot_normalize_amount(self, mapping, values, payload):
        normalized = {}
        for name, value in values.items():
            try:
                normalized[name] = f"{float(value):.2f}" if value and float(value) else ""
            except ValueError:
                normalized[name] = value
        return normalized

    def _hubspot_write_amount(self, mapping, remote, payload):
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
        closed = parse_hubspot_datetime(properties.get("closedate"))
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

    def _hubspot_read_date(self, mapping, base):
        value = self[mapping.odoo_field]
        return {mapping.hubspot_properties[0]: value.isoformat() if value else ""}

    def _hubspot_normalize_date(self, mapping, values, payload):
        normalized = {}
        for name, value in values.items():
            try:
                parsed = parse_hubspot_datetime(value)
            except ValueError:
                parsed = None
            normalized[name] = parsed.date().isoformat() if parsed else value
        return normalized

    def _hubspot_write_date(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        try:
            return {mapping.odoo_field: fields.Date.from_string(value) if value else False}
        except ValueError as error:
            raise HubspotValueError(
                self.env._("Invalid date %(date)r.", date=value), "invalid_date"
            ) from error

    def _hubspot_read_owner(self, mapping, base):
        """The HubSpot owner with the salesperson's e-mail."""
        name = mapping.hubspot_properties[0]
        owners = self._hubspot_owner_emails()
        if owners is None:
            return {name: base.get(name, "")}
        if not self.user_id:
            return {name: ""}
        email = (self.user_id.email or self.user_id.login or "").lower()
        by_email = {owner_email: owner_id for owner_id, owner_email in owners.items()}
        if email not in by_email:
            raise HubspotValueError(
                self.env._(
                    "Salesperson %(user)s has no HubSpot user with e-mail %(email)s.",
                    user=self.user_id.name,
                    email=email,
                ),
                "unknown_owner",
                waiting=True,
            )
        return {name: by_email[email]}

    def _hubspot_write_owner(self, mapping, remote, payload):
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

    def _hubspot_read_deal_contact(self, mapping, base):
        name = mapping.hubspot_properties[0]
        partner = self.partner_id
        if not partner:
            return {name: base.get(name, "")}
        if not partner.hubspot_id:
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
        return {name: partner.hubspot_id}

    def _hubspot_write_deal_contact(self, mapping, remote, payload):
        contact_id = remote[mapping.hubspot_properties[0]]
        if not contact_id:
            return {}
        company = self.env.company
        partner_id = self._hubspot_cached(("partner_ids", company.id), dict).get(contact_id)
        if not partner_id:
            linked = self.env["res.partner"]._hubspot_linked(company, [contact_id])
            partner_id = linked[contact_id].id if contact_id in linked else None
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

    def _hubspot_read_deal_stage(self, mapping, base):
        """Pipeline and stage of the opportunity; lost is the pipeline's closed-lost stage."""
        pipeline_name, stage_name = mapping.hubspot_properties
        pipeline = self._hubspot_pipeline()
        if not pipeline:
            return {
                pipeline_name: base.get(pipeline_name, ""),
                stage_name: base.get(stage_name, ""),
            }
        stages = pipeline.stage_mapping_ids
        if not self.active and self.probability == 0:
            candidates = stages.filtered("is_lost")
        else:
            candidates = stages.filtered(lambda m: m.stage_id == self.stage_id and not m.is_lost)
        if not candidates:
            raise HubspotValueError(
                self.env._(
                    "Odoo stage %(stage)s has no HubSpot stage in pipeline %(pipeline)s: "
                    "map it in the stage mapping.",
                    stage=self.stage_id.name if self.active else self.env._("Lost"),
                    pipeline=pipeline.name,
                ),
                "unmapped_stage",
                waiting=True,
            )
        # Several HubSpot stages may share one Odoo stage: keep the one HubSpot has.
        kept = candidates.filtered(lambda m: m.hubspot_stage_id == base.get(stage_name))
        return {
            pipeline_name: pipeline.hubspot_id,
            stage_name: (kept or candidates)[0].hubspot_stage_id,
        }

    def _hubspot_write_deal_stage(self, mapping, remote, payload):
        """Odoo stage, team, probability; closed-won is won, closed-lost is lost."""
        pipeline_name, stage_name = mapping.hubspot_properties
        pipeline = self._hubspot_pipelines(self.env.company).filtered(
            lambda p: p.hubspot_id == remote[pipeline_name]
        )
        stage = pipeline.stage_mapping_ids.filtered(
            lambda m: m.hubspot_stage_id == remote[stage_name]
        )
        if not pipeline or not stage:
            raise HubspotValueError(
                self.env._(
                    "HubSpot pipeline %(pipeline)s or stage %(stage)s is unknown: fetch the "
                    "stages in the settings.",
                    pipeline=remote[pipeline_name],
                    stage=remote[stage_name],
                ),
                "unknown_stage",
                waiting=True,
                blocking=True,
            )
        if stage.is_lost:
            reason = payload["properties"].get("closed_lost_reason") or self.env._(
                "Lost in HubSpot"
            )
            return {
                "team_id": pipeline.team_id.id,
                "active": False,
                "probability": 0,
                "lost_reason_id": self._hubspot_lost_reason(reason).id,
            }
        if not stage.stage_id:
            raise HubspotValueError(
                self.env._(
                    "HubSpot stage %(stage)s of %(pipeline)s is not mapped to an Odoo stage: "
                    "the deal waits until a sales manager maps it.",
                    stage=stage.name,
                    pipeline=pipeline.name,
                ),
                "unmapped_stage",
                waiting=True,
                blocking=True,
            )
        return {
            "team_id": pipeline.team_id.id,
            mapping.odoo_field: stage.stage_id.id,
            "probability": 100 if stage.is_won else stage.probability,
            "active": True,
            "lost_reason_id": False,
        }

    @api.model
    def _hubspot_lost_reason(self, name):
        Reason = self.env["crm.lost.reason"].sudo()
        return Reason.search([("name", "=ilike", name)], limit=1) or Reason.create({"name": name})
