from odoo import api, fields, models

from .hubspot_common import TARGETS_KEY, HubspotAssociation


class HubspotMeetingBinding(models.Model):
    """A HubSpot meeting and the calendar event it is in Odoo.

    Start and end travel as UTC instants, exact whatever the time zones and
    daylight-saving changes. The event is on the opportunity (``opportunity_id``)
    or the partner the meeting is placed on; its attendees are the partners of
    the meeting's synced contacts (the opportunity's customer when it has none),
    and an attendee synced as a contact is associated with the meeting in
    HubSpot. The organiser is the owner's user. Its outcome in HubSpot shows on
    the event.
    """

    _name = "hubspot.meeting.binding"
    _inherit = "hubspot.activity.binding"
    _description = "HubSpot Meeting Binding"
    _hubspot_object_type = "meetings"
    _hubspot_object_label = "Meeting"
    _hubspot_type_id = "0-47"
    _hubspot_enabled_field = "hubspot_sync_meetings"
    _hubspot_odoo_id_property = "odoo_event_id"
    _hubspot_odoo_id_label = "Odoo event ID"
    _hubspot_associations = (
        HubspotAssociation("deals", 212),
        HubspotAssociation("contacts", 200),
        HubspotAssociation("companies", 188),
    )
    _hubspot_date_field = "start"

    odoo_id = fields.Many2one(
        "calendar.event", string="Event", required=True, readonly=True, ondelete="cascade"
    )

    @api.model
    def _hubspot_fits(self, records):
        models_ = self._hubspot_holder_models()
        return records.filtered(lambda e: e.res_model in models_ and not e.recurrency)

    @api.model
    def _hubspot_holder_vals(self, model, record_id):
        """The event is on the record, and its partner (or the opportunity's) attends."""
        vals = {"res_model_id": self.env["ir.model"]._get_id(model), "res_id": record_id}
        record = self.env[model].browse(record_id)
        attendee = record if model == "res.partner" else record.partner_id
        if model == "crm.lead":
            vals["opportunity_id"] = record_id
        if attendee:
            vals["partner_ids"] = [fields.Command.link(attendee.id)]
        return vals

    def _hubspot2odoo_holder(self, mapping, remote, payload):
        vals = super()._hubspot2odoo_holder(mapping, remote, payload)
        contacts = self.env["hubspot.contact.binding"]
        ids = payload.get(TARGETS_KEY, {}).get(contacts._hubspot_object_type) or ()
        linked = contacts._hubspot_linked_record_ids(self.env.company, ids)
        attendees = [linked[i] for i in ids if i in linked]
        if attendees:
            vals["partner_ids"] = [fields.Command.link(i) for i in attendees]
        return vals

    def _hubspot_push_associations(self, company, client, pushed):
        """Every attendee synced as a contact is associated with the meeting too."""
        super()._hubspot_push_associations(company, client, pushed)
        contacts = self.env["hubspot.contact.binding"]
        if not contacts._hubspot_sync_enabled(company):
            return
        attendees = self.browse([binding.id for binding, _plan in pushed]).odoo_id.partner_ids
        contact_of = {
            contact.odoo_id.id: contact.hubspot_id
            for contact in contacts._hubspot_of_records(company, attendees)
            if contact.hubspot_id
        }
        pairs = [
            (binding.hubspot_id, contact_of[partner.id])
            for binding, _plan in pushed
            for partner in binding.odoo_id.partner_ids
            if partner.id in contact_of
        ]
        if pairs:
            client.batch_associate_default(self._hubspot_object_type, "contacts", pairs)

    @api.model
    def _hubspot_payload_label(self, payload):
        return payload["properties"].get("hs_meeting_title") or payload["id"]
