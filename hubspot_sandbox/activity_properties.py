"""The standard properties of HubSpot's activities (engagements): notes, calls, meetings, tasks
and e-mails, with their option lists, and the portal's default call dispositions.

Names, types and options follow HubSpot's activity guides (developers.hubspot.com, "Activities |
Notes/Calls/Meetings/Tasks/Email") and HubSpot's CLI property reference
(``HubSpot/agent-cli-skills``, ``sales-execution/resources/activity-properties-reference.md``).
"""

from .defaults import option_list, property_definition

GROUP = "engagement"
TIMESTAMP = "hs_timestamp"


def _text(name, label, field_type="text"):
    return property_definition(name, label, field_type=field_type, group=GROUP)


def _html(name, label):
    return property_definition(name, label, "string", "html", GROUP)


def _number(name, label):
    return property_definition(name, label, "number", "number", GROUP)


def _datetime(name, label):
    return property_definition(name, label, "datetime", "date", GROUP)


def _enumeration(name, label, pairs=()):
    """An enumeration; without ``pairs`` its options come from the portal (see object types)."""
    return property_definition(name, label, "enumeration", "select", GROUP, option_list(pairs))


def _read_only(name, label):
    return property_definition(name, label, group=GROUP, read_only=True)


def shared():
    """What every activity has besides the system properties: when it happened (a task: when
    it is due) and the files attached to it (``;``-separated file ids)."""
    return [
        _datetime(TIMESTAMP, "Activity date"),
        _text("hs_attachment_ids", "Attached file IDs"),
    ]


NOTE_BODY_LIMIT = 65_536  # characters (HubSpot's notes guide)


def note_properties():
    return [*shared(), _html("hs_note_body", "Note body")]


CALL_DIRECTIONS = [("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")]
CALL_STATUSES = [
    ("BUSY", "Busy"),
    ("CALLING_CRM_USER", "Calling CRM user"),
    ("CANCELED", "Canceled"),
    ("COMPLETED", "Completed"),
    ("CONNECTING", "Connecting"),
    ("FAILED", "Failed"),
    ("IN_PROGRESS", "In progress"),
    ("MISSED", "Missed"),
    ("NO_ANSWER", "No answer"),
    ("QUEUED", "Queued"),
    ("RINGING", "Ringing"),
]
# A new portal's call outcomes (``GET /calling/v1/dispositions``): HubSpot's built-in ids.
CALL_DISPOSITIONS = [
    ("9d9162e7-6cf3-4944-bf63-4dff82258764", "Busy"),
    ("f240bbac-87c9-4f6e-bf70-924b57d47db7", "Connected"),
    ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "Left live message"),
    ("b2cf5968-551e-4856-9783-52b3da59a7d0", "Left voicemail"),
    ("73a0d17f-1163-4015-bdd5-ec830791da20", "No answer"),
    ("17b47fee-58de-441e-a44c-c6300d46f273", "Wrong number"),
]


def call_properties():
    return [
        *shared(),
        _text("hs_call_title", "Call title"),
        _html("hs_call_body", "Call notes"),
        _enumeration("hs_call_direction", "Call direction", CALL_DIRECTIONS),
        _number("hs_call_duration", "Call duration (ms)"),
        _enumeration("hs_call_disposition", "Call outcome"),  # the portal's dispositions
        _enumeration("hs_call_status", "Call status", CALL_STATUSES),
        _text("hs_call_from_number", "From number"),
        _text("hs_call_to_number", "To number"),
        _text("hs_call_recording_url", "Recording URL"),
    ]


MEETING_OUTCOMES = [
    ("SCHEDULED", "Scheduled"),
    ("COMPLETED", "Completed"),
    ("RESCHEDULED", "Rescheduled"),
    ("NO_SHOW", "No show"),
    ("CANCELLED", "Canceled"),
]


def meeting_properties():
    return [
        *shared(),
        _text("hs_meeting_title", "Meeting name"),
        _html("hs_meeting_body", "Meeting description"),
        _html("hs_internal_meeting_notes", "Internal notes"),
        _text("hs_meeting_external_url", "External URL"),
        _text("hs_meeting_location", "Location"),
        _datetime("hs_meeting_start_time", "Start time"),
        _datetime("hs_meeting_end_time", "End time"),
        _enumeration("hs_meeting_outcome", "Meeting outcome", MEETING_OUTCOMES),
    ]


TASK_STATUSES = [
    ("NOT_STARTED", "Not started"),
    ("IN_PROGRESS", "In progress"),
    ("WAITING", "Waiting"),
    ("COMPLETED", "Completed"),
    ("DEFERRED", "Deferred"),
]
TASK_PRIORITIES = [("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")]
TASK_TYPES = [("TODO", "To-do"), ("CALL", "Call"), ("EMAIL", "Email")]
TASK_COMPLETED = "COMPLETED"
TASK_COMPLETION_DATE = "hs_task_completion_date"


def task_properties():
    return [
        *shared(),
        _text("hs_task_subject", "Task title"),
        _html("hs_task_body", "Task notes"),
        _enumeration("hs_task_status", "Task status", TASK_STATUSES),
        _enumeration("hs_task_priority", "Priority", TASK_PRIORITIES),
        _enumeration("hs_task_type", "Task type", TASK_TYPES),
        _text("hs_task_reminders", "Reminders (ms, ;-separated)"),
        property_definition(
            TASK_COMPLETION_DATE, "Completed at", "datetime", "date", GROUP, read_only=True
        ),
    ]


EMAIL_DIRECTIONS = [
    ("EMAIL", "Sent by a user"),
    ("INCOMING_EMAIL", "Reply from a contact"),
    ("FORWARDED_EMAIL", "Forwarded"),
]
EMAIL_STATUSES = [
    ("BOUNCED", "Bounced"),
    ("FAILED", "Failed"),
    ("SCHEDULED", "Scheduled"),
    ("SENDING", "Sending"),
    ("SENT", "Sent"),
]
# What HubSpot fills from ``hs_email_headers`` (read-only): name -> (label, header, field).
EMAIL_HEADER_FIELDS = {
    "hs_email_from_email": ("From email", "from", "email"),
    "hs_email_from_firstname": ("From first name", "from", "firstName"),
    "hs_email_from_lastname": ("From last name", "from", "lastName"),
    "hs_email_to_email": ("To email", "to", "email"),
}


def email_properties():
    return [
        *shared(),
        _text("hs_email_subject", "Subject"),
        _text("hs_email_text", "Body (text)", "textarea"),
        _html("hs_email_html", "Body (HTML)"),
        _enumeration("hs_email_direction", "Direction", EMAIL_DIRECTIONS),
        _enumeration("hs_email_status", "Status", EMAIL_STATUSES),
        _text("hs_email_headers", "Headers (JSON)", "textarea"),
        *(_read_only(name, label) for name, (label, _, _) in EMAIL_HEADER_FIELDS.items()),
    ]
