"""Rate limits: rolling window with headers, the search limit without headers, the daily limit."""

import time

SEARCH = "/crm/v3/objects/contacts/search"


def test_headers_count_down_then_429_ten_secondly(start_sandbox, http_for):
    server = start_sandbox(rate_limit=5, rate_interval=10.0, daily_limit=1000)
    http = http_for(server)
    remaining = []
    for _ in range(5):
        response = http.get("/crm/v3/objects/contacts")
        assert response.status_code == 200
        assert response.headers["X-HubSpot-RateLimit-Max"] == "5"
        assert response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert response.headers["X-HubSpot-RateLimit-Daily"] == "1000"
        remaining.append(int(response.headers["X-HubSpot-RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    refused = http.get("/crm/v3/objects/contacts")
    assert refused.status_code == 429
    body = refused.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert refused.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "995"


def test_window_rolls_and_tokens_are_separate(start_sandbox, http_for):
    server = start_sandbox(rate_limit=2, rate_interval=0.3)
    first, second = http_for(server, "token-a"), http_for(server, "token-b")
    assert [first.get("/crm/v3/owners").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/crm/v3/owners").status_code == 200
    time.sleep(0.35)
    assert first.get("/crm/v3/owners").status_code == 200


def test_search_is_limited_per_second_without_rate_headers(start_sandbox, http_for):
    server = start_sandbox(rate_limit=100, search_rate=5)
    http = http_for(server)
    statuses = [http.post(SEARCH, json={}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = http.post(SEARCH, json={})
    assert refused.json()["message"] == "You have reached your secondly limit."
    assert not any(h.lower().startswith("x-hubspot-ratelimit") for h in refused.headers)
    assert http.get("/crm/v3/owners").status_code == 200  # other endpoints unaffected
    time.sleep(1.05)
    assert http.post(SEARCH, json={}).status_code == 200


def test_daily_limit(start_sandbox, http_for):
    server = start_sandbox(rate_limit=100, daily_limit=3)
    http = http_for(server)
    statuses = [http.get("/crm/v3/owners").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    body = http.get("/crm/v3/owners").json()
    assert body["policyName"] == "DAILY"
    assert body["message"] == "You have reached your daily limit."


def test_zero_means_unlimited_and_no_window_headers(start_sandbox, http_for):
    server = start_sandbox(rate_limit=0, daily_limit=0)
    http = http_for(server)
    responses = [http.get("/crm/v3/owners") for _ in range(30)]
    assert all(r.status_code == 200 for r in responses)
    assert "X-HubSpot-RateLimit-Max" not in responses[-1].headers


def test_control_endpoints_are_not_rate_limited(start_sandbox, http_for):
    server = start_sandbox(rate_limit=1)
    http = http_for(server)
    http.get("/crm/v3/owners")
    assert http.get("/crm/v3/owners").status_code == 429
    assert all(http.get("/_sandbox/stats").status_code == 200 for _ in range(5))
