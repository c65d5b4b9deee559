import json

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import email_normalize, is_html_empty, plaintext2html

from .hubspot_common import HubspotAssociation

# What HubSpot shows instead of an e-mail's content to a token without sales-email-read.
REDACTED = "REDACTED"
CONTENT = ("hs_email_subject", "hs_email_html", "hs_email_text")
# What HubSpot fills from ``hs_email_headers`` (read-only).
FROM_HEADERS = (
    "hs_email_from_email",
    "hs_email_from_firstname",
    "hs_email_from_lastname",
    "hs_email_to_email",
)


class HubspotEmailBinding(models.Model):
    """A HubSpot e-mail and the chatter entry that shows it in Odoo.

    HubSpot e-mails (logged by its inbox or e-mail integrations) appear in
    the chatter as they were: subject, direction, sender, recipients, body.
    Odoo's own chatter e-mails are sent to HubSpot only when the company's
    e-mail direction says both ways: HubSpot may log them through its own
    e-mail integration already. Their content needs the ``sales-email-read``
    scope; without it HubSpot hides it, and the entry and the settings say so.
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
        """E-mails in the chatter of a record a holder type syncs: received (``email``)
        or sent to the followers (a comment of the "Discussions" subtype)."""
        comment = self.env.ref("mail.mt_comment")
        models_ = self._hubspot_holder_models()
        return records.filtered(
            lambda m: (
                (
                    m.message_type == "email"
                    or (m.message_type == "comment" and m.subtype_id == comment)
                )
                and m.model in models_
                and not is_html_empty(m.body)
            )
        )

    @api.model
    def _hubspot_push_scope(self, company, records):
        if company.hubspot_email_direction != "both":
            return records.browse()
        return super()._hubspot_push_scope(company, records)

    @api.model
    def _properties_of(self, plan):
        """HubSpot fills the sender and recipients from the headers: never sent."""
        return {k: v for k, v in super()._properties_of(plan).items() if k not in FROM_HEADERS}

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        return dict(super()._hubspot_create_defaults(payload, company), message_type="email")

    @api.model
    def _hubspot_payload_label(self, payload):
        subject = payload["properties"].get("hs_email_subject")
        return subject if subject and subject != REDACTED else payload["id"]

    def _odoo2hubspot_email_log(self, mapping, base):
        """An e-mail made in Odoo as HubSpot logs one; afterwards, as HubSpot has it (an
        e-mail is not edited)."""
        names = mapping.hubspot_properties
        if self.hubspot_id or base.get("hs_email_direction"):
            return {name: base.get(name, "") for name in names}
        message = self.odoo_id
        sender = message.author_id
        sender_email = sender.email_normalized or email_normalize(message.email_from or "") or ""
        recipients = (message.partner_ids | message.notification_ids.res_partner_id) - sender
        to = [
            {"email": partner.email_normalized, "firstName": partner.name}
            for partner in recipients
            if partner.email_normalized
        ]
        headers = {
            "from": {"email": sender_email, "firstName": sender.name or ""},
            "to": to,
            "cc": [],
            "bcc": [],
        }
        values = {
            "hs_email_subject": message.subject or message.record_name or "",
            "hs_email_direction": "INCOMING_EMAIL" if message.message_type == "email" else "EMAIL",
            "hs_email_html": self._hubspot_sanitized(mapping, message.body),
            "hs_email_headers": json.dumps(headers),
            # What HubSpot fills from the headers, agreed on without being sent.
            "hs_email_from_email": sender_email,
            "hs_email_from_firstname": sender.name or "",
            "hs_email_to_email": ";".join(person["email"] for person in to),
        }
        return {name: values.get(name, "") for name in names}

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
