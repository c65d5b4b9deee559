"""Every failure surfaces as its named error, with a message a settings form can show."""

import pytest

from hubspot_connector.services import (
    HubspotAuthError,
    HubspotConflict,
    HubspotDailyLimitReached,
    HubspotError,
    HubspotNetworkError,
    HubspotNotFound,
    HubspotRateLimited,
    HubspotScopeError,
    HubspotServerError,
    HubspotValidationError,
)

from .client_support import make_client

MISSING_SCOPES = {
    "status": "error",
    "message": "This app hasn't been granted all required scopes to make this call.",
    "correlationId": "c0ffee",
    "errors": [
        {
            "message": "One or more of the following scopes are required.",
            "context": {"requiredScopes": ["crm.objects.deals.read"]},
        }
    ],
    "category": "MISSING_SCOPES",
}


def fail_next(sandbox, kind, path, count=10):
    sandbox.set_faults(rules=[{"path": path, "kind": kind, "count": count}])


def test_wrong_token_raises_auth_error(sandbox):
    client = make_client(sandbox, token="pat-na1-wrong")
    with pytest.raises(HubspotAuthError) as caught:
        client.check_connection(("contacts", "deals"))
    assert caught.value.status == 401
    assert caught.value.category == "INVALID_AUTHENTICATION"
    assert str(caught.value).startswith("HubSpot rejected the access token (401): ")
    assert sandbox.stats()["total"] == 1  # never retried


def test_missing_scope_raises_scope_error_naming_the_scope(scripted):
    server = scripted([(403, {}, MISSING_SCOPES)])
    client = make_client(server)
    with pytest.raises(HubspotScopeError) as caught:
        client.iter_objects("deals", ["dealname"]).__next__()
    assert caught.value.required_scopes == ["crm.objects.deals.read"]
    assert caught.value.correlation_id == "c0ffee"
    assert "crm.objects.deals.read" in str(caught.value)
    assert len(server.requests) == 1


def test_unknown_record_raises_not_found(client):
    with pytest.raises(HubspotNotFound) as caught:
        client.get_object("contacts", "424242", ["email"])
    assert caught.value.status == 404
    assert caught.value.category == "OBJECT_NOT_FOUND"


def test_duplicate_email_raises_conflict_with_the_existing_id(client):
    existing = client.create_object("contacts", {"email": "ada@example.com"})
    with pytest.raises(HubspotConflict) as caught:
        client.create_object("contacts", {"email": "ADA@example.com"})
    assert caught.value.existing_id == existing["id"]
    assert f"Existing ID: {existing['id']}" in str(caught.value)


def test_invalid_value_raises_validation_error(client):
    with pytest.raises(HubspotValidationError) as caught:
        client.create_object("contacts", {"email": "not-an-email"})
    assert caught.value.status == 400
    assert "not-an-email" in str(caught.value)


def test_server_error_is_raised_after_the_last_try(sandbox):
    fail_next(sandbox, "500", "/crm/v3/objects/contacts")
    client = make_client(sandbox, max_tries=3)
    with pytest.raises(HubspotServerError) as caught:
        client.get_object("contacts", "1", [])
    assert caught.value.status == 500
    assert sandbox.stats()["by_status"] == {"500": 3}


def test_html_bad_gateway_page_still_gives_a_named_error(sandbox):
    fail_next(sandbox, "502", "/crm/v3/objects/contacts")
    client = make_client(sandbox, max_tries=2)
    with pytest.raises(HubspotServerError, match=r"\(502\)"):
        client.get_object("contacts", "1", [])


def test_rate_limit_is_raised_after_the_last_try(sandbox):
    fail_next(sandbox, "429", "/crm/v3/objects/contacts")
    client = make_client(sandbox, max_tries=2)
    with pytest.raises(HubspotRateLimited) as caught:
        client.get_object("contacts", "1", [])
    assert not isinstance(caught.value, HubspotDailyLimitReached)
    assert caught.value.policy == "TEN_SECONDLY_ROLLING"
    assert sandbox.stats()["by_status"] == {"429": 2}


def test_daily_limit_is_never_retried(start_sandbox):
    sandbox = start_sandbox(daily_limit=2)
    client = make_client(sandbox)
    client.check_connection(object_types=("contacts",))  # 2 requests: the day's budget
    with pytest.raises(HubspotDailyLimitReached) as caught:
        client.get_object("contacts", "1", [])
    assert caught.value.policy == "DAILY"
    assert "daily" in str(caught.value)
    assert sandbox.stats()["total"] == 3
    assert sandbox.stats()["by_status"]["429"] == 1


def test_dropped_connections_raise_network_error_after_the_last_try(sandbox):
    fail_next(sandbox, "drop", "/crm/v3/objects/contacts")
    client = make_client(sandbox, max_tries=3)
    with pytest.raises(HubspotNetworkError):
        client.get_object("contacts", "1", [])
    assert sandbox.stats()["by_status"] == {"drop": 3}


def test_unreachable_host_raises_network_error(sandbox):
    client = make_client(sandbox, max_tries=2)
    sandbox.stop()
    with pytest.raises(HubspotNetworkError, match="Could not reach HubSpot"):
        client.check_connection(("contacts", "deals"))


def test_every_error_is_a_hubspot_error():
    named = [
        HubspotAuthError,
        HubspotScopeError,
        HubspotNotFound,
        HubspotConflict,
        HubspotValidationError,
        HubspotRateLimited,
        HubspotDailyLimitReached,
        HubspotServerError,
        HubspotNetworkError,
    ]
    assert all(issubclass(cls, HubspotError) for cls in named)
    assert issubclass(HubspotDailyLimitReached, HubspotRateLimited)
