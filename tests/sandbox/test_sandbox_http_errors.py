"""Error bodies, status codes and headers over plain HTTP, as HubSpot sends them."""

import re
import uuid

import pytest


def assert_error(response, status, category):
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["status"] == "error" and body["category"] == category
    uuid.UUID(body["correlationId"])
    assert response.headers["x-hubspot-correlation-id"] == body["correlationId"]
    return body


def test_missing_token_is_401(sandbox, http_for):
    response = http_for(sandbox, token=None).get("/crm/v3/objects/contacts")
    body = assert_error(response, 401, "INVALID_AUTHENTICATION")
    assert "Authentication credentials not found" in body["message"]


def test_only_the_configured_token_is_accepted(start_sandbox, http_for):
    server = start_sandbox(token="pat-na1-right")
    assert_error(
        http_for(server, "pat-na1-wrong").get("/crm/v3/owners"), 401, "INVALID_AUTHENTICATION"
    )
    assert http_for(server, "pat-na1-right").get("/crm/v3/owners").status_code == 200


def test_any_token_is_accepted_without_configured_token(http_for, sandbox):
    assert http_for(sandbox, "anything").get("/crm/v3/owners").status_code == 200


def test_unknown_object_is_404_with_context(http):
    body = assert_error(http.get("/crm/v3/objects/contacts/123"), 404, "OBJECT_NOT_FOUND")
    assert body["context"] == {"id": ["123"]}
    assert_error(
        http("PATCH", "/crm/v3/objects/contacts/123", json={"properties": {}}),
        404,
        "OBJECT_NOT_FOUND",
    )


def test_unknown_route_is_404(http):
    assert_error(http.get("/crm/v3/nothing/here"), 404, "OBJECT_NOT_FOUND")


def test_unknown_object_type_is_400(http):
    assert_error(http.get("/crm/v3/objects/tickets"), 400, "VALIDATION_ERROR")


def test_delete_of_unknown_id_is_204(http):
    response = http("DELETE", "/crm/v3/objects/contacts/987654")
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        ({"favourite_colour": "blue"}, "PROPERTY_DOESNT_EXIST"),
        ({"hs_object_id": "5"}, "READ_ONLY_VALUE"),
        ({"lastmodifieddate": "2024-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
        ({"hs_lead_status": "HOT"}, "INVALID_OPTION"),
        ({"lifecyclestage": "Lead"}, "INVALID_OPTION"),
        ({"email": "not-an-email"}, "INVALID_EMAIL"),
    ],
)
def test_invalid_property_values_are_400_like_hubspot(http, properties, code):
    response = http.post("/crm/v3/objects/contacts", json={"properties": properties})
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["message"].startswith("Property values were not valid: [")
    assert f'"error":"{code}"' in body["message"]
    assert body["errors"][0]["code"] == code


def test_all_invalid_properties_are_reported_together(http):
    properties = {"a_unknown": "1", "hs_lead_status": "HOT"}
    body = http.post("/crm/v3/objects/contacts", json={"properties": properties}).json()
    assert sorted(e["context"]["propertyName"][0] for e in body["errors"]) == [
        "a_unknown",
        "hs_lead_status",
    ]


def test_number_and_date_validation(http):
    bad_amount = http.post("/crm/v3/objects/deals", json={"properties": {"amount": "12,5"}})
    assert_error(bad_amount, 400, "VALIDATION_ERROR")
    bad_date = http.post("/crm/v3/objects/deals", json={"properties": {"closedate": "soon"}})
    assert_error(bad_date, 400, "VALIDATION_ERROR")


def test_email_conflict_is_409_with_existing_id(http, sandbox):
    existing = sandbox.store.create_object("contacts", {"email": "jon@example.com"})["id"]
    response = http.post(
        "/crm/v3/objects/contacts", json={"properties": {"email": " JON@example.com"}}
    )
    body = assert_error(response, 409, "CONFLICT")
    assert re.search(r"Existing ID:\s*(\d+)", body["message"]).group(1) == existing
    assert body["message"] == f"Contact already exists. Existing ID: {existing}"


def test_changing_email_to_a_taken_one_is_409(http, sandbox):
    sandbox.store.create_object("contacts", {"email": "a@example.com"})
    other = sandbox.store.create_object("contacts", {"email": "b@example.com"})["id"]
    response = http(
        "PATCH",
        f"/crm/v3/objects/contacts/{other}",
        json={"properties": {"email": "A@example.com"}},
    )
    assert_error(response, 409, "CONFLICT")


def test_archived_contact_email_can_be_reused(http, sandbox):
    old = sandbox.store.create_object("contacts", {"email": "re@example.com"})["id"]
    sandbox.store.archive_object("contacts", old)
    assert (
        http.post(
            "/crm/v3/objects/contacts", json={"properties": {"email": "re@example.com"}}
        ).status_code
        == 201
    )


def test_malformed_json_is_400(http):
    response = http.post(
        "/crm/v3/objects/contacts", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "VALIDATION_ERROR")


def test_trailing_slash_and_encoded_email_id(http, sandbox):
    created = sandbox.store.create_object("contacts", {"email": "x+y@example.com"})["id"]
    assert http.get("/crm/v3/owners/").status_code == 200
    response = http.get("/crm/v3/objects/contacts/x%2By%40example.com?idProperty=email")
    assert response.status_code == 200 and response.json()["id"] == created
