"""Soak: nothing lost or duplicated under injected faults and a kill -9 of the queue job.

    python benchmarks/bench_faults.py [--contacts 1000] [--deals 200] [--new-partners 50]
                                      [--new-deals 25] [--edited 0.1] [--waves 4] [--rounds 3]
                                      [--fault-rate 0.1] [--timeout 2] [--page-size 5]
                                      [--kill-after 3] [--max-minutes 30] [--database hs_faults]
    python benchmarks/bench_faults.py --contacts 3000 --deals 600 --new-partners 100 \
                                      --new-deals 50   # the full soak

Makes a fresh database ``hs_faults`` (or ``--database``; left for inspection) and a sandbox
in a subprocess with HubSpot's Professional limits, seeded with generated companies, contacts
(some without e-mail, most under a company) and deals associated to them, and runs a first
sync without faults. Then, in each of ``--waves`` waves:

* Odoo gets new tagged company partners, new tagged partners (half without e-mail, a third
  under a new company) and opportunities (customers new and linked); HubSpot edits a
  property of ``--edited`` of the contacts and deals, Odoo another field of others and of
  some of the same ones; every intended value is recorded;
* with ``--fault-rate`` of the requests failing (429, 5xx, connections dropped before and
  after the work, replies slower than the client's timeout), the queue job runs in a process
  of its own and is killed with SIGKILL once it has sent ``--kill-after`` batch writes (twice
  as many in the second wave, and so on); users edit the wave's new records meanwhile;
* ``--rounds`` rounds of the three jobs run, faults still on.

Last, without faults and with the back-off of failed tries skipped, rounds run until the
queue is empty.

It prints the requests and faults, then checks (exit status 1 when one fails): every linked
record agrees on both sides (e-mail, job title, city; deal name, close date), no duplicate in
HubSpot (by e-mail, by the Odoo-id properties) or in Odoo (one record per HubSpot id, every
HubSpot record linked, every tagged partner and opportunity in scope linked), every intended
edit on both sides, every linked contact's primary company its partner's parent, and every
deal associated with its opportunity's customer. Records left
failing or for review are listed with their reason. Everything talks to 127.0.0.1 only.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_client_read import FAULT_KINDS, TOKEN, Sandbox  # noqa: E402
from bench_sync import LIMITS, ROOT, fresh_database, update_in_hubspot  # noqa: E402

sys.path.insert(0, str(ROOT / "bin"))

from demo_sync import prepare_company  # noqa: E402

import odoo  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

from hubspot_connector.services import HubspotClient  # noqa: E402
from hubspot_sandbox.demo_data import CONTACT_PRIMARY_COMPANY as PRIMARY_COMPANY  # noqa: E402
from hubspot_sandbox.demo_data import generate  # noqa: E402
from hubspot_sandbox.faults import FaultInjector  # noqa: E402

DATABASE = "hs_faults"
JOBS = (
    lambda runner: runner._cron_hubspot_pull("companies"),
    lambda runner: runner._cron_hubspot_pull("contacts"),
    lambda runner: runner._cron_hubspot_pull("deals"),
    lambda runner: runner._cron_hubspot_push(),
)
#: The queue job alone, in a process of its own that the soak kills.
RUN_QUEUE = """
import sys
import odoo
from odoo.modules.registry import Registry
odoo.tools.config.parse_config(["-c", sys.argv[1], "-d", sys.argv[2], "--logfile", sys.argv[3]])
with Registry(sys.argv[2]).cursor() as cr:
    odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["hubspot.job.runner"]._cron_hubspot_push()
"""
#: Batch writes: once the sandbox has seen some, the killed job is in the middle of its work.
WRITES = tuple(
    f"POST /crm/v3/objects/{object_type}/batch/{action}"
    for object_type in ("companies", "contacts", "deals")
    for action in ("upsert", "update")
)


def hubspot_date(value):
    """The UTC date of a HubSpot date or datetime property, as Odoo imports it."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date() if value else None


def environment(cr):
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def run_jobs(registry, jobs=JOBS):
    """One round of the jobs, each in a cursor of its own, as the scheduler runs them."""
    for job in jobs:
        with registry.cursor() as cr:
            job(environment(cr)["hubspot.job.runner"])


def queue_left(registry):
    with registry.cursor() as cr:
        cr.execute("SELECT state, COUNT(*) FROM hubspot_sync_queue GROUP BY state")
        return dict(cr.fetchall())


def make_due(registry):
    """The back-off of failed tries is minutes to hours: let that time pass, and press Retry
    on entries that gave up. Returns how many entries were backing off and had given up."""
    now = odoo.fields.Datetime.now()
    with registry.cursor() as cr:
        cr.execute(
            "UPDATE hubspot_sync_queue SET next_attempt = %s "
            "WHERE state = 'pending' AND next_attempt > %s",
            (now, now),
        )
        backing_off = cr.rowcount
        cr.execute(
            "UPDATE hubspot_sync_queue SET state = 'pending', next_attempt = %s "
            "WHERE state = 'failed'",
            (now,),
        )
        return Counter(backing_off=backing_off, gave_up=cr.rowcount)


def set_params(registry, **params):
    with registry.cursor() as cr:
        for name, value in params.items():
            environment(cr)["ir.config_parameter"].set_param(f"hubspot_connector.{name}", value)


def setup(registry, sandbox, seed, timeout):
    set_params(registry, requests_per_10s=190, request_timeout=timeout)
    with registry.cursor() as cr:
        env = environment(cr)
        env.company.write(
            {
                "hubspot_access_token": TOKEN,
                "hubspot_api_url": sandbox.url,
                "hubspot_token_verified": True,
                "hubspot_verified_api_url": sandbox.url,
            }
        )
        prepare_company(env, seed)
        env.company._hubspot_fetch_metadata()


def add_odoo_records(registry, partners, deals, wave, rng):
    """New tagged partners (half without e-mail) and opportunities, for HubSpot to get."""
    with registry.cursor() as cr:
        env = environment(cr)
        tag = env.ref("hubspot_connector.partner_category_hubspot")
        firms = env["res.partner"].create(
            [
                {
                    "name": f"Soak Company {wave}-{n}",
                    "is_company": True,
                    "website": f"https://www.soak{wave}-{n}.example/",
                    "category_id": [(4, tag.id)],
                }
                for n in range(max(1, partners // 5))
            ]
        )
        new = env["res.partner"].create(
            [
                {
                    "name": f"Soak Partner {wave}-{n}",
                    "email": f"soak.partner{wave}-{n}@example.org" if n % 2 else False,
                    "city": "Soakville",
                    "parent_id": firms[n % len(firms)].id if n % 3 == 0 else False,
                    "category_id": [(4, tag.id)],
                }
                for n in range(partners)
            ]
        )
        linked = env["res.partner"].search(
            [("hubspot_id", "!=", False), ("is_company", "=", False)], limit=deals
        )
        team = env["hubspot.pipeline"].search([("hubspot_id", "=", "default")]).team_id
        env["crm.lead"].create(
            [
                {
                    "name": f"Soak opportunity {wave}-{n}",
                    "type": "opportunity",
                    "team_id": team.id,
                    # Customers: new partners (not in HubSpot yet) and linked ones.
                    "partner_id": (new[n % len(new)] if n % 2 and new else rng.choice(linked)).id,
                    "expected_revenue": 100 * (n + 1),
                    "date_deadline": date(2030, 1, 1) + timedelta(days=n),
                    "user_id": False,
                }
                for n in range(deals)
            ]
        )


def edit_both_sides(registry, sandbox, share, wave, rng):
    """Edit HubSpot (job title, deal name) and Odoo (city, close date) records.

    A third of each side's edits hit records the other side edits too (another field), so
    both edits of one record must survive. Each wave edits other records, or the same
    again with new values. Returns the intended values:
    ``{(model, record id): {Odoo field: value}}``.
    """
    with registry.cursor() as cr:
        env = environment(cr)
        partners = env["res.partner"].search(
            [("hubspot_id", "!=", False), ("is_company", "=", False)]
        )
        team = env["hubspot.pipeline"].search([("hubspot_id", "=", "default")]).team_id
        leads = (
            env["crm.lead"]
            .with_context(active_test=False)
            .search([("hubspot_id", "!=", False), ("team_id", "=", team.id)])
        )
        expected = {}
        for records, hs_field, odoo_field in (
            (partners, "jobtitle", "function"),
            (leads, "dealname", "name"),
        ):
            count = max(3, int(len(records) * share))
            picked = rng.sample(list(records), min(len(records), count + count // 2))
            in_hubspot, in_odoo = picked[:count], picked[count - count // 3 :]
            values = {r.hubspot_id: f"Soak {hs_field} {r.hubspot_id} {wave}" for r in in_hubspot}
            ids = {r.hubspot_id: r.id for r in in_hubspot}
            for hubspot_id, value in values.items():
                expected.setdefault((records._name, ids[hubspot_id]), {})[odoo_field] = value
            object_type = records[0]._hubspot_binding()._hubspot_object_type
            update_in_hubspot(
                sandbox,
                object_type,
                [{"id": hid, "properties": {hs_field: value}} for hid, value in values.items()],
            )
            for n, record in enumerate(in_odoo):
                if records._name == "res.partner":
                    vals = {"city": f"Odoo city {record.hubspot_id} {wave}"}
                else:
                    vals = {"date_deadline": date(2031 + wave, 1, 1) + timedelta(days=n)}
                record.write(vals)
                expected.setdefault((records._name, record.id), {}).update(vals)
        return expected


def edit_after_kill(registry, wave):
    """Users go on editing while the job lies dead: the new records of this wave, some of
    them made in HubSpot by the killed job and not linked yet."""
    expected = {}
    with registry.cursor() as cr:
        env = environment(cr)
        partners = env["res.partner"].search([("name", "=like", f"Soak Partner {wave}-%")])
        leads = env["crm.lead"].search([("name", "=like", f"Soak opportunity {wave}-%")])
        for n, record in enumerate(list(partners) + list(leads)):
            if record._name == "res.partner":
                vals = {"city": f"After the kill {wave}-{n}"}
            else:
                vals = {"date_deadline": date(2040 + wave, 1, 1) + timedelta(days=n)}
            record.write(vals)
            expected[(record._name, record.id)] = vals
    return expected


def kill_queue_job_midway(conf, log, database, sandbox, writes, limit=300):
    """Run the queue job in its own process; SIGKILL it once it sent ``writes`` batch writes.

    The sandbox counts a request before it answers: the last write is applied in HubSpot
    and its answer is not in Odoo yet, the crash a retry must not turn into a duplicate.
    """
    before = sandbox.control("stats")["by_endpoint"]
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_QUEUE, str(conf), database, str(log)],
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline and process.poll() is None:
            seen = sandbox.control("stats")["by_endpoint"]
            if sum(seen.get(w, 0) - before.get(w, 0) for w in WRITES) >= writes:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.05)
        return False
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_backend_gone(registry, timeout=30):
    """The killed job's PostgreSQL session holds its job lock until the server notices."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with registry.cursor() as cr:
            cr.execute(
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND d.datname = %s",
                (registry.db_name,),
            )
            if not cr.fetchone()[0]:
                return True
        time.sleep(0.5)
    return False


def hubspot_records(sandbox):
    """Every company, contact and deal in the sandbox, through the connector's own client;
    the contacts with their primary company."""
    client = HubspotClient(TOKEN, sandbox.url, requests_per_interval=190, timeout=30)
    companies = list(client.iter_objects("companies", ["name", "domain", "odoo_company_id"]))
    contacts = list(
        client.iter_objects("contacts", ["email", "jobtitle", "city", "odoo_partner_id"])
    )
    primary = {
        contact_id: next((t for t, types in targets.items() if PRIMARY_COMPANY in types), None)
        for contact_id, targets in client.batch_read_association_types(
            "contacts", "companies", [c["id"] for c in contacts]
        ).items()
    }
    for contact in contacts:
        contact["properties"]["primary_company"] = primary.get(contact["id"])
    deals = list(
        client.iter_objects(
            "deals",
            ["dealname", "closedate", "pipeline", "odoo_opportunity_id"],
            associations=["contacts", "companies"],
        )
    )
    return companies, contacts, deals


def injected(config, requests):
    """The faults a seeded injector picked for ``requests`` requests, by kind.

    Each request draws the same numbers whatever its path, so replaying the seed counts
    the slow replies too, which the sandbox's statistics cannot tell from others.
    """
    injector = FaultInjector()
    injector.configure(**config)
    return Counter(injector.pick("GET", "/") for _ in range(requests))


def duplicates(values):
    counts = Counter(v for v in values if v)
    return {value: n for value, n in counts.items() if n > 1}


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, label, ok, detail=""):
        self.failures += not ok
        print(f"  [{'ok' if ok else 'FAIL'}] {label}{': ' + detail if detail else ''}")

    def examples(self, label, items):
        items = list(items)
        self.check(label, not items, f"{len(items)}, e.g. {items[:5]}" if items else "")


def check_count(checks, plural, found, seed_count, new_count):
    print(f"\n== {plural}: {found} in HubSpot")
    checks.check(
        f"HubSpot {plural} = seeded + new in Odoo",
        found == seed_count + new_count,
        f"{found} vs {seed_count} + {new_count}",
    )


def check_companies(checks, env, companies, seed_count, new_count):
    Partner = env["res.partner"].with_context(active_test=False)
    by_id = {c["id"]: c["properties"] for c in companies}
    check_count(checks, "companies", len(companies), seed_count, new_count)
    checks.examples(
        "duplicates in HubSpot by odoo_company_id",
        duplicates(p.get("odoo_company_id") for p in by_id.values()).items(),
    )
    bindings = env["hubspot.company.binding"].search([("hubspot_id", "!=", False)])
    checks.examples(
        "company partners sharing one HubSpot id",
        duplicates(bindings.mapped("hubspot_id")).items(),
    )
    # A company waiting for a person's decision (a domain several share) is no loss.
    review = set(
        env["hubspot.sync.issue"]
        .search([("object_type", "=", "companies"), ("state", "=", "open")])
        .mapped("hubspot_id")
    )
    linked = set(bindings.mapped("hubspot_id"))
    checks.examples(
        "HubSpot companies without a partner (none for review)",
        sorted(set(by_id) - linked - review),
    )
    checks.examples("company partners linked to no HubSpot company", sorted(linked - set(by_id)))
    tag = env.ref("hubspot_connector.partner_category_hubspot")
    tagged = Partner.search(
        [("category_id", "in", tag.ids), ("is_company", "=", True), ("hubspot_id", "=", False)]
    )
    checks.examples("tagged company partners not in HubSpot", tagged.mapped("display_name"))


def check_parents(checks, env, contacts):
    """A linked contact's primary company is its partner's parent, when that is linked."""
    companies = {
        b.odoo_id.id: b.hubspot_id
        for b in env["hubspot.company.binding"].search([("hubspot_id", "!=", False)])
    }
    contact_bindings = env["hubspot.contact.binding"].search([("hubspot_id", "!=", False)])
    wrong = []
    for binding in contact_bindings.filtered(lambda b: b.hubspot_id in contacts):
        primary = contacts[binding.hubspot_id].get("primary_company")
        parent = binding.odoo_id.parent_id
        if parent and parent.id in companies or primary and primary in companies.values():
            if companies.get(parent.id) != primary:
                wrong.append((binding.hubspot_id, companies.get(parent.id), primary))
    checks.examples("contacts whose HubSpot primary company is not their parent", wrong)


def shows_company_address(partner):
    """A person showing its company's city, as Odoo copies a company's address."""
    parent = partner.parent_id
    return bool(parent) and parent.city and partner.city == parent.city


def check_contacts(checks, env, contacts, seed_count, new_count):
    Partner = env["res.partner"].with_context(active_test=False)
    tag = env.ref("hubspot_connector.partner_category_hubspot")
    by_id = {c["id"]: c["properties"] for c in contacts}
    check_count(checks, "contacts", len(contacts), seed_count, new_count)
    checks.examples(
        "duplicates in HubSpot by e-mail",
        duplicates((p.get("email") or "").lower() for p in by_id.values()).items(),
    )
    checks.examples(
        "duplicates in HubSpot by odoo_partner_id",
        duplicates(p.get("odoo_partner_id") for p in by_id.values()).items(),
    )
    partners = Partner.search([("hubspot_id", "!=", False), ("is_company", "=", False)])
    checks.examples(
        "Odoo partners sharing one HubSpot id",
        duplicates(partners.mapped("hubspot_id")).items(),
    )
    linked = set(partners.mapped("hubspot_id"))
    checks.examples("HubSpot contacts without a partner", sorted(set(by_id) - linked))
    checks.examples("partners linked to no HubSpot contact", sorted(linked - set(by_id)))
    tagged = Partner.search(
        [("category_id", "in", tag.ids), ("is_company", "=", False), ("hubspot_id", "=", False)]
    )
    checks.examples("tagged partners not in HubSpot", tagged.mapped("display_name"))
    checks.examples(
        "Odoo partners sharing one e-mail",
        duplicates(
            (p.email or "").lower()
            for p in Partner.search([("category_id", "in", tag.ids), ("is_company", "=", False)])
        ).items(),
    )
    disagree = []
    for partner in partners.filtered(lambda p: p.hubspot_id in by_id):
        hs = by_id[partner.hubspot_id]
        for field, prop in (("email", "email"), ("function", "jobtitle"), ("city", "city")):
            if field == "city" and shows_company_address(partner):
                continue  # HubSpot keeps the contact's own; Odoo shows the company's
            odoo_value = (partner[field] or "").strip()
            hs_value = (hs.get(prop) or "").strip()
            if field == "email":
                odoo_value, hs_value = odoo_value.lower(), hs_value.lower()
            if odoo_value != hs_value:
                disagree.append((partner.hubspot_id, field, odoo_value, hs_value))
    checks.examples("partners differing from HubSpot (e-mail, job title, city)", disagree)
    return by_id


def check_deals(checks, env, deals, seed_deals, new_count):
    Lead = env["crm.lead"].with_context(active_test=False)
    team = env["hubspot.pipeline"].search([("hubspot_id", "=", "default")]).team_id
    synced = [d for d in seed_deals if d["properties"]["pipeline"] == "default"]
    by_id = {d["id"]: d for d in deals}
    print(f"\n== deals: {len(deals)} in HubSpot ({len(synced)} seeded in the synced pipeline)")
    checks.check(
        "HubSpot deals = seeded + new in Odoo",
        len(deals) == len(seed_deals) + new_count,
        f"{len(deals)} vs {len(seed_deals)} + {new_count}",
    )
    checks.examples(
        "duplicates in HubSpot by odoo_opportunity_id",
        duplicates(d["properties"].get("odoo_opportunity_id") for d in deals).items(),
    )
    leads = Lead.search([("hubspot_id", "!=", False)])
    checks.examples(
        "opportunities sharing one HubSpot id", duplicates(leads.mapped("hubspot_id")).items()
    )
    in_scope = {d["id"] for d in deals if d["properties"].get("pipeline") == "default"}
    linked = set(leads.mapped("hubspot_id"))
    checks.examples("synced pipeline's deals without an opportunity", sorted(in_scope - linked))
    checks.examples("opportunities linked to no HubSpot deal", sorted(linked - set(by_id)))
    unlinked = Lead.search(
        [("team_id", "=", team.id), ("type", "=", "opportunity"), ("hubspot_id", "=", False)]
    )
    checks.examples("opportunities of the synced team not in HubSpot", unlinked.mapped("name"))
    disagree, unassociated = [], []
    for lead in leads.filtered(lambda r: r.hubspot_id in by_id):
        deal = by_id[lead.hubspot_id]
        props = deal["properties"]
        pairs = (
            ("name", lead.name or "", (props.get("dealname") or "").strip()),
            ("date_deadline", lead.date_deadline, hubspot_date(props.get("closedate"))),
        )
        disagree += [(lead.hubspot_id, f, o, h) for f, o, h in pairs if (o or None) != (h or None)]
        # The customer is the deal's contact, or its company when the customer is one.
        kind = "companies" if lead.partner_id.is_company else "contacts"
        associated = [
            a["id"] for a in (deal.get("associations") or {}).get(kind, {}).get("results", [])
        ]
        customer = lead.partner_id.hubspot_id
        if customer and customer not in associated or not customer and associated:
            unassociated.append((lead.hubspot_id, customer, associated))
    checks.examples("opportunities differing from HubSpot (name, close date)", disagree)
    checks.examples("deals not associated with their opportunity's customer", unassociated)


def check_edits(checks, env, expected, contacts, deals):
    """Every intended edit, field by field, on both sides."""
    hubspot = {"res.partner": contacts, "crm.lead": {d["id"]: d["properties"] for d in deals}}
    properties = {"function": "jobtitle", "city": "city", "name": "dealname"}
    lost = []
    for (model, record_id), values in expected.items():
        record = env[model].browse(record_id)
        remote = hubspot[model].get(record.hubspot_id, {})
        for field, value in values.items():
            if field == "date_deadline":
                hs_value = hubspot_date(remote.get("closedate"))
            else:
                hs_value = remote.get(properties[field])
            if record[field] != value or hs_value != value:
                lost.append((record.hubspot_id, field, value, record[field], hs_value))
    print(f"\n== edits: {sum(len(v) for v in expected.values())} on {len(expected)} records")
    checks.examples("edits lost (intended, Odoo, HubSpot)", lost)


def report_problems(env):
    print("\n== records failing or for review, and why")
    for model in ("res.partner", "crm.lead"):
        records = (
            env[model]
            .with_context(active_test=False)
            .search([("hubspot_sync_state", "in", ("failing", "review", "pending"))])
        )
        for (state, kind), count in Counter(
            (r.hubspot_sync_state, r.hubspot_error_kind) for r in records
        ).items():
            example = records.filtered(
                lambda r, s=state, k=kind: r.hubspot_sync_state == s and r.hubspot_error_kind == k
            )[:1]
            print(f"  {model} {state} {kind or ''}: {count}, e.g. {example.hubspot_last_error}")
    issues = env["hubspot.sync.issue"].search([("state", "=", "open")])
    for (object_type, kind), count in Counter(
        (i.object_type, i.error_kind) for i in issues
    ).items():
        print(f"  open issue {object_type} {kind}: {count}")
    if not issues:
        print("  no open issue")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--new-partners", type=int, default=50, help="per wave")
    parser.add_argument("--new-deals", type=int, default=25, help="per wave")
    parser.add_argument("--edited", type=float, default=0.1, help="share edited on each side")
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--timeout", type=int, default=2, help="the client's request timeout")
    parser.add_argument(
        "--page-size", type=int, default=5, help="records per commit once faults are on"
    )
    parser.add_argument(
        "--kill-after", type=int, default=3, help="batch writes before the kill, times the wave"
    )
    parser.add_argument("--waves", type=int, default=4, help="edits, kill, rounds with faults")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the jobs per wave")
    parser.add_argument("--max-minutes", type=float, default=30)
    parser.add_argument("--database", default=DATABASE, help=f"a name starting with {DATABASE}")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    rng = random.Random(7)

    seed = generate(args.contacts, args.deals)
    if not args.database.startswith(DATABASE):
        parser.error(f"the database name must start with {DATABASE}")
    conf = fresh_database(args.database)
    log = conf.parent / f"{args.database}.log"
    odoo.tools.config.parse_config(["-c", str(conf), "-d", args.database, "--logfile", str(log)])
    registry = Registry(args.database)
    with Sandbox(False, **LIMITS) as sandbox:
        sandbox.control("seed", seed)
        setup(registry, sandbox, seed, args.timeout)
        run_jobs(registry)
        run_jobs(registry)
        first = sandbox.control("stats")
        print(
            f"first sync of {args.contacts} contacts ("
            f"{sum(1 for c in seed['contacts'] if 'email' not in c['properties'])} without "
            f"e-mail) and {args.deals} deals, no faults: {first['total']} requests"
        )
        # Small pages: more requests for the faults to hit, more commits for the kill to fall
        # between.
        set_params(registry, page_size=args.page_size)
        faults = {
            "rate": args.fault_rate,
            "kinds": FAULT_KINDS,
            "slow_seconds": args.timeout + 1,
            "seed": 42,
        }
        expected, kinds, by_endpoint = {}, Counter(), Counter()
        requests_made = kills = rounds = 0
        for wave in range(args.waves):
            # The users' edits are made without faults: they are not what is tested.
            add_odoo_records(registry, args.new_partners, args.new_deals, wave, rng)
            for key, values in edit_both_sides(registry, sandbox, args.edited, wave, rng).items():
                expected.setdefault(key, {}).update(values)
            sandbox.control("stats/reset", {})
            sandbox.control("faults", faults)
            # Later in each wave: among creates (upserts) first, then among updates.
            writes = args.kill_after * (wave + 1)
            killed = kill_queue_job_midway(conf, log, args.database, sandbox, writes)
            kills += killed
            released = wait_for_backend_gone(registry)
            for key, values in edit_after_kill(registry, wave).items():
                expected.setdefault(key, {}).update(values)
            at_kill = sandbox.control("stats")
            print(
                f"wave {wave + 1}: queue job in its own process "
                f"{'killed (SIGKILL)' if killed else 'NOT killed'} after "
                f"{sum(at_kill['by_endpoint'].get(w, 0) for w in WRITES)} batch write(s) and "
                f"{at_kill['total']} requests; its job lock "
                f"{'released' if released else 'still held'}"
            )
            for _ in range(args.rounds):
                run_jobs(registry)
                rounds += 1
            faulty = sandbox.control("stats")
            sandbox.control("faults", {"rate": 0.0})
            kinds += injected(faults, faulty["total"])
            by_endpoint.update(faulty["by_endpoint"])
            requests_made += faulty["total"]
        sandbox.control("stats/reset", {})
        due = make_due(registry)
        quiet_rounds = 0
        while time.monotonic() - started < args.max_minutes * 60:
            run_jobs(registry)
            rounds += 1
            if not queue_left(registry):
                quiet_rounds += 1
                if quiet_rounds == 2:
                    break
            else:
                quiet_rounds = 0
                due.update(make_due(registry))
        print(
            f"{rounds} rounds of the four jobs ({args.rounds} per wave with faults); queue "
            f"entries made due at once: {due['backing_off']} backing off, {due['gave_up']} "
            f"given up (Retry); queue left: {queue_left(registry)}"
        )
        print(
            f"requests with faults on: {requests_made}; injected {kinds.total() - kinds[None]}: "
            + ", ".join(f"{kind} {kinds[kind]}" for kind in FAULT_KINDS)
        )
        print(f"  {dict(by_endpoint.most_common())}")
        print(f"rounds without faults at the end: {sandbox.control('stats')['total']} requests")

        companies, contacts, deals = hubspot_records(sandbox)
    checks = Checks()
    checks.check("queue job killed in the middle of each wave", kills == args.waves)
    with registry.cursor() as cr:
        env = environment(cr)
        new_partners, new_deals = args.new_partners * args.waves, args.new_deals * args.waves
        new_companies = max(1, args.new_partners // 5) * args.waves
        check_companies(checks, env, companies, len(seed["companies"]), new_companies)
        by_id = check_contacts(checks, env, contacts, args.contacts, new_partners)
        check_parents(checks, env, by_id)
        check_deals(checks, env, deals, seed["deals"], new_deals)
        check_edits(checks, env, expected, by_id, deals)
        report_problems(env)
    with open(log, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    print(
        f"\nOdoo log {log}: {text.count(' ERROR ')} ERROR, "
        f"{text.count('Traceback (most recent call last)')} Traceback"
    )
    minutes = (time.monotonic() - started) / 60
    print(f"{checks.failures} check(s) failed, {minutes:.1f} min")
    sys.exit(1 if checks.failures else 0)


if __name__ == "__main__":
    main()
