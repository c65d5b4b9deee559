from odoo import api, fields, models


class ResPartner(models.Model):
    """Partners sync with HubSpot contacts (``hubspot.contact.binding``), company partners
    with HubSpot companies (``hubspot.company.binding``)."""

    _name = "res.partner"
    _inherit = ["res.partner", "hubspot.bound.mixin"]

    hubspot_binding_ids = fields.One2many(
        "hubspot.contact.binding", "odoo_id", string="HubSpot Contacts", readonly=True
    )
    hubspot_company_binding_ids = fields.One2many(
        "hubspot.company.binding", "odoo_id", string="HubSpot Companies", readonly=True
    )
    # As HubSpot holds them in the current company's portal: a shared partner may have
    # a status of its own in each.
    hubspot_lead_status = fields.Selection(
        selection="_selection_hubspot_lead_status",
        string="HubSpot Lead Status",
        company_dependent=True,
        copy=False,
    )
    hubspot_lifecycle_stage = fields.Selection(
        selection="_selection_hubspot_lifecycle_stage",
        string="HubSpot Lifecycle Stage",
        company_dependent=True,
        copy=False,
    )

    @api.model_create_multi
    def create(self, vals_list):
        with self._hubspot_changes_noted_once() as model:
            return super(ResPartner, model).create(vals_list).with_env(self.env)

    @api.model
    def _selection_hubspot_lead_status(self):
        return self.env["hubspot.lead.status"]._selection()

    @api.model
    def _selection_hubspot_lifecycle_stage(self):
        return self.env["hubspot.lifecycle.stage"]._selection()

    def action_hubspot_link_review(self):
        """Link the HubSpot record of the Sync Health review in the context to this
        candidate: the one click of a review."""
        self.ensure_one()
        issue = self.env["hubspot.sync.issue"].browse(self.env.context.get("hubspot_issue_id"))
        issue.link_partner_id = self
        return issue.action_link_partner()
