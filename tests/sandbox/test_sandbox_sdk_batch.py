"""Batch endpoints through the SDK: read, create, update, upsert, archive, 207 and limits."""

import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
)


def read(client, ids, properties=("email",), id_property=None):
    request = BatchReadInputSimplePublicObjectId(
        inputs=[{"id": i} for i in ids],
        properties=list(properties),
        properties_with_history=[],
        id_property=id_property,
    )
    return client.crm.contacts.batch_api.read_with_http_info(request)


def create_batch(client, inputs):
    request = BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    return client.crm.contacts.batch_api.create_with_http_info(request)


def test_batch_create_then_read(client):
    created, status, _ = create_batch(
        client, [{"properties": {"email": f"b{i}@example.com"}} for i in range(3)]
    )
    assert status == 201 and created.status == "COMPLETE"
    ids = [r.id for r in created.results]
    result, status, _ = read(client, ids)
    assert status == 200
    assert [r.properties["email"] for r in result.results] == [
        f"b{i}@example.com" for i in range(3)
    ]
    assert result.started_at <= result.completed_at


def test_batch_read_with_missing_ids_is_207_with_errors(client, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "x@example.com"})["id"]
    result, status, _ = read(client, [existing, "999999999"])
    assert status == 207
    assert [r.id for r in result.results] == [existing]
    assert result.num_errors == 1
    assert result.errors[0].category == "OBJECT_NOT_FOUND"
    assert result.errors[0].context == {"ids": ["999999999"]}


def test_batch_read_by_email(client, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "Mixed@Example.com"})["id"]
    result, status, _ = read(client, ["mixed@example.com"], id_property="email")
    assert status == 200 and result.results[0].id == existing


def test_batch_update_reports_missing_ids_and_applies_the_rest(client, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "u@example.com"})["id"]
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[
            {"id": existing, "properties": {"city": "Lyon"}},
            {"id": "424242", "properties": {"city": "Nice"}},
        ]
    )
    result, status, _ = client.crm.contacts.batch_api.update_with_http_info(request)
    assert status == 207
    assert result.results[0].properties["city"] == "Lyon"
    assert result.errors[0].context["ids"] == ["424242"]
    assert sandbox.store.get_object("contacts", existing)["properties"]["city"] == "Lyon"


def test_batch_upsert_by_email_creates_and_updates(client, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "old@example.com"})["id"]
    request = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            {"id": "OLD@example.com", "idProperty": "email", "properties": {"city": "Graz"}},
            {"id": "new@example.com", "idProperty": "email", "properties": {"city": "Wien"}},
        ]
    )
    result, status, _ = client.crm.contacts.batch_api.upsert_with_http_info(request)
    assert status == 200
    by_new = {r.new: r for r in result.results}
    assert by_new[False].id == existing and by_new[False].properties["city"] == "Graz"
    assert by_new[True].properties["email"] == "new@example.com"
    assert sandbox.store.count("contacts") == 2


def test_batch_upsert_needs_a_unique_id_property(http):
    body = {"inputs": [{"id": "x", "idProperty": "city", "properties": {}}]}
    response = http.post("/crm/v3/objects/contacts/batch/upsert", json=body)
    assert response.status_code == 400
    assert "non-unique 0-1 property city" in response.json()["message"]


def test_batch_archive_is_204_and_ignores_unknown_ids(client, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "a@example.com"})["id"]
    request = BatchInputSimplePublicObjectId(inputs=[{"id": existing}, {"id": "777"}])
    _, status, _ = client.crm.contacts.batch_api.archive_with_http_info(request)
    assert status == 204
    assert sandbox.store.count("contacts") == 0 and sandbox.store.count("contacts", True) == 1


def test_more_than_100_inputs_is_a_validation_error(client):
    with pytest.raises(ApiException) as error:
        create_batch(client, [{"properties": {}} for _ in range(101)])
    assert error.value.status == 400
    assert '"category":"VALIDATION_ERROR"' in error.value.body


def test_batch_create_with_a_taken_email_fails_whole_with_409(client, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "taken@example.com"})["id"]
    inputs = [
        {"properties": {"email": "free@example.com"}},
        {"properties": {"email": "TAKEN@example.com"}},
    ]
    with pytest.raises(ApiException) as error:
        create_batch(client, inputs)
    assert error.value.status == 409
    assert f"Existing ID: {existing}" in error.value.body
    assert sandbox.store.count("contacts") == 1  # nothing of the batch was created


def test_invalid_input_without_trace_ids_fails_the_whole_batch(client, sandbox):
    inputs = [{"properties": {"email": "ok@example.com"}}, {"properties": {"nope": "x"}}]
    with pytest.raises(ApiException) as error:
        create_batch(client, inputs)
    assert error.value.status == 400
    assert "Property values were not valid" in error.value.body
    assert sandbox.store.count("contacts") == 0


def test_trace_ids_enable_207_and_map_results_and_errors_to_inputs(client, sandbox):
    inputs = [
        {"properties": {"email": "ok@example.com"}, "objectWriteTraceId": "row-1"},
        {"properties": {"hs_lead_status": "NOPE"}, "objectWriteTraceId": "row-2"},
        {"properties": {"firstname": "Zoé"}, "objectWriteTraceId": "row-3"},
    ]
    result, status, _ = create_batch(client, inputs)
    assert status == 207
    assert [r.object_write_trace_id for r in result.results] == ["row-1", "row-3"]
    assert result.errors[0].context["objectWriteTraceId"] == ["row-2"]
    assert result.errors[0].category == "VALIDATION_ERROR"
    assert sandbox.store.count("contacts") == 2


def test_duplicate_ids_in_one_update_batch_are_rejected(http, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "d@example.com"})["id"]
    body = {"inputs": [{"id": existing, "properties": {}}, {"id": existing, "properties": {}}]}
    response = http.post("/crm/v3/objects/contacts/batch/update", json=body)
    assert response.status_code == 400
    assert "Duplicate IDs" in response.json()["message"]
