from odoo import models


class HubspotLifecycleStage(models.Model):
    """Options of HubSpot's contact property ``lifecyclestage``."""

    _name = "hubspot.lifecycle.stage"
    _inherit = "hubspot.option.mixin"
    _description = "HubSpot Lifecycle Stage"
    _hubspot_property = "lifecyclestage"
