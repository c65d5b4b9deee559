from odoo import api, fields, models
from odoo.tools import is_html_empty

from .hubspot_common import HubspotAssociation


class HubspotNoteBinding(models.Model):
    """A HubSpot note and the internal note (chatter message) it is in Odoo."""

    _name = "hubspot.note.binding"
    _inherit = "hubspot.message.binding"
    _description = "HubSpot Note Binding"
    _hubspot_object_type = "notes"
    _hubspot_object_label = "Note"
    _hubspot_type_id = "0-46"
    _hubspot_enabled_field = "hubspot_sync_notes"
    _hubspot_odoo_id_property = "odoo_message_id"
    _hubspot_odoo_id_label = "Odoo message ID"
    _hubspot_associations = (
        HubspotAssociation("deals", 214),
        HubspotAssociation("contacts", 202),
        HubspotAssociation("companies", 190),
    )

    odoo_id = fields.Many2one(
        "mail.message", string="Message", required=True, readonly=True, ondelete="cascade"
    )

    @api.model
    def _hubspot_fits(self, records):
        """Internal notes with a body on a record a holder type syncs; not the messages of
        an activity (a done activity, a logged call)."""
        note = self.env.ref("mail.mt_note")
        models_ = self._hubspot_holder_models()
        return records.filtered(
            lambda m: (
                m.message_type == "comment"
                and m.subtype_id == note
                and not m.mail_activity_type_id
                and m.model in models_
                and not is_html_empty(m.body)
            )
        )

    @api.model
    def _hubspot_payload_label(self, payload):
        return self.env._("Note %(id)s", id=payload["id"])
