from email.utils import formataddr

from odoo import api, fields, models
from odoo.tools import is_html_empty

from .hubspot_common import HubspotAssociation, HubspotValueError


class HubspotNoteBinding(models.Model):
    """A HubSpot note and the internal note (chatter message) it is in Odoo.

    The message is logged, never sent: no follower is notified. Its author is
    the Odoo user of the note's owner, else nobody, with the owner named as
    the sender.
    """

    _name = "hubspot.note.binding"
    _inherit = "hubspot.activity.binding"
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
    _hubspot_holder_fields = ("model", "res_id")

    odoo_id = fields.Many2one(
        "mail.message", string="Message", required=True, readonly=True, ondelete="cascade"
    )

    @api.model
    def _hubspot_fits(self, records):
        """Internal notes with a body on a record a holder type syncs."""
        note = self.env.ref("mail.mt_note")
        models_ = {target._odoo_model()._name for _name, target in self._hubspot_holder_types()}
        return records.filtered(
            lambda m: (
                m.message_type == "comment"
                and m.subtype_id == note
                and m.model in models_
                and not is_html_empty(m.body)
            )
        )

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        return {
            "message_type": "comment",
            "subtype_id": self.env.ref("mail.mt_note").id,
            "is_internal": True,
        }

    @api.model
    def _hubspot_payload_label(self, payload):
        return self.env._("Note %(id)s", id=payload["id"])

    def _hubspot_archive_odoo_record(self):
        """Empty the message as Odoo's own deletion from the chatter does."""
        self.odoo_id.with_context(hubspot_import=True, tracking_disable=True).sudo().write(
            {"body": ""}
        )

    # The author: a partner, where the generic owner converter gives a user.

    def _hubspot2odoo_owner(self, mapping, remote, payload):
        owner_id = remote[mapping.hubspot_properties[0]]
        if not owner_id:
            return {mapping.odoo_field: self.env.user.partner_id.id}
        try:
            vals = super()._hubspot2odoo_owner(mapping, remote, payload)
        except HubspotValueError as error:
            _user, email, name = self._hubspot_owner_map()["users"].get(owner_id, (0, "", ""))
            error.fallback = {
                mapping.odoo_field: False,
                "email_from": formataddr((name or owner_id, email)) if email else name or owner_id,
            }
            raise
        user = self.env["res.users"].browse(vals[mapping.odoo_field])
        return {mapping.odoo_field: user.partner_id.id}

    def _odoo2hubspot_owner(self, mapping, base):
        """The owner of the author's user; HubSpot's own when the author is none."""
        name = mapping.hubspot_properties[0]
        users = self.odoo_id[mapping.odoo_field].user_ids
        owners = self._hubspot_owner_map()["owners"]
        owner = next((owners[user.id] for user in users if user.id in owners), None)
        return {name: owner or base.get(name, "")}
