from odoo import api, models
from odoo.tools import is_html_empty


class MailMessage(models.Model):
    """Chatter messages that HubSpot activities are (internal notes): what Odoo's edits send.

    Only messages an activity type fits (``_hubspot_fits``) are looked at; what the
    sync itself writes (``hubspot_import``) is never sent back.
    """

    _inherit = "mail.message"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        if not self.env.context.get("hubspot_import"):
            messages._hubspot_note_changed()
        return messages

    def write(self, vals):
        if self.env.context.get("hubspot_import"):
            return super().write(vals)
        removed = self.browse()
        if "body" in vals and is_html_empty(vals["body"]):
            # Odoo's deletion from the chatter empties the message.
            removed = self
            self._hubspot_note_removed(self.env._("Deleted"))
        result = super().write(vals)
        (self - removed)._hubspot_note_changed(vals)
        return result

    def unlink(self):
        if not self.env.context.get("hubspot_import"):
            self._hubspot_note_removed(self.env._("Deleted"))
        return super().unlink()

    def _hubspot_types_fitting(self):
        """``[(binding model, messages it stands for)]`` among ``self``."""
        result = []
        for binding_model in self.env["hubspot.binding"]._hubspot_binding_models(self._name):
            fitting = binding_model._hubspot_fits(self)
            if fitting:
                result.append((binding_model, fitting))
        return result

    def _hubspot_note_changed(self, vals=None):
        for binding_model, messages in self._hubspot_types_fitting():
            if vals is None or binding_model._hubspot_tracked_fields().intersection(vals):
                binding_model._hubspot_note_odoo_change(messages)

    def _hubspot_note_removed(self, how):
        for binding_model in self.env["hubspot.binding"]._hubspot_binding_models(self._name):
            binding_model._hubspot_note_odoo_removal(self, how)
