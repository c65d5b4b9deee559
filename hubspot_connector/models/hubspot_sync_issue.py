import functools

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

# Why a new HubSpot object was left out of Odoo until a setting changes (see the bindings'
# _hubspot_accept_new).
LEFT_OUT_KINDS = ("no_pipeline", "unknown_pipeline", "pipeline_without_team")
# The issue's field that holds the Odoo record, by Odoo model.
RECORD_FIELDS = {"res.partner": "partner_id", "crm.lead": "lead_id"}


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
    hubspot_id = fields.Char(string="HubSpot ID", required=True, readonly=True)
    name = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    kind = fields.Selection(
        [("review", "Needs review"), ("failed", "Failing")], required=True, readonly=True
    )
    error_kind = fields.Char(readonly=True, help="Groups issues of the same cause.")
    message = fields.Text(readonly=True)
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
    ]

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
    def _report(self, company, object_type, hubspot_id, kind, error_kind, message, **values):
        """Open (or reopen) the issue of a HubSpot record, tied to its Odoo record if any."""
        binding_model = self.env["hubspot.binding"]._hubspot_types()[object_type]
        binding = binding_model._hubspot_linked(company, [hubspot_id]).get(hubspot_id)
        record_field = RECORD_FIELDS.get(binding_model._odoo_model()._name)
        if record_field:
            values.setdefault(record_field, binding.odoo_id.id if binding else False)
        values.setdefault("difference_ids", [Command.clear()])
        issue = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("object_type", "=", object_type),
                ("hubspot_id", "=", hubspot_id),
            ]
        )
        vals = dict(values, kind=kind, error_kind=error_kind, message=message, state="open")
        if issue:
            issue.write(vals)
            return issue
        return self.sudo().create(
            dict(vals, company_id=company.id, object_type=object_type, hubspot_id=hubspot_id)
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
        return self.action_retry()

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
            issues.action_retry()

    def action_retry(self):
        """Read the HubSpot records again at the next run of the queue job."""
        queue = self.env["hubspot.sync.queue"].sudo()
        for issue in self:
            queue._enqueue(
                issue.company_id, "fetch", issue.object_type, hubspot_ids=[issue.hubspot_id]
            )
        queue._trigger_job()
        return True
