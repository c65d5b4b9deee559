"""Retries: what may succeed next time is retried with backoff; what may not, never."""

import logging
import time

import pytest

from hubspot_connector.services import (
    HubspotDailyLimitReached,
    HubspotError,
    HubspotNetworkError,
    HubspotServerError,
)

from .client_support import make_client, seed_contacts

CONTACTS = "/crm/v3/objects/contacts"


def inject(sandbox, kind, path, count=2, slow_seconds=2.0):
    sandbox.set_faults(
        slow_seconds=slow_seconds, rules=[{"path": path, "kind": kind, "count": count}]
    )


@pytest.mark.parametrize("kind", ["429", "500", "502", "503", "drop", "drop_after"])
def test_transient_failures_are_retried_until_the_read_succeeds(sandbox, client, caplog, kind):
    ids = seed_contacts(sandbox, 3)
    inject(sandbox, kind, CONTACTS + "/batch/read")
    with caplog.at_level(logging.WARNING, logger="hubspot_connector"):
        outcome = client.batch_read("contacts", ids, ["email"])
    assert sorted(outcome.results) == [0, 1, 2] and not outcome.errors
    assert sandbox.stats()["by_endpoint"] == {"POST /crm/v3/objects/contacts/batch/read": 3}
    assert len([r for r in caplog.records if "retry" in r.getMessage()]) == 2


def test_timeouts_are_retried(sandbox):
    ids = seed_contacts(sandbox, 3)
    inject(sandbox, "slow", CONTACTS + "/batch/read", count=1, slow_seconds=1.0)
    client = make_client(sandbox, timeout=(2, 0.3))
    outcome = client.batch_read("contacts", ids, ["email"])
    assert sorted(outcome.results) == [0, 1, 2]
    assert client.requests_made == 2  # the slow answer is still on its way: not in stats yet


def test_retry_waits_at_least_what_retry_after_asks(scripted):
    body = {"status": "error", "message": "slow down", "policyName": "TEN_SECONDLY_ROLLING"}
    server = scripted([(429, {"Retry-After": "1"}, body)])
    started = time.monotonic()
    make_client(server).get_object("contacts", "1", [])
    assert time.monotonic() - started >= 1.0
    assert len(server.requests) == 2


def test_search_secondly_limit_is_retried(start_sandbox):
    sandbox = start_sandbox(search_rate=1)
    seed_contacts(sandbox, 3)
    client = make_client(sandbox, searches_per_second=100)  # pacing off: meet the server's
    first = list(
        client.iter_modified_since(
            "contacts", None, ["email"], modified_property="lastmodifieddate"
        )
    )
    second = list(
        client.iter_modified_since(
            "contacts", None, ["email"], modified_property="lastmodifieddate"
        )
    )
    assert len(first) == len(second) == 3
    assert sandbox.stats()["by_status"]["429"] >= 1


def test_locked_record_423_waits_two_seconds(scripted):
    locked = {"status": "error", "message": "Locked", "category": "LOCKED"}
    server = scripted([(423, {}, locked)])
    started = time.monotonic()
    make_client(server).update_object("contacts", "1", {"firstname": "Ada"})
    assert time.monotonic() - started >= 2.0
    assert len(server.requests) == 2


def test_migration_477_honours_retry_after_seconds(scripted):
    migrating = {"status": "error", "message": "Migration in progress"}
    server = scripted([(477, {"Retry-After": "1"}, migrating)])
    started = time.monotonic()
    make_client(server).get_object("contacts", "1", [])
    assert time.monotonic() - started >= 1.0


def test_a_wait_longer_than_backoff_max_is_not_waited_out(scripted):
    migrating = {"status": "error", "message": "Migration in progress"}
    server = scripted([(477, {"Retry-After": "3600"}, migrating)])
    with pytest.raises(HubspotError) as caught:
        make_client(server, backoff_max=5).get_object("contacts", "1", [])
    assert caught.value.status == 477
    assert len(server.requests) == 1


def test_daily_limit_in_a_batch_is_not_retried(start_sandbox):
    sandbox = start_sandbox(daily_limit=1)
    client = make_client(sandbox)
    outcome = client.batch_archive("contacts", [str(i) for i in range(250)])
    assert sorted(outcome.results) == list(range(100))
    assert {type(error) for error in outcome.errors.values()} == {HubspotDailyLimitReached}
    assert sorted(outcome.errors) == list(range(100, 250))
    assert sandbox.stats()["total"] == 2


def test_lost_answer_to_a_create_is_not_replayed(sandbox, client):
    inject(sandbox, "drop_after", CONTACTS + "/batch/create", count=1)
    inputs = [{"properties": {"email": f"new{i}@example.com"}} for i in range(2)]
    outcome = client.batch_create("contacts", inputs)
    assert {type(error) for error in outcome.errors.values()} == {HubspotNetworkError}
    assert sandbox.stats()["by_endpoint"] == {"POST /crm/v3/objects/contacts/batch/create": 1}
    assert sandbox.store.count("contacts") == 2  # applied once, never twice


def test_lost_answer_to_an_upsert_is_replayed_without_duplicates(sandbox, client):
    inject(sandbox, "drop_after", CONTACTS + "/batch/upsert", count=1)
    inputs = [{"id": f"new{i}@example.com", "properties": {"firstname": "N"}} for i in range(2)]
    outcome = client.batch_upsert("contacts", inputs, "email")
    assert sorted(outcome.results) == [0, 1] and not outcome.errors
    assert sandbox.stats()["by_endpoint"] == {"POST /crm/v3/objects/contacts/batch/upsert": 2}
    assert sandbox.store.count("contacts") == 2


def test_server_error_on_a_create_is_not_replayed(sandbox, client):
    """A 5xx may come after HubSpot applied the create: the inputs fail, nothing doubles."""
    inject(sandbox, "503", CONTACTS + "/batch/create", count=1)
    outcome = client.batch_create("contacts", [{"properties": {"email": "x@example.com"}}])
    assert isinstance(outcome.errors[0], HubspotServerError)
    assert sandbox.stats()["by_endpoint"] == {"POST /crm/v3/objects/contacts/batch/create": 1}
