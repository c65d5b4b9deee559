from email.utils import formataddr

from odoo import api, models

from .hubspot_common import HubspotValueError


class HubspotMessageBinding(models.AbstractModel):
    """Activities that are chatter messages in Odoo (notes, logged calls).

    A message is logged, never sent: no follower is notified. Its author is
    the Odoo user of the activity's owner, else nobody, with the owner named
    as the sender. Deleting it in Odoo's chatter empties it, and so does
    HubSpot's deletion under the "archive" policy.
    """

    _name = "hubspot.message.binding"
    _inherit = "hubspot.activity.binding"
    _description = "HubSpot Activity Kept as a Message"
    _hubspot_holder_fields = ("model", "res_id")

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        return {
            "message_type": "comment",
            "subtype_id": self.env.ref("mail.mt_note").id,
            "is_internal": True,
        }

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
