from odoo import api, fields, models
from odoo.exceptions import UserError


class HubspotSyncIssue(models.Model):
    """A HubSpot record the sync could not take over by itself.

    Either it needs a person to decide (an e-mail shared by several partners, a
    link another record already holds, an unmapped deal stage) or it failed with
    an error. One row per HubSpot record, reopened when the problem comes back.
    """

    _name = "hubspot.sync.issue"
    _description = "HubSpot Sync Issue"
    _order = "state, write_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    object_type = fields.Selection(
        [("contacts", "Contact"), ("deals", "Deal")], required=True, readonly=True
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

    _sql_constraints = [
        (
            "hubspot_record_uniq",
            "unique(company_id, object_type, hubspot_id)",
            "One issue per HubSpot record.",
        ),
    ]

    @api.model
    def _report(self, company, object_type, hubspot_id, kind, error_kind, message, **values):
        """Open (or reopen) the issue of a HubSpot record."""
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
        """Link the HubSpot contact to the partner a person chose (journaled), then sync it."""
        self.ensure_one()
        partner = self.link_partner_id
        if self.object_type != "contacts" or not partner:
            raise UserError(self.env._("Choose the partner to link this HubSpot contact to."))
        note = self.env._("Chosen by %(user)s in Sync Health.", user=self.env.user.name)
        holder = partner._hubspot_linked(self.company_id, [self.hubspot_id]).get(self.hubspot_id)
        if holder and holder != partner:
            holder._hubspot_unlink(note)
        partner._hubspot_link(self.company_id, self.hubspot_id, note)
        self.state = "done"
        return self.action_retry()

    def action_retry(self):
        """Read the HubSpot records again at the next run of the queue job."""
        model_by_type = {"contacts": "res.partner", "deals": "crm.lead"}
        for issue in self:
            self.env["hubspot.sync.queue"].sudo()._enqueue(
                issue.company_id,
                "fetch",
                model_by_type[issue.object_type],
                hubspot_ids=[issue.hubspot_id],
            )
        self.env.ref("hubspot_connector.ir_cron_hubspot_process_queue")._trigger()
        return True
