"""The store under direct use and under load: helpers, index consistency, thread safety."""

import random
import threading
from datetime import datetime, timezone

from hubspot_sandbox.store import Store
from hubspot_sandbox.values import iso


def test_store_helpers_backdate_and_set_modified(sandbox):
    store = sandbox.store
    created = store.create_object(
        "contacts", {"email": "h@example.com"}, created_at=datetime(2022, 2, 2, tzinfo=timezone.utc)
    )
    assert created["properties"]["createdate"] == "2022-02-02T00:00:00.000Z"
    updated = store.update_object(
        "contacts", created["id"], {"city": "Bern"}, modified_at=1_700_000_000_000
    )
    assert updated["updatedAt"] == "2023-11-14T22:13:20.000Z"
    assert store.get_object("contacts", created["id"])["properties"]["city"] == "Bern"
    assert store.get_object("contacts", "1") is None


def test_store_helpers_may_set_read_only_properties(sandbox):
    created = sandbox.store.create_object(
        "contacts", {"email": "m@example.com", "hs_additional_emails": "M2@example.com"}
    )
    assert created["properties"]["hs_additional_emails"] == "M2@example.com"


def test_indexed_search_agrees_with_a_brute_force_answer_after_random_changes(sandbox, http):
    """Updates, archives and merges must keep the sorted indexes exact."""
    store, rng = sandbox.store, random.Random(3)
    ids = [store.create_object("contacts", {"email": f"r{i}@example.com"})["id"] for i in range(60)]
    for step in range(200):
        first, second = (store.get_object("contacts", rng.choice(ids)) for _ in range(2))
        if first["archived"] or second["archived"]:
            continue
        action = rng.random()
        if action < 0.8:
            when = rng.randrange(10**12)
            store.update_object("contacts", first["id"], {"city": f"c{step}"}, modified_at=when)
        elif action < 0.9:
            store.archive_object("contacts", first["id"])
        elif first["id"] != second["id"]:
            ids.append(store.merge_objects("contacts", first["id"], second["id"])["id"])
    live = {r["id"]: r for r in map(lambda i: store.get_object("contacts", i), ids)}
    live = {i: r for i, r in live.items() if not r["archived"]}
    since = 4 * 10**11
    expected = sorted(
        (r["updatedAt"], int(i)) for i, r in live.items() if r["updatedAt"] >= iso(since)
    )
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(since)}
                ]
            }
        ],
        "sorts": ["lastmodifieddate"],
        "limit": 200,
    }
    found = http.post("/crm/v3/objects/contacts/search", json=body).json()
    assert [r["id"] for r in found["results"]] == [str(i) for _, i in expected]
    listed = http.get("/crm/v3/objects/contacts?limit=100").json()["results"]
    assert [r["id"] for r in listed] == sorted(live, key=int)


def test_concurrent_creates_lose_nothing(sandbox, http_for):
    def worker(n):
        client = http_for(sandbox)
        for i in range(15):
            response = client.post(
                "/crm/v3/objects/contacts", json={"properties": {"email": f"t{n}-{i}@example.com"}}
            )
            assert response.status_code == 201

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sandbox.store.count("contacts") == 120
    assert sandbox.stats()["by_status"] == {"201": 120}


def test_a_store_can_be_used_without_a_server():
    store = Store()
    store.create_object("deals", {"dealname": "Offline"})
    assert store.count("deals") == 1
