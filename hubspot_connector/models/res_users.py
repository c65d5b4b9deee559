from odoo import api, models


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
        """HubSpot owners get their user now, and their records of every type with them."""
        self.env["hubspot.owner"]._hubspot_rematch_all()
