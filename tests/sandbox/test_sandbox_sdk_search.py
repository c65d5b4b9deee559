"""Search through the SDK: operators, groups, both sort forms, paging, total, query, limits."""

from datetime import datetime, timedelta, timezone

import pytest
from hubspot.crm.contacts import ApiException, PublicObjectSearchRequest

BASE = datetime(2025, 3, 1, tzinfo=timezone.utc)


def ms(moment):
    return str(int(moment.timestamp() * 1000))


@pytest.fixture
def people(sandbox):
    """Five contacts modified one day apart; returns their ids in that order."""
    rows = [
        {
            "email": "anna@alpha.example",
            "firstname": "Anna",
            "hs_lead_status": "NEW",
            "zip": "10115",
        },
        {"email": "ben@beta.example", "firstname": "Ben", "hs_lead_status": "OPEN"},
        {"email": "cleo@alpha.example", "firstname": "Cléo", "hs_lead_status": "NEW"},
        {"email": "dan@gamma.example", "firstname": "Dan", "company": "Gamma Logistik GmbH"},
        {"firstname": "Eve", "hs_lead_status": "CONNECTED", "zip": "80331"},
    ]
    ids = []
    for day, properties in enumerate(rows):
        record = sandbox.store.create_object("contacts", properties, created_at=BASE)
        sandbox.store.update_object(
            "contacts", record["id"], {}, modified_at=BASE + timedelta(days=day)
        )
        ids.append(record["id"])
    return ids


def search(client, *filters, groups=None, **kwargs):
    if groups is None:
        groups = [{"filters": list(filters)}] if filters else []
    request = PublicObjectSearchRequest(filter_groups=groups, **kwargs)
    return client.crm.contacts.search_api.do_search(request)


def ids_of(result):
    return [r.id for r in result.results]


def test_eq_is_case_insensitive_on_strings(client, people):
    result = search(
        client, {"propertyName": "email", "operator": "EQ", "value": "BEN@beta.example"}
    )
    assert ids_of(result) == [people[1]] and result.total == 1


def test_enumeration_eq_is_case_sensitive(client, people):
    assert (
        search(client, {"propertyName": "hs_lead_status", "operator": "EQ", "value": "new"}).total
        == 0
    )
    result = search(client, {"propertyName": "hs_lead_status", "operator": "EQ", "value": "NEW"})
    assert ids_of(result) == [people[0], people[2]]


def test_modified_since_with_epoch_ms_sorted_ascending(client, people):
    result = search(
        client,
        {
            "propertyName": "lastmodifieddate",
            "operator": "GTE",
            "value": ms(BASE + timedelta(days=2)),
        },
        sorts=[{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
    )
    assert ids_of(result) == people[2:]
    assert result.results[0].properties["lastmodifieddate"].startswith("2025-03-03T00:00:00")


def test_string_sort_form_descending(client, people):
    result = search(client, sorts=["-lastmodifieddate"], limit=2)
    assert ids_of(result) == [people[4], people[3]]


def test_between_and_lt_gt(client, people):
    between = {
        "propertyName": "lastmodifieddate",
        "operator": "BETWEEN",
        "value": ms(BASE + timedelta(days=1)),
        "highValue": ms(BASE + timedelta(days=3)),
    }
    assert ids_of(search(client, between)) == people[1:4]
    before = {
        "propertyName": "lastmodifieddate",
        "operator": "LT",
        "value": ms(BASE + timedelta(days=1)),
    }
    assert ids_of(search(client, before)) == people[:1]
    after = {"propertyName": "hs_object_id", "operator": "GT", "value": people[3]}
    assert ids_of(search(client, after)) == people[4:]


def test_in_not_in_and_has_property(client, people):
    assert (
        search(
            client,
            {"propertyName": "hs_lead_status", "operator": "IN", "values": ["OPEN", "CONNECTED"]},
        ).total
        == 2
    )
    not_in = {"propertyName": "hs_lead_status", "operator": "NOT_IN", "values": ["NEW"]}
    assert ids_of(search(client, not_in)) == [people[1], people[3], people[4]]
    assert ids_of(search(client, {"propertyName": "email", "operator": "NOT_HAS_PROPERTY"})) == [
        people[4]
    ]
    assert search(client, {"propertyName": "zip", "operator": "HAS_PROPERTY"}).total == 2


def test_contains_token_with_wildcard_and_neq(client, people):
    domain = {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@alpha.example"}
    assert ids_of(search(client, domain)) == [people[0], people[2]]
    word = {"propertyName": "company", "operator": "CONTAINS_TOKEN", "value": "logistik"}
    assert ids_of(search(client, word)) == [people[3]]
    neq = {"propertyName": "firstname", "operator": "NEQ", "value": "anna"}
    assert people[0] not in ids_of(search(client, neq)) and search(client, neq).total == 4


def test_groups_are_ored_and_filters_anded(client, people):
    groups = [
        {
            "filters": [
                {"propertyName": "hs_lead_status", "operator": "EQ", "value": "NEW"},
                {"propertyName": "zip", "operator": "HAS_PROPERTY"},
            ]
        },
        {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "dan"}]},
    ]
    assert ids_of(search(client, groups=groups)) == [people[0], people[3]]


def test_paging_with_total_and_integer_after(client, people):
    first = search(client, limit=2)
    assert first.total == 5 and first.paging.next.after == "2"
    second = search(client, limit=2, after=first.paging.next.after)
    last = search(client, limit=2, after=second.paging.next.after)
    assert ids_of(first) + ids_of(second) + ids_of(last) == people
    assert last.paging is None


def test_query_searches_default_text_properties(client, people):
    assert ids_of(search(client, query="gamma")) == [people[3]]
    assert ids_of(search(client, query="cléo")) == [people[2]]


def test_requested_properties_and_defaults(client, people):
    result = search(client, properties=["zip"], limit=1)
    assert result.results[0].properties == {"zip": "10115"}
    default = search(client, limit=1).results[0].properties
    assert set(default) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }


def test_archived_records_are_never_found(client, sandbox, people):
    sandbox.store.archive_object("contacts", people[0])
    assert people[0] not in ids_of(search(client, limit=10))
    assert (
        search(
            client, {"propertyName": "email", "operator": "EQ", "value": "anna@alpha.example"}
        ).total
        == 0
    )


def test_sort_by_plain_property_puts_empty_values_last(client, people):
    result = search(client, sorts=[{"propertyName": "zip", "direction": "DESCENDING"}])
    assert ids_of(result)[:2] == [people[4], people[0]]


@pytest.mark.parametrize(
    "request_body",
    [
        {"filterGroups": [{"filters": []}] * 6},
        {"filterGroups": [{"filters": [{"propertyName": "zip", "operator": "HAS_PROPERTY"}] * 7}]},
        {
            "filterGroups": [{"filters": [{"propertyName": "zip", "operator": "HAS_PROPERTY"}] * 5}]
            * 4
        },
        {"limit": 201},
        {"after": "ten"},
        {"sorts": ["zip", "city"]},
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "zip", "operator": "LIKE", "value": "1"}]}
            ]
        },
        {"query": "x" * 3001},
    ],
    ids=[
        "groups",
        "filters-per-group",
        "filters-total",
        "limit",
        "after",
        "sorts",
        "property",
        "operator",
        "body-size",
    ],
)
def test_limits_and_invalid_requests_are_400(http, request_body):
    response = http.post("/crm/v3/objects/contacts/search", json=request_body)
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_search_sdk_error_is_api_exception(client):
    with pytest.raises(ApiException) as error:
        search(client, limit=201)
    assert error.value.status == 400
