from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import is_html_empty

from .hubspot_common import HubspotAssociation

CALL_TYPE = "mail.mail_activity_data_call"


class HubspotCallBinding(models.Model):
    """A HubSpot call and the chatter entry that logs it in Odoo.

    HubSpot's call is shown as it was logged (title, direction, duration,
    outcome, body) and stays HubSpot's: an edit of the entry in Odoo does not
    rewrite it. A "Call" activity marked done in Odoo becomes a logged call.
    """

    _name = "hubspot.call.binding"
    _inherit = "hubspot.message.binding"
    _description = "HubSpot Call Binding"
    _hubspot_object_type = "calls"
    _hubspot_object_label = "Call"
    _hubspot_type_id = "0-48"
    _hubspot_enabled_field = "hubspot_sync_calls"
    _hubspot_odoo_id_property = "odoo_call_message_id"
    _hubspot_odoo_id_label = "Odoo message ID"
    _hubspot_associations = (
        HubspotAssociation("deals", 206),
        HubspotAssociation("contacts", 194),
        HubspotAssociation("companies", 182),
    )
    _hubspot_converters = {"call_log": "Logged call (shown in the chatter)"}

    odoo_id = fields.Many2one(
        "mail.message", string="Message", required=True, readonly=True, ondelete="cascade"
    )

    @api.model
    def _hubspot_fits(self, records):
        """Messages of the "Call" activity type (logged calls, done call activities)."""
        call = self.env.ref(CALL_TYPE)
        models_ = self._hubspot_holder_models()
        return records.filtered(
            lambda m: (
                m.mail_activity_type_id == call and m.model in models_ and not is_html_empty(m.body)
            )
        )

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        return dict(
            super()._hubspot_create_defaults(payload, company),
            mail_activity_type_id=self.env.ref(CALL_TYPE).id,
        )

    @api.model
    def _hubspot_payload_label(self, payload):
        return payload["properties"].get("hs_call_title") or payload["id"]

    @api.model
    def _hubspot_dispositions(self):
        """``{id: label}`` of the portal's call outcomes, read once per run when needed."""
        cache = self.env.context.get("hubspot_run")
        if not cache:
            return {}
        return cache.get(
            "call_dispositions",
            lambda: {d["id"]: d["label"] for d in cache.client.get_call_dispositions()},
        )

    def _odoo2hubspot_call_log(self, mapping, base):
        """HubSpot's call as logged; a call done in Odoo as an outbound completed call."""
        if base:
            return {name: base.get(name, "") for name in mapping.hubspot_properties}
        message = self.odoo_id
        values = {
            "hs_call_title": self.env._("Call: %(record)s", record=message.record_name or ""),
            "hs_call_direction": "OUTBOUND",
            "hs_call_status": "COMPLETED",
            "hs_call_body": self._hubspot_sanitized(mapping, message[mapping.odoo_field]),
        }
        return {name: values.get(name, "") for name in mapping.hubspot_properties}

    def _hubspot2odoo_call_log(self, mapping, remote, payload):
        directions = {
            "INBOUND": self.env._("Inbound call"),
            "OUTBOUND": self.env._("Outbound call"),
        }
        details = [directions.get(remote.get("hs_call_direction"), self.env._("Call"))]
        duration = remote.get("hs_call_duration")
        if duration:
            seconds = round(float(duration) / 1000)
            details.append(
                self.env._("%(min)s min %(sec)02d s", min=seconds // 60, sec=seconds % 60)
            )
        disposition = remote.get("hs_call_disposition")
        outcome = disposition and self._hubspot_dispositions().get(disposition)
        if outcome or remote.get("hs_call_status"):
            details.append(outcome or remote["hs_call_status"].replace("_", " ").capitalize())
        body = self._hubspot_sanitized(mapping, remote.get("hs_call_body"))
        html = Markup("<p><b>%s</b></p><p>%s</p>") % (
            remote.get("hs_call_title") or details[0],
            " · ".join(details),
        )
        return {mapping.odoo_field: html + Markup(body)}
