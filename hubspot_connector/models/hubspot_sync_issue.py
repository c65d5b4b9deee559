import functools

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools.translate import LazyTranslate

from .hubspot_common import notification

_lt = LazyTranslate(__name__)

# Why a new HubSpot object was left out of Odoo until a setting changes (see the bindings'
# _hubspot_accept_new).
LEFT_OUT_KINDS = ("no_pipeline", "unknown_pipeline", "pipeline_without_team")
# The issue's field that holds the Odoo record, by Odoo model.
RECORD_FIELDS = {"res.partner": "partner_id", "crm.lead": "lead_id"}
# What a person reads for each kind of problem: its label and what to do. The sync's
# own error kinds (``error_kind``) fall into these; any other one is a "Sync error".
PROBLEMS = {
    "ambiguous_match": (
        "Several possible matches",
        _lt(
            "Open the row, compare the candidates with the HubSpot record and link the "
            "right one; the sync never picks one for you."
        ),
    ),
    "differs_at_first_link": (
        "Values differ since the first link",
        _lt("Open the row and choose, per field, whether Odoo's or HubSpot's value is kept."),
    ),
    "merged": (
        "Merge to repeat on the other side",
        _lt("Merge the records the message names on the other side too, then retry."),
    ),
    "pipeline_without_team": (
        "Pipeline without sales team",
        _lt(
            "Open the pipeline and choose the sales team whose opportunities its deals "
            "become; the deals held back are imported at once."
        ),
    ),
    "unknown_pipeline": (
        "Unknown in Odoo: fetch from HubSpot",
        _lt(
            "Fetch the stages and lead statuses from HubSpot; what waits for them is read "
            "again at once."
        ),
    ),
    "no_pipeline": (
        "Deal without pipeline",
        _lt("Give the deals a pipeline in HubSpot; each is imported at its next change."),
    ),
    "unmapped_stage": (
        "Stage not mapped",
        _lt(
            "Open the stage mapping and choose the Odoo stage of this HubSpot stage; the "
            "deals waiting for it move at once."
        ),
    ),
    "not_on_synced_record": (
        "Activity on no synced record",
        _lt(
            "Associate the activity in HubSpot with a synced contact, company or deal, "
            "then retry (an association alone does not make HubSpot report a change)."
        ),
    ),
    "invalid_value": (
        "Value refused",
        _lt("Correct the value the message names, in Odoo or in HubSpot, then retry."),
    ),
    "error": (
        "Sync error",
        _lt(
            "Read the message; once its cause is fixed (connection, permissions, HubSpot's "
            "answer), retry."
        ),
    ),
    "other_review": ("Needs a decision", _lt("Read the message, decide, then retry.")),
}
ERROR_KIND_PROBLEMS = {
    "merged_in_odoo": "merged",
    "merged_in_hubspot": "merged",
    "unknown_stage": "unknown_pipeline",
    "unknown_option": "unknown_pipeline",
    "no_currency_rate": "invalid_value",
    "unknown_currency": "invalid_value",
    "unknown_country": "invalid_value",
    "unknown_state": "invalid_value",
    "cleaned_value": "invalid_value",
    "circular_association": "invalid_value",
    "VALIDATION_ERROR": "invalid_value",
    "HubspotValidationError": "invalid_value",
}
# Problems a new read of the HubSpot record (Retry) may solve.
RETRY_HELPS = ("invalid_value", "error", "merged", "other_review", "not_on_synced_record")


class HubspotSyncIssue(models.Model):
    """A HubSpot record the sync could not take over by itself.

    Either it needs a person to decide (an e-mail shared by several partners, a
    link another record already holds, an unmapped deal stage, values that
    differed when the records were first linked) or it failed with an error.
    One row per HubSpot record, reopened when the problem comes back.

    Issues name deals and quote their values, so they follow Odoo's access
    rules: sales managers and administrators see all of them; anyone else sees
    an issue only when they may read its Odoo record, and never one without.
    """

    _name = "hubspot.sync.issue"
    _description = "HubSpot Sync Issue"
    _order = "state, write_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    object_type = fields.Selection(
        selection="_selection_object_type", string="Object", required=True, readonly=True
    )
    hubspot_id = fields.Char(
        string="HubSpot ID",
        readonly=True,
        help="Empty for a record not in HubSpot yet, and for a row of several records.",
    )
    name = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    kind = fields.Selection(
        [("review", "Needs review"), ("failed", "Failing")], required=True, readonly=True
    )
    error_kind = fields.Char(
        string="Technical Kind", readonly=True, help="The sync's own name of the cause."
    )
    problem = fields.Selection(
        [(key, label) for key, (label, _todo) in PROBLEMS.items()],
        compute="_compute_problem",
        store=True,
    )
    what_to_do = fields.Text(compute="_compute_what_to_do", string="What to Do")
    message = fields.Text(readonly=True)
    res_id = fields.Integer(
        string="Odoo Record ID", readonly=True, index="btree_not_null", help="Of any object type."
    )
    hubspot_url = fields.Char(string="Open in HubSpot", compute="_compute_hubspot_url")
    group_key = fields.Char(
        readonly=True,
        help="What the HubSpot records of one row share (a pipeline): one problem, one row.",
    )
    held_hubspot_ids = fields.Json(
        readonly=True, help="The HubSpot records this problem holds back, read again once solved."
    )
    held_count = fields.Integer(string="Records Held Back", readonly=True)
    pipeline_id = fields.Many2one("hubspot.pipeline", readonly=True, index="btree_not_null")
    candidate_partner_ids = fields.Many2many("res.partner", string="Candidate Partners")
    link_partner_id = fields.Many2one(
        "res.partner",
        string="Link To",
        domain="[('id', 'in', candidate_partner_ids)]",
        help="The partner a person chose for this HubSpot contact.",
    )
    state = fields.Selection([("open", "Open"), ("done", "Solved")], default="open", required=True)
    partner_id = fields.Many2one(
        "res.partner", string="Odoo Contact", readonly=True, index="btree_not_null"
    )
    lead_id = fields.Many2one(
        "crm.lead", string="Odoo Opportunity", readonly=True, index="btree_not_null"
    )
    difference_ids = fields.One2many(
        "hubspot.sync.difference", "issue_id", string="Differences", readonly=True
    )

    _sql_constraints = [
        (
            "hubspot_record_uniq",
            "unique(company_id, object_type, hubspot_id)",
            "One issue per HubSpot record.",
        ),
        (
            "group_uniq",
            "unique(company_id, object_type, group_key)",
            "One issue per problem shared by several HubSpot records.",
        ),
    ]

    @api.depends("kind", "error_kind")
    def _compute_problem(self):
        for issue in self:
            kind = ERROR_KIND_PROBLEMS.get(issue.error_kind, issue.error_kind)
            if kind not in PROBLEMS:
                if (issue.error_kind or "").startswith("invalid_"):
                    kind = "invalid_value"
                else:
                    kind = "other_review" if issue.kind == "review" else "error"
            issue.problem = kind

    @api.depends("problem")
    def _compute_what_to_do(self):
        for issue in self:
            issue.what_to_do = issue.problem and self.env._(PROBLEMS[issue.problem][1])

    @api.depends("hubspot_id", "object_type", "company_id")
    def _compute_hubspot_url(self):
        types = self.env["hubspot.binding"]._hubspot_types()
        for issue in self:
            binding_model = types.get(issue.object_type)
            issue.hubspot_url = (
                binding_model._hubspot_record_url(issue.company_id, issue.hubspot_id)
                if binding_model is not None
                else False
            )

    @api.model
    def _selection_object_type(self):
        return self.env["hubspot.binding"]._hubspot_type_selection()

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self._hubspot_sees_all():
            domain = expression.AND([domain, self._hubspot_readable_domain()])
        return super()._search(domain, offset, limit, order)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if operation != "read" or not self or self._hubspot_sees_all():
            return result
        allowed = self - result[0] if result else self
        forbidden = allowed - self.search([("id", "in", allowed.ids)])
        if not forbidden:
            return result
        forbidden |= result[0] if result else self.browse()
        return forbidden, functools.partial(
            self.env["ir.rule"]._make_access_error, operation, forbidden
        )

    @api.model
    def _hubspot_sees_all(self):
        user = self.env.user
        return (
            self.env.su
            or user.has_group("sales_team.group_sale_manager")
            or user.has_group("base.group_system")
        )

    @api.model
    def _hubspot_readable_domain(self):
        """Issues of an Odoo record the current user may read (its record rules apply)."""
        leads = self.env["crm.lead"].with_context(active_test=False)._search([])
        partners = self.env["res.partner"].with_context(active_test=False)._search([])
        return ["|", ("lead_id", "in", leads), ("partner_id", "in", partners)]

    @api.model
    def _report(
        self, company, object_type, hubspot_id, kind, error_kind, message, binding=None, **values
    ):
        """Open (or reopen) the issue of a HubSpot record, tied to its Odoo record if any.

        ``binding`` names the record when it has no HubSpot id yet (a record Odoo
        could not send): its issue is then found by its Odoo record.
        """
        binding_model = self.env["hubspot.binding"]._hubspot_types()[object_type]
        if binding is None and hubspot_id:
            binding = binding_model._hubspot_linked(company, [hubspot_id]).get(hubspot_id)
        record = binding.odoo_id if binding else binding_model._odoo_model().browse()
        # A record that failed before it had a HubSpot id keeps its row once it has one.
        by_record = ["&", ("hubspot_id", "=", False), ("res_id", "=", record.id)]
        if not hubspot_id:
            where = by_record
        elif record:
            where = ["|", ("hubspot_id", "=", hubspot_id), *by_record]
        else:
            where = [("hubspot_id", "=", hubspot_id)]
        issue = self.sudo().search(
            [("company_id", "=", company.id), ("object_type", "=", object_type), *where],
            limit=1,
        )
        vals = self._report_vals(
            company, object_type, hubspot_id, kind, error_kind, message, record, **values
        )
        if issue:
            issue.write(vals)
            return issue
        return self.sudo().create(vals)

    @api.model
    def _report_vals(
        self, company, object_type, hubspot_id, kind, error_kind, message, record, **values
    ):
        """The values of an open issue of a HubSpot record and its Odoo ``record``."""
        binding_model = self.env["hubspot.binding"]._hubspot_types()[object_type]
        shown = binding_model._hubspot_shown_record(record)
        record_field = RECORD_FIELDS.get(shown._name)
        if record_field:
            values.setdefault(record_field, shown.id)
        values.setdefault("res_id", record.id)
        values.setdefault("difference_ids", [Command.clear()])
        return dict(
            values,
            company_id=company.id,
            object_type=object_type,
            kind=kind,
            error_kind=error_kind,
            message=message,
            state="open",
            hubspot_id=hubspot_id or False,
        )

    @api.model
    def _report_held(
        self, company, object_type, group_key, hubspot_id, error_kind, message, **values
    ):
        """List a HubSpot record held back by a problem it shares with others (a
        pipeline without sales team): one row per problem, counting the records."""
        issue = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("object_type", "=", object_type),
                ("group_key", "=", group_key),
            ]
        )
        held = issue.held_hubspot_ids or [] if issue.state == "open" else []
        held = sorted(set(held) | {hubspot_id})
        vals = dict(
            values,
            kind="review",
            error_kind=error_kind,
            message=message,
            state="open",
            held_hubspot_ids=held,
            held_count=len(held),
        )
        if issue:
            issue.write(vals)
            return issue
        return self.sudo().create(
            dict(vals, company_id=company.id, object_type=object_type, group_key=group_key)
        )

    @api.model
    def _solve(self, company, object_type, hubspot_ids):
        self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("object_type", "=", object_type),
                ("hubspot_id", "in", list(hubspot_ids)),
                ("state", "=", "open"),
            ]
        ).write({"state": "done"})

    @api.model
    def _solve_failures(self, bindings):
        """Close the failures of ``bindings``, which synced since (found by Odoo record too:
        a record that failed before it was in HubSpot has an issue without HubSpot id)."""
        for company in bindings.company_id:
            mine = bindings.filtered(lambda b, company=company: b.company_id == company)
            self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    ("object_type", "=", mine._hubspot_object_type),
                    ("kind", "=", "failed"),
                    ("state", "=", "open"),
                    "|",
                    ("hubspot_id", "in", [b.hubspot_id for b in mine if b.hubspot_id]),
                    ("res_id", "in", mine.odoo_id.ids),
                ]
            ).write({"state": "done"})

    @api.model
    def _hubspot_overview(self, company):
        """Open issues of ``company`` counted as Sync Health lists them: by problem, by kind
        (review, failing) and by object type, each ``[(label, count)]`` by count."""
        domain = [("company_id", "=", company.id), ("state", "=", "open")]
        overview = {}
        for field in ("problem", "kind", "object_type"):
            labels = dict(self._fields[field]._description_selection(self.env))
            groups = self._read_group(domain, [field], ["__count"], order="__count desc")
            overview[field] = [(labels.get(value, value), count) for value, count in groups]
        return overview

    def action_link_partner(self):
        """Link the HubSpot record to the partner a person chose (journaled), then sync it."""
        self.ensure_one()
        partner = self.link_partner_id
        binding_model = self.env["hubspot.binding"]._hubspot_types()[self.object_type]
        if binding_model._odoo_model()._name != "res.partner" or not partner:
            raise UserError(self.env._("Choose the partner to link this HubSpot record to."))
        note = self.env._("Chosen by %(user)s in Sync Health.", user=self.env.user.name)
        holder = binding_model._hubspot_linked(self.company_id, [self.hubspot_id]).get(
            self.hubspot_id
        )
        binding = binding_model._hubspot_ensure(self.company_id, partner)
        if holder and holder != binding:
            holder._drop_link(note)
        binding._link_to(self.hubspot_id, note)
        self.state = "done"
        self._retry()
        return self._notify(
            self.env._(
                "Linked to %(partner)s; the journal keeps who linked it. The records sync "
                "at the next run of the queue job, started now.",
                partner=partner.display_name,
            )
        )

    def action_create_record(self):
        """Make a new Odoo record of the HubSpot record instead of linking a candidate."""
        self.ensure_one()
        company = self.company_id
        binding_model = self.env["hubspot.binding"]._hubspot_types()[self.object_type].sudo()
        client = company._hubspot_client()
        found, _gone, unread = binding_model._hubspot_read_by_ids([self.hubspot_id], client)
        if not found:
            return self._notify(
                unread.get(self.hubspot_id) or self.env._("HubSpot no longer has this record."),
                "danger",
            )
        binding_model._hubspot_enrich(found, company, client)
        limits = binding_model._hubspot_text_limits()
        payloads = [binding_model._hubspot_clean_payload(payload, limits) for payload in found]
        created, _failed = binding_model._create_from_hubspot(payloads, company)
        if not created:
            return self._notify(
                self.env._("The record could not be created: see its row."), "danger"
            )
        self.state = "done"
        record = binding_model._hubspot_linked(company, [self.hubspot_id])[self.hubspot_id].odoo_id
        return self._notify(
            self.env._(
                "Created %(record)s from HubSpot and linked it; the journal keeps it.",
                record=record.display_name,
            )
        )

    @api.model
    def _retry_left_out(self, company):
        """Read again the objects left out for a setting (a deal's pipeline), after it changed.

        Each is closed until it is read: one still left out is listed again.
        """
        issues = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("error_kind", "in", LEFT_OUT_KINDS),
                ("state", "=", "open"),
            ]
        )
        if issues:
            issues.state = "done"
            issues._retry()

    def _retry(self):
        """Read the HubSpot records again at the next run of the queue job."""
        queue = self.env["hubspot.sync.queue"].sudo()
        for issue in self:
            hubspot_ids = [issue.hubspot_id] if issue.hubspot_id else issue.held_hubspot_ids
            if hubspot_ids:
                queue._enqueue(
                    issue.company_id, "fetch", issue.object_type, hubspot_ids=hubspot_ids
                )
            elif issue.res_id:
                binding_model = self.env["hubspot.binding"]._hubspot_types()[issue.object_type]
                binding_model._hubspot_retry(binding_model._odoo_model().browse(issue.res_id))
        queue._trigger_job()

    def action_retry(self):
        self._retry()
        return self._notify(
            self.env._(
                "%(count)s record(s) will be synced again at the next run of the queue job, "
                "started now. Solved rows leave this list.",
                count=len(self),
            )
        )

    def action_open_record(self):
        """The Odoo record of the issue, whatever its object type (an activity's: the
        record it is on)."""
        self.ensure_one()
        binding_model = self.env["hubspot.binding"]._hubspot_types()[self.object_type]
        record = binding_model._odoo_model().browse(self.res_id).exists()
        record = binding_model._hubspot_shown_record(record) or record
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_open_pipeline(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "hubspot.pipeline",
            "res_id": self.pipeline_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_open_stage_mapping(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hubspot_connector.hubspot_stage_mapping_action"
        )
        action["context"] = {"search_default_unmapped": 1, "search_default_group_pipeline": 1}
        return action

    def action_fetch_from_hubspot(self):
        """Fetch pipelines, stages and options: what waits for them is read again."""
        messages = []
        for company in self.company_id:
            messages.append(company._hubspot_fetch_metadata_message())
        kind = "danger" if any(kind == "danger" for kind, _m in messages) else "success"
        return self._notify(" ".join(message for _k, message in messages), kind)

    def _notify(self, message, kind="success"):
        return notification(self.env, message, kind, reload=True)
