"""E-mail content behind the ``sales-email-read`` scope, per-token scopes set through the
control endpoint, and the portal's call dispositions."""

import requests
from hubspot.crm.objects import PublicObjectSearchRequest, SimplePublicObjectInputForCreate

from .conftest import TOKEN

CONTENT = {"hs_email_subject": "Offer", "hs_email_text": "Hello", "hs_email_html": "<p>Hello</p>"}
WITHOUT_EMAIL_SCOPE = ["crm.objects.contacts.read", "crm.objects.contacts.write"]


def test_email_content_is_redacted_without_the_scope(client, sandbox):
    properties = {"hs_timestamp": "2026-01-01T10:00:00Z", "hs_email_direction": "EMAIL", **CONTENT}
    email = client.crm.objects.emails.basic_api.create(
        SimplePublicObjectInputForCreate(properties=properties)
    ).id
    names = [*CONTENT, "hs_email_direction"]
    full = client.crm.objects.emails.basic_api.get_by_id(email, properties=names).properties
    assert {n: full[n] for n in CONTENT} == CONTENT
    control = requests.post(
        f"{sandbox.url}/_sandbox/scopes",
        json={"token": TOKEN, "scopes": WITHOUT_EMAIL_SCOPE},
        timeout=10,
    )
    assert control.json() == {TOKEN: sorted(WITHOUT_EMAIL_SCOPE)}
    read = client.crm.objects.emails.basic_api.get_by_id(email, properties=names).properties
    assert {n: read[n] for n in CONTENT} == dict.fromkeys(CONTENT, "REDACTED")
    assert read["hs_email_direction"] == "EMAIL"
    search = PublicObjectSearchRequest(properties=names)
    found = client.crm.objects.emails.search_api.do_search(search).results[0].properties
    assert found["hs_email_text"] == "REDACTED"
    sandbox.set_scopes(TOKEN, None)  # every scope again
    assert (
        client.crm.objects.emails.basic_api.get_by_id(email, properties=names).properties[
            "hs_email_text"
        ]
        == "Hello"
    )


def test_scopes_are_per_token_and_a_reset_restores_them(sandbox, http_for):
    sandbox.set_scopes("pat-other", [])
    email = sandbox.store.create_object("emails", {"hs_timestamp": "1767261600000", **CONTENT})
    path = f"/crm/v3/objects/emails/{email['id']}?properties=hs_email_subject"
    assert http_for(sandbox, "pat-other").get(path).json()["properties"]["hs_email_subject"] == (
        "REDACTED"
    )
    assert http_for(sandbox).get(path).json()["properties"]["hs_email_subject"] == "Offer"
    sandbox.reset()
    assert sandbox.scopes_config() == {}


def test_call_dispositions_list_the_outcomes_a_call_may_hold(http, sandbox):
    answer = http.get("/calling/v1/dispositions")
    outcomes = {d["label"]: d["id"] for d in answer.json()}
    assert answer.status_code == 200 and set(outcomes) == {
        "Busy",
        "Connected",
        "Left live message",
        "Left voicemail",
        "No answer",
        "Wrong number",
    }
    call = {"hs_timestamp": "1767261600000", "hs_call_disposition": outcomes["No answer"]}
    created = http.post("/crm/v3/objects/calls", json={"properties": call})
    assert created.status_code == 201
    definition = http.get("/crm/v3/properties/calls/hs_call_disposition").json()
    assert {o["value"] for o in definition["options"]} == set(outcomes.values())
