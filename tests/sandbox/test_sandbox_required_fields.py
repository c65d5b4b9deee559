"""Requests HubSpot refuses with 400 VALIDATION_ERROR: required fields and unknown enum values.

The rules are those of HubSpot's public spec collection (CRM objects v3, associations v4,
properties v3). The SDK refuses to build most of these bodies itself, so plain HTTP sends them;
what the SDK can send goes through the SDK.
"""

import uuid

import pytest
from hubspot.crm.deals import ApiException as DealsApiException
from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealCreate

CONTACTS = "/crm/v3/objects/contacts"
V4_BATCH = "/crm/v4/associations/deals/contacts/batch"


def assert_validation_error(response, *missing):
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    uuid.UUID(body["correlationId"])
    for name in missing:
        assert name in body["message"]
    return body


@pytest.fixture
def contact(sandbox):
    return sandbox.store.create_object("contacts", {"email": "a@example.com"})["id"]


def test_create_without_properties_is_refused(http, sandbox):
    body = assert_validation_error(http.post(CONTACTS, json={}), "properties")
    assert body["context"] == {"missing": ["properties"]}
    assert sandbox.store.count("contacts") == 0


def test_create_with_properties_and_no_associations_is_accepted(http):
    assert http.post(CONTACTS, json={"properties": {}}).status_code == 201


def valid_input(action, contact):
    if action == "create":
        return {"properties": {"city": "Wien"}}
    if action in ("read", "archive"):
        return {"id": contact}
    if action == "upsert":
        return {"idProperty": "email", "id": "a@example.com", "properties": {"city": "Wien"}}
    return {"id": contact, "properties": {"city": "Wien"}}


@pytest.mark.parametrize(
    ("action", "item", "missing"),
    [
        ("create", {}, "properties"),
        ("create", {"properties": None}, "properties"),
        ("update", {"id": "a@example.com", "idProperty": "email"}, "properties"),
        ("update", {"properties": {"city": "Graz"}}, "id"),
        ("upsert", {"idProperty": "email", "id": "n@example.com"}, "properties"),
        ("upsert", {"idProperty": "email", "properties": {}}, "id"),
        ("read", {}, "id"),
        ("archive", {}, "id"),
    ],
)
def test_batch_input_without_a_required_field_is_refused(
    http, sandbox, contact, action, item, missing
):
    # next to a valid input: the whole batch is refused and nothing is applied
    body = {"inputs": [valid_input(action, contact), item]}
    assert_validation_error(http.post(f"{CONTACTS}/batch/{action}", json=body), missing)
    assert sandbox.store.count("contacts") == 1
    assert sandbox.store.get_object("contacts", contact)["properties"].get("city") is None


def test_merge_without_object_id_to_merge_is_400(http, contact):
    response = http.post(f"{CONTACTS}/merge", json={"primaryObjectId": contact})
    assert_validation_error(response, "objectIdToMerge")


@pytest.mark.parametrize(
    ("action", "item", "missing"),
    [
        ("create", {"from": {"id": "{deal}"}, "types": []}, "to"),
        ("create", {"from": {"id": "{deal}"}, "to": {"id": "{contact}"}}, "types"),
        ("associate/default", {"from": {"id": "{deal}"}}, "to"),
        ("associate/default", {"to": {"id": "{contact}"}}, "from"),
        ("archive", {"from": {"id": "{deal}"}}, "to"),
        ("read", {}, "id"),
    ],
)
def test_association_batch_input_without_a_required_field_is_refused(
    http, sandbox, contact, action, item, missing
):
    deal = sandbox.store.create_object("deals", {"dealname": "D"})["id"]
    ids = {"{deal}": deal, "{contact}": contact}
    item = {k: {"id": ids[v["id"]]} if isinstance(v, dict) else v for k, v in item.items()}
    assert_validation_error(http.post(f"{V4_BATCH}/{action}", json={"inputs": [item]}), missing)
    linked = http.get(f"/crm/v4/objects/deals/{deal}/associations/contacts").json()
    assert linked["results"] == []


@pytest.mark.parametrize(
    ("field", "value"), [("fieldType", "dropdown"), ("type", "text"), ("type", "boolean")]
)
def test_property_with_an_unknown_type_or_field_type_is_refused(http, field, value):
    definition = {
        "name": "odoo_note",
        "label": "Odoo note",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
        field: value,
    }
    assert_validation_error(http.post("/crm/v3/properties/contacts", json=definition), value)
    assert http.get("/crm/v3/properties/contacts/odoo_note").status_code == 404


@pytest.mark.parametrize(
    ("prop_type", "field_type"), [("phone_number", "phonenumber"), ("string", "html")]
)
def test_every_documented_type_and_field_type_is_accepted(http, prop_type, field_type):
    definition = {
        "name": "odoo_extra",
        "label": "Odoo extra",
        "type": prop_type,
        "fieldType": field_type,
        "groupName": "contactinformation",
    }
    assert http.post("/crm/v3/properties/contacts", json=definition).status_code == 201


def test_deal_priority_is_a_default_enumeration(client):
    prop = client.crm.properties.core_api.get_by_name("deals", "hs_priority")
    assert prop.type == "enumeration" and prop.hubspot_defined
    assert [o.value for o in prop.options] == ["low", "medium", "high"]
    deal = client.crm.deals.basic_api.create(DealCreate(properties={"hs_priority": "high"}))
    assert deal.properties["hs_priority"] == "high"
    with pytest.raises(DealsApiException) as error:
        client.crm.deals.basic_api.create(DealCreate(properties={"hs_priority": "urgent"}))
    assert error.value.status == 400 and "INVALID_OPTION" in error.value.body
