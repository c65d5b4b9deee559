"""Companies through the SDK: create, read, search, upsert on a unique property, merge."""

import pytest
from hubspot.crm.companies import (
    ApiException,
    BatchInputSimplePublicObjectBatchInputUpsert,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectInputForCreate,
)

from .conftest import create_unique_property, modified_since


def create(client, **properties):
    return client.crm.companies.basic_api.create(
        SimplePublicObjectInputForCreate(properties=properties)
    )


def test_create_and_read_with_default_and_requested_properties(client):
    created = create(client, name="Acme GmbH", domain="acme.example", industry="COMPUTER_SOFTWARE")
    assert created.properties["hs_object_id"] == created.id
    assert created.properties["num_associated_contacts"] == "0"
    fetched = client.crm.companies.basic_api.get_by_id(created.id)
    assert set(fetched.properties) == {
        "name",
        "domain",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }
    assert fetched.properties["domain"] == "acme.example"
    chosen = client.crm.companies.basic_api.get_by_id(created.id, properties=["industry", "city"])
    assert (
        chosen.properties["industry"] == "COMPUTER_SOFTWARE" and chosen.properties["city"] is None
    )


def test_industry_is_an_enumeration_of_hubspot_options(client):
    prop = client.crm.properties.core_api.get_by_name("companies", "industry")
    assert {"ACCOUNTING", "COMPUTER_SOFTWARE"} <= {o.value for o in prop.options}
    with pytest.raises(ApiException) as error:
        create(client, name="X", industry="SOFTWARE")
    assert error.value.status == 400


def test_search_modified_since_on_hs_lastmodifieddate(client, sandbox):
    store = sandbox.store
    old = store.create_object("companies", {"name": "Old"})["id"]
    store.update_object("companies", old, {"city": "Bern"}, modified_at=1_600_000_000_000)
    new = create(client, name="New Co", domain="new.example").id
    request = modified_since("hs_lastmodifieddate", 1_700_000_000_000)
    found = client.crm.companies.search_api.do_search(request)
    assert [r.id for r in found.results] == [new]
    by_text = client.crm.companies.search_api.do_search(PublicObjectSearchRequest(query="new"))
    assert [r.id for r in by_text.results] == [new]


def test_batch_upsert_on_a_unique_custom_property(client):
    create_unique_property(client, "companies", "odoo_company_id", "companyinformation")

    def upsert(name):
        request = BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[{"id": "42", "idProperty": "odoo_company_id", "properties": {"name": name}}]
        )
        return client.crm.companies.batch_api.upsert(request).results[0]

    first, second = upsert("First"), upsert("Renamed")
    assert first.new is True and second.new is False and first.id == second.id
    assert second.properties["name"] == "Renamed"
    assert second.properties["odoo_company_id"] == "42"


def test_merge_keeps_the_primary_id_and_moves_the_contacts(client, sandbox):
    store = sandbox.store
    primary = store.create_object("companies", {"name": "Acme", "domain": "acme.example"})["id"]
    other = store.create_object("companies", {"name": "Acme Ltd", "city": "Leeds"})["id"]
    contact = store.create_object("contacts", {"email": "c@acme.example"})["id"]
    store.associate("contacts", contact, "companies", other, primary=True)
    merged = client.crm.companies.basic_api.merge(
        PublicMergeInput(primary_object_id=primary, object_id_to_merge=other)
    )
    assert merged.id == primary
    assert merged.properties["name"] == "Acme" and merged.properties["city"] == "Leeds"
    assert merged.properties["hs_merged_object_ids"] == other
    assert merged.properties["num_associated_contacts"] == "1"
    assert client.crm.companies.basic_api.get_by_id(other).id == primary
    moved = store.get_object("contacts", contact)["properties"]
    assert moved["associatedcompanyid"] == primary
