"""Activities' v4 associations with contacts, companies and deals: HubSpot's type ids in both
directions, creation with associations (one and in batches), and an association made later,
which leaves the activity's last-modified date alone."""

import pytest
from hubspot.crm.associations.v4 import (
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
)
from hubspot.crm.objects import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicObjectSearchRequest,
    SimplePublicObjectInputForCreate,
)

from .test_sandbox_sdk_company_associations import pairs_body, spec

WHEN = "2026-01-01T10:00:00Z"
OLD = 1_600_000_000_000
# (activity, record, activity -> record, record -> activity): the SDK's AssociationType enum.
TYPE_IDS = [
    ("notes", "contacts", 202, 201),
    ("notes", "companies", 190, 189),
    ("notes", "deals", 214, 213),
    ("calls", "contacts", 194, 193),
    ("calls", "companies", 182, 181),
    ("calls", "deals", 206, 205),
    ("emails", "contacts", 198, 197),
    ("emails", "companies", 186, 185),
    ("emails", "deals", 210, 209),
    ("meetings", "contacts", 200, 199),
    ("meetings", "companies", 188, 187),
    ("meetings", "deals", 212, 211),
    ("tasks", "contacts", 204, 203),
    ("tasks", "companies", 192, 191),
    ("tasks", "deals", 216, 215),
]
RECORDS = {
    "contacts": {"email": "p@example.com"},
    "companies": {"name": "Acme"},
    "deals": {"dealname": "Deal"},
}


def read_types(client, from_type, to_type, from_id):
    """``{to id: {type ids}}`` of one record, as the SDK parses a v4 batch read."""
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": from_id}])
    result = client.crm.associations.v4.batch_api.get_page(from_type, to_type, request)
    return {
        str(to.to_object_id): {t.type_id for t in to.association_types}
        for r in result.results
        for to in r.to
    }


@pytest.fixture
def records(sandbox):
    """One contact, company and deal: ``{type: id}``."""
    return {kind: sandbox.store.create_object(kind, p)["id"] for kind, p in RECORDS.items()}


@pytest.mark.parametrize(("activity", "record", "outward", "inward"), TYPE_IDS)
def test_type_ids_read_from_both_sides(client, sandbox, records, activity, record, outward, inward):
    item = sandbox.store.create_object(activity, {"hs_timestamp": WHEN})["id"]
    target = records[record]
    request = BatchInputPublicAssociationMultiPost(**pairs_body(item, [target], outward))
    client.crm.associations.v4.batch_api.create(activity, record, request)
    assert read_types(client, activity, record, item) == {target: {outward}}
    assert read_types(client, record, activity, target) == {item: {inward}}
    listed = client.crm.associations.v4.basic_api.get_page(record, target, activity)
    assert [(str(r.to_object_id), r.association_types[0].type_id) for r in listed.results] == [
        (item, inward)
    ]


def test_batch_archive_removes_the_pair_from_both_sides(client, sandbox, records):
    meeting = sandbox.store.create_object("meetings", {"hs_timestamp": WHEN})["id"]
    contact = records["contacts"]
    sandbox.store.associate("meetings", meeting, "contacts", contact)
    request = BatchInputPublicAssociationMultiArchive(
        inputs=[{"from": {"id": contact}, "to": [{"id": meeting}]}]
    )
    client.crm.associations.v4.batch_api.archive("contacts", "meetings", request)
    assert read_types(client, "meetings", "contacts", meeting) == {}
    assert read_types(client, "contacts", "meetings", contact) == {}


def test_another_activitys_type_id_is_refused(http, sandbox, records):
    note = sandbox.store.create_object("notes", {"hs_timestamp": WHEN})["id"]
    path = "/crm/v4/associations/notes/contacts/batch/create"
    answer = http.post(path, json=pairs_body(note, [records["contacts"]], 194))  # a call's
    assert answer.status_code == 400 and "194" in answer.text


def test_create_with_associations_to_a_contact_its_deal_and_company(client, records):
    associations = [
        {"to": {"id": records["contacts"]}, "types": [spec(202)]},
        {"to": {"id": records["deals"]}, "types": [spec(214)]},
        {"to": {"id": records["companies"]}, "types": [spec(190)]},
    ]
    note = client.crm.objects.notes.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": WHEN, "hs_note_body": "Met at the fair"},
            associations=associations,
        )
    )
    read = client.crm.objects.notes.basic_api.get_by_id(
        note.id, associations=["contacts", "deals", "companies"]
    )
    found = {kind: [(a.id, a.type) for a in r.results] for kind, r in read.associations.items()}
    assert found == {
        "contacts": [(records["contacts"], "note_to_contact")],
        "deals": [(records["deals"], "note_to_deal")],
        "companies": [(records["companies"], "note_to_company")],
    }
    contact = client.crm.contacts.basic_api.get_by_id(records["contacts"], associations=["notes"])
    assert [a.id for a in contact.associations["notes"].results] == [note.id]


def test_batch_create_with_associations(client, http, records):
    inputs = [
        {
            "properties": {"hs_timestamp": WHEN, "hs_task_subject": subject},
            "associations": [{"to": {"id": records["contacts"]}, "types": [spec(204)]}],
        }
        for subject in ("Call back", "Send offer")
    ]
    created = client.crm.objects.tasks.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    tasks = {r.id for r in created.results}
    assert set(read_types(client, "contacts", "tasks", records["contacts"])) == tasks
    inputs[0]["associations"][0]["types"] = [spec(202)]  # a note's type id: all refused
    answer = http.post("/crm/v3/objects/tasks/batch/create", json={"inputs": inputs})
    assert answer.status_code == 400
    assert len(client.crm.objects.tasks.basic_api.get_page().results) == 2  # none created


def test_an_association_made_later_leaves_the_activitys_modified_date(client, sandbox, records):
    store = sandbox.store
    note = store.create_object("notes", {"hs_timestamp": WHEN})["id"]
    store.update_object("notes", note, {}, modified_at=OLD)
    request = BatchInputPublicAssociationMultiPost(**pairs_body(note, [records["contacts"]], 202))
    client.crm.associations.v4.batch_api.create("notes", "contacts", request)
    assert store.get_object("notes", note)["properties"]["hs_lastmodifieddate"].startswith("2020")
    search = PublicObjectSearchRequest(
        filter_groups=[
            {
                "filters": [
                    {
                        "propertyName": "associations.contact",
                        "operator": "EQ",
                        "value": records["contacts"],
                    }
                ]
            }
        ]
    )
    assert [r.id for r in client.crm.objects.notes.search_api.do_search(search).results] == [note]
