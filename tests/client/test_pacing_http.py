"""Pacing against the sandbox's real limits: a paced run meets no 429 and no more waiting
than the limit requires."""

import time

from .client_support import make_client, seed_contacts


def test_paced_client_stays_under_the_rolling_limit(start_sandbox):
    sandbox = start_sandbox(rate_limit=10, rate_interval=1.0)
    client = make_client(sandbox, requests_per_interval=10, interval_seconds=1.0)
    started = time.monotonic()
    for _ in range(40):
        client.get_pipelines()
    elapsed = time.monotonic() - started
    assert sandbox.stats()["by_status"] == {"200": 40}
    assert elapsed >= 3.0  # 10 free, then 30 more at 10 per second
    assert elapsed < 3.9  # and no window lost to a false correction from the headers
    assert client.requests_made == 40


def test_paced_searches_stay_under_the_per_second_limit(start_sandbox):
    sandbox = start_sandbox(search_rate=5)
    seed_contacts(sandbox, 12)
    client = make_client(sandbox, searches_per_second=5)
    started = time.monotonic()
    found = list(
        client.iter_modified_since(
            "contacts", None, ["email"], modified_property="lastmodifieddate", page_size=1
        )
    )
    assert len(found) == 12
    assert "429" not in sandbox.stats()["by_status"]
    assert time.monotonic() - started >= 2.0  # 12 searches at 5 per second


def test_client_slows_down_when_headers_report_less_budget(start_sandbox):
    """Another process used 8 of the 10 requests: the headers tell, no 429 follows."""
    sandbox = start_sandbox(rate_limit=10, rate_interval=1.0)
    other = make_client(sandbox)
    for _ in range(8):
        other.get_pipelines()
    client = make_client(sandbox, requests_per_interval=10, interval_seconds=1.0)
    for _ in range(10):
        client.get_pipelines()
    assert sandbox.stats()["by_status"] == {"200": 18}


def test_client_adopts_a_lower_limit_reported_by_headers(start_sandbox):
    sandbox = start_sandbox(rate_limit=5, rate_interval=1.0)
    client = make_client(sandbox, requests_per_interval=100, interval_seconds=1.0)
    for _ in range(12):
        client.get_pipelines()
    assert sandbox.stats()["by_status"] == {"200": 12}
