from odoo import api, fields, models

MEETING_OUTCOMES = [
    ("SCHEDULED", "Scheduled"),
    ("COMPLETED", "Completed"),
    ("RESCHEDULED", "Rescheduled"),
    ("NO_SHOW", "No show"),
    ("CANCELLED", "Cancelled"),
]


class CalendarEvent(models.Model):
    """Calendar events that HubSpot meetings are, and the meeting's outcome in HubSpot."""

    _name = "calendar.event"
    _inherit = ["calendar.event", "hubspot.activity.record"]

    hubspot_meeting_outcome = fields.Selection(
        MEETING_OUTCOMES,
        string="HubSpot Outcome",
        readonly=True,
        copy=False,
        help="The meeting's outcome as logged in HubSpot.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        events = self
        if self.env.context.get("hubspot_import"):
            # A meeting read from HubSpot invites no one again and sets no alarm.
            events = self.with_context(no_mail_to_attendees=True, dont_notify=True)
        return super(CalendarEvent, events).create(vals_list)
