from odoo import api, fields, models


class ResPartner(models.Model):
    """Partners sync with HubSpot contacts (``hubspot.contact.binding``)."""

    _name = "res.partner"
    _inherit = ["res.partner", "hubspot.bound.mixin"]
    _hubspot_binding_model = "hubspot.contact.binding"

    hubspot_binding_ids = fields.One2many(
        "hubspot.contact.binding", "odoo_id", string="HubSpot Contacts", readonly=True
    )
    hubspot_lead_status = fields.Selection(
        selection="_selection_hubspot_lead_status",
        string="HubSpot Lead Status",
        index=True,
        copy=False,
    )
    hubspot_lifecycle_stage = fields.Selection(
        selection="_selection_hubspot_lifecycle_stage",
        string="HubSpot Lifecycle Stage",
        index=True,
        copy=False,
    )

    @api.model
    def _selection_hubspot_lead_status(self):
        return self.env["hubspot.lead.status"]._selection()

    @api.model
    def _selection_hubspot_lifecycle_stage(self):
        return self.env["hubspot.lifecycle.stage"]._selection()
