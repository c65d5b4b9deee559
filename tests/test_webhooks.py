"""HubSpot webhooks: signature v3, the events of a batch, and the objects to read again."""

import json

import pytest

from hubspot_connector.services.webhooks import (
    IgnoredEvent,
    WebhookEvent,
    WebhookMalformed,
    WebhookRefused,
    decode_uri,
    parse_events,
    plan_refetch,
    replay_key,
    signature_v3,
    verify_request,
)

# HubSpot's published test vector for signature v3.
SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
BODY = b"{'example_field':'example_value'}"
TIMESTAMP = 1693657560000
SIGNATURE = "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y="
HEADERS = {"X-HubSpot-Signature-v3": SIGNATURE, "X-HubSpot-Request-Timestamp": str(TIMESTAMP)}

REGISTRY = {
    "contacts": ("contact", "0-1"),
    "companies": ("company", "0-2"),
    "deals": ("deal", "0-3"),
}


def refusal(headers=HEADERS, now_ms=TIMESTAMP, secret=SECRET, uri=URI, body=BODY, **kwargs):
    """The reason ``verify_request`` refuses with, or None when it accepts."""
    try:
        verify_request(secret, "POST", uri, body, headers, now_ms=now_ms, **kwargs)
    except WebhookRefused as refused:
        return refused.reason
    return None


def signed(uri, body, timestamp=TIMESTAMP, secret=SECRET):
    signature = signature_v3(secret, "POST", uri, body, timestamp)
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": str(timestamp)}


# --- signature v3 -------------------------------------------------------------------------


def test_official_test_vector():
    assert signature_v3(SECRET, "POST", URI, BODY, TIMESTAMP) == SIGNATURE
    assert signature_v3(SECRET, "POST", URI, BODY.decode(), str(TIMESTAMP)) == SIGNATURE


def test_the_signed_official_request_is_accepted():
    assert refusal() is None


def test_a_forged_signature_is_refused():
    forged = dict(HEADERS, **{"X-HubSpot-Signature-v3": SIGNATURE.replace("K36", "K37")})
    assert refusal(forged) == "bad_signature"


def test_a_signature_made_with_another_secret_is_refused():
    assert refusal(signed(URI, BODY, secret="another-secret")) == "bad_signature"


def test_a_changed_body_is_refused():
    assert refusal(body=b"{'example_field':'other_value'}") == "bad_signature"


@pytest.mark.parametrize("signature", ["not base64 at all", "é" * 44, SIGNATURE[:-1]])
def test_a_garbled_signature_is_refused(signature):
    garbled = dict(HEADERS, **{"X-HubSpot-Signature-v3": signature})
    assert refusal(garbled) == "bad_signature"


def test_an_empty_secret_verifies_nothing():
    # Anybody can sign with an empty key: a missing setting must not open the door.
    assert refusal(signed(URI, BODY, secret=""), secret="") == "no_secret"


def test_a_request_older_than_five_minutes_is_stale():
    assert refusal(now_ms=TIMESTAMP + 300_000) is None
    assert refusal(now_ms=TIMESTAMP + 300_001) == "stale"


def test_a_request_from_the_future_is_refused_past_the_skew():
    assert refusal(now_ms=TIMESTAMP - 60_000) is None
    assert refusal(now_ms=TIMESTAMP - 60_001) == "future"
    assert refusal(now_ms=TIMESTAMP - 5_000, max_skew_ms=1_000) == "future"


def test_without_now_the_clock_is_read():
    # 2023's test vector is long stale by now.
    with pytest.raises(WebhookRefused, match="stale"):
        verify_request(SECRET, "POST", URI, BODY, HEADERS)


def test_the_signature_is_checked_before_the_time():
    forged = dict(HEADERS, **{"X-HubSpot-Signature-v3": "x" + SIGNATURE[1:]})
    assert refusal(forged, now_ms=TIMESTAMP + 10**9) == "bad_signature"


@pytest.mark.parametrize("missing", ["X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp"])
def test_missing_headers_are_refused(missing):
    headers = {name: value for name, value in HEADERS.items() if name != missing}
    assert refusal(headers) == "missing_header"
    assert refusal(dict(HEADERS, **{missing: ""})) == "missing_header"


@pytest.mark.parametrize("timestamp", ["1693657560000.0", "-1693657560000", "soon", "1e12"])
def test_a_garbled_timestamp_is_refused(timestamp):
    headers = dict(HEADERS, **{"X-HubSpot-Request-Timestamp": timestamp})
    assert refusal(headers) == "bad_timestamp"


def test_header_names_are_case_insensitive():
    for transform in (str.lower, str.upper, lambda name: name.replace("-v3", "-V3")):
        headers = {transform(name): value for name, value in HEADERS.items()}
        assert refusal(headers) is None


def test_the_listed_escapes_in_the_uri_are_decoded_before_signing():
    encoded = "https://www.example.com/webhook_uri?since=2024-01-01T00%3A00%3A00&to=a%40b%2Cc"
    plain = "https://www.example.com/webhook_uri?since=2024-01-01T00:00:00&to=a@b,c"
    assert decode_uri(encoded) == plain
    # HubSpot signed the decoded URI; the receiver sees the encoded one.
    assert refusal(signed(plain, BODY), uri=encoded) is None
    assert signature_v3(SECRET, "POST", encoded, BODY, TIMESTAMP) == signature_v3(
        SECRET, "POST", plain, BODY, TIMESTAMP
    )


def test_other_escapes_in_the_uri_stay_encoded():
    assert decode_uri("https://x.test/a%20b?q=%2B%25%3D%3a") == "https://x.test/a%20b?q=%2B%25%3D:"
    # %253A is an encoded "%" then "3A": decoded once, it would become ":".
    assert decode_uri("https://x.test/?q=%253A") == "https://x.test/?q=%253A"
    assert signature_v3(SECRET, "POST", URI + "?q=a%20b", BODY, TIMESTAMP) != signature_v3(
        SECRET, "POST", URI + "?q=a b", BODY, TIMESTAMP
    )


def test_the_replay_key_names_one_signed_request():
    assert replay_key(HEADERS) == f"{TIMESTAMP}:{SIGNATURE}"
    assert replay_key({name.lower(): value for name, value in HEADERS.items()}) == replay_key(
        HEADERS
    )
    later = signed(URI, BODY, timestamp=TIMESTAMP + 1)
    assert replay_key(later) != replay_key(HEADERS)
    with pytest.raises(WebhookRefused, match="missing_header"):
        replay_key({"X-HubSpot-Request-Timestamp": str(TIMESTAMP)})


# --- parsing a batch ----------------------------------------------------------------------


def event(
    subscription="contact.propertyChange", object_id=101, occurred_at=1_700_000_000_000, **fields
):
    """One payload item as HubSpot sends it."""
    item = {
        "eventId": 7,
        "subscriptionId": 4,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": occurred_at,
        "subscriptionType": subscription,
        "attemptNumber": 0,
        "objectId": object_id,
        "changeSource": "CRM",
    }
    item.update(fields)
    return {name: value for name, value in item.items() if value is not None}


def parse(*items):
    return parse_events(json.dumps(list(items)).encode(), REGISTRY)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'[{"objectId": 1}', "invalid_json"),
        (b"", "invalid_json"),
        (b'[{"objectId": "\xff"}]', "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
        (b'{"objectId": 1}', "not_a_list"),
        (b"null", "not_a_list"),
        (b'[{"objectId": 1}, 2]', "not_an_object"),
        (b'[["objectId", 1]]', "not_an_object"),
    ],
)
def test_a_body_that_is_no_batch_is_malformed(body, reason):
    with pytest.raises(WebhookMalformed) as raised:
        parse_events(body, REGISTRY)
    assert raised.value.reason == reason


def test_at_most_one_hundred_events():
    assert len(parse(*[event(object_id=n) for n in range(1, 101)])[0]) == 100
    with pytest.raises(WebhookMalformed, match="too_many_events"):
        parse(*[event(object_id=n) for n in range(1, 102)])


def test_an_empty_batch_is_no_error():
    assert parse_events(b"[]", REGISTRY) == ([], [])


def test_a_legacy_property_change():
    item = event(propertyName="email", propertyValue="ada@example.com", attemptNumber=2)
    assert parse(item) == (
        [
            WebhookEvent(
                portal_id=62515,
                object_type="contacts",
                object_id="101",
                kind="propertyChange",
                occurred_at_ms=1_700_000_000_000,
                event_id=7,
                attempt=2,
                property_name="email",
                property_value="ada@example.com",
            )
        ],
        [],
    )


def test_a_property_value_is_text_as_in_the_crm_api():
    items = [
        event(propertyName="num_employees", propertyValue=123),
        event(propertyName="hs_is_unworked", propertyValue=True),
        event(propertyName="ssn", propertyValue="REDACTED"),
        event(propertyName="phone", propertyValue=None),
    ]
    events, _ = parse(*items)
    assert [e.property_value for e in events] == ["123", "true", "REDACTED", None]


def test_a_generic_event_names_its_type_by_id():
    item = event("object.propertyChange", "512", objectTypeId="0-3", propertyName="amount")
    (parsed,), ignored = parse(item)
    assert ignored == []
    assert (parsed.object_type, parsed.object_id, parsed.kind) == ("deals", "512", "propertyChange")
    assert parsed.property_name == "amount"


def test_the_documented_event_type_field_is_read_too():
    item = event(None, 5, eventType="contact.deletion")
    (parsed,), _ = parse(item)
    assert (parsed.object_type, parsed.object_id, parsed.kind) == ("contacts", "5", "deletion")


def test_the_same_event_in_both_shapes_is_the_same_value():
    legacy = event("company.creation", 9)
    generic = event("object.creation", 9, objectTypeId="0-2")
    (first, second), _ = parse(legacy, generic)
    assert first == second
    assert first.object_type == "companies"


def test_a_type_the_registry_adds_needs_no_code():
    registry = dict(REGISTRY, tickets=("ticket", "0-5"), pets=(None, "2-123456"))
    body = json.dumps(
        [event("ticket.deletion", 3), event("object.creation", 4, objectTypeId="2-123456")]
    )
    events, ignored = parse_events(body, registry)
    assert [(e.object_type, e.object_id, e.kind) for e in events] == [
        ("tickets", "3", "deletion"),
        ("pets", "4", "creation"),
    ]
    assert ignored == []


def test_unusable_events_are_ignored_and_the_rest_kept():
    items = [
        event("ticket.creation", 1),
        event("object.creation", 2, objectTypeId="0-5"),
        event("object.creation", 3),
        event("contact.teleportation", 4),
        event("contact.creation", None),
        event("contact.creation", "abc"),
        event(None, 5),
        event("contact.creation", 6, portalId=None),
        event("contact.creation", 7, occurred_at=None),
        event("object.creation", 8, objectTypeId=["0-1"]),
        event("contact.creation", 9),
    ]
    events, ignored = parse(*items)
    assert [e.object_id for e in events] == ["9"]
    assert ignored == [
        IgnoredEvent(0, "unregistered_type", items[0]),
        IgnoredEvent(1, "unregistered_type", items[1]),
        IgnoredEvent(2, "unregistered_type", items[2]),
        IgnoredEvent(3, "unknown_kind", items[3]),
        IgnoredEvent(4, "missing_object_id", items[4]),
        IgnoredEvent(5, "missing_object_id", items[5]),
        IgnoredEvent(6, "no_subscription_type", items[6]),
        IgnoredEvent(7, "missing_portal_id", items[7]),
        IgnoredEvent(8, "missing_occurred_at", items[8]),
        IgnoredEvent(9, "unregistered_type", items[9]),
    ]


def test_a_merge_keeps_its_ids():
    item = event("deal.merge", 30, primaryObjectId=30, mergedObjectIds=[31, "32"], newObjectId=33)
    (parsed,), _ = parse(item)
    assert parsed.kind == "merge"
    assert parsed.primary_object_id == "30"
    assert parsed.merged_object_ids == ("31", "32")
    assert parsed.new_object_id == "33"


def test_an_association_change_keeps_both_ends_and_their_types():
    item = event(
        "contact.associationChange",
        None,
        associationType="CONTACT_TO_DEAL",
        fromObjectId=101,
        toObjectId=512,
        associationRemoved=True,
        isPrimaryAssociation=False,
    )
    (parsed,), _ = parse(item)
    # Without an objectId the "from" end is the object.
    assert parsed.object_id == "101"
    assert (parsed.from_object_type, parsed.from_object_id) == ("contacts", "101")
    assert (parsed.to_object_type, parsed.to_object_id) == ("deals", "512")
    assert (parsed.association_removed, parsed.is_primary_association) == (True, False)


def test_an_association_to_an_unregistered_type_has_no_type_for_that_end():
    item = event(
        "contact.associationChange",
        101,
        associationType="CONTACT_TO_TICKET",
        fromObjectId=101,
        toObjectId=77,
    )
    (parsed,), _ = parse(item)
    assert (parsed.from_object_type, parsed.to_object_type) == ("contacts", None)


def test_an_association_event_without_object_id_takes_the_end_of_its_own_type():
    both_ways = [
        ("CONTACT_TO_COMPANY", 101, 9, "101"),
        ("COMPANY_TO_CONTACT", 9, 101, "101"),
        ("company_to_contact", 9, 101, "101"),
        ("CONTACT_TO_CONTACT", 101, 102, "101"),
    ]
    for association, from_id, to_id, object_id in both_ways:
        item = event(
            "contact.associationChange",
            None,
            associationType=association,
            fromObjectId=from_id,
            toObjectId=to_id,
        )
        (parsed,), _ = parse(item)
        assert parsed.object_id == object_id
    # Neither end is a contact: there is no contact to name.
    unknown = event(
        "contact.associationChange",
        None,
        associationType="PARENT_TO_CHILD_COMPANY",
        fromObjectId=9,
        toObjectId=10,
    )
    assert parse(unknown)[1] == [IgnoredEvent(0, "missing_object_id", unknown)]


# --- planning the reads -------------------------------------------------------------------


def plan(*items):
    events, ignored = parse(*items)
    assert ignored == []
    return plan_refetch(events)


def test_duplicates_and_many_changes_of_one_object_are_one_read_at_the_latest_time():
    work = plan(
        event(object_id=101, occurred_at=1_000, propertyName="email"),
        event(object_id=101, occurred_at=3_000, propertyName="phone"),
        event(object_id=101, occurred_at=2_000, propertyName="email"),
        event(object_id=101, occurred_at=3_000, propertyName="phone"),
        event("contact.creation", 102, occurred_at=500),
    )
    assert list(work) == [(62515, "contacts")]
    assert work[62515, "contacts"].refetch == {"101": 3_000, "102": 500}
    assert work[62515, "contacts"].deleted == {}


def test_work_is_split_by_portal_and_type():
    work = plan(
        event(object_id=1),
        event(object_id=1, portalId=99),
        event("deal.creation", 1),
    )
    assert sorted(work) == [(99, "contacts"), (62515, "contacts"), (62515, "deals")]
    assert all(w.refetch == {"1": 1_700_000_000_000} for w in work.values())


def test_deletions_mark_ids_deleted():
    work = plan(
        event("contact.deletion", 5, occurred_at=2_000),
        # A privacy deletion comes with a plain deletion, in no particular order.
        event("contact.privacyDeletion", 6, occurred_at=3_000),
        event("contact.deletion", 6, occurred_at=2_999),
    )
    assert work[62515, "contacts"].deleted == {"5": 2_000, "6": 3_000}
    assert work[62515, "contacts"].refetch == {}


def test_the_latest_event_decides_between_deleted_and_read_again():
    work = plan(
        event(object_id=7, occurred_at=1_000),
        event("contact.deletion", 7, occurred_at=2_000),
        event("contact.deletion", 8, occurred_at=2_000),
        event("contact.restore", 8, occurred_at=2_500),
        # Same millisecond: the object is gone, reading it would only find nothing.
        event("contact.deletion", 9, occurred_at=4_000),
        event(object_id=9, occurred_at=4_000),
    )
    assert work[62515, "contacts"].deleted == {"7": 2_000, "9": 4_000}
    assert work[62515, "contacts"].refetch == {"8": 2_500}


def test_a_merge_reads_the_object_and_the_surviving_record():
    work = plan(
        event(
            "contact.merge",
            40,
            occurred_at=5_000,
            primaryObjectId=41,
            mergedObjectIds=[42],
            newObjectId=43,
        )
    )
    # The merged-away 42 is neither read nor deleted: the survivor names it.
    assert work[62515, "contacts"].refetch == {"40": 5_000, "41": 5_000, "43": 5_000}
    assert work[62515, "contacts"].deleted == {}


def test_an_association_change_reads_both_registered_ends():
    work = plan(
        event(
            "deal.associationChange",
            512,
            occurred_at=6_000,
            associationType="DEAL_TO_CONTACT",
            fromObjectId=512,
            toObjectId=101,
        ),
        event(
            "contact.associationChange",
            102,
            occurred_at=6_001,
            associationType="CONTACT_TO_TICKET",
            fromObjectId=102,
            toObjectId=77,
        ),
        # Filed under the contact, though the company is the "from" end.
        event(
            "contact.associationChange",
            None,
            occurred_at=6_002,
            associationType="COMPANY_TO_CONTACT",
            fromObjectId=900,
            toObjectId=103,
        ),
    )
    assert sorted(work) == [(62515, "companies"), (62515, "contacts"), (62515, "deals")]
    assert work[62515, "deals"].refetch == {"512": 6_000}
    # Ticket 77 is no registered type: only the contact end is read.
    assert work[62515, "contacts"].refetch == {"101": 6_000, "102": 6_001, "103": 6_002}
    assert work[62515, "companies"].refetch == {"900": 6_002}


def test_nothing_to_plan_for_no_events():
    assert plan_refetch([]) == {}
