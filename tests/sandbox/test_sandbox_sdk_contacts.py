"""Contacts through HubSpot's official SDK: create, read, update, archive, list with paging."""

from datetime import datetime, timezone

import pytest
from hubspot.crm.contacts import (
    ApiException,
    PublicGdprDeleteInput,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)


def create(client, **properties):
    return client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties=properties)
    )


def test_create_returns_201_record_with_system_properties(client):
    created, status, _ = client.crm.contacts.basic_api.create_with_http_info(
        SimplePublicObjectInputForCreate(properties={"email": "anna@example.com"})
    )
    assert status == 201
    assert created.id.isdigit()
    assert created.properties["email"] == "anna@example.com"
    assert created.properties["hs_object_id"] == created.id
    assert created.properties["createdate"].endswith("Z")
    assert created.created_at.tzinfo is not None


def test_get_returns_requested_properties_with_null_for_empty(client):
    created = create(client, email="ben@example.com", lastname="Carter")
    fetched = client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["email", "phone", "lastname"]
    )
    assert fetched.properties == {"email": "ben@example.com", "phone": None, "lastname": "Carter"}


def test_get_without_properties_returns_defaults(client):
    created = create(client, email="c@example.com", firstname="C", company="ACME")
    fetched = client.crm.contacts.basic_api.get_by_id(created.id)
    assert set(fetched.properties) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    assert fetched.properties["lastname"] is None


def test_get_by_email_id_property_is_case_insensitive(client):
    created = create(client, email="Dora@Example.com")
    fetched = client.crm.contacts.basic_api.get_by_id("dora@example.COM", id_property="email")
    assert fetched.id == created.id


def test_update_changes_values_and_modified_date(client, sandbox):
    created = sandbox.store.create_object(
        "contacts", {"email": "e@example.com"}, created_at=datetime(2024, 1, 1, tzinfo=timezone.utc)
    )
    updated = client.crm.contacts.basic_api.update(
        created["id"], SimplePublicObjectInput(properties={"phone": "+49301234567", "email": ""})
    )
    assert updated.properties["phone"] == "+49301234567"
    assert "email" not in updated.properties  # cleared by the empty string
    assert updated.updated_at > updated.created_at
    assert updated.properties["createdate"] == "2024-01-01T00:00:00.000Z"


def test_archive_hides_the_record_but_archived_true_finds_it(client):
    created = create(client, email="f@example.com")
    client.crm.contacts.basic_api.archive(created.id)
    with pytest.raises(ApiException) as error:
        client.crm.contacts.basic_api.get_by_id(created.id)
    assert error.value.status == 404
    archived = client.crm.contacts.basic_api.get_by_id(created.id, archived=True)
    assert archived.archived is True and archived.archived_at is not None
    page = client.crm.contacts.basic_api.get_page(archived=True)
    assert [r.id for r in page.results] == [created.id]


def test_gdpr_delete_removes_a_contact_for_good(client, sandbox):
    kept = create(client, email="kept@example.com")
    gone = create(client, email="gone@example.com")
    company = sandbox.store.create_object("companies", {"name": "Acme"})["id"]
    sandbox.store.associate("contacts", gone.id, "companies", company, primary=True)
    client.crm.contacts.basic_api.purge(
        PublicGdprDeleteInput(object_id="GONE@example.com", id_property="email")
    )
    for archived in (False, True):
        with pytest.raises(ApiException) as error:
            client.crm.contacts.basic_api.get_by_id(gone.id, archived=archived)
        assert error.value.status == 404
    assert (
        sandbox.store.get_object("companies", company)["properties"].get("num_associated_contacts")
        == "0"
    )
    assert create(client, email="gone@example.com").id != gone.id  # the e-mail is free again
    client.crm.contacts.basic_api.archive(kept.id)
    client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=kept.id))
    assert sandbox.store.get_object("contacts", kept.id) is None  # archived ones too
    with pytest.raises(ApiException) as error:
        client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=kept.id))
    assert error.value.status == 404


def test_list_pages_through_all_records_with_opaque_cursor(client, sandbox):
    ids = [sandbox.store.create_object("contacts", {"firstname": f"n{i}"})["id"] for i in range(25)]
    seen, after, pages = [], None, 0
    while True:
        page = client.crm.contacts.basic_api.get_page(
            limit=10, after=after, properties=["firstname"]
        )
        pages += 1
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
        assert not after.isdigit()  # opaque, like HubSpot's
        assert page.paging.next.link.startswith(sandbox.url)
    assert seen == ids and pages == 3


def test_list_accepts_comma_separated_properties(http, sandbox):
    sandbox.store.create_object("contacts", {"firstname": "A", "city": "Köln"})
    body = http.get("/crm/v3/objects/contacts?properties=firstname,city").json()
    assert body["results"][0]["properties"] == {"firstname": "A", "city": "Köln"}


def test_list_limit_is_capped_at_100(client, sandbox):
    sandbox.store.seed({"contacts": [{"properties": {"firstname": str(i)}} for i in range(120)]})
    page = client.crm.contacts.basic_api.get_page(limit=500)
    assert len(page.results) == 100 and page.paging is not None


def test_object_type_id_alias_0_1_is_accepted(http, sandbox):
    created = sandbox.store.create_object("contacts", {"email": "g@example.com"})
    response = http.get(f"/crm/v3/objects/0-1/{created['id']}")
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
