"""Benchmark: a first import of companies, contacts under them and deals associated with both.

    python benchmarks/bench_associations.py [--companies 10000] [--contacts 50000] [--deals 20000]

Needs Odoo 18 importable and PostgreSQL (as bin/test does); makes a fresh database
``hubspot_bench``. Every contact has a primary company; every deal is associated with a
contact and with that contact's company. The sandbox runs in a subprocess with HubSpot's
Professional limits. The three pull jobs run as the scheduler runs them, companies first.
Figures are measured in the same run:

* HubSpot requests against (companies + contacts + deals) / 200 + associations / 1,000 + 20;
* Odoo-side time of the import (time spent outside HTTP) against a plain batched ORM create of
  the same partners (company partners first, then their people with ``parent_id``) and
  opportunities, per type and in all (target: within 1.5x);
* resident memory of the Odoo process after 10,000 records and at the end (target: flat).
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bin"))

from bench_client_read import TOKEN, Sandbox  # noqa: E402
from bench_sync import (  # noqa: E402
    DATABASE,
    LIMITS,
    PLAIN_CONTEXT,
    Meter,
    Stopwatch,
    fresh_database,
    odoo_side_line,
    plain_create_seconds,
)
from demo_sync import prepare_company  # noqa: E402

from hubspot_sandbox.demo_data import (  # noqa: E402
    CONTACT_PRIMARY_COMPANY,
    DEAL_PRIMARY_COMPANY,
    generate,
)

TYPES = ("companies", "contacts", "deals")
# Besides the mapped fields: what the import sets on every record it creates.
EXTRA_FIELDS = {
    "companies": ["is_company"],
    "contacts": [],
    "deals": ["type", "team_id", "probability", "active", "lost_reason_id", "company_id"],
}
DEAL_AMOUNT_FIELDS = ["hubspot_amount", "hubspot_currency_id"]


def synced_fields(env, object_type):
    """The Odoo fields the import writes for a type: its mapped ones and the fixed ones."""
    binding = env["hubspot.binding"]._hubspot_types()[object_type]
    names = {m.odoo_field for m in binding._hubspot_mappings()} | set(EXTRA_FIELDS[object_type])
    if object_type == "deals":
        names.update(DEAL_AMOUNT_FIELDS)
    return sorted(names - {"parent_id"})


def associated_portal(companies, contacts, deals, seed=11):
    """Demo data where every contact works for a company and every deal has both."""
    data = generate(contacts, deals, companies, seed=seed)
    rng = random.Random(seed)
    # Unique names and domains: each company is linked, none waits for a review.
    for index, firm in enumerate(data["companies"]):
        firm["properties"]["name"] = f"{firm['properties']['name']} {index}"
        firm["properties"]["domain"] = f"firm{index}.example.com"
    employer = {}
    for link in data["associations"]:
        if (link["from_type"], link["to_type"]) == ("contacts", "companies"):
            employer[link["from_id"]] = link["to_id"]
    for person in data["contacts"]:
        employer.setdefault(person["id"], rng.choice(data["companies"])["id"])
    links = []
    for person_id, company_id in employer.items():
        links.append(_link("contacts", person_id, "companies", company_id, CONTACT_PRIMARY_COMPANY))
    people = [p["id"] for p in data["contacts"]]
    for deal in data["deals"]:
        person_id = rng.choice(people)
        links.append(_link("deals", deal["id"], "contacts", person_id))
        links.append(
            _link("deals", deal["id"], "companies", employer[person_id], DEAL_PRIMARY_COMPANY)
        )
    data["associations"] = links
    return data


def _link(from_type, from_id, to_type, to_id, type_id=None):
    link = {"from_type": from_type, "from_id": from_id, "to_type": to_type, "to_id": to_id}
    if type_id is not None:
        link["types"] = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]
    return link


def plain_vals(records, fields):
    vals_list = []
    for vals in records.read(fields, load=None):
        vals.pop("id")
        vals_list.append(vals)
    return vals_list


def plain_partners_seconds(env, company_partners, people, category):
    """Company partners, then their people under them: as a plain import would create them."""
    firms = plain_vals(company_partners, synced_fields(env, "companies"))
    persons = plain_vals(people, synced_fields(env, "contacts") + ["parent_id"])
    env.cr.commit()
    stopwatch = Stopwatch(env.cr)
    wall, cpu = stopwatch.read()
    Partner = env["res.partner"].with_context(**PLAIN_CONTEXT)
    parents = {}
    for start in range(0, len(firms), 100):
        created = Partner.create(
            [dict(v, category_id=[(4, category.id)]) for v in firms[start : start + 100]]
        )
        parents.update(zip(company_partners[start : start + 100].ids, created.ids, strict=True))
    env.flush_all()
    for vals in persons:
        vals["parent_id"] = parents.get(vals["parent_id"], False)
        vals["category_id"] = [(4, category.id)]
    for start in range(0, len(persons), 100):
        Partner.create(persons[start : start + 100])
        env.flush_all()
    wall_end, cpu_end = stopwatch.read()
    env.cr.rollback()
    env.invalidate_all()
    return wall_end - wall, cpu_end - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--deals", type=int, default=20_000)
    args = parser.parse_args()
    conf = fresh_database()

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(conf), "-d", DATABASE, "--log-level=warn"])
    data = associated_portal(args.companies, args.contacts, args.deals)
    associations = len(data["associations"])
    with Sandbox(False, **LIMITS) as sandbox, Registry(DATABASE).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        params.set_param("hubspot_connector.job_time_budget", 24 * 3600)
        params.set_param("hubspot_connector.requests_per_10s", 190)
        company = env.company
        company.write(
            {
                "hubspot_access_token": TOKEN,
                "hubspot_api_url": sandbox.url,
                "hubspot_token_verified": True,
                "hubspot_verified_api_url": sandbox.url,
                "hubspot_sync_contacts": True,
                "hubspot_sync_companies": True,
                "hubspot_sync_deals": True,
            }
        )
        sandbox.control("seed", data)
        # A company in the portal's currency, with users for its owners: the deals' amounts
        # and salespeople import as they would at a real company, none failing.
        prepare_company(env, data)
        company._hubspot_fetch_metadata()
        # Every pipeline sells through a team here, so that every deal is in scope.
        for pipeline in env["hubspot.pipeline"].search([("team_id", "=", False)]):
            pipeline.team_id = env["crm.team"].create({"name": pipeline.name})
        env.cr.commit()
        sandbox.control("stats/reset", {})

        runner = env["hubspot.job.runner"]
        bindings = {t: env["hubspot.binding"]._hubspot_types()[t] for t in TYPES}
        seconds, requests, started = {}, {}, time.perf_counter()
        with Meter(*(type(binding) for binding in bindings.values())) as meter:
            for object_type in TYPES:
                before = (sandbox.control("stats")["total"], meter.seconds, meter.cpu)
                runner._cron_hubspot_pull(object_type)
                requests[object_type] = sandbox.control("stats")["total"] - before[0]
                seconds[object_type] = (meter.seconds - before[1], meter.cpu - before[2])
        wall = time.perf_counter() - started
        stats = sandbox.control("stats")

        Partner = env["res.partner"].with_context(active_test=False)
        company_partners = Partner.search([("hubspot_company_binding_ids", "!=", False)])
        people = Partner.search(
            [("hubspot_id", "!=", False), ("is_company", "=", False)], order="id"
        )
        Lead = env["crm.lead"].with_context(active_test=False)
        leads = Lead.search([("hubspot_id", "!=", False)])
        plain_partners = plain_partners_seconds(
            env, company_partners, people, company.hubspot_partner_category_id
        )
        plain_leads = plain_create_seconds(
            env, "crm.lead", plain_vals(leads, synced_fields(env, "deals"))
        )

        synced = len(company_partners) + len(people) + len(leads)
        read = args.companies + args.contacts + args.deals
        budget = read // 200 + associations // 1000 + 20
        under = len(people.filtered("parent_id"))
        with_both = len(leads.filtered(lambda lead: lead.partner_id.parent_id))
        print(f"\n== first import: {read} read from HubSpot, {associations} associations")
        print(
            f"synced: {len(company_partners)} companies, {len(people)} contacts "
            f"({under} under their company), {len(leads)} opportunities "
            f"({with_both} with a contact under a company)"
        )
        print(
            f"requests: {stats['total']} (budget {budget}), {stats['by_status'].get('429', 0)} x "
            f"429, {wall:.0f} s wall; per type {requests}"
        )
        print(f"  {stats['by_endpoint']}")
        partners = [c + p for c, p in zip(seconds["companies"], seconds["contacts"], strict=True)]
        deals = seconds["deals"]
        for label, odoo_side, plain in (
            ("partners", partners, plain_partners),
            ("opportunities", deals, plain_leads),
            ("all", [a + b for a, b in zip(partners, deals, strict=True)],
             [a + b for a, b in zip(plain_partners, plain_leads, strict=True)]),
        ):  # fmt: skip
            print(odoo_side_line(odoo_side, plain, 1.5, f", {label}"))
        mib = 1024 * 1024
        rss_10k, rss_end = meter.rss.get("10k", 0) / mib, meter.rss["end"] / mib
        print(
            f"resident memory after 10,000: {rss_10k:.0f} MiB, after {synced}: {rss_end:.0f} MiB "
            f"(ratio {rss_end / rss_10k if rss_10k else float('nan'):.2f}, target flat)"
        )
        print(f"sync's counts: {synced} of {read} linked; {synced == read and 'all' or 'MISSING'}")


if __name__ == "__main__":
    main()
