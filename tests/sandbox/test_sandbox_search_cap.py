"""The 10,000-result search window: paging up to it works, one page further is a 400."""

import pytest


@pytest.fixture
def ten_thousand_and_fifty(sandbox):
    sandbox.store.seed(
        {"contacts": [{"properties": {"firstname": f"n{i}"}} for i in range(10_050)]}
    )
    return sandbox


def test_paging_to_the_cap_then_400(http, ten_thousand_and_fifty):
    after, seen, body = None, 0, {}
    while True:
        request = {"limit": 200, "sorts": ["hs_object_id"], **({"after": after} if after else {})}
        response = http.post("/crm/v3/objects/contacts/search", json=request)
        if response.status_code != 200:
            break
        body = response.json()
        assert body["total"] == 10_050
        seen += len(body["results"])
        after = body["paging"]["next"]["after"]
    assert seen == 10_000 and after == "10000"
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_restarting_with_a_gt_filter_reaches_the_rest(http, ten_thousand_and_fifty):
    last = http.post(
        "/crm/v3/objects/contacts/search",
        json={"limit": 1, "after": "9999", "sorts": ["hs_object_id"]},
    ).json()["results"][0]["id"]
    rest = http.post(
        "/crm/v3/objects/contacts/search",
        json={
            "limit": 200,
            "sorts": ["hs_object_id"],
            "filterGroups": [
                {"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": last}]}
            ],
        },
    ).json()
    assert rest["total"] == 50 and len(rest["results"]) == 50 and "paging" not in rest
