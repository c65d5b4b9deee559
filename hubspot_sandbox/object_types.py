"""CRM object types and everything that differs between them.

The store is generic: what makes a contact a contact (its unique e-mail, a merge giving it a
new id, the e-mails a merge keeps), a deal a deal (properties computed from its stage, the
amount in the company currency, stages that must belong to the pipeline), a company a
company (counts of its associations) or an activity an activity (a required ``hs_timestamp``,
no merge, generic webhooks only, e-mail content behind a scope) is declared here, on its
``ObjectType``, together with the HUBSPOT_DEFINED association types between them.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from . import activity_properties as activity
from . import defaults
from .defaults import OWNER_PROPERTY
from .values import iso, now_ms, unique_key

CATEGORY = "HUBSPOT_DEFINED"
PRIMARY_LABEL = "Primary"


@dataclass(frozen=True, eq=False)
class ObjectType:
    """One CRM object type: static facts and the hooks the store calls for it."""

    name: str  # plural path name, e.g. "contacts"
    type_id: str  # e.g. "0-1"
    singular: str  # e.g. "contact", used in association type names
    modified_property: str  # the last-modified property of this type
    default_properties: tuple  # returned when a request names none
    searchable_properties: tuple  # searched by the free-text ``query``
    group: str  # property group of its standard properties
    own_properties: Callable  # () -> its standard property definitions (common ones added)
    created_property: str = "createdate"  # activities name it hs_createdate
    # Read-only properties computed on read, never stored: name -> (store, table, record) -> str.
    computed: dict = field(default_factory=dict)
    # The computed properties that follow the record's associations: an association change
    # that changes one of them bumps the record's last-modified date, as in HubSpot.
    association_properties: tuple = ()
    # Enumerations whose options come from the portal: name -> (store) -> [(value, label)].
    options: dict = field(default_factory=dict)
    unique_properties: tuple = ()  # built-in unique properties (custom ones come on top)
    conflict_message: str = ""  # the 409 for a taken built-in unique value; "{id}" = holder
    check: Callable = None  # (store, record, changes, problems): extra write validation
    merge_gives_new_id: bool = False  # else the primary keeps its id
    merge_properties: Callable = None  # (primary, other) -> extra values of the survivor
    has_pipelines: bool = False
    privacy_deletion: bool = False  # a GDPR delete exists (and its privacyDeletion event)
    mergeable: bool = True  # HubSpot's API has a merge endpoint for the type
    # Legacy webhook subscriptions ("contact.creation") exist for the type; activities have
    # only the generic ones ("object.creation" with the type id).
    legacy_webhooks: bool = True
    unsubscribable: tuple = ()  # properties HubSpot refuses propertyChange subscriptions to
    # Properties a token without ``content_scope`` reads as ``REDACTED`` (e-mail content).
    content_scope: str = None
    scoped_properties: tuple = ()

    def properties(self):
        """The property definitions of a new portal."""
        common = defaults.common_properties(
            self.group, self.created_property, self.modified_property
        )
        return [*self.own_properties(), *common]

    def option_source(self, name):
        """Where the options of an enumeration come from, if the portal supplies them."""
        return self.options.get(name) or SHARED_OPTIONS.get(name)


@dataclass(frozen=True)
class AssociationType:
    """The HUBSPOT_DEFINED association types of one direction between two object types."""

    from_type: str
    to_type: str
    type_id: int  # the unlabelled association
    primary_type_id: int = None  # the "Primary" label, where the pair has one
    # The type whose records have at most one primary record of the other type.
    primary_holder: str = None

    def type_ids(self):
        return {self.type_id, self.primary_type_id} - {None}

    def spec(self, primary=False):
        """One entry of ``associationTypes`` in a v4 read."""
        if primary:
            return {"category": CATEGORY, "typeId": self.primary_type_id, "label": PRIMARY_LABEL}
        return {"category": CATEGORY, "typeId": self.type_id, "label": None}


# ---------------------------------------------------------------------------- behaviours


def _owners(store):
    return [(o["id"], f"{o['firstName']} {o['lastName']}") for o in store.owners.values()]


SHARED_OPTIONS = {OWNER_PROPERTY: _owners}


def _dispositions(store):
    return list(store.call_dispositions.items())


def _stage(store, record):
    return store.stages.get((record.props.get("pipeline"), record.props.get("dealstage")))


def _stage_probability(store, table, record):
    stage = _stage(store, record)
    return stage and stage["metadata"]["probability"]


def _is_closed(store, table, record):
    stage = _stage(store, record)
    return stage and stage["metadata"]["isClosed"]


def _is_closed_won(store, table, record):
    stage = _stage(store, record)
    if stage is None:
        return None
    won = stage["metadata"]["isClosed"] == "true" and float(stage["metadata"]["probability"]) >= 1
    return "true" if won else "false"


def _home_amount(store, table, record):
    """The deal amount in the company currency, at the portal's exchange rate."""
    amount = record.props.get("amount")
    currency = record.props.get("deal_currency_code") or store.home_currency
    if amount is None or currency == store.home_currency:
        return amount
    rate = store.exchange_rates.get(currency)
    return None if rate is None else f"{float(amount) / rate:g}"


def _check_deal_stage(store, record, changes, problems):
    """A deal's stage must belong to its pipeline; new deals default to ``default``."""
    current = record.props if record is not None else {}
    if record is None and not changes.get("pipeline"):
        changes["pipeline"] = "default"
    if "pipeline" not in changes and "dealstage" not in changes:
        return
    if any(name in ("pipeline", "dealstage") for name, _, _ in problems):
        return
    pipeline = changes.get("pipeline", current.get("pipeline"))
    stage = changes.get("dealstage", current.get("dealstage"))
    if stage and (pipeline, stage) not in store.stages:
        message = f"{stage} is not a valid deal stage of pipeline {pipeline}"
        problems.append(("dealstage", "INVALID_OPTION", message))


def _pipelines(store):
    return [(p["id"], p["label"]) for p in store.pipelines.values()]


def _stages(store):
    return [(s["id"], s["label"]) for p in store.pipelines.values() for s in p["stages"]]


def _association_count(other):
    def count(store, table, record):
        return str(len(store.linked(table, record, store.tables[other])))

    return count


def _primary_company(store, table, record):
    company = store.primary_of(table, record, store.tables[COMPANIES.name])
    return None if company is None else str(company)


def _merged_emails(primary, other):
    """The merged contact keeps every e-mail but its own as an additional one."""
    emails = []
    for record in (primary, other):
        emails += record.props.get("hs_additional_emails", "").split(";")
    emails.append(other.props.get("email", ""))
    kept = primary.props.get("email") or other.props.get("email", "")
    seen = {unique_key(kept)}
    result = []
    for email in filter(None, (e.strip() for e in emails)):
        if unique_key(email) not in seen:
            seen.add(unique_key(email))
            result.append(email)
    return {"hs_additional_emails": ";".join(result)}


def _all(*checks):
    """One write check made of several."""

    def check(store, record, changes, problems):
        for each in checks:
            each(store, record, changes, problems)

    return check


def _timestamp_required(fallback=None):
    """HubSpot's activities need ``hs_timestamp`` on create and keep it; a meeting created
    without one takes its start time (HubSpot changelog, 2024-11-12: "Defaulting hs_timestamp
    to Meeting Start Time in Meetings Engagement API")."""
    name = activity.TIMESTAMP

    def check(store, record, changes, problems):
        if any(problem[0] == name for problem in problems):
            return  # already refused as an invalid value
        if record is None and not changes.get(name) and fallback and changes.get(fallback):
            changes[name] = changes[fallback]
        if (record is None and not changes.get(name)) or changes.get(name, None) == "":
            problems.append((name, "REQUIRED_FIELD", f"{name} is required"))

    return check


def _max_length(name, limit):
    """A text property HubSpot documents a length limit for (a note body: 65,536 characters,
    notes guide)."""

    def check(store, record, changes, problems):
        length = len(changes.get(name) or "")
        if length > limit:
            message = f"{name} has {length} characters; at most {limit} are allowed"
            problems.append((name, "VALUE_TOO_LONG", message))

    return check


def _task_completion(store, record, changes, problems):
    """HubSpot stamps ``hs_task_completion_date`` when a task becomes COMPLETED and clears it
    when it is reopened; a trusted write (seed) may give it explicitly."""
    status = changes.get("hs_task_status")
    if status is None or activity.TASK_COMPLETION_DATE in changes:
        return
    before = record.props.get("hs_task_status") if record is not None else None
    was_completed = before == activity.TASK_COMPLETED
    if status == activity.TASK_COMPLETED and not was_completed:
        changes[activity.TASK_COMPLETION_DATE] = iso(now_ms())
    elif status != activity.TASK_COMPLETED and was_completed:
        changes[activity.TASK_COMPLETION_DATE] = ""


def _email_header(header, key):
    """A read-only e-mail property HubSpot fills from ``hs_email_headers`` (JSON)."""

    def compute(store, table, record):
        try:
            headers = json.loads(record.props.get("hs_email_headers") or "{}")
            found = headers.get(header) or {}
            people = found if isinstance(found, list) else [found]
            values = [str(p[key]) for p in people if isinstance(p, dict) and p.get(key)]
        except (ValueError, AttributeError):
            return None  # headers that are no JSON object fill nothing
        return ";".join(values) or None

    return compute


def _activity(name, type_id, singular, own_properties, searchable, **details):
    """An activity type: what every activity shares, and ``details`` of its own."""
    return ObjectType(
        name=name,
        type_id=type_id,
        singular=singular,
        modified_property="hs_lastmodifieddate",
        created_property="hs_createdate",
        default_properties=("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
        searchable_properties=searchable,
        group=activity.GROUP,
        own_properties=own_properties,
        check=details.pop("check", _timestamp_required()),
        # No association_properties: associating an activity with a record later leaves the
        # activity's hs_lastmodifieddate as it was, as in HubSpot, so a sync must also read
        # associations from the records' side to find it.
        mergeable=False,
        legacy_webhooks=False,
        **details,
    )


# ---------------------------------------------------------------------------- the types

CONTACTS = ObjectType(
    name="contacts",
    type_id="0-1",
    singular="contact",
    modified_property="lastmodifieddate",
    default_properties=(
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    searchable_properties=(
        "firstname",
        "lastname",
        "email",
        "phone",
        "hs_additional_emails",
        "fax",
        "mobilephone",
        "company",
    ),
    group="contactinformation",
    own_properties=defaults.contact_properties,
    computed={"associatedcompanyid": _primary_company},
    association_properties=("associatedcompanyid",),
    unique_properties=("email",),
    conflict_message="Contact already exists. Existing ID: {id}",
    merge_gives_new_id=True,
    merge_properties=_merged_emails,
    privacy_deletion=True,
)
COMPANIES = ObjectType(
    name="companies",
    type_id="0-2",
    singular="company",
    modified_property="hs_lastmodifieddate",
    default_properties=("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
    searchable_properties=("name", "domain", "website", "phone"),
    group="companyinformation",
    own_properties=defaults.company_properties,
    computed={
        "num_associated_contacts": _association_count("contacts"),
        "num_associated_deals": _association_count("deals"),
    },
    association_properties=("num_associated_contacts", "num_associated_deals"),
)
DEALS = ObjectType(
    name="deals",
    type_id="0-3",
    singular="deal",
    modified_property="hs_lastmodifieddate",
    default_properties=(
        "dealname",
        "amount",
        "closedate",
        "pipeline",
        "dealstage",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    ),
    searchable_properties=("dealname", "pipeline", "dealstage", "description", "dealtype"),
    group="dealinformation",
    own_properties=defaults.deal_properties,
    computed={
        "hs_deal_stage_probability": _stage_probability,
        "hs_is_closed": _is_closed,
        "hs_is_closed_won": _is_closed_won,
        "amount_in_home_currency": _home_amount,
        "num_associated_contacts": _association_count("contacts"),
    },
    association_properties=("num_associated_contacts",),
    options={"pipeline": _pipelines, "dealstage": _stages},
    check=_check_deal_stage,
    has_pipelines=True,
)
NOTES = _activity(
    "notes",
    "0-46",
    "note",
    activity.note_properties,
    ("hs_note_body",),
    check=_all(_timestamp_required(), _max_length("hs_note_body", activity.NOTE_BODY_LIMIT)),
)
CALLS = _activity(
    "calls",
    "0-48",
    "call",
    activity.call_properties,
    ("hs_call_title", "hs_call_body"),
    options={"hs_call_disposition": _dispositions},
)
MEETINGS = _activity(
    "meetings",
    "0-47",
    "meeting",
    activity.meeting_properties,
    ("hs_meeting_title", "hs_meeting_body", "hs_meeting_location"),
    check=_timestamp_required(fallback="hs_meeting_start_time"),
)
TASKS = _activity(
    "tasks",
    "0-27",
    "task",
    activity.task_properties,
    ("hs_task_subject", "hs_task_body"),
    check=_all(_timestamp_required(), _task_completion),
)
EMAILS = _activity(
    "emails",
    "0-49",
    "email",
    activity.email_properties,
    ("hs_email_subject", "hs_email_text"),
    computed={
        name: _email_header(header, key)
        for name, (_, header, key) in activity.EMAIL_HEADER_FIELDS.items()
    },
    # HubSpot refuses webhook subscriptions to these (generic webhooks beta documentation).
    unsubscribable=("hs_email_html", "hs_email_subject"),
    # Without this scope HubSpot redacts e-mail content (changelog: "New scope required to get
    # the content of email engagements").
    content_scope="sales-email-read",
    scoped_properties=("hs_email_subject", "hs_email_text", "hs_email_html"),
)
ACTIVITY_TYPES = (NOTES, CALLS, MEETINGS, TASKS, EMAILS)
OBJECT_TYPES = (CONTACTS, COMPANIES, DEALS, *ACTIVITY_TYPES)
OBJECT_TYPE_ALIASES = {
    alias: t.name for t in OBJECT_TYPES for alias in (t.name, t.singular, t.type_id)
}

# HubSpot's HUBSPOT_DEFINED ids between an activity and a record, as (activity to record,
# record to activity); none has a primary. Source: the official SDK's enum
# ``hubspot/crm/association_type.py`` (hubspot-api-client 12), e.g. NOTE_TO_CONTACT = 202,
# CONTACT_TO_NOTE = 201; the note ones match HubSpot's associations guide.
ACTIVITY_ASSOCIATION_IDS = {
    "notes": {"contacts": (202, 201), "companies": (190, 189), "deals": (214, 213)},
    "calls": {"contacts": (194, 193), "companies": (182, 181), "deals": (206, 205)},
    "emails": {"contacts": (198, 197), "companies": (186, 185), "deals": (210, 209)},
    "meetings": {"contacts": (200, 199), "companies": (188, 187), "deals": (212, 211)},
    "tasks": {"contacts": (204, 203), "companies": (192, 191), "deals": (216, 215)},
}

# HubSpot's HUBSPOT_DEFINED type ids, per direction: a contact has at most one primary
# company and so has a deal; contacts and deals have no primary.
ASSOCIATION_TYPES = {
    (a.from_type, a.to_type): a
    for a in (
        AssociationType("contacts", "companies", 279, 1, "contacts"),
        AssociationType("companies", "contacts", 280, 2, "contacts"),
        AssociationType("deals", "companies", 341, 5, "deals"),
        AssociationType("companies", "deals", 342, 6, "deals"),
        AssociationType("contacts", "deals", 4),
        AssociationType("deals", "contacts", 3),
        *(
            kind
            for name, targets in ACTIVITY_ASSOCIATION_IDS.items()
            for target, (outward, inward) in targets.items()
            for kind in (
                AssociationType(name, target, outward),
                AssociationType(target, name, inward),
            )
        ),
    )
}
