from odoo import models
from odoo.tools import is_html_empty


class MailMessage(models.Model):
    """Chatter messages that HubSpot activities are (internal notes)."""

    _name = "mail.message"
    _inherit = ["mail.message", "hubspot.activity.record"]

    def write(self, vals):
        if (
            not self.env.context.get("hubspot_import")
            and "body" in vals
            and is_html_empty(vals["body"])
        ):
            # Odoo's deletion from the chatter empties the message.
            self._hubspot_note_activity_removed(self.env._("Deleted"))
        return super().write(vals)
