"""Reading: list paging, incremental search past the 10,000 cap, single reads, schema."""

import itertools

from .client_support import make_client, seed_contacts

BASE_MS = 1_700_000_000_000


def test_iter_objects_follows_paging(sandbox, client):
    ids = seed_contacts(sandbox, 250)
    found = [record["id"] for record in client.iter_objects("contacts", ["email"])]
    assert found == ids
    assert sandbox.stats()["by_endpoint"] == {"GET /crm/v3/objects/contacts": 3}


def test_iter_objects_streams_one_page_at_a_time(sandbox, client):
    seed_contacts(sandbox, 250)
    records = client.iter_objects("contacts", ["email"])
    assert len(list(itertools.islice(records, 100))) == 100
    assert client.requests_made == 1


def test_iter_objects_with_associations_and_archived(sandbox, client):
    contact = sandbox.store.create_object("contacts", {"email": "a@example.com"})
    deal = sandbox.store.create_object("deals", {"dealname": "D"})
    sandbox.store.associate("deals", deal["id"], "contacts", contact["id"])
    (found,) = client.iter_objects("deals", ["dealname"], associations=["contacts"])
    assert [a["id"] for a in found["associations"]["contacts"]["results"]] == [contact["id"]]
    sandbox.store.archive_object("deals", deal["id"])
    assert [d["id"] for d in client.iter_objects("deals", [], archived=True)] == [deal["id"]]


def test_iter_modified_since_returns_changes_oldest_first(sandbox, client):
    ids = seed_contacts(sandbox, 30, updated_at=lambda i: BASE_MS + 1000 * (30 - i))
    found = list(
        client.iter_modified_since(
            "contacts", BASE_MS + 1000 * 11, ["email"], modified_property="lastmodifieddate"
        )
    )
    assert [record["id"] for record in found] == list(reversed(ids[:20]))
    assert all("lastmodifieddate" in record["properties"] for record in found)


def test_iter_modified_since_for_deals_uses_their_own_property(sandbox, client):
    old = sandbox.store.create_object("deals", {"dealname": "old"})
    sandbox.store.update_object("deals", old["id"], {"dealname": "old"}, modified_at=BASE_MS)
    new = sandbox.store.create_object("deals", {"dealname": "new"})
    found = list(
        client.iter_modified_since(
            "deals", BASE_MS + 1, ["dealname"], modified_property="hs_lastmodifieddate"
        )
    )
    assert [record["id"] for record in found] == [new["id"]]


def test_iter_modified_since_gets_past_the_10000_cap(sandbox, client):
    """10,500 contacts; the last 1,500 share one timestamp, across the 10,000th result."""
    ids = seed_contacts(sandbox, 10_500, updated_at=lambda i: BASE_MS + min(i, 9_000))
    found = [
        record["id"]
        for record in client.iter_modified_since(
            "contacts", None, [], modified_property="lastmodifieddate"
        )
    ]
    assert sorted(found) == sorted(ids)  # every id exactly once
    assert len(found) == len(set(found))
    searches = sandbox.stats()["by_endpoint"]["POST /crm/v3/objects/contacts/search"]
    assert searches <= 10_500 // 200 + 10  # a restart costs a few pages, not a rescan


def test_iter_modified_since_when_over_10000_share_one_timestamp(sandbox, client):
    """10,200 contacts modified in the same millisecond: paged through by id."""
    timestamps = [BASE_MS] * 100 + [BASE_MS + 1] * 10_200 + [BASE_MS + 2] * 100
    ids = seed_contacts(sandbox, len(timestamps), updated_at=timestamps.__getitem__)
    found = [
        record["id"]
        for record in client.iter_modified_since(
            "contacts", BASE_MS, [], modified_property="lastmodifieddate"
        )
    ]
    assert sorted(found) == sorted(ids)
    assert len(found) == len(set(found))


def test_get_object_by_id_or_email(sandbox, client):
    created = sandbox.store.create_object("contacts", {"email": "grace@example.com"})
    by_id = client.get_object("contacts", created["id"], ["email"])
    by_email = client.get_object("contacts", "grace@example.com", ["email"], id_property="email")
    assert by_id["id"] == by_email["id"] == created["id"]


def test_get_object_after_a_merge_answers_with_the_survivor(sandbox, client):
    first = sandbox.store.create_object("contacts", {"email": "one@example.com"})
    second = sandbox.store.create_object("contacts", {"email": "two@example.com"})
    survivor = client.merge("contacts", first["id"], second["id"])
    assert client.get_object("contacts", second["id"], [])["id"] == survivor["id"]


def test_schema_and_owners(sandbox, client):
    sandbox.store.add_owner("owner@example.com", "Olive", "Owner")
    pipelines = client.get_pipelines()
    assert "default" in [pipeline["id"] for pipeline in pipelines]
    names = [prop["name"] for prop in client.get_properties("contacts")]
    assert "hs_lead_status" in names
    lead_status = client.get_property("contacts", "hs_lead_status")
    assert lead_status["options"]
    assert "owner@example.com" in [owner["email"] for owner in client.iter_owners()]
    assert client.get_account_details()["companyCurrency"] == "USD"


def test_create_property(client):
    definition = {
        "name": "odoo_id",
        "label": "Odoo id",
        "type": "string",
        "fieldType": "text",
        "groupName": "dealinformation",
        "hasUniqueValue": True,
    }
    created = client.create_property("deals", definition)
    assert created["name"] == "odoo_id"
    assert client.get_property("deals", "odoo_id")["hasUniqueValue"] is True


def test_check_connection_reports_what_was_verified(client):
    checked = client.check_connection(("contacts", "deals"))
    assert checked["verified"] == ["contacts read", "deals read", "owners read"]


def test_many_owners_are_paged(sandbox):
    for n in range(130):
        sandbox.store.add_owner(f"owner{n}@example.com")
    client = make_client(sandbox)
    assert len(list(client.iter_owners())) >= 130
    assert sandbox.stats()["by_endpoint"]["GET /crm/v3/owners"] == 2
