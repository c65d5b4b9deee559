"""The store's change events: every change, whichever way it comes, reaches the listeners."""

import pytest

from hubspot_sandbox.errors import ApiError
from hubspot_sandbox.store import Store


@pytest.fixture
def events(sandbox):
    collected = []
    sandbox.store.add_listener(collected.append)
    return collected


def kinds(events):
    return [(e["kind"], e["objectType"], e["objectId"]) for e in events]


def test_api_writes_emit_creation_property_change_and_deletion(http, events):
    created = http.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme"}})
    company = int(created.json()["id"])
    http("PATCH", f"/crm/v3/objects/companies/{company}", json={"properties": {"city": "Bern"}})
    http("PATCH", f"/crm/v3/objects/companies/{company}", json={"properties": {"city": "Bern"}})
    http("DELETE", f"/crm/v3/objects/companies/{company}")
    assert kinds(events) == [
        ("creation", "companies", company),
        ("propertyChange", "companies", company),
        ("deletion", "companies", company),
    ]  # the second PATCH changed nothing
    creation, change, _ = events
    assert creation["properties"] == {"name": "Acme"} and creation["objectTypeId"] == "0-2"
    assert change["properties"] == {"city": "Bern"} and isinstance(change["occurredAt"], int)


def test_associations_emit_both_directions_and_the_values_they_move(sandbox, events):
    store = sandbox.store
    contact = int(store.create_object("contacts", {"email": "e@example.com"})["id"])
    company = int(store.create_object("companies", {"name": "Acme"})["id"])
    events.clear()
    store.associate("contacts", contact, "companies", company, primary=True)
    links = [e for e in events if e["kind"] == "associationChange"]
    assert {
        (e["objectType"], e["associationTypeId"], e["isPrimaryAssociation"]) for e in links
    } == {
        ("contacts", 279, False),
        ("contacts", 1, True),
        ("companies", 280, False),
        ("companies", 2, True),
    }
    assert all(not e["associationRemoved"] for e in links)
    contact_link = next(e for e in links if e["associationTypeId"] == 279)
    assert (contact_link["fromObjectId"], contact_link["toObjectId"]) == (contact, company)
    assert contact_link["toObjectType"] == "companies"
    changes = {e["objectType"]: e["properties"] for e in events if e["kind"] == "propertyChange"}
    assert changes == {
        "contacts": {"associatedcompanyid": str(company)},
        "companies": {"num_associated_contacts": "1"},
    }
    events.clear()
    store.dissociate("contacts", contact, "companies", company, primary_only=True)
    assert {
        (e["associationTypeId"], e["associationRemoved"]) for e in events if "fromObjectId" in e
    } == {
        (1, True),
        (2, True),
    }


def test_merge_and_restore_events(sandbox, events):
    store = sandbox.store
    first, second = (int(store.create_object("deals", {"dealname": n})["id"]) for n in "ab")
    store.archive_object("deals", second)
    store.restore_object("deals", second)
    events.clear()
    store.merge_objects("deals", first, second)
    merge = next(e for e in events if e["kind"] == "merge")
    assert (merge["primaryObjectId"], merge["mergedObjectIds"], merge["newObjectId"]) == (
        first,
        [second],
        first,
    )


def test_gdpr_delete_emits_privacy_deletion_then_deletion(sandbox, events):
    store = sandbox.store
    contact = int(store.create_object("contacts", {"email": "p@example.com"})["id"])
    company = int(store.create_object("companies", {"name": "Acme"})["id"])
    store.associate("contacts", contact, "companies", company)
    events.clear()
    store.gdpr_delete_object("contacts", contact)
    assert kinds(events) == [
        ("associationChange", "contacts", contact),
        ("associationChange", "companies", company),
        ("privacyDeletion", "contacts", contact),
        ("deletion", "contacts", contact),
        ("propertyChange", "companies", company),
    ]
    with pytest.raises(ApiError) as error:
        store.gdpr_delete_object("companies", company)
    assert error.value.status == 400


def test_seeds_emit_creations_and_reset_drops_listeners(sandbox, events):
    sandbox.seed({"companies": [{"id": "7", "properties": {"name": "Seeded"}}]})
    assert kinds(events) == [("creation", "companies", 7)]
    sandbox.reset()
    sandbox.store.create_object("companies", {"name": "After reset"})
    assert len(events) == 1


def test_restore_refuses_a_unique_value_another_record_took():
    store = Store()
    old = store.create_object("contacts", {"email": "u@example.com"})["id"]
    store.archive_object("contacts", old)
    store.create_object("contacts", {"email": "U@example.com"})
    with pytest.raises(ApiError) as error:
        store.restore_object("contacts", old)
    assert error.value.status == 409 and store.get_object("contacts", old)["archived"]
