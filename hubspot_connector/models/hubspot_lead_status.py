from odoo import models


class HubspotLeadStatus(models.Model):
    """Options of HubSpot's contact property ``hs_lead_status``."""

    _name = "hubspot.lead.status"
    _inherit = "hubspot.option.mixin"
    _description = "HubSpot Lead Status"
    _hubspot_property = "hs_lead_status"
