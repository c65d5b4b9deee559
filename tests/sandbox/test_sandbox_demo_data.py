"""The demo data generator: counts, realism and the traps a sync must handle."""

import json
import re
import subprocess
import sys
import time
from collections import Counter

import pytest

from hubspot_sandbox.demo_data import generate
from hubspot_sandbox.store import Store


@pytest.fixture(scope="module")
def data():
    return generate(contacts=2000, deals=400, seed=42)


def test_counts_owners_and_pipelines(data):
    assert len(data["contacts"]) == 2000 and len(data["deals"]) == 400
    assert len(data["owners"]) == 5
    assert [p["label"] for p in data["pipelines"]] == ["Partner pipeline"]
    assert all(s["id"].isdigit() for s in data["pipelines"][0]["stages"])


def test_same_seed_same_data_other_seed_other_data(data):
    now = 1_750_000_000_000
    assert generate(50, 10, seed=1, now=now) == generate(50, 10, seed=1, now=now)
    assert generate(50, 10, seed=1, now=now) != generate(50, 10, seed=2, now=now)


def test_emails_unique_some_missing_some_shared_in_other_case_or_spacing(data):
    emails = [c["properties"].get("email") for c in data["contacts"]]
    present = [e for e in emails if e]
    assert len({e.lower() for e in present}) == len(present)
    assert 0 < emails.count(None) < 200
    primary = {e.lower(): c["id"] for c, e in zip(data["contacts"], emails, strict=True) if e}
    shared = []
    for contact in data["contacts"]:
        for extra in contact["properties"].get("hs_additional_emails", "").split(";"):
            owner = primary.get(extra.strip().lower())
            if extra and owner and owner != contact["id"]:
                shared.append(extra)
    assert len(shared) >= 20
    assert any(e != e.strip() for e in shared) and any(
        e.strip() != e.strip().lower() for e in shared
    )


def test_phone_formats_are_varied(data):
    phones = [c["properties"]["phone"] for c in data["contacts"] if "phone" in c["properties"]]
    kinds = {
        "e164": r"^\+\d{8,15}$",
        "national with spaces": r"^0\d+ \d+ \d+$",
        "with (0)": r"^\+\d+ \(0\)",
        "extension": r"( ext\. \d+| x\d+|-\d{2,3})$",
        "us national": r"^\(\d{3}\) \d{3}-\d{4}",
    }
    for kind, pattern in kinds.items():
        assert any(re.search(pattern, p) for p in phones), kind


def test_countries_statuses_stages_and_names(data):
    contacts = [c["properties"] for c in data["contacts"]]
    countries = Counter(c["country"] for c in contacts)
    assert {"DE", "AT", "CH", "FR", "GB", "US"} <= set(countries)
    assert len(Counter(c.get("hs_lead_status") for c in contacts)) >= 8
    assert len(Counter(c.get("lifecyclestage") for c in contacts)) == 8
    names = {c["lastname"] for c in contacts}
    assert {"Müller", "Smith", "Dubois"} & names and any("é" in c["firstname"] for c in contacts)


def test_create_dates_spread_over_three_years(data):
    years = {c["createdAt"][:4] for c in data["contacts"]}
    assert len(years) >= 3
    assert all(c["createdAt"] <= c["updatedAt"] for c in data["contacts"])


def links_from(data, from_type, to_type):
    """``{from id: [to id]}`` of the seed's associations of one direction."""
    found = {}
    for link in data["associations"]:
        if (link["from_type"], link["to_type"]) == (from_type, to_type):
            found.setdefault(link["from_id"], []).append(link["to_id"])
    return found


def test_deals_span_both_pipelines_with_owner_amount_and_a_contact_or_company(data):
    deals = [d["properties"] for d in data["deals"]]
    assert {d["pipeline"] for d in deals} == {"default", data["pipelines"][0]["id"]}
    assert all(float(d["amount"]) > 0 and d["hubspot_owner_id"] and d["closedate"] for d in deals)
    contacts, companies = (
        links_from(data, "deals", "contacts"),
        links_from(data, "deals", "companies"),
    )
    assert set(contacts) | set(companies) == {d["id"] for d in data["deals"]}
    both = set(contacts) & set(companies)
    assert both and set(contacts) - both and set(companies) - both
    assert all(len(ids) == 1 for ids in (*contacts.values(), *companies.values()))


def test_companies_share_or_lack_domains_and_employ_most_contacts(data):
    assert len(data["companies"]) == 200  # one per ten contacts
    domains = Counter(c["properties"].get("domain") for c in data["companies"])
    assert domains[None] > 5 and any(n > 1 for d, n in domains.items() if d)
    employers = links_from(data, "contacts", "companies")
    assert 0.75 < len(employers) / len(data["contacts"]) < 0.95
    assert all(len(ids) == 1 for ids in employers.values())
    by_id = {c["id"]: c["properties"] for c in data["companies"]}
    for contact in data["contacts"]:
        firm = by_id.get((employers.get(contact["id"]) or [None])[0])
        email = contact["properties"].get("email", "")
        if firm and firm.get("domain") and email:
            assert email.endswith("@" + firm["domain"]) and contact["properties"]["company"]
    assert len(generate(30, 5, companies=7, seed=1)["companies"]) == 7


def test_generated_data_loads_into_a_portal(data):
    store = Store()
    counts = store.seed(data)
    assert counts["contacts"] == 2000 and store.count("deals") == 400
    assert store.count("companies") == 200
    link = next(a for a in data["associations"] if a.get("types") and a["from_type"] == "contacts")
    contact = store.get_object("contacts", link["from_id"])
    assert contact["properties"]["associatedcompanyid"] == link["to_id"]
    assert contact["updatedAt"] == next(
        c["updatedAt"] for c in data["contacts"] if c["id"] == link["from_id"]
    )  # seeding keeps the dates
    partner = data["pipelines"][0]["id"]
    closed = [d for d in data["deals"] if d["properties"]["dealstage"] == "closedwon"]
    assert store.get_object("deals", closed[0]["id"])["properties"]["hs_is_closed_won"] == "true"
    assert partner in store.pipelines


def test_hundred_thousand_contacts_in_a_few_seconds():
    started = time.perf_counter()
    data = generate(contacts=100_000, deals=0, seed=5)
    assert len(data["contacts"]) == 100_000
    assert time.perf_counter() - started < 10


def test_command_line_writes_a_seed_file(tmp_path):
    out = tmp_path / "demo.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "hubspot_sandbox.demo_data",
            "--contacts",
            "30",
            "--deals",
            "5",
            "--companies",
            "4",
            "--out",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    written = json.loads(out.read_text(encoding="utf-8"))
    assert len(written["contacts"]) == 30 and len(written["deals"]) == 5
    assert len(written["companies"]) == 4
