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
        """Records whose HubSpot owner had no Odoo user get their user now, of every type."""
        types = self.env["hubspot.binding"]._hubspot_types().values()
        for company in self.env["res.company"].sudo()._hubspot_companies():
            for binding_model in types:
                owners = binding_model._hubspot_owner_properties()
                if owners:
                    binding_model._hubspot_reevaluate_waiting(company, dict.fromkeys(owners))
