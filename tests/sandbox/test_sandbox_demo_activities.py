"""The demo's timeline: the kinds in a sales team's proportions, on the demo's contacts, deals
and companies, with realistic tasks, calls, meetings (Berlin hours, daylight-saving changes)
and e-mails, loadable into a portal."""

import json
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hubspot_sandbox.activity_properties import CALL_DISPOSITIONS
from hubspot_sandbox.demo_activities import MIX
from hubspot_sandbox.demo_data import generate
from hubspot_sandbox.store import Store

NOW = 1_780_000_000_000  # 2026-05-28
BERLIN = ZoneInfo("Europe/Berlin")
KINDS = list(MIX)


@pytest.fixture(scope="module")
def data():
    return generate(contacts=400, deals=80, seed=3, now=NOW, activities=4000)


def links_of(data, kind):
    """``{activity id: {record type: [ids]}}`` of one kind."""
    found = {}
    for link in data["associations"]:
        if link["from_type"] == kind:
            found.setdefault(link["from_id"], {}).setdefault(link["to_type"], []).append(
                link["to_id"]
            )
    return found


def ms(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def test_kinds_come_in_a_sales_teams_proportions(data):
    assert {kind: len(data[kind]) for kind in KINDS} == {
        "notes": 1160,
        "tasks": 1120,
        "calls": 960,
        "meetings": 560,
        "emails": 200,
    }
    chosen = generate(30, 5, seed=1, now=NOW, activities={"meetings": 7, "emails": 2})
    assert [len(chosen[kind]) for kind in KINDS] == [0, 0, 0, 7, 2]
    with pytest.raises(ValueError):
        generate(30, 5, seed=1, activities={"letters": 1})
    assert generate(30, 5, seed=1, now=NOW) == generate(30, 5, seed=1, now=NOW, activities=0)


def test_each_activity_is_on_a_contact_often_its_deal_and_company(data):
    contacts = {c["id"]: c for c in data["contacts"]}
    contact_deals = {}
    for link in data["associations"]:
        if (link["from_type"], link["to_type"]) == ("deals", "contacts"):
            contact_deals.setdefault(link["to_id"], set()).add(link["from_id"])
    owners = {o["id"] for o in data["owners"]}
    shares = Counter()
    for kind in KINDS:
        linked = links_of(data, kind)
        for activity in data[kind]:
            ends = linked[activity["id"]]
            (contact,) = ends["contacts"]
            assert set(ends.get("deals", [])) <= contact_deals.get(contact, set())
            shares.update(ends.keys())
            assert activity["properties"]["hubspot_owner_id"] in owners
            assert activity["createdAt"] >= contacts[contact]["createdAt"]
            assert activity["createdAt"] <= activity["updatedAt"]
    total = sum(len(data[kind]) for kind in KINDS)
    assert shares["contacts"] == total
    assert 0.1 < shares["deals"] / total < 0.6 and 0.2 < shares["companies"] / total < 0.6


def test_tasks_are_due_in_the_past_mostly_done_or_in_the_future(data):
    tasks = [t["properties"] for t in data["tasks"]]
    past = [t for t in tasks if ms(t["hs_timestamp"]) <= NOW]
    future = [t for t in tasks if ms(t["hs_timestamp"]) > NOW]
    assert future and not any(t["hs_task_status"] == "COMPLETED" for t in future)
    done = [t for t in past if t["hs_task_status"] == "COMPLETED"]
    assert 0.5 < len(done) / len(past) < 0.8
    assert all(t.get("hs_task_completion_date") for t in done)
    assert {t["hs_task_type"] for t in tasks} == {"TODO", "CALL", "EMAIL"}


def test_calls_are_logged_with_dispositions_and_durations_in_ms(data):
    calls = [c["properties"] for c in data["calls"]]
    outcomes = dict(CALL_DISPOSITIONS)
    by_label = Counter(outcomes[c["hs_call_disposition"]] for c in calls)
    assert set(by_label) == set(outcomes.values()) and by_label.most_common(1)[0][0] == "Connected"
    connected = [
        int(c["hs_call_duration"])
        for c in calls
        if outcomes[c["hs_call_disposition"]] == "Connected"
    ]
    assert min(connected) >= 60_000 and max(connected) <= 1_800_000
    assert all(ms(c["hs_timestamp"]) <= NOW for c in calls)


def test_meetings_at_berlin_hours_past_future_and_across_daylight_saving(data):
    meetings = [m["properties"] for m in data["meetings"]]
    starts = [
        datetime.fromtimestamp(ms(m["hs_meeting_start_time"]) / 1000, BERLIN) for m in meetings
    ]
    assert {"COMPLETED", "SCHEDULED", "NO_SHOW"} <= {m["hs_meeting_outcome"] for m in meetings}
    assert any(ms(m["hs_timestamp"]) > NOW for m in meetings)
    ordinary = [
        s
        for s, m in zip(starts, meetings, strict=True)
        if ms(m["hs_meeting_end_time"]) - ms(m["hs_meeting_start_time"]) <= 90 * 60_000
    ]
    assert all(9 <= s.hour <= 16 and s.minute in (0, 30) for s in ordinary)
    # The same local hour is 08:00 UTC in summer and 09:00 UTC in winter.
    utc_hours = {s.utcoffset().total_seconds() // 3600 for s in ordinary if s.hour == 10}
    assert utc_hours == {1, 2}
    spanning = [
        m
        for m in meetings
        if ms(m["hs_meeting_end_time"]) - ms(m["hs_meeting_start_time"]) > 86_400_000
    ]
    assert spanning
    for meeting in spanning:
        start, end = (
            datetime.fromtimestamp(ms(meeting[k]) / 1000, BERLIN)
            for k in ("hs_meeting_start_time", "hs_meeting_end_time")
        )
        assert start.utcoffset() != end.utcoffset()  # the change falls inside


def test_emails_go_both_ways_with_headers(data):
    emails = [e["properties"] for e in data["emails"]]
    assert {"EMAIL", "INCOMING_EMAIL"} <= {e["hs_email_direction"] for e in emails}
    owners = {o["email"] for o in data["owners"]}
    for email in emails:
        headers = json.loads(email["hs_email_headers"])
        sender = headers["from"]["email"]
        assert (sender in owners) == (email["hs_email_direction"] != "INCOMING_EMAIL")


def test_the_timeline_loads_into_a_portal(data):
    store = Store()
    counts = store.seed(data)
    assert all(counts[kind] == len(data[kind]) == store.count(kind) for kind in KINDS)
    note = data["notes"][0]
    table = store.table("notes")
    record = store.find(table, note["id"])
    assert store.linked(table, record, store.table("contacts"))
    assert store.get_object("notes", note["id"])["updatedAt"] == note["updatedAt"]


def test_fifty_thousand_activities_in_a_few_seconds():
    started = time.perf_counter()
    data = generate(contacts=5000, deals=1000, seed=5, now=NOW, activities=50_000)
    assert sum(len(data[kind]) for kind in KINDS) == 50_000
    assert time.perf_counter() - started < 8
