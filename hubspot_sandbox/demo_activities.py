"""A sales team's timeline for the demo data: notes, tasks, calls, meetings and e-mails.

Each activity is associated with one contact and often with its deal and its company, owned by
the contact's owner (else any demo owner), and dated after the contact was created. Tasks are
due in the past (most completed) or the future; calls are logged with HubSpot's default
dispositions and durations in milliseconds; meetings are held at Berlin business hours, past
and future, some in the weeks around a daylight-saving change and a few (workshops over a
weekend) across the change itself; e-mails go both ways with their headers.

Built for volume: 500,000 activities share their texts and draw everything from one
``random.Random``, so that generating them takes seconds.
"""

import json
from datetime import datetime, timedelta
from itertools import accumulate, count
from zoneinfo import ZoneInfo

from .activity_properties import CALL_DISPOSITIONS
from .values import iso, parse_timestamp

ACTIVITY_ID_START = 60_000_001
DAY_MS = 86_400_000
MINUTE_MS = 60_000
# The share of each kind in ``activities=N``: what a sales team logs.
MIX = {"notes": 29, "tasks": 28, "calls": 24, "meetings": 14, "emails": 5}
# Sales activity gathers around deals: this share goes to contacts who have one.
ON_DEAL_CONTACTS = 0.5
WITH_DEAL = 0.6  # of the activities of a contact who has a deal, also on the deal
WITH_COMPANY = 0.5  # of the activities of a contact who works at a company, also on it
FUTURE_TASKS = 0.3
FUTURE_MEETINGS = 0.25
BERLIN = ZoneInfo("Europe/Berlin")
NOTE_BODIES = [
    "<p>Rückruf vereinbart, Angebot bis Freitag.</p>",
    "<p>Interested in the annual licence; needs approval from <b>finance</b>.</p>",
    "<p>Budget freigegeben, Entscheidung im nächsten Quartal.</p>",
    "<p>Souhaite une démo pour l'équipe achats.</p>",
    "<p>Met at the trade fair, asked for references.</p>",
    "<p>Preis zu hoch &ndash; Rabatt 5 % angefragt.</p>",
    "<p>Contrat envoyé, relance prévue.</p>",
    "Sent the onboarding checklist.",
]
TASK_SUBJECTS = [
    "Angebot nachfassen",
    "Follow up on the proposal",
    "Rappeler pour la démo",
    "Send the contract",
    "Referenzen schicken",
    "Check budget approval",
]
TASK_TYPES = {"TODO": 50, "CALL": 35, "EMAIL": 15}
TASK_PRIORITIES = {"": 30, "LOW": 20, "MEDIUM": 30, "HIGH": 20}
PAST_TASK_STATUSES = {
    "COMPLETED": 65,
    "NOT_STARTED": 25,
    "IN_PROGRESS": 5,
    "WAITING": 3,
    "DEFERRED": 2,
}
FUTURE_TASK_STATUSES = {"NOT_STARTED": 80, "IN_PROGRESS": 15, "WAITING": 5}
CALL_TITLES = ["Erstgespräch", "Discovery call", "Appel de suivi", "Follow-up call", "Rückfrage"]
CALL_BODIES = ["", "", "<p>Decision next week.</p>", "<p>Bitte Angebot anpassen.</p>"]
# Weights of HubSpot's default dispositions, and how long such a call lasts (ms range).
DISPOSITION_WEIGHTS = {
    "Connected": (40, 60_000, 1_800_000),
    "No answer": (25, 0, 30_000),
    "Left voicemail": (18, 20_000, 90_000),
    "Busy": (6, 0, 10_000),
    "Left live message": (6, 30_000, 120_000),
    "Wrong number": (5, 5_000, 40_000),
}
DISPOSITION_IDS = {label: outcome for outcome, label in CALL_DISPOSITIONS}
MEETING_TITLES = ["Produktdemo", "Kick-off", "Quarterly review", "Présentation de l'offre"]
MEETING_LOCATIONS = ["Hauptstraße 5, Berlin", "https://meet.example/abc-defg-hij", "Teams", ""]
MEETING_MINUTES = [30, 45, 60, 60, 90]
PAST_OUTCOMES = {"COMPLETED": 75, "RESCHEDULED": 10, "NO_SHOW": 8, "CANCELLED": 7}
FUTURE_OUTCOMES = {"SCHEDULED": 90, "RESCHEDULED": 10}
# Local start hours of meetings in Berlin (business hours).
MEETING_HOURS = [9, 10, 11, 13, 14, 15, 16]
NEAR_DST_CHANGE = 0.1  # of meetings, in the week before or after a change
WORKSHOPS_EVERY = 500  # one meeting in so many (the first included) spans a change
EMAIL_SUBJECTS = ["Ihr Angebot", "Your proposal", "Votre devis", "Re: next steps"]
EMAIL_TEXTS = ["Hallo, anbei das Angebot.", "Hi, thanks for the call.", "Bonjour, voici le devis."]
EMAIL_DIRECTIONS = {"EMAIL": 60, "INCOMING_EMAIL": 35, "FORWARDED_EMAIL": 5}


def counts(activities):
    """How many of each kind: ``activities`` is a total split by ``MIX`` or a dict per kind."""
    if isinstance(activities, dict):
        unknown = set(activities) - set(MIX)
        if unknown:
            raise ValueError(f"Unknown activity kinds {sorted(unknown)}; known: {list(MIX)}")
        return {kind: int(activities.get(kind, 0)) for kind in MIX}
    total = sum(MIX.values())
    split = {kind: activities * share // total for kind, share in MIX.items()}
    split["notes"] += activities - sum(split.values())  # what rounding left
    return split


class _Draw:
    """The generator and the demo's "now", and weighted choices with tables built once."""

    def __init__(self, rng, now):
        self.rng = rng
        self.now = now

    def weighted(self, weights):
        population, cumulative = list(weights), list(accumulate(weights.values()))
        return lambda: self.rng.choices(population, cum_weights=cumulative)[0]


def timeline(rng, activities, contacts, owners, deals_of, employer_of, now):
    """``({kind: [seed records]}, [seed associations])`` for ``activities`` (see ``counts``).

    ``contacts`` are seed contacts, ``owners`` seed owners, ``deals_of`` and ``employer_of``
    map a contact id to its deal ids and to its company's seed record.
    """
    wanted = counts(activities)
    records = {kind: [] for kind in MIX}
    links = []
    if not contacts:
        return records, links
    people = [_person(c) for c in contacts]
    dealing = [p for p in people if p[0] in deals_of] or people
    owner_ids = [o["id"] for o in owners]
    draw = _Draw(rng, now)
    makers = {
        "notes": _notes(draw),
        "tasks": _tasks(draw),
        "calls": _calls(draw),
        "meetings": _meetings(draw),
        "emails": _emails(draw, owners),
    }
    next_id = ACTIVITY_ID_START
    for kind, number in wanted.items():
        make, made = makers[kind], records[kind]
        for _ in range(number):
            pool = dealing if rng.random() < ON_DEAL_CONTACTS else people
            person = pool[rng.randrange(len(pool))]
            contact_id, created, owner, _ = person
            # When it was logged or planned, and its last change (a completion, a meeting held).
            logged, touched, properties = make(person, max(created, now - 3 * 365 * DAY_MS))
            properties["hubspot_owner_id"] = owner or owner_ids[rng.randrange(len(owner_ids))]
            logged = max(min(logged, now), created)
            changed = min(now, max(touched, logged) + rng.randrange(DAY_MS))
            activity_id = str(next_id)
            next_id += 1
            made.append(
                {
                    "id": activity_id,
                    "properties": properties,
                    "createdAt": iso(logged),
                    "updatedAt": iso(changed),
                }
            )
            links.append(_link(kind, activity_id, "contacts", contact_id))
            deals = deals_of.get(contact_id)
            if deals and rng.random() < WITH_DEAL:
                links.append(_link(kind, activity_id, "deals", deals[rng.randrange(len(deals))]))
            employer = employer_of.get(contact_id)
            if employer is not None and rng.random() < WITH_COMPANY:
                links.append(_link(kind, activity_id, "companies", employer["id"]))
    return records, links


def _person(contact):
    """What an activity needs of its contact: id, created ms, owner and e-mail."""
    properties = contact["properties"]
    return (
        contact["id"],
        parse_timestamp(contact["createdAt"]),
        properties.get("hubspot_owner_id"),
        properties.get("email"),
    )


def _link(kind, activity_id, to_type, to_id):
    """An unlabelled association, the only kind between an activity and a record."""
    return {"from_type": kind, "from_id": activity_id, "to_type": to_type, "to_id": to_id}


def _past(rng, since, now):
    return since + rng.randrange(max(1, now - since))


def _notes(draw):
    rng = draw.rng

    def make(person, since):
        when = _past(rng, since, draw.now)
        return when, when, {"hs_timestamp": iso(when), "hs_note_body": rng.choice(NOTE_BODIES)}

    return make


def _tasks(draw):
    rng, now = draw.rng, draw.now
    kind, priority = draw.weighted(TASK_TYPES), draw.weighted(TASK_PRIORITIES)
    past_status, future_status = (
        draw.weighted(PAST_TASK_STATUSES),
        draw.weighted(FUTURE_TASK_STATUSES),
    )

    def make(person, since):
        future = rng.random() < FUTURE_TASKS
        due = now + rng.randrange(1, 60 * DAY_MS) if future else _past(rng, since, now)
        status = future_status() if future else past_status()
        properties = {
            "hs_timestamp": iso(due),
            "hs_task_subject": rng.choice(TASK_SUBJECTS),
            "hs_task_status": status,
            "hs_task_type": kind(),
            "hs_task_priority": priority(),
        }
        planned = due - rng.randrange(14 * DAY_MS)
        touched = planned
        if status == "COMPLETED":
            touched = max(min(now, due + rng.randrange(-3 * DAY_MS, 3 * DAY_MS)), planned, since)
            properties["hs_task_completion_date"] = iso(touched)
        return planned, touched, {k: v for k, v in properties.items() if v}

    return make


def _calls(draw):
    rng = draw.rng
    outcome = draw.weighted({label: spec[0] for label, spec in DISPOSITION_WEIGHTS.items()})

    def make(person, since):
        when = _past(rng, since, draw.now)
        label = outcome()
        _, shortest, longest = DISPOSITION_WEIGHTS[label]
        properties = {
            "hs_timestamp": iso(when),
            "hs_call_title": rng.choice(CALL_TITLES),
            "hs_call_direction": "OUTBOUND" if rng.random() < 0.8 else "INBOUND",
            "hs_call_status": "COMPLETED",
            "hs_call_disposition": DISPOSITION_IDS[label],
            "hs_call_duration": str(rng.randint(shortest, longest)),
        }
        body = rng.choice(CALL_BODIES)
        if body:
            properties["hs_call_body"] = body
        return when, when, properties

    return make


def _dst_changes(now):
    """Berlin's daylight-saving changes (last Sundays of March and October) of the demo's
    years, as local dates."""
    year = datetime.fromtimestamp(now / 1000).year
    changes = []
    for y in range(year - 3, year + 2):
        for month in (3, 10):
            last = datetime(y, month, 31)
            changes.append(last - timedelta(days=(last.weekday() + 1) % 7))
    return changes


def _berlin_ms(local):
    """Epoch ms of a naive local Berlin time."""
    return int(local.replace(tzinfo=BERLIN).timestamp() * 1000)


def _meetings(draw):
    rng, now = draw.rng, draw.now
    past_outcome, future_outcome = draw.weighted(PAST_OUTCOMES), draw.weighted(FUTURE_OUTCOMES)
    changes = _dst_changes(now)
    numbers = count()

    def local_start(since):
        """A business hour in Berlin: near a daylight-saving change or on any day."""
        if rng.random() < NEAR_DST_CHANGE:
            day = rng.choice(changes) + timedelta(days=rng.choice([-6, -5, -2, 1, 2, 5, 6]))
        else:
            future = rng.random() < FUTURE_MEETINGS
            moment = now + rng.randrange(60 * DAY_MS) if future else _past(rng, since, now)
            day = datetime.fromtimestamp(moment / 1000, BERLIN).replace(tzinfo=None)
        hour, minute = rng.choice(MEETING_HOURS), rng.choice([0, 30])
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)

    def make(person, since):
        if next(numbers) % WORKSHOPS_EVERY == 0:  # a workshop from Saturday to Monday
            change = rng.choice(changes)
            start = _berlin_ms(change - timedelta(days=1) + timedelta(hours=14))  # Saturday
            end = _berlin_ms(change + timedelta(days=1, hours=12))  # Monday noon
        else:
            start = _berlin_ms(local_start(since))
            end = start + rng.choice(MEETING_MINUTES) * MINUTE_MS
        properties = {
            "hs_timestamp": iso(start),
            "hs_meeting_title": rng.choice(MEETING_TITLES),
            "hs_meeting_start_time": iso(start),
            "hs_meeting_end_time": iso(end),
            "hs_meeting_outcome": future_outcome() if start > now else past_outcome(),
            "hs_meeting_location": rng.choice(MEETING_LOCATIONS),
        }
        booked = start - rng.randrange(DAY_MS, 21 * DAY_MS)
        held = end if end <= now else booked
        return booked, held, {k: v for k, v in properties.items() if v}

    return make


def _emails(draw, owners):
    rng = draw.rng
    direction = draw.weighted(EMAIL_DIRECTIONS)
    by_id = {o["id"]: o for o in owners}

    def make(person, since):
        when = _past(rng, since, draw.now)
        owner = by_id.get(person[2]) or owners[rng.randrange(len(owners))]
        sender = {"email": owner["email"], "firstName": owner["firstName"]}
        sender["lastName"] = owner["lastName"]
        customer = {"email": person[3] or "unknown@mail.example"}
        way = direction()
        ends = (customer, sender) if way == "INCOMING_EMAIL" else (sender, customer)
        text = rng.choice(EMAIL_TEXTS)
        properties = {
            "hs_timestamp": iso(when),
            "hs_email_subject": rng.choice(EMAIL_SUBJECTS),
            "hs_email_text": text,
            "hs_email_html": f"<p>{text}</p>",
            "hs_email_direction": way,
            "hs_email_status": "SENT",
            "hs_email_headers": json.dumps({"from": ends[0], "to": [ends[1]], "cc": [], "bcc": []}),
        }
        return when, when, properties

    return make
