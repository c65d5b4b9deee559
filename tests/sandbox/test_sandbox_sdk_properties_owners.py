"""Properties and owners through the SDK, including an idempotent upsert by a unique property."""

import pytest
from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInputUpsert as ContactsUpsert
from hubspot.crm.deals import BatchInputSimplePublicObjectBatchInputUpsert
from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealCreate
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.crm.properties import PropertyCreate

LEAD_STATUSES = [
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
]


def odoo_id_property(client, object_type="deals", group_name="dealinformation"):
    request = PropertyCreate(
        name="odoo_id",
        label="Odoo ID",
        type="string",
        field_type="text",
        group_name=group_name,
        has_unique_value=True,
    )
    return client.crm.properties.core_api.create(object_type, request)


def upsert_deals(client, inputs):
    request = BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
    return client.crm.deals.batch_api.upsert(request)


def test_lead_status_options_and_labels(client):
    prop = client.crm.properties.core_api.get_by_name("contacts", "hs_lead_status")
    assert [o.value for o in prop.options] == LEAD_STATUSES
    assert prop.options[0].label == "New" and prop.type == "enumeration"


def test_property_list_contains_standard_properties(client):
    names = {p.name for p in client.crm.properties.core_api.get_all("contacts").results}
    assert {"email", "phone", "country", "lifecyclestage", "hs_additional_emails"} <= names
    deal_names = {p.name for p in client.crm.properties.core_api.get_all("deals").results}
    assert {"dealstage", "hs_is_closed_won", "closed_lost_reason"} <= deal_names


def test_dynamic_options_follow_pipelines_and_owners(client, sandbox):
    owner = sandbox.store.add_owner("new.owner@example.com", "New", "Owner")
    stage = client.crm.properties.core_api.get_by_name("deals", "dealstage")
    assert "closedwon" in [o.value for o in stage.options]
    owners = client.crm.properties.core_api.get_by_name("contacts", "hubspot_owner_id")
    assert owner["id"] in [o.value for o in owners.options]


def test_added_option_becomes_writable(client, sandbox, http):
    sandbox.store.add_property_option("contacts", "hs_lead_status", "VIP", "Very important")
    response = http.post("/crm/v3/objects/contacts", json={"properties": {"hs_lead_status": "VIP"}})
    assert response.status_code == 201


def test_create_unique_property_then_upsert_by_it_is_idempotent(client, sandbox):
    created = odoo_id_property(client)
    assert created.has_unique_value is True
    inputs = [
        {"id": "sale.order,7", "idProperty": "odoo_id", "properties": {"dealname": "Odoo 7"}},
    ]
    first = upsert_deals(client, inputs)
    again = upsert_deals(client, inputs)  # e.g. a retry after a lost reply
    assert first.results[0].new is True and again.results[0].new is False
    assert first.results[0].id == again.results[0].id
    assert first.results[0].properties["odoo_id"] == "sale.order,7"
    assert sandbox.store.count("deals") == 1


def test_contacts_without_email_upsert_by_a_unique_property_once(client, sandbox):
    odoo_id_property(client, "contacts", "contactinformation")
    request = ContactsUpsert(
        inputs=[{"id": "db-42", "idProperty": "odoo_id", "properties": {"firstname": "No Mail"}}]
    )
    first = client.crm.contacts.batch_api.upsert(request)
    again = client.crm.contacts.batch_api.upsert(request)  # a retry after a lost reply
    assert first.results[0].new is True and again.results[0].new is False
    assert first.results[0].id == again.results[0].id
    assert sandbox.store.count("contacts") == 1


def test_existing_property_name_is_409(client):
    odoo_id_property(client)
    with pytest.raises(PropertiesApiException) as error:
        odoo_id_property(client)
    assert error.value.status == 409


def test_unique_value_taken_by_another_record_is_rejected(client, http):
    odoo_id_property(client)
    first = client.crm.deals.basic_api.create(DealCreate(properties={"odoo_id": "1"}))
    response = http.post("/crm/v3/objects/deals", json={"properties": {"odoo_id": "1"}})
    assert response.status_code == 400
    assert f"Existing ID: {first.id}" in response.json()["message"]


def test_owners_list_filter_and_get(client, sandbox):
    owners = client.crm.owners.owners_api.get_page().results
    assert len(owners) == 3 and all(o.type == "PERSON" for o in owners)
    found = client.crm.owners.owners_api.get_page(email=owners[1].email.upper()).results
    assert [o.id for o in found] == [owners[1].id]
    one = client.crm.owners.owners_api.get_by_id(int(owners[2].id))
    assert one.email == owners[2].email
    by_user = client.crm.owners.owners_api.get_by_id(owners[0].user_id, id_property="userId")
    assert by_user.id == owners[0].id


def test_owner_paging(client, sandbox):
    for i in range(4):
        sandbox.store.add_owner(f"o{i}@example.com", "O", str(i))
    page = client.crm.owners.owners_api.get_page(limit=5)
    rest = client.crm.owners.owners_api.get_page(limit=5, after=page.paging.next.after)
    assert len(page.results) == 5 and len(rest.results) == 2 and rest.paging is None


def test_unknown_owner_id_is_rejected(http):
    response = http.post("/crm/v3/objects/deals", json={"properties": {"hubspot_owner_id": "1"}})
    assert response.status_code == 400 and "hubspot_owner_id" in response.json()["message"]
