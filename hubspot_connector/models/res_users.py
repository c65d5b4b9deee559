from odoo import api, models

from .hubspot_deal_binding import OWNER_PROPERTY


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._hubspot_owner_may_match()
        return users

    def write(self, vals):
        result = super().write(vals)
        if {"email", "login", "active"}.intersection(vals):
            self._hubspot_owner_may_match()
        return result

    def _hubspot_owner_may_match(self):
        """Deals whose HubSpot owner had no Odoo user get their salesperson now."""
        for company in self.env["res.company"].sudo()._hubspot_companies():
            self.env["hubspot.deal.binding"]._hubspot_reevaluate_waiting(
                company, {OWNER_PROPERTY: None}
            )
