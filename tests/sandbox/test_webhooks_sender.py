"""The sandbox sends webhooks like HubSpot: signed batches, retries, disorder on request.

A tiny local receiver records each request and answers as a test scripts it. Signatures are
checked with the connector's own checker, the sandbox's signer with HubSpot's test vector.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from hubspot_connector.services.webhooks import parse_events, signature_v3, verify_request
from hubspot_sandbox.webhooks import all_subscriptions, sign_v3

SECRET = "sandbox-client-secret"
APP_ID = 4242
# A query with escapes HubSpot decodes before signing (%3A, %2F) and one it keeps (%20).
TARGET_PATH = "/hubspot/webhook?next=a%3Ab%2Fc&q=x%20y"


class Receiver:
    """An HTTP server that records requests; ``answers`` scripts the next replies: a status,
    or ``("hang", seconds)`` to answer only after that long (after the sender's timeout)."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.release = threading.Event()  # ends every hang at once (teardown)
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                with receiver.arrived:
                    receiver.requests.append((self.path, dict(self.headers), body))
                    receiver.arrived.notify_all()
                if isinstance(answer, tuple):
                    receiver.release.wait(answer[1])
                    answer = 200
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
                """Quiet: the test reads ``requests``."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.base + TARGET_PATH

    def __enter__(self):
        serve = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        return self

    def __exit__(self, *exc_info):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def batches(self):
        """The event lists received, verified with the connector's checker."""
        batches = []
        for path, headers, body in self.requests:
            verify_request(SECRET, "POST", self.base + path, body, headers)
            assert headers["Content-Type"] == "application/json"
            assert headers["X-HubSpot-Signature-Version"] == "v3"
            batches.append(json.loads(body))
        return batches

    def events(self):
        return [event for batch in self.batches() for event in batch]

    def wait_for(self, count, timeout=5):
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def hooks(sandbox, receiver):
    """``hooks(**settings)``: webhooks on to the receiver, fast; returns the sender."""

    def configure(**settings):
        app = {"target_url": receiver.url, "client_secret": SECRET, "app_id": APP_ID}
        fast = {"batch_window": 0.02, "timeout": 1.0, "retry_delays": [0.05, 0.05]}
        sandbox.webhooks.configure(**{**app, **fast, **settings})
        return sandbox.webhooks

    yield configure
    sandbox.webhooks.reset()


def subscribe(*event_types, **extra):
    return [{"eventType": t, **extra} for t in event_types]


def test_signer_gives_hubspots_official_test_vector():
    signature = sign_v3(
        "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
        "POST",
        "https://www.example.com/webhook_uri",
        b"{'example_field':'example_value'}",
        1693657560000,
    )
    assert signature == "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="


def test_signer_decodes_the_uri_as_hubspot_does():
    uri = "https://example.com/hook?a=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B&b=%20%25&c=%3a"
    expected = signature_v3(SECRET, "POST", uri, b"[]", 1)
    assert sign_v3(SECRET, "POST", uri, b"[]", 1) == expected
    plain = "https://example.com/hook?a=:/?@!$'()*,;&b=%20%25&c=:"
    assert sign_v3(SECRET, "POST", uri, b"[]", 1) == sign_v3(SECRET, "POST", plain, b"[]", 1)
    assert sign_v3(SECRET, "POST", uri, b"[]", 1) != sign_v3(SECRET, "POST", uri, b"[ ]", 1)


def test_api_changes_arrive_signed_in_hubspots_shape(hooks, receiver, http):
    sender = hooks(
        subscriptions=[
            *subscribe("contact.creation", "contact.deletion"),
            {"eventType": "contact.propertyChange", "propertyName": "firstname"},
            {"eventType": "contact.propertyChange", "propertyName": "city", "id": 77},
        ]
    )
    created = http.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Ada"}})
    contact = int(created.json()["id"])
    http("PATCH", f"/crm/v3/objects/contacts/{contact}", json={"properties": {"city": "Bern"}})
    http("DELETE", f"/crm/v3/objects/contacts/{contact}")
    assert sender.flush()
    events = receiver.events()
    assert [(e["subscriptionType"], e.get("propertyName")) for e in events] == [
        ("contact.creation", None),
        ("contact.propertyChange", "firstname"),  # a creation's values are changes too
        ("contact.propertyChange", "city"),
        ("contact.deletion", None),
    ]
    creation, first_name, city, _ = events
    assert creation == {
        "eventId": creation["eventId"],
        "subscriptionId": 1,
        "portalId": 24587913,
        "appId": APP_ID,
        "occurredAt": creation["occurredAt"],
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": contact,
        "changeSource": "INTEGRATION",
        "sourceId": str(APP_ID),
        "changeFlag": "NEW",
    }
    assert abs(creation["occurredAt"] - time.time() * 1000) < 10_000
    assert (first_name["propertyValue"], city["propertyValue"]) == ("Ada", "Bern")
    assert city["subscriptionId"] == 77
    assert len({e["eventId"] for e in events}) == 4
    assert sender.stats() == {
        "requests": len(receiver.requests),
        "sent": 4,
        "retried": 0,
        "failed": 0,
        "duplicated": 0,
        "pending": 0,
        "last_status": 200,
    }


def test_generic_subscriptions_name_the_type_and_unsubscribed_kinds_are_not_sent(
    sandbox, hooks, receiver
):
    sender = hooks(
        subscriptions=[
            {"eventType": "object.propertyChange", "objectTypeId": "0-2", "propertyName": "city"},
            {"eventType": "object.deletion", "objectTypeId": "0-2", "active": False},
        ]
    )
    store = sandbox.store
    company = int(store.create_object("companies", {"name": "Acme"})["id"])
    store.update_object("companies", company, {"city": "Basel", "name": "Acme AG"})
    store.archive_object("companies", company)
    store.create_object("contacts", {"city": "Basel"})
    assert sender.flush()
    assert [
        (e["subscriptionType"], e["objectTypeId"], e["propertyValue"]) for e in receiver.events()
    ] == [("object.propertyChange", "0-2", "Basel")]
    assert receiver.events()[0]["changeSource"] == "CRM_UI"  # not through the API
    assert receiver.events()[0]["sourceId"].startswith("userId:")


def test_activities_send_generic_events_only(sandbox, hooks, receiver, http):
    sender = hooks(
        subscriptions=[
            {"eventType": "object.creation", "objectTypeId": "0-46"},
            {"eventType": "object.associationChange", "objectTypeId": "0-46"},
            {
                "eventType": "object.propertyChange",
                "objectTypeId": "0-27",
                "propertyName": ("hs_task_status"),
            },
        ]
    )
    contact = sandbox.store.create_object("contacts", {"email": "a@example.com"})["id"]
    types = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]
    note = http.post(
        "/crm/v3/objects/notes",
        json={
            "properties": {"hs_timestamp": "1767261600000", "hs_note_body": "Hi"},
            "associations": [{"to": {"id": contact}, "types": types}],
        },
    ).json()["id"]
    task = http.post(
        "/crm/v3/objects/tasks", json={"properties": {"hs_timestamp": "1767261600000"}}
    )
    task_id = task.json()["id"]
    http(
        "PATCH",
        f"/crm/v3/objects/tasks/{task_id}",
        json={"properties": {"hs_task_status": "COMPLETED"}},
    )
    assert sender.flush()
    seen = {
        (e["subscriptionType"], e["objectTypeId"], e["objectId"], e.get("associationType"))
        for e in receiver.events()
    }
    assert seen == {
        ("object.creation", "0-46", int(note), None),
        ("object.associationChange", "0-46", int(note), "NOTE_TO_CONTACT"),
        ("object.propertyChange", "0-27", int(task_id), None),
    }
    for legacy in ("note.creation", "task.propertyChange"):
        with pytest.raises(ValueError):
            sender.configure(subscriptions=[{"eventType": legacy, "propertyName": "x"}])
    html = {"eventType": "object.propertyChange", "objectTypeId": "0-49"}
    with pytest.raises(ValueError):  # HubSpot refuses subscriptions to e-mail content
        sender.configure(subscriptions=[{**html, "propertyName": "hs_email_html"}])


def test_changes_close_together_share_requests_of_at_most_100(sandbox, hooks, receiver):
    sender = hooks(subscriptions=subscribe("deal.creation"), batch_window=0.5)
    with sandbox.store.lock:  # all 150 before any worker looks
        for number in range(150):
            sandbox.store.create_object("deals", {"dealname": f"deal {number}"})
    assert sender.flush()
    assert sorted(len(batch) for batch in receiver.batches()) == [50, 100]
    assert len({e["eventId"] for e in receiver.events()}) == 150


def test_the_api_call_returns_before_the_delivery(hooks, receiver, http):
    sender = hooks(subscriptions=subscribe("contact.creation"), batch_window=0, timeout=5)
    receiver.answers = [("hang", 5)]
    started = time.monotonic()
    http.post("/crm/v3/objects/contacts", json={"properties": {}})
    assert time.monotonic() - started < 1
    receiver.wait_for(1)  # the receiver holds the delivery
    assert sender.stats()["pending"] == 1
    receiver.release.set()
    assert sender.flush()
    assert sender.stats()["sent"] == 1


@pytest.mark.parametrize("failure", [500, 404, ("hang", 2)])
def test_a_failed_request_is_retried_with_the_next_attempt_number(hooks, receiver, http, failure):
    sender = hooks(subscriptions=subscribe("contact.creation"), timeout=0.2)
    receiver.answers = [failure]
    http.post("/crm/v3/objects/contacts", json={"properties": {}})
    assert sender.flush()
    first, retry = receiver.batches()
    assert [e["attemptNumber"] for e in first + retry] == [0, 1]
    assert first[0]["eventId"] == retry[0]["eventId"]
    timestamps = [headers["X-HubSpot-Request-Timestamp"] for _, headers, _ in receiver.requests]
    assert int(timestamps[1]) > int(timestamps[0])  # signed anew
    stats = sender.stats()
    assert (stats["requests"], stats["retried"], stats["sent"], stats["last_status"]) == (
        2,
        1,
        1,
        200,
    )


def test_a_request_failing_every_retry_is_given_up(hooks, receiver, http):
    sender = hooks(subscriptions=subscribe("contact.creation"), retry_delays=[0.01, 0.02])
    receiver.answers = [503, 503, 503]
    http.post("/crm/v3/objects/contacts", json={"properties": {}})
    assert sender.flush()
    assert [b[0]["attemptNumber"] for b in receiver.batches()] == [0, 1, 2]
    stats = sender.stats()
    assert (stats["failed"], stats["sent"], stats["last_status"]) == (1, 0, 503)


def test_an_unreachable_target_counts_as_an_error(sandbox, hooks):
    sender = hooks(
        target_url="http://127.0.0.1:9/",
        subscriptions=subscribe("contact.creation"),
        retry_delays=[],
    )
    sandbox.store.create_object("contacts", {})
    assert sender.flush()
    assert (sender.stats()["failed"], sender.stats()["last_status"]) == (1, "error")


def _create_contacts(store, count):
    with store.lock:  # one batch
        return [int(store.create_object("contacts", {})["id"]) for _ in range(count)]


@pytest.mark.parametrize("disorder", ["reverse", "shuffle"])
def test_disorder_reorders_each_request(sandbox, hooks, receiver, disorder):
    sender = hooks(subscriptions=subscribe("contact.creation"), disorder=disorder, seed=3)
    ids = _create_contacts(sandbox.store, 6)
    assert sender.flush()
    (batch,) = receiver.batches()
    received = [e["objectId"] for e in batch]
    assert sorted(received) == ids and received != ids
    if disorder == "reverse":
        assert received == ids[::-1]


def test_delay_first_lets_later_events_overtake_it(sandbox, hooks, receiver):
    sender = hooks(
        subscriptions=subscribe("contact.creation"), disorder="delay_first", delay_seconds=0.2
    )
    ids = _create_contacts(sandbox.store, 3)
    assert sender.flush()
    assert [[e["objectId"] for e in batch] for batch in receiver.batches()] == [
        ids[1:],
        ids[:1],
    ]


def test_duplicate_sends_each_request_twice(sandbox, hooks, receiver):
    sender = hooks(subscriptions=subscribe("contact.creation"), duplicate=True)
    _create_contacts(sandbox.store, 2)
    assert sender.flush()
    first, second = receiver.batches()
    assert first == second
    assert (sender.stats()["sent"], sender.stats()["duplicated"]) == (4, 2)


def test_merge_events_carry_hubspots_merge_fields(sandbox, hooks, receiver, http):
    store = sandbox.store
    primary = int(store.create_object("contacts", {"email": "a@example.com"})["id"])
    other = store.create_object("contacts", {"email": "b@example.com", "city": "Bern"})
    sender = hooks(subscriptions=subscribe("contact.merge"))
    merged = http.post(
        "/crm/v3/objects/contacts/merge",
        json={"primaryObjectId": str(primary), "objectIdToMerge": other["id"]},
    ).json()
    assert sender.flush()
    (event,) = receiver.events()
    assert event["subscriptionType"] == "contact.merge"
    assert event["objectId"] == event["newObjectId"] == int(merged["id"])
    assert event["primaryObjectId"] == primary
    assert event["mergedObjectIds"] == [int(other["id"])]
    assert event["numberOfPropertiesMoved"] == 1  # the city; the e-mail is the primary's


def test_association_events_name_both_ends(sandbox, hooks, receiver):
    store = sandbox.store
    contact = int(store.create_object("contacts", {})["id"])
    company = int(store.create_object("companies", {"name": "Acme"})["id"])
    sender = hooks(subscriptions=subscribe("contact.associationChange"))
    store.associate("contacts", contact, "companies", company, primary=True)
    store.dissociate("contacts", contact, "companies", company)
    assert sender.flush()
    fields = ("associationType", "fromObjectId", "toObjectId", "isPrimaryAssociation")
    changes = [tuple(e[f] for f in (*fields, "associationRemoved")) for e in receiver.events()]
    assert changes == [
        ("CONTACT_TO_COMPANY", contact, company, False, False),
        ("CONTACT_TO_COMPANY", contact, company, True, False),
        ("CONTACT_TO_COMPANY", contact, company, False, True),
        ("CONTACT_TO_COMPANY", contact, company, True, True),
    ]


def test_a_gdpr_delete_sends_privacy_deletion_and_deletion(sandbox, hooks, receiver, http):
    contact = sandbox.store.create_object("contacts", {"email": "p@example.com"})["id"]
    sender = hooks(subscriptions=subscribe("contact.privacyDeletion", "contact.deletion"))
    http.post("/crm/v3/objects/contacts/gdpr-delete", json={"objectId": contact})
    assert sender.flush()
    assert [(e["subscriptionType"], e["objectId"]) for e in receiver.events()] == [
        ("contact.privacyDeletion", int(contact)),
        ("contact.deletion", int(contact)),
    ]


def test_the_connector_reads_every_event_of_the_default_subscriptions(sandbox, hooks, receiver):
    sender = hooks()  # every kind and standard property
    store = sandbox.store
    contact = store.create_object("contacts", {"email": "a@example.com"})["id"]
    other = store.create_object("contacts", {"email": "b@example.com"})["id"]
    company = store.create_object("companies", {"name": "Acme"})["id"]
    deal = store.create_object("deals", {"dealname": "Big"})["id"]
    store.update_object("deals", deal, {"amount": "10"})
    store.associate("contacts", contact, "companies", company, primary=True)
    store.associate("deals", deal, "contacts", contact)
    store.archive_object("companies", company)
    store.restore_object("companies", company)
    merged = store.merge_objects("contacts", contact, other)["id"]
    store.gdpr_delete_object("contacts", merged)
    assert sender.flush()
    registry = {"contacts": ("contact", "0-1"), "companies": ("company", "0-2")}
    registry["deals"] = ("deal", "0-3")
    parsed = [parse_events(body, registry) for _, _, body in receiver.requests]
    assert [ignored for _, ignored in parsed if ignored] == []
    kinds = {(e.object_type, e.kind) for events, _ in parsed for e in events}
    assert {("contacts", k) for k in ("creation", "merge", "privacyDeletion")} <= kinds
    assert {("companies", "restore"), ("deals", "associationChange")} <= kinds


def test_control_endpoints_configure_report_and_flush(sandbox, receiver, http):
    settings = {
        "target_url": receiver.url,
        "client_secret": SECRET,
        "app_id": APP_ID,
        "subscriptions": subscribe("deal.creation"),
        "batch_window": 0.01,
    }
    shown = http.post("/_sandbox/webhooks", json=settings).json()
    assert shown["client_secret_set"] and SECRET not in json.dumps(shown)
    assert shown["subscriptions"] == [{"id": 1, "eventType": "deal.creation"}]
    http.post("/crm/v3/objects/deals", json={"properties": {"dealname": "x"}})
    flushed = http.post("/_sandbox/webhooks/flush", json={"timeout": 5}).json()
    assert (flushed["delivered"], flushed["sent"], flushed["pending"]) == (True, 1, 0)
    assert http.get("/_sandbox/webhooks/stats").json()["sent"] == 1
    assert http.get("/_sandbox/webhooks").json() == shown
    for refused in (
        subscribe("x.y"),
        subscribe("contacts.creation"),
        subscribe("object.creation", objectTypeId="companies"),  # generic ones name the id
        subscribe("deal.privacyDeletion"),
        subscribe("deal.propertyChange"),  # one subscription per property, as in HubSpot
        subscribe("deal.creation", propertyName="dealname"),
    ):
        answer = http.post("/_sandbox/webhooks", json={**settings, "subscriptions": refused})
        assert answer.status_code == 400, refused
    assert http.post("/_sandbox/webhooks", json={"target_url": receiver.url}).status_code == 400
    http.post("/_sandbox/reset")
    assert http.get("/_sandbox/webhooks").json()["target_url"] is None


def test_subscriptions_default_to_every_kind_and_standard_property():
    types = {s["eventType"] for s in all_subscriptions()}
    assert {"contact.privacyDeletion", "company.merge", "deal.associationChange"} <= types
    assert "deal.privacyDeletion" not in types and "note.creation" not in types
    generic = {
        (s["eventType"], s["objectTypeId"]) for s in all_subscriptions() if "objectTypeId" in s
    }
    assert {("object.creation", "0-46"), ("object.deletion", "0-49")} <= generic
    names = {s.get("propertyName") for s in all_subscriptions()}
    assert {"email", "dealstage", "domain"} <= names
    assert not {"hs_lastmodifieddate", "lastmodifieddate", "hs_email_html"} & names
    assert {"hs_note_body", "hs_task_status"} <= names


def test_reset_turns_webhooks_off(sandbox, hooks, receiver):
    sender = hooks()
    sandbox.reset()
    sandbox.store.create_object("contacts", {})
    assert sender.flush()
    assert receiver.requests == [] and sender.stats()["requests"] == 0


def test_the_command_line_turns_webhooks_on(run_cli, receiver, tmp_path):
    subscriptions = tmp_path / "subscriptions.json"
    subscriptions.write_text(json.dumps(subscribe("company.creation")))
    _, url = run_cli(
        *("--webhook-url", receiver.url, "--webhook-secret", SECRET, "--webhook-app-id", "7"),
        *("--webhook-subscriptions", str(subscriptions)),
    )
    api = requests.Session()
    api.headers["Authorization"] = "Bearer any"
    api.post(f"{url}/crm/v3/objects/contacts", json={"properties": {}}, timeout=10)
    api.post(f"{url}/crm/v3/objects/companies", json={"properties": {}}, timeout=10)
    assert api.post(f"{url}/_sandbox/webhooks/flush", timeout=10).json()["delivered"]
    (event,) = receiver.events()
    assert (event["subscriptionType"], event["appId"]) == ("company.creation", 7)
