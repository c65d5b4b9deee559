"""v4 associations with type ids between contacts, companies and deals: primary labels,
the rules HubSpot applies to them, and what it refuses."""

import pytest
from hubspot.crm.associations.v4 import (
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import SimplePublicObjectInputForCreate

OLD = 1_600_000_000_000  # a last-modified date long gone


def spec(type_id):
    return {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}


def pairs_body(from_id, to_ids, *type_ids):
    return {
        "inputs": [
            {"from": {"id": from_id}, "to": {"id": i}, "types": [spec(t) for t in type_ids]}
            for i in to_ids
        ]
    }


def create(client, from_type, to_type, from_id, to_ids, *type_ids):
    request = BatchInputPublicAssociationMultiPost(**pairs_body(from_id, to_ids, *type_ids))
    return client.crm.associations.v4.batch_api.create_with_http_info(from_type, to_type, request)


def read_types(client, from_type, to_type, from_id):
    """``{to id: {(type id, label)}}`` of one record, as the SDK parses a batch read."""
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": from_id}])
    result = client.crm.associations.v4.batch_api.get_page(from_type, to_type, request)
    return {
        str(to.to_object_id): {(t.type_id, t.label) for t in to.association_types}
        for r in result.results
        for to in r.to
    }


@pytest.fixture
def portal(sandbox):
    """A contact and a deal, both modified long ago, and two companies."""
    store = sandbox.store
    contact = store.create_object("contacts", {"email": "p@example.com"})["id"]
    deal = store.create_object("deals", {"dealname": "D"})["id"]
    companies = [store.create_object("companies", {"name": n})["id"] for n in ("A", "B")]
    for kind, record in (("contacts", contact), ("deals", deal)):
        store.update_object(kind, record, {}, modified_at=OLD)
    for company in companies:
        store.update_object("companies", company, {}, modified_at=OLD)
    return store, contact, deal, companies


def contact_properties(store, contact):
    return store.get_object("contacts", contact)["properties"]


def test_primary_company_reads_with_both_type_ids_from_both_sides(client, portal):
    store, contact, _, (company, _) = portal
    result, status, _ = create(client, "contacts", "companies", contact, [company], 1)
    assert status == 201 and result.results[0].labels == ["Primary"]
    assert read_types(client, "contacts", "companies", contact) == {
        company: {(1, "Primary"), (279, None)}
    }
    assert read_types(client, "companies", "contacts", company) == {
        contact: {(2, "Primary"), (280, None)}
    }
    properties = contact_properties(store, contact)
    assert properties["associatedcompanyid"] == company
    assert properties["lastmodifieddate"] > "2021"  # the mirror's change bumped it
    counted = store.get_object("companies", company)["properties"]
    assert counted["num_associated_contacts"] == "1" and counted["hs_lastmodifieddate"] > "2021"


def test_a_new_primary_moves_the_label_and_the_old_company_stays(client, portal):
    store, contact, _, (first, second) = portal
    create(client, "contacts", "companies", contact, [first], 279, 1)
    create(client, "companies", "contacts", second, [contact], 2)
    assert read_types(client, "contacts", "companies", contact) == {
        first: {(279, None)},
        second: {(1, "Primary"), (279, None)},
    }
    assert contact_properties(store, contact)["associatedcompanyid"] == second


def test_removing_the_primary_label_keeps_the_association(client, http, portal):
    store, contact, _, (company, _) = portal
    create(client, "contacts", "companies", contact, [company], 1)
    labels = "/crm/v4/associations/contacts/companies/batch/labels/archive"
    assert http.post(labels, json=pairs_body(contact, [company], 1)).status_code == 204
    assert read_types(client, "contacts", "companies", contact) == {company: {(279, None)}}
    assert "associatedcompanyid" not in contact_properties(store, contact)
    assert http.post(labels, json=pairs_body(contact, [company], 279)).status_code == 204
    assert read_types(client, "contacts", "companies", contact) == {}


def test_removing_the_unlabelled_type_removes_the_primary_too(client, portal):
    store, contact, _, (company, _) = portal
    create(client, "contacts", "companies", contact, [company], 1)
    request = BatchInputPublicAssociationMultiPost(**pairs_body(contact, [company], 279))
    client.crm.associations.v4.batch_api.archive_labels("contacts", "companies", request)
    assert read_types(client, "contacts", "companies", contact) == {}
    assert store.get_object("companies", company)["properties"]["num_associated_contacts"] == "0"


def test_deal_primary_company_and_counts(client, portal):
    store, contact, deal, (first, second) = portal
    create(client, "deals", "companies", deal, [first], 341, 5)
    create(client, "deals", "companies", deal, [second], 5)
    create(client, "deals", "contacts", deal, [contact], 3)
    assert read_types(client, "companies", "deals", first) == {deal: {(342, None)}}
    assert read_types(client, "companies", "deals", second) == {deal: {(6, "Primary"), (342, None)}}
    assert store.get_object("companies", first)["properties"]["num_associated_deals"] == "1"
    assert store.get_object("deals", deal)["properties"]["num_associated_contacts"] == "1"


def test_archived_records_hide_their_associations(client, portal):
    store, contact, _, (company, _) = portal
    store.associate("contacts", contact, "companies", company, primary=True)
    store.archive_object("companies", company)
    assert read_types(client, "contacts", "companies", contact) == {}
    assert "associatedcompanyid" not in contact_properties(store, contact)
    store.restore_object("companies", company)
    assert contact_properties(store, contact)["associatedcompanyid"] == company


def test_v3_reads_and_creates_know_the_primary(client, portal):
    _, _, _, (company, _) = portal
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "new@example.com"},
            associations=[{"to": {"id": company}, "types": [spec(1)]}],
        )
    )
    fetched = client.crm.contacts.basic_api.get_by_id(created.id, associations=["companies"])
    assert [(a.id, a.type) for a in fetched.associations["companies"].results] == [
        (company, "contact_to_company"),
        (company, "contact_to_company_unlabeled"),
    ]


def test_unknown_record_ids_are_reported_per_input(client, portal):
    _, contact, _, (company, _) = portal
    result, status, _ = create(client, "contacts", "companies", contact, [company, "999999"], 279)
    assert status == 207 and len(result.results) == 1 and result.num_errors == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("contacts/companies", pairs_body("1", ["2"], 4)),  # contact->deal's type id
        ("contacts/companies", pairs_body("1", ["2"], 342)),  # company->deal's
        ("contacts/companies", {"inputs": [{"from": {}, "to": {"id": "2"}, "types": [spec(1)]}]}),
        ("contacts/companies", {"inputs": [{"from": {"id": "1"}, "types": [spec(1)]}]}),
        ("contacts/tickets", pairs_body("1", ["2"], 279)),
        ("companies/companies", pairs_body("1", ["2"], 279)),
        ("contacts/companies", pairs_body("1", [str(i) for i in range(2001)], 279)),
    ],
)
def test_refusals_are_validation_errors(http, path, body):
    response = http.post(f"/crm/v4/associations/{path}/batch/create", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["category"] == "VALIDATION_ERROR" and error["correlationId"]
    labels = http.post(f"/crm/v4/associations/{path}/batch/labels/archive", json=body)
    assert labels.status_code == 400


def test_a_wrong_type_id_fails_the_whole_batch(http, portal):
    _, contact, _, (first, second) = portal
    body = pairs_body(contact, [first], 1)
    body["inputs"] += pairs_body(contact, [second], 4)["inputs"]
    response = http.post("/crm/v4/associations/contacts/companies/batch/create", json=body)
    assert response.status_code == 400 and "type 4" in response.json()["message"]
    read = http.post(
        "/crm/v4/associations/contacts/companies/batch/read", json={"inputs": [{"id": contact}]}
    )
    assert read.status_code == 207  # nothing was associated
