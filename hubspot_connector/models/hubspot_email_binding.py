from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import plaintext2html

from .hubspot_common import HubspotAssociation

# What HubSpot shows instead of an e-mail's content to a token without sales-email-read.
REDACTED = "REDACTED"
CONTENT = ("hs_email_subject", "hs_email_html", "hs_email_text")


class HubspotEmailBinding(models.Model):
    """A HubSpot e-mail and the chatter entry that shows it in Odoo, one way.

    HubSpot e-mails (logged by its inbox or e-mail integrations) appear in
    the chatter as they were: subject, direction, sender, recipients, body.
    Odoo's own chatter e-mails are not sent to HubSpot, which may log them
    through its own e-mail integration already. Their content needs the
    ``sales-email-read`` scope; without it HubSpot hides it, and the entry and
    the settings say so.
    """

    _name = "hubspot.email.binding"
    _inherit = "hubspot.message.binding"
    _description = "HubSpot E-mail Binding"
    _hubspot_object_type = "emails"
    _hubspot_object_label = "E-mail"
    _hubspot_type_id = "0-49"
    _hubspot_enabled_field = "hubspot_sync_emails"
    _hubspot_odoo_id_property = "odoo_email_message_id"
    _hubspot_odoo_id_label = "Odoo message ID"
    _hubspot_associations = (
        HubspotAssociation("deals", 210),
        HubspotAssociation("contacts", 198),
        HubspotAssociation("companies", 186),
    )
    _hubspot_converters = {"email_log": "E-mail (shown in the chatter)"}

    odoo_id = fields.Many2one(
        "mail.message", string="Message", required=True, readonly=True, ondelete="cascade"
    )

    @api.model
    def _hubspot_fits(self, records):
        """None: Odoo's messages never become HubSpot e-mails."""
        return records.browse()

    @api.model
    def _hubspot_push_scope(self, company, records):
        return records.browse()

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        return dict(super()._hubspot_create_defaults(payload, company), message_type="email")

    @api.model
    def _hubspot_payload_label(self, payload):
        subject = payload["properties"].get("hs_email_subject")
        return subject if subject and subject != REDACTED else payload["id"]

    def _odoo2hubspot_email_log(self, mapping, base):
        return {name: base.get(name, "") for name in mapping.hubspot_properties}

    def _hubspot2odoo_email_log(self, mapping, remote, payload):
        if any(remote.get(name) == REDACTED for name in CONTENT):
            self.env.company.sudo().hubspot_email_content_redacted = True
            body = Markup("<p><i>%s</i></p>") % self.env._(
                "HubSpot hides this e-mail's content: the private app lacks the "
                "sales-email-read scope."
            )
            subject = False
        else:
            html = remote.get("hs_email_html")
            text = remote.get("hs_email_text")
            body = Markup(
                self._hubspot_sanitized(mapping, html or (plaintext2html(text) if text else ""))
            )
            subject = remote.get("hs_email_subject") or False
        direction = {
            "INCOMING_EMAIL": self.env._("Received"),
            "FORWARDED_EMAIL": self.env._("Forwarded"),
        }.get(remote.get("hs_email_direction"), self.env._("Sent"))
        sender = " ".join(
            filter(
                None,
                (
                    remote.get("hs_email_from_firstname"),
                    remote.get("hs_email_from_lastname"),
                    remote.get("hs_email_from_email") and f"<{remote['hs_email_from_email']}>",
                ),
            )
        )
        header = Markup("<p><b>%s</b> %s</p><p>%s</p>") % (
            direction,
            self.env._("from %(sender)s", sender=sender or "?"),
            self.env._("To: %(to)s", to=(remote.get("hs_email_to_email") or "").replace(";", ", ")),
        )
        return {mapping.odoo_field: header + body, "subject": subject}
