"""Batches: chunks of 100, per-input outcomes by index, bisection, merges, associations."""

import json

from hubspot_connector.services import (
    HubspotConflict,
    HubspotNotFound,
    HubspotValidationError,
)

from .client_support import make_client, seed_contacts

BATCH = "POST /crm/v3/objects/contacts/batch/"


def test_batch_read_reports_unknown_ids_per_id(sandbox, client):
    ids = seed_contacts(sandbox, 2)
    outcome = client.batch_read("contacts", [ids[0], "777", ids[1], "778"], ["email"])
    assert outcome.results[0]["id"] == ids[0] and outcome.results[2]["id"] == ids[1]
    assert sorted(outcome.errors) == [1, 3]
    assert all(isinstance(error, HubspotNotFound) for error in outcome.errors.values())
    assert sandbox.stats()["by_status"] == {"207": 1}


def test_batch_read_sends_100_ids_per_request(sandbox, client):
    ids = seed_contacts(sandbox, 250)
    outcome = client.batch_read("contacts", ids, ["email"])
    assert [outcome.results[i]["id"] for i in range(250)] == ids
    assert sandbox.stats()["by_endpoint"] == {BATCH + "read": 3}


def test_batch_read_maps_merged_ids_to_the_survivor(sandbox, client):
    first, second, other = seed_contacts(sandbox, 3)
    survivor = sandbox.store.merge_objects("contacts", first, second)["id"]
    assert survivor not in (first, second)  # contacts merge into a record with a new id
    outcome = client.batch_read("contacts", [first, second, other], ["email"])
    assert outcome.by_requested_id[first]["id"] == survivor
    assert outcome.by_requested_id[second]["id"] == survivor
    assert outcome.by_requested_id[other]["id"] == other
    assert not outcome.errors


def test_batch_read_by_email(sandbox, client):
    ids = seed_contacts(sandbox, 2)
    emails = [f"C{ids[1]}@example.com", "nobody@example.com"]
    outcome = client.batch_read("contacts", emails, ["firstname"], id_property="email")
    assert outcome.results[0]["id"] == ids[1]
    assert outcome.by_requested_id[emails[0]]["id"] == ids[1]
    assert isinstance(outcome.errors[1], HubspotNotFound)


def test_batch_create_isolates_conflicts_by_bisection(sandbox, client):
    """HubSpot fails a whole create on one taken e-mail: every good input still goes in."""
    existing = seed_contacts(sandbox, 2)
    inputs = [{"properties": {"email": f"new{i}@example.com"}} for i in range(150)]
    inputs[17] = {"properties": {"email": f"c{existing[0]}@example.com"}}
    inputs[120] = {"properties": {"email": f"c{existing[1]}@example.com"}}
    outcome = client.batch_create("contacts", inputs)
    assert sorted(outcome.errors) == [17, 120]
    assert isinstance(outcome.errors[17], HubspotConflict)
    assert outcome.errors[17].existing_id == existing[0]
    assert outcome.errors[120].existing_id == existing[1]
    assert len(outcome.results) == 148
    assert outcome.results[0]["properties"]["email"] == "new0@example.com"
    assert outcome.results[149]["properties"]["email"] == "new149@example.com"
    assert sandbox.store.count("contacts") == 150
    assert sandbox.stats()["by_endpoint"][BATCH + "create"] <= 2 + 2 * 2 * 7


def test_batch_create_reports_invalid_inputs_per_index(sandbox, client):
    inputs = [{"properties": {"email": "ok@example.com"}}, {"properties": {"email": "bad"}}]
    outcome = client.batch_create("contacts", inputs)
    assert list(outcome.results) == [0]
    assert isinstance(outcome.errors[1], HubspotValidationError)
    assert "bad" in str(outcome.errors[1])


def test_batch_create_keeps_a_callers_trace_id(client):
    inputs = [{"properties": {"email": "t@example.com"}, "objectWriteTraceId": "partner-7"}]
    outcome = client.batch_create("contacts", inputs)
    assert outcome.results[0]["objectWriteTraceId"] == "partner-7"


def test_batch_update_reports_unknown_ids_per_index(sandbox, client):
    ids = seed_contacts(sandbox, 2)
    inputs = [
        {"id": ids[0], "properties": {"firstname": "A"}},
        {"id": "999", "properties": {"firstname": "B"}},
        {"id": ids[1], "properties": {"firstname": "C"}},
    ]
    outcome = client.batch_update("contacts", inputs)
    assert outcome.results[0]["properties"]["firstname"] == "A"
    assert outcome.results[2]["properties"]["firstname"] == "C"
    assert isinstance(outcome.errors[1], HubspotNotFound)


def test_batch_upsert_twice_makes_no_duplicate(sandbox, client):
    inputs = [{"id": f"u{i}@example.com", "properties": {"firstname": "U"}} for i in range(3)]
    first = client.batch_upsert("contacts", inputs, "email")
    second = client.batch_upsert("contacts", inputs, "email")
    assert [first.results[i]["id"] for i in range(3)] == [second.results[i]["id"] for i in range(3)]
    assert [second.results[i]["new"] for i in range(3)] == [False] * 3
    assert sandbox.store.count("contacts") == 3


def test_batch_archive(sandbox, client):
    ids = seed_contacts(sandbox, 3)
    outcome = client.batch_archive("contacts", ids[:2])
    assert outcome.results == {0: {"id": ids[0]}, 1: {"id": ids[1]}}
    assert sandbox.store.count("contacts") == 1


def test_single_object_writes(sandbox, client):
    created = client.create_object("contacts", {"email": "s@example.com"})
    updated = client.update_object("contacts", created["id"], {"firstname": "S"})
    assert updated["properties"]["firstname"] == "S"
    client.archive_object("contacts", created["id"])
    assert sandbox.store.count("contacts") == 0


def test_associations_read_create_and_remove(sandbox, client):
    contacts = seed_contacts(sandbox, 3)
    deals = [sandbox.store.create_object("deals", {"dealname": f"D{i}"})["id"] for i in range(2)]
    pairs = [(deals[0], contacts[0]), (deals[0], contacts[1]), (deals[1], "555")]
    made = client.batch_associate_default("deals", "contacts", pairs)
    assert sorted(made.results) == [0, 1]
    assert isinstance(made.errors[2], HubspotNotFound)
    linked = client.batch_read_associations("deals", "contacts", deals)
    assert linked == {deals[0]: [contacts[0], contacts[1]], deals[1]: []}
    removed = client.batch_archive_associations("deals", "contacts", pairs[:1])
    assert list(removed.results) == [0]
    assert client.batch_read_associations("contacts", "deals", contacts[:2]) == {
        contacts[0]: [],
        contacts[1]: [deals[0]],
    }


def test_association_pages_of_one_id_are_followed(scripted):
    """HubSpot pages associations per id (the sandbox answers in one page)."""
    first_page = {
        "results": [
            {"from": {"id": "1"}, "to": [{"toObjectId": 10}], "paging": {"next": {"after": "x"}}},
            {"from": {"id": "2"}, "to": [{"toObjectId": 20}]},
        ]
    }
    second_page = {"results": [{"from": {"id": "1"}, "to": [{"toObjectId": 11}]}]}
    server = scripted([(200, {}, first_page), (200, {}, second_page)])
    linked = make_client(server).batch_read_associations("contacts", "deals", ["1", "2", "3"])
    assert linked == {"1": ["10", "11"], "2": ["20"], "3": []}
    assert [json.loads(body)["inputs"] for body in server.bodies] == [
        [{"id": "1"}, {"id": "2"}, {"id": "3"}],
        [{"id": "1", "after": "x"}],
    ]
