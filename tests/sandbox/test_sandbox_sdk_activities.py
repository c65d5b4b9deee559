"""Notes, calls, meetings, tasks and e-mails through HubSpot's SDK: CRUD, batches, upsert on a
unique property, search by last-modified date, the archived listing, and what HubSpot refuses
(a missing ``hs_timestamp``, values outside an option list, a merge)."""

import importlib

import pytest
from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from hubspot_sandbox.activity_properties import CALL_DISPOSITIONS

from .conftest import create_unique_property, modified_since

WHEN = "1767261600000"  # 2026-01-01T10:00:00Z, as epoch ms
CONNECTED = next(i for i, label in CALL_DISPOSITIONS if label == "Connected")
SAMPLES = {
    "notes": {"hs_note_body": "<p>Asked for the <b>offer</b></p>"},
    "calls": {
        "hs_call_title": "Follow-up",
        "hs_call_direction": "OUTBOUND",
        "hs_call_duration": "185000",
        "hs_call_disposition": CONNECTED,
        "hs_call_status": "COMPLETED",
    },
    "meetings": {
        "hs_meeting_title": "Demo",
        "hs_meeting_start_time": "2026-01-01T10:00:00Z",
        "hs_meeting_end_time": "2026-01-01T11:00:00Z",
        "hs_meeting_outcome": "SCHEDULED",
    },
    "tasks": {
        "hs_task_subject": "Send the offer",
        "hs_task_status": "NOT_STARTED",
        "hs_task_priority": "HIGH",
        "hs_task_type": "CALL",
    },
    "emails": {
        "hs_email_subject": "Your offer",
        "hs_email_text": "Hello",
        "hs_email_direction": "EMAIL",
        "hs_email_status": "SENT",
    },
}
KINDS = list(SAMPLES)
DEFAULT_READ = {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}


def objects(client, kind):
    return getattr(client.crm.objects, kind)


def create(client, kind, **extra):
    properties = {"hs_timestamp": WHEN, **SAMPLES[kind], **extra}
    request = SimplePublicObjectInputForCreate(properties=properties)
    return objects(client, kind).basic_api.create(request)


def refused(kind, call):
    """The SDK's error for a refused call (each activity API has its own exception classes)."""
    with pytest.raises(
        importlib.import_module(f"hubspot.crm.objects.{kind}").ApiException
    ) as error:
        call()
    return error.value


@pytest.mark.parametrize("kind", KINDS)
def test_create_read_update_archive_and_the_archived_listing(client, kind):
    api = objects(client, kind).basic_api
    created = create(client, kind)
    assert created.properties["hs_timestamp"] == "2026-01-01T10:00:00.000Z"
    assert created.properties["hs_createdate"] == created.created_at.isoformat()[:23] + "Z"
    assert set(api.get_by_id(created.id).properties) == DEFAULT_READ
    name, value = next(iter(SAMPLES[kind].items()))
    assert api.get_by_id(created.id, properties=[name]).properties[name] == value
    updated = api.update(created.id, SimplePublicObjectInput(properties={"hubspot_owner_id": ""}))
    assert updated.id == created.id
    api.archive(created.id)
    assert refused(kind, lambda: api.get_by_id(created.id)).status == 404
    assert api.get_by_id(created.id, archived=True).archived is True
    listed = api.get_page(archived=True)
    assert [r.id for r in listed.results] == [created.id]
    assert api.get_page().results == []


@pytest.mark.parametrize("kind", KINDS)
def test_batches_and_upsert_on_a_unique_odoo_id_property(client, kind):
    create_unique_property(client, kind, "odoo_activity_id", "engagement")
    batch = objects(client, kind).batch_api
    inputs = [{"properties": {"hs_timestamp": WHEN, **SAMPLES[kind]}} for _ in range(2)]
    created = batch.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs))
    ids = sorted(r.id for r in created.results)
    read = batch.read(BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in ids]))
    assert sorted(r.id for r in read.results) == ids
    change = [{"id": i, "properties": {"hs_timestamp": "1767348000000"}} for i in ids]
    batch.update(BatchInputSimplePublicObjectBatchInput(inputs=change))

    def upsert(timestamp):
        item = {"id": "mail.message,7", "idProperty": "odoo_activity_id"}
        item["properties"] = {"hs_timestamp": timestamp, **SAMPLES[kind]}
        request = BatchInputSimplePublicObjectBatchInputUpsert(inputs=[item])
        return batch.upsert(request).results[0]

    first, again = upsert(WHEN), upsert("1767348000000")
    assert first.new is True and again.new is False and first.id == again.id
    assert again.properties["odoo_activity_id"] == "mail.message,7"
    batch.archive(BatchInputSimplePublicObjectId(inputs=[{"id": i} for i in ids]))
    assert [r.id for r in objects(client, kind).basic_api.get_page().results] == [first.id]


@pytest.mark.parametrize("kind", KINDS)
def test_search_by_hs_lastmodifieddate_leaves_out_old_and_archived_records(client, sandbox, kind):
    store = sandbox.store
    old = store.create_object(kind, {"hs_timestamp": WHEN, **SAMPLES[kind]})["id"]
    store.update_object(kind, old, {}, modified_at=1_600_000_000_000)
    new, gone = create(client, kind).id, create(client, kind).id
    objects(client, kind).basic_api.archive(gone)
    request = modified_since("hs_lastmodifieddate", 1_700_000_000_000)
    found = objects(client, kind).search_api.do_search(request)
    assert [r.id for r in found.results] == [new] and found.total == 1


@pytest.mark.parametrize("kind", KINDS)
def test_hs_timestamp_is_required_on_create_and_cannot_be_cleared(client, http, kind):
    properties = dict(SAMPLES[kind])
    if kind == "meetings":
        del properties["hs_meeting_start_time"]  # else the start time stands in for it
    api = objects(client, kind).basic_api
    request = SimplePublicObjectInputForCreate(properties=properties)
    error = refused(kind, lambda: api.create(request))
    assert error.status == 400 and "hs_timestamp" in error.body
    batch = http.post(
        f"/crm/v3/objects/{kind}/batch/create", json={"inputs": [{"properties": properties}]}
    )
    assert batch.status_code == 400
    record = create(client, kind).id
    clear = SimplePublicObjectInput(properties={"hs_timestamp": ""})
    assert refused(kind, lambda: api.update(record, clear)).status == 400


def test_a_meeting_without_hs_timestamp_takes_its_start_time(client):
    meeting = client.crm.objects.meetings.basic_api.create(
        SimplePublicObjectInputForCreate(properties=SAMPLES["meetings"])
    )
    assert meeting.properties["hs_timestamp"] == "2026-01-01T10:00:00.000Z"


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("calls", "hs_call_direction", "SIDEWAYS"),
        ("calls", "hs_call_status", "DONE"),
        ("calls", "hs_call_disposition", "not-an-outcome"),
        ("meetings", "hs_meeting_outcome", "MAYBE"),
        ("tasks", "hs_task_status", "DONE"),
        ("tasks", "hs_task_priority", "URGENT"),
        ("tasks", "hs_task_type", "MEETING"),
        ("emails", "hs_email_direction", "OUTGOING"),
        ("emails", "hs_email_status", "READ"),
        ("notes", "hubspot_owner_id", "999"),
        ("notes", "hs_timestamp", "yesterday"),
        ("calls", "hs_call_duration", "three minutes"),
    ],
)
def test_values_outside_hubspots_options_are_refused(client, kind, name, value):
    error = refused(kind, lambda: create(client, kind, **{name: value}))
    assert error.status == 400 and name in error.body


def test_a_note_body_holds_at_most_65536_characters(client):
    assert create(client, "notes", hs_note_body="x" * 65_536).id
    error = refused("notes", lambda: create(client, "notes", hs_note_body="x" * 65_537))
    assert error.status == 400 and "hs_note_body" in error.body


def test_activities_have_no_merge(http, sandbox):
    notes = [sandbox.store.create_object("notes", {"hs_timestamp": WHEN})["id"] for _ in range(2)]
    body = {"primaryObjectId": notes[0], "objectIdToMerge": notes[1]}
    assert http.post("/crm/v3/objects/notes/merge", json=body).status_code == 404


def test_completing_a_task_stamps_its_completion_date_and_reopening_clears_it(client):
    api = client.crm.objects.tasks.basic_api
    task = create(client, "tasks").id

    def status(value):
        api.update(task, SimplePublicObjectInput(properties={"hs_task_status": value}))
        read = api.get_by_id(task, properties=["hs_task_completion_date"])
        return read.properties["hs_task_completion_date"]

    assert status("COMPLETED") > "2026"
    assert status("NOT_STARTED") is None
    stamped = SimplePublicObjectInput(properties={"hs_task_completion_date": WHEN})
    assert refused("tasks", lambda: api.update(task, stamped)).status == 400  # read-only


def test_email_headers_fill_the_sender_and_recipients(client):
    headers = (
        '{"from": {"email": "anna@example.com", "firstName": "Anna", "lastName": "Schmidt"},'
        ' "to": [{"email": "a@acme.example"}, {"email": "b@acme.example"}], "cc": [], "bcc": []}'
    )
    email = create(client, "emails", hs_email_headers=headers)
    assert email.properties["hs_email_from_email"] == "anna@example.com"
    assert email.properties["hs_email_from_lastname"] == "Schmidt"
    assert email.properties["hs_email_to_email"] == "a@acme.example;b@acme.example"
