"""Merges through the SDK: contacts get a new id that both old ids resolve to; deals keep theirs."""

from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId, PublicMergeInput
from hubspot.crm.contacts import PublicObjectSearchRequest as ContactSearch
from hubspot.crm.deals import PublicMergeInput as DealMergeInput


def merge_contacts(client, primary, other):
    request = PublicMergeInput(primary_object_id=primary, object_id_to_merge=other)
    return client.crm.contacts.basic_api.merge(request)


def test_contact_merge_creates_a_new_id_both_old_ids_resolve_to(client, sandbox):
    store = sandbox.store
    primary = store.create_object("contacts", {"email": "p@example.com", "firstname": "Paula"})
    other = store.create_object(
        "contacts", {"email": "o@example.com", "firstname": "Olga", "city": "Graz"}
    )
    merged = merge_contacts(client, primary["id"], other["id"])
    assert merged.id not in (primary["id"], other["id"])
    assert merged.properties["firstname"] == "Paula"  # primary wins
    assert merged.properties["city"] == "Graz"  # blanks filled from the other record
    assert merged.properties["hs_merged_object_ids"] == f"{primary['id']};{other['id']}"
    assert merged.properties["hs_additional_emails"] == "o@example.com"
    for old in (primary["id"], other["id"]):
        fetched = client.crm.contacts.basic_api.get_by_id(old, properties=["hs_merged_object_ids"])
        assert fetched.id == merged.id


def test_batch_read_of_old_ids_returns_the_survivor_once(client, sandbox):
    store = sandbox.store
    a = store.create_object("contacts", {"email": "a@example.com"})["id"]
    b = store.create_object("contacts", {"email": "b@example.com"})["id"]
    survivor = merge_contacts(client, a, b).id
    request = BatchReadInputSimplePublicObjectId(
        inputs=[{"id": a}, {"id": b}], properties=["email"], properties_with_history=[]
    )
    result = client.crm.contacts.batch_api.read(request)
    assert [r.id for r in result.results] == [survivor]


def test_merged_records_leave_list_and_search(client, sandbox):
    store = sandbox.store
    a = store.create_object("contacts", {"email": "a@example.com"})["id"]
    b = store.create_object("contacts", {"email": "b@example.com"})["id"]
    survivor = merge_contacts(client, a, b).id
    listed = [r.id for r in client.crm.contacts.basic_api.get_page().results]
    found = client.crm.contacts.search_api.do_search(ContactSearch(limit=10))
    assert listed == [survivor] and [r.id for r in found.results] == [survivor]
    # the primary's e-mail still identifies the survivor
    by_email = client.crm.contacts.basic_api.get_by_id("a@example.com", id_property="email")
    assert by_email.id == survivor


def test_deal_merge_keeps_the_primary_id(client, sandbox):
    store = sandbox.store
    primary = store.create_object("deals", {"dealname": "Big", "dealstage": "qualifiedtobuy"})
    other = store.create_object("deals", {"dealname": "Dup", "amount": "900"})
    contact = store.create_object("contacts", {"email": "c@example.com"})["id"]
    store.associate("deals", other["id"], "contacts", contact)
    merged = client.crm.deals.basic_api.merge(
        DealMergeInput(primary_object_id=primary["id"], object_id_to_merge=other["id"])
    )
    assert merged.id == primary["id"]
    assert merged.properties["hs_merged_object_ids"] == other["id"]
    assert merged.properties["amount"] == "900"
    old = client.crm.deals.basic_api.get_by_id(other["id"], associations=["contacts"])
    assert old.id == primary["id"]
    assert [a.id for a in old.associations["contacts"].results] == [contact]


def test_merging_an_archived_record_is_404(http, sandbox):
    store = sandbox.store
    a = store.create_object("contacts", {"email": "a@example.com"})["id"]
    b = store.create_object("contacts", {"email": "b@example.com"})["id"]
    store.archive_object("contacts", b)
    response = http.post(
        "/crm/v3/objects/contacts/merge", json={"primaryObjectId": a, "objectIdToMerge": b}
    )
    assert response.status_code == 404
