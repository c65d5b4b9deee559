"""Benchmark: the contact and deal sync jobs in a real Odoo against the sandbox.

    python benchmarks/bench_sync.py [--contacts 50000] [--deals 20000] [--deal-contacts 5000]

Needs Odoo 18 importable and PostgreSQL (it uses bin/odoo-env.sh, as bin/test does); makes a
fresh database ``hubspot_bench``. The sandbox runs in a subprocess with HubSpot's Professional
limits (190 requests per 10 s, 5 searches per second). Figures are ratios measured in the same
run, because these machines are noisy:

* requests for the first import, against the target N/100 + 10;
* Odoo-side time of the import (time spent outside HTTP) against a plain batched ORM create of
  the same values in the same database (target: within 2x);
* requests and time of a later run after 100 changes in HubSpot (target: under 10 requests);
* requests to push 1,000 records changed in Odoo (target: at most 12);
* resident memory of the Odoo process after 10,000 records and at the end (target: flat).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_client_read import TOKEN, Sandbox  # noqa: E402

DATABASE = "hubspot_bench"
LIMITS = {"rate_limit": 190, "rate_interval": 10.0, "search_rate": 5}


def fresh_database(name=DATABASE):
    """PostgreSQL up, a configuration, a new database with the addon (as bin/test does)."""
    script = "source bin/odoo-env.sh && ensure_postgres && write_odoo_conf && fresh_database "
    subprocess.run(["bash", "-c", script + name], cwd=ROOT, check=True)
    return ROOT / ".run" / "odoo.conf"


class Stopwatch:
    """Wall time, and the CPU time of the Odoo side: this process and its PostgreSQL
    backend. Shared machines are noisy; CPU time does not count the waits for a core."""

    def __init__(self, cr):
        self.backend = psutil.Process(cr._cnx.get_backend_pid())

    def read(self):
        backend = self.backend.cpu_times()
        return time.perf_counter(), time.process_time() + backend.user + backend.system


class Meter:
    """Times the Odoo side of a run and samples memory as records go through."""

    def __init__(self, *model_classes):
        self.model_classes = model_classes
        self.seconds = 0.0
        self.cpu = 0.0
        self.records = 0
        self.rss = {}

    def __enter__(self):
        for model_class in self.model_classes:
            model_class._import_page = self._timed(model_class._import_page)
        return self

    def _timed(self, original):
        meter = self

        def timed(records, payloads, company):
            stopwatch = Stopwatch(records.env.cr)
            wall, cpu = stopwatch.read()
            try:
                return original(records, payloads, company)
            finally:
                wall_end, cpu_end = stopwatch.read()
                meter.seconds += wall_end - wall
                meter.cpu += cpu_end - cpu
                meter.records += len(payloads)
                if meter.records >= 10_000 and "10k" not in meter.rss:
                    meter.rss["10k"] = psutil.Process().memory_info().rss

        return timed

    def __exit__(self, *exc_info):
        for model_class in self.model_classes:
            del model_class._import_page
        self.rss["end"] = psutil.Process().memory_info().rss


# A plain create costs what Odoo alone costs: the connector's own hooks are off.
PLAIN_CONTEXT = {"tracking_disable": True, "hubspot_import": True}


def plain_create_seconds(env, model, vals_list, batch=100):
    """A plain batched ORM create of the same values, rolled back afterwards: its
    ``(wall seconds, CPU seconds)``."""
    env.cr.commit()
    stopwatch = Stopwatch(env.cr)
    wall, cpu = stopwatch.read()
    for start in range(0, len(vals_list), batch):
        env[model].with_context(**PLAIN_CONTEXT).create(vals_list[start : start + batch])
        env.flush_all()
    wall_end, cpu_end = stopwatch.read()
    env.cr.rollback()
    env.invalidate_all()
    return wall_end - wall, cpu_end - cpu


def odoo_side_line(odoo, plain, target, label=""):
    """The Odoo side against the plain create, both ``(wall seconds, CPU seconds)``."""
    return (
        f"Odoo side{label}: {odoo[0]:.1f} s vs plain batched create {plain[0]:.1f} s: "
        f"ratio {odoo[0] / plain[0]:.2f}; CPU {odoo[1]:.1f} s vs {plain[1]:.1f} s: "
        f"ratio {odoo[1] / plain[1]:.2f} (target <= {target})"
    )


def run(label, sandbox, job):
    sandbox.control("stats/reset", {})
    started = time.perf_counter()
    job()
    seconds = time.perf_counter() - started
    stats = sandbox.control("stats")
    return {
        "label": label,
        "requests": stats["total"],
        "429": stats["by_status"].get("429", 0),
        "seconds": seconds,
        "by_endpoint": stats["by_endpoint"],
    }


def push_job(env, object_type):
    """The queue job's work for one object type (it runs them all, one after the other)."""
    company = env.company
    state = env["hubspot.job.state"]._get(company, object_type, "push")
    binding = env["hubspot.binding"]._hubspot_types()[object_type].with_company(company)
    runner = env["hubspot.job.runner"]
    return lambda: runner._hubspot_run_state(state, binding, company._hubspot_deadline(), {})


def report(title, count, read, first, meter, plain, later, push):
    mib = 1024 * 1024
    print(f"\n== {title}: {read} read from HubSpot, {count} synced")
    print(
        f"first import: {first['requests']} requests (target <= {read // 100 + 10}), "
        f"{first['429']} x 429, {first['seconds']:.0f} s wall"
    )
    print(f"  {first['by_endpoint']}")
    print("  " + odoo_side_line((meter.seconds, meter.cpu), plain, 2))
    print(
        f"later run, 100 changed in HubSpot: {later['requests']} requests (target < 10), "
        f"{later['seconds']:.1f} s"
    )
    # Each batch of 100 is read from HubSpot before it is sent (pull before push).
    print(
        f"push of 1,000 changed in Odoo: {push['requests']} requests (target <= 22), "
        f"{push['seconds']:.1f} s"
    )
    print(f"  {push['by_endpoint']}")
    rss_10k, rss_end = meter.rss.get("10k", 0) / mib, meter.rss["end"] / mib
    print(
        f"resident memory after 10,000: {rss_10k:.0f} MiB, after {count}: {rss_end:.0f} MiB "
        f"(ratio {rss_end / rss_10k if rss_10k else float('nan'):.2f}, target flat)"
    )


def change_in_hubspot(sandbox, object_type, ids, properties):
    """What a HubSpot user does: edit records (through the API, not counted)."""
    update_in_hubspot(sandbox, object_type, [{"id": i, "properties": properties} for i in ids])


def update_in_hubspot(sandbox, object_type, inputs, batch=100):
    """Batch updates through the API; a 429 (the jobs share the portal's limit) waits."""
    for start in range(0, len(inputs), batch):
        for _try in range(30):
            response = requests.post(
                f"{sandbox.url}/crm/v3/objects/{object_type}/batch/update",
                json={"inputs": inputs[start : start + batch]},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=60,
            )
            if response.status_code != 429:
                break
            time.sleep(1)
        response.raise_for_status()


def bench_contacts(env, sandbox, count):
    Partner = env["res.partner"]
    runner = env["hubspot.job.runner"]
    company = env.company
    company.hubspot_sync_deals = False
    sandbox.control("seed", {"generate": {"contacts": count, "deals": 0, "seed": 42}})
    env.cr.commit()

    def pull_contacts():
        runner._cron_hubspot_pull("contacts")

    with Meter(type(env["hubspot.contact.binding"])) as meter:
        first = run("first", sandbox, pull_contacts)
    partners = Partner.search([("hubspot_id", "!=", False)])
    fields = [
        "name",
        "email",
        "phone",
        "mobile",
        "street",
        "city",
        "zip",
        "country_id",
        "function",
        "company_name",
        "hubspot_lead_status",
        "hubspot_lifecycle_stage",
    ]
    vals_list = [
        dict(vals, category_id=[(4, company.hubspot_partner_category_id.id)])
        for vals in partners.read(fields, load=None)
    ]
    for vals in vals_list:
        vals.pop("id")
    plain = plain_create_seconds(env, "res.partner", vals_list)

    change_in_hubspot(sandbox, "contacts", partners[:100].mapped("hubspot_id"), {"jobtitle": "CTO"})
    later = run("later", sandbox, pull_contacts)
    partners[100:1100].write({"city": "Bench City"})
    env.cr.commit()
    push = run("push", sandbox, push_job(env, "contacts"))
    report("contacts", len(partners), count, first, meter, plain, later, push)

    # The archived scan's cost, paid once per cadence (daily by default), not per run.
    archived = partners[1100:1600].mapped("hubspot_id")
    for start in range(0, len(archived), 100):
        requests.post(
            f"{sandbox.url}/crm/v3/objects/contacts/batch/archive",
            json={"inputs": [{"id": i} for i in archived[start : start + 100]]},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        ).raise_for_status()
    env["hubspot.job.state"]._get(company, "contacts", "pull").archived_scan_at = False
    env.cr.commit()
    scan = run("archived scan", sandbox, pull_contacts)
    print(
        f"run with the archived scan ({len(archived)} archived in HubSpot): "
        f"{scan['requests']} requests, {scan['seconds']:.1f} s; without it: 1 search"
    )
    print(f"  {scan['by_endpoint']}")


def bench_deals(env, sandbox, count, contacts):
    Lead = env["crm.lead"].with_context(active_test=False)
    runner = env["hubspot.job.runner"]
    company = env.company
    company.write({"hubspot_sync_deals": True, "hubspot_sync_contacts": True})
    sandbox.control("reset", {})
    sandbox.control("seed", {"generate": {"contacts": contacts, "deals": count, "seed": 7}})
    company._hubspot_fetch_metadata()
    for owner in requests.get(
        f"{sandbox.url}/crm/v3/owners", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ).json()["results"]:
        if not env["res.users"].search_count([("login", "=", owner["email"])]):
            env["res.users"].create(
                {"name": owner["email"], "login": owner["email"], "email": owner["email"]}
            )
    env["hubspot.job.state"].search([("company_id", "=", company.id)]).unlink()
    env.cr.commit()
    runner._cron_hubspot_pull("contacts")  # deals link to contacts

    def pull_deals():
        runner._cron_hubspot_pull("deals")

    with Meter(type(env["hubspot.deal.binding"])) as meter:
        first = run("first", sandbox, pull_deals)
    leads = Lead.search([("hubspot_id", "!=", False)])
    fields = [
        "name",
        "type",
        "expected_revenue",
        "date_deadline",
        "stage_id",
        "user_id",
        "partner_id",
        "team_id",
        "probability",
        "active",
        "company_id",
    ]
    vals_list = []
    for vals in leads.read(fields, load=None):
        vals.pop("id")
        vals_list.append(vals)
    plain = plain_create_seconds(env, "crm.lead", vals_list)

    change_in_hubspot(sandbox, "deals", leads[:100].mapped("hubspot_id"), {"description": "x"})
    later = run("later", sandbox, pull_deals)
    Lead.search([("hubspot_id", "!=", False), ("active", "=", True)])[100:1100].write(
        {"expected_revenue": 4242}
    )
    env.cr.commit()
    push = run("push", sandbox, push_job(env, "deals"))
    report("deals", len(leads), count, first, meter, plain, later, push)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--deal-contacts", type=int, default=5_000)
    args = parser.parse_args()
    conf = fresh_database()

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(conf), "-d", DATABASE, "--log-level=warn"])
    with Sandbox(False, **LIMITS) as sandbox, Registry(DATABASE).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("hubspot_connector.job_time_budget", 24 * 3600)
        env["ir.config_parameter"].set_param("hubspot_connector.requests_per_10s", 190)
        env.company.write(
            {
                "hubspot_access_token": TOKEN,
                "hubspot_api_url": sandbox.url,
                "hubspot_token_verified": True,
                "hubspot_verified_api_url": sandbox.url,
            }
        )
        env.cr.commit()
        if args.contacts:
            bench_contacts(env, sandbox, args.contacts)
        if args.deals:
            bench_deals(env, sandbox, args.deals, args.deal_contacts)


if __name__ == "__main__":
    main()
