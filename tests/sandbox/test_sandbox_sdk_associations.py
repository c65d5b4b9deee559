"""Associations v4 through the SDK, and the v3 ``associations`` parameter."""

import pytest
from hubspot.crm.associations.v4 import (
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import SimplePublicObjectInputForCreate


@pytest.fixture
def pair(sandbox):
    """A deal and two contacts, not yet associated."""
    store = sandbox.store
    deal = store.create_object("deals", {"dealname": "D"})["id"]
    contacts = [store.create_object("contacts", {"email": f"{n}@example.com"})["id"] for n in "ab"]
    return deal, contacts


def read(client, from_type, to_type, ids):
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in ids])
    return client.crm.associations.v4.batch_api.get_page_with_http_info(from_type, to_type, request)


def test_batch_create_then_read_from_both_sides(client, pair):
    deal, contacts = pair
    request = BatchInputPublicAssociationMultiPost(
        inputs=[
            {
                "from": {"id": deal},
                "to": {"id": c},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
            }
            for c in contacts
        ]
    )
    created, status, _ = client.crm.associations.v4.batch_api.create_with_http_info(
        "deals", "contacts", request
    )
    assert status == 201
    assert {str(r.to_object_id) for r in created.results} == set(contacts)
    assert created.results[0].from_object_type_id == "0-3"

    result, status, _ = read(client, "deals", "contacts", [deal])
    assert status == 200
    assert [t.to_object_id for t in result.results[0].to] == contacts  # the SDK types it str
    spec = result.results[0].to[0].association_types[0]
    assert (spec.category, spec.type_id) == ("HUBSPOT_DEFINED", 3)

    back, _, _ = read(client, "contacts", "deals", contacts[:1])
    assert back.results[0].to[0].to_object_id == deal
    assert back.results[0].to[0].association_types[0].type_id == 4


def test_batch_read_without_associations_is_207(client, pair):
    deal, contacts = pair
    client.crm.associations.v4.basic_api.create_default("deals", deal, "contacts", contacts[0])
    result, status, _ = read(client, "deals", "contacts", [deal, "123456789"])
    assert status == 207
    assert result.results[0]._from.id == deal
    assert result.errors[0].sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"


def test_associate_default_batch_and_archive(client, pair):
    deal, contacts = pair
    request = BatchInputPublicDefaultAssociationMultiPost(
        inputs=[{"from": {"id": c}, "to": {"id": deal}} for c in contacts]
    )
    result = client.crm.associations.v4.batch_api.create_default("contacts", "deals", request)
    assert result.results[0].association_spec.association_type_id == 4
    archive = BatchInputPublicAssociationMultiArchive(
        inputs=[{"from": {"id": deal}, "to": [{"id": contacts[0]}]}]
    )
    client.crm.associations.v4.batch_api.archive("deals", "contacts", archive)
    page = client.crm.associations.v4.basic_api.get_page("deals", deal, "contacts")
    assert [r.to_object_id for r in page.results] == [contacts[1]]


def test_labelled_put_and_delete(client, pair):
    deal, contacts = pair
    spec = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}]
    created = client.crm.associations.v4.basic_api.create(
        "contacts", contacts[0], "deals", deal, spec
    )
    assert str(created.from_object_id) == contacts[0] and str(created.to_object_id) == deal
    client.crm.associations.v4.basic_api.archive("contacts", contacts[0], "deals", deal)
    assert (
        client.crm.associations.v4.basic_api.get_page("contacts", contacts[0], "deals").results
        == []
    )


def test_to_object_id_is_a_json_number_on_the_wire(http, sandbox, pair):
    deal, contacts = pair
    sandbox.store.associate("deals", deal, "contacts", contacts[0])
    body = http.post(
        "/crm/v4/associations/deals/contacts/batch/read", json={"inputs": [{"id": deal}]}
    ).json()
    assert body["results"][0]["to"][0]["toObjectId"] == int(contacts[0])
    assert body["results"][0]["from"] == {"id": deal}


def test_wrong_type_id_is_400(http, pair):
    deal, contacts = pair
    body = {
        "inputs": [
            {
                "from": {"id": deal},
                "to": {"id": contacts[0]},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}],
            }
        ]
    }
    response = http.post("/crm/v4/associations/deals/contacts/batch/create", json=body)
    assert response.status_code == 400


def test_associations_parameter_and_create_with_associations(client, pair):
    deal, _ = pair
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "new@example.com"},
            associations=[
                {
                    "to": {"id": deal},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}],
                }
            ],
        )
    )
    fetched = client.crm.deals.basic_api.get_by_id(deal, associations=["contacts"])
    linked = fetched.associations["contacts"].results
    assert [(a.id, a.type) for a in linked] == [(created.id, "deal_to_contact")]
    page = client.crm.contacts.basic_api.get_page(associations=["deals"])
    with_deals = [r for r in page.results if r.associations]
    assert [r.id for r in with_deals] == [created.id]


def test_batch_read_limit_is_1000(http):
    body = {"inputs": [{"id": str(i)} for i in range(1001)]}
    response = http.post("/crm/v4/associations/deals/contacts/batch/read", json=body)
    assert response.status_code == 400


def test_search_by_association_pseudo_property(http, sandbox, pair):
    deal, contacts = pair
    other_deal = sandbox.store.create_object("deals", {"dealname": "Other"})["id"]
    sandbox.store.associate("deals", deal, "contacts", contacts[1])
    sandbox.store.associate("deals", other_deal, "contacts", contacts[0])

    def search(name, value):
        body = {
            "filterGroups": [
                {"filters": [{"propertyName": name, "operator": "EQ", "value": value}]}
            ]
        }
        return http.post("/crm/v3/objects/deals/search", json=body)

    assert [r["id"] for r in search("associations.contact", contacts[1]).json()["results"]] == [
        deal
    ]
    assert search("associations.deal", deal).status_code == 400
