"""Fault injection: every kind, rules with counts, random faults, and the lost-reply case."""

import time

import pytest
import requests

CONTACTS = "/crm/v3/objects/contacts"


def rule(kind, path=CONTACTS, method="POST", count=1):
    return {"method": method, "path": path, "kind": kind, "count": count}


@pytest.mark.parametrize(
    ("kind", "status", "content_type"),
    [
        ("429", 429, "application/json;charset=utf-8"),
        ("500", 500, "application/json;charset=utf-8"),
        ("502", 502, "text/html"),
        ("503", 503, "application/json;charset=utf-8"),
    ],
)
def test_error_kinds_answer_without_applying(sandbox, http, kind, status, content_type):
    sandbox.set_faults(rules=[rule(kind)])
    response = http.post(CONTACTS, json={"properties": {"email": "f@example.com"}})
    assert response.status_code == status
    assert response.headers["Content-Type"] == content_type
    if kind == "429":
        assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert sandbox.store.count("contacts") == 0
    # the rule fired once; the retry goes through
    assert http.post(CONTACTS, json={"properties": {"email": "f@example.com"}}).status_code == 201


def test_drop_closes_the_connection_before_processing(sandbox, http):
    sandbox.set_faults(rules=[rule("drop")])
    with pytest.raises(requests.ConnectionError):
        http.post(CONTACTS, json={"properties": {"email": "d@example.com"}})
    assert sandbox.store.count("contacts") == 0


def test_drop_after_applies_the_change_but_loses_the_reply(sandbox, http):
    path = "/crm/v3/objects/contacts/batch/create"
    sandbox.set_faults(rules=[rule("drop_after", path=path)])
    body = {"inputs": [{"properties": {"email": "lost@example.com"}}]}
    with pytest.raises(requests.ConnectionError):
        http.post(path, json=body)
    assert sandbox.store.count("contacts") == 1
    retry = http.post(path, json=body)  # a naive retry meets the first attempt's result
    assert retry.status_code == 409
    assert sandbox.stats()["by_status"]["drop"] == 1


def test_slow_answers_normally_after_a_delay(sandbox, http):
    sandbox.set_faults(rules=[rule("slow", method="GET")], slow_seconds=0.3)
    started = time.monotonic()
    response = http.get(CONTACTS)
    assert response.status_code == 200 and time.monotonic() - started >= 0.3


def test_rules_match_by_prefix_method_and_count(sandbox, http):
    sandbox.set_faults(rules=[rule("500", path="/crm/v3/objects", method="GET", count=2)])
    assert http.post(CONTACTS, json={"properties": {}}).status_code == 201  # other method
    statuses = [http.get(CONTACTS).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_random_faults_follow_rate_and_kinds(sandbox, http):
    sandbox.set_faults(rate=1.0, kinds=["503"], seed=7)
    assert {http.get(CONTACTS).status_code for _ in range(5)} == {503}
    sandbox.set_faults(rate=0.5, kinds=["500", "502"], seed=1)
    statuses = [http.get(CONTACTS).status_code for _ in range(40)]
    assert {200, 500, 502} == set(statuses)
    sandbox.set_faults()
    assert {http.get(CONTACTS).status_code for _ in range(5)} == {200}


def test_faults_never_hit_control_endpoints(sandbox, http):
    sandbox.set_faults(rate=1.0, kinds=["500"])
    assert http.get("/_sandbox/stats").status_code == 200
    assert http.post("/_sandbox/faults", json={}).status_code == 200


def test_faults_configured_over_http(sandbox, http):
    config = {"rules": [rule("drop_after", path="/crm/v3/objects/deals/batch/upsert")]}
    response = http.post("/_sandbox/faults", json=config)
    assert response.status_code == 200
    assert http.get("/_sandbox/faults").json()["rules"][0]["kind"] == "drop_after"
    bad = http.post("/_sandbox/faults", json={"kinds": ["boom"], "rate": 0.5})
    assert bad.status_code == 400 and "boom" in bad.json()["message"]
