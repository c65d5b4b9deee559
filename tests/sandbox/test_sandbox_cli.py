"""``python -m hubspot_sandbox`` starts a server, prints its URL and honours its options."""

import json

import requests


def test_cli_serves_with_token_and_seed(run_cli, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"contacts": [{"properties": {"email": "cli@example.com"}}]}))
    _, url = run_cli("--token", "pat-na1-cli", "--seed", str(seed), "--rate-limit", "3")
    wrong = requests.get(f"{url}/crm/v3/objects/contacts", headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    right = requests.get(
        f"{url}/crm/v3/objects/contacts?properties=email",
        headers={"Authorization": "Bearer pat-na1-cli"},
        timeout=10,
    )
    assert right.status_code == 200
    assert right.headers["X-HubSpot-RateLimit-Max"] == "3"
    assert right.json()["results"][0]["properties"]["email"] == "cli@example.com"


def test_cli_generates_demo_data(run_cli):
    _, url = run_cli(
        *("--generate-contacts", "40", "--generate-deals", "8", "--generate-companies", "3"),
        *("--generate-activities", "100"),
    )
    for kind, total in (("deals", 8), ("companies", 3), ("notes", 29), ("meetings", 14)):
        stats = requests.post(
            f"{url}/crm/v3/objects/{kind}/search",
            json={"limit": 1},
            headers={"Authorization": "Bearer any"},
            timeout=10,
        ).json()
        assert stats["total"] == total
