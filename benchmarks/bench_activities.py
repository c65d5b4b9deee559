"""Benchmark: the first import of a sales team's timeline, then 1,000 new notes on each side.

    python benchmarks/bench_activities.py [--contacts 50000] [--activities 500000]
                                          [--database hubspot_bench]

Needs Odoo 18 importable and PostgreSQL (as bin/test does); makes a fresh database. The
sandbox runs in a subprocess with HubSpot's Professional limits and holds the demo portal:
a deal per five contacts, a company per ten, and the activities split as a sales team logs
them (notes, tasks, calls, meetings, e-mails). Companies, contacts and deals are imported
first; then each activity type's pull job runs as the scheduler runs it. Figures:

* HubSpot requests of the activities' first import, against
  activities / 200 + associations / 1,000 + 20;
* Odoo-side time of that import (time spent outside HTTP) against a plain batched ORM
  create of the same messages, activities and events in the same database;
* resident memory after 10,000 activities and at the end (target: flat);
* 1,000 activities made in HubSpot (notes, tasks, calls, meetings), then 1,000 made in
  Odoo (notes, to-dos, meetings, calls done): requests and seconds until both sides agree.
"""

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_associations import plain_vals  # noqa: E402
from bench_client_read import TOKEN, Sandbox  # noqa: E402
from bench_sync import (  # noqa: E402
    DATABASE,
    LIMITS,
    PLAIN_CONTEXT,
    Meter,
    fresh_database,
    odoo_side_line,
    plain_create_seconds,
)

from hubspot_sandbox.demo_activities import MIX  # noqa: E402
from hubspot_sandbox.demo_data import generate  # noqa: E402

RECORD_TYPES = ("companies", "contacts", "deals")
ACTIVITY_TYPES = ("notes", "tasks", "calls", "meetings", "emails")
# What a plain import of each Odoo model would write.
PLAIN_FIELDS = {
    "mail.message": [
        "model",
        "res_id",
        "body",
        "date",
        "author_id",
        "message_type",
        "subtype_id",
        "mail_activity_type_id",
        "subject",
        "email_from",
    ],
    "mail.activity": [
        "res_model_id",
        "res_id",
        "summary",
        "note",
        "date_deadline",
        "activity_type_id",
        "user_id",
        "active",
    ],
    "calendar.event": [
        "name",
        "start",
        "stop",
        "location",
        "description",
        "user_id",
        "res_model_id",
        "res_id",
        "opportunity_id",
        "partner_ids",
    ],
}


def connect(env, sandbox):
    params = env["ir.config_parameter"]
    params.set_param("hubspot_connector.job_time_budget", 24 * 3600)
    params.set_param("hubspot_connector.requests_per_10s", 190)
    env.company.write(
        {
            "hubspot_access_token": TOKEN,
            "hubspot_api_url": sandbox.url,
            "hubspot_token_verified": True,
            "hubspot_verified_api_url": sandbox.url,
            **{f"hubspot_sync_{kind}": True for kind in RECORD_TYPES + ACTIVITY_TYPES},
        }
    )


def plain_seconds(env, bindings):
    """A plain batched create of what the activity bindings made, per Odoo model:
    ``(wall seconds, CPU seconds)``."""
    by_model = {}
    for binding in bindings:
        records = binding.search([]).odoo_id.with_context(active_test=False)
        by_model.setdefault(records._name, records.browse())
        by_model[records._name] |= records
    wall = cpu = 0.0
    context = dict(PLAIN_CONTEXT, no_mail_to_attendees=True, dont_notify=True)
    for model, records in by_model.items():
        vals_list = plain_vals(records, PLAIN_FIELDS[model])
        for vals in vals_list:
            if "partner_ids" in vals:
                vals["partner_ids"] = [(6, 0, vals["partner_ids"])]
        model_wall, model_cpu = plain_create_seconds(env(context=context), model, vals_list)
        wall, cpu = wall + model_wall, cpu + model_cpu
    return wall, cpu


# What a salesperson makes, a quarter each: properties and association type to a contact.
NEW_IN_HUBSPOT = {
    "notes": ({"hs_note_body": "<p>Bench note {n}</p>"}, 202),
    "tasks": ({"hs_task_subject": "Bench task {n}", "hs_task_status": "NOT_STARTED"}, 204),
    "calls": (
        {
            "hs_call_title": "Bench call {n}",
            "hs_call_status": "COMPLETED",
            "hs_call_duration": "60000",
        },
        194,
    ),
    "meetings": (
        {
            "hs_meeting_title": "Bench meeting {n}",
            "hs_meeting_start_time": "{now}",
            "hs_meeting_end_time": "{now}",
        },
        200,
    ),
}


def new_in_hubspot(sandbox, contact_ids, count):
    """``count`` activities made through HubSpot's batch API, a quarter of each type, each
    on a synced contact."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    headers = {"Authorization": f"Bearer {TOKEN}"}
    per_type = count // len(NEW_IN_HUBSPOT)
    for kind, (template, type_id) in NEW_IN_HUBSPOT.items():
        for start in range(0, per_type, 100):
            inputs = [
                {
                    "properties": dict(
                        {k: v.format(n=n, now=now) for k, v in template.items()}, hs_timestamp=now
                    ),
                    "associations": [
                        {
                            "to": {"id": contact_ids[n % len(contact_ids)]},
                            "types": [
                                {
                                    "associationCategory": "HUBSPOT_DEFINED",
                                    "associationTypeId": type_id,
                                }
                            ],
                        }
                    ],
                }
                for n in range(start, min(start + 100, per_type))
            ]
            requests.post(
                f"{sandbox.url}/crm/v3/objects/{kind}/batch/create",
                json={"inputs": inputs},
                headers=headers,
                timeout=60,
            ).raise_for_status()


def new_in_odoo(env, partners, count):
    """``count`` activities on ``partners`` (in turn), a quarter of each: an internal note,
    a To-Do, a meeting, and a call activity marked done (a logged call)."""
    now = datetime.now().replace(microsecond=0)
    model_id = env["ir.model"]._get_id("res.partner")
    on = [partners[n % len(partners)] for n in range(count)]
    quarter = count // 4
    for partner in on[:quarter]:
        partner.message_post(
            body="Bench note from Odoo", subtype_xmlid="mail.mt_note", message_type="comment"
        )
    for partner in on[quarter : 2 * quarter]:
        partner.activity_schedule("mail.mail_activity_data_todo", summary="Bench to-do")
    env["calendar.event"].with_context(no_mail_to_attendees=True).create(
        [
            {
                "name": "Bench meeting",
                "start": now + timedelta(days=1),
                "stop": now + timedelta(days=1, hours=1),
                "res_model_id": model_id,
                "res_id": partner.id,
                "partner_ids": [(6, 0, partner.ids)],
            }
            for partner in on[2 * quarter : 3 * quarter]
        ]
    )
    for partner in on[3 * quarter :]:
        partner.activity_schedule(
            "mail.mail_activity_data_call", summary="Bench call"
        ).action_feedback(feedback="Reached")
    env.cr.commit()


def until_agreed(runner, kinds, sandbox, done):
    """Run the jobs until ``done()``: requests and seconds."""
    sandbox.control("stats/reset", {})
    started = time.perf_counter()
    for _attempt in range(5):
        for kind in kinds:
            if kind == "queue":
                runner._cron_hubspot_push()
            else:
                runner._cron_hubspot_pull(kind)
        if done():
            break
    return sandbox.control("stats")["total"], time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--activities", type=int, default=500_000)
    parser.add_argument("--database", default=DATABASE)
    args = parser.parse_args()
    conf = fresh_database(args.database)

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(conf), "-d", args.database, "--log-level=warn"])
    data = generate(args.contacts, args.contacts // 5, seed=7, activities=args.activities)
    kinds = {kind: len(data[kind]) for kind in MIX}
    activity_links = sum(1 for link in data["associations"] if link["from_type"] in MIX)
    with Sandbox(False, **LIMITS) as sandbox, Registry(args.database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        connect(env, sandbox)
        sandbox.control("seed", data)
        for owner in data["owners"]:
            env["res.users"].create(
                {"name": owner["email"], "login": owner["email"], "email": owner["email"]}
            )
        env.company._hubspot_fetch_metadata()
        for pipeline in env["hubspot.pipeline"].search([("team_id", "=", False)]):
            pipeline.team_id = env["crm.team"].create({"name": pipeline.name})
        env.cr.commit()
        runner = env["hubspot.job.runner"]
        started = time.perf_counter()
        for object_type in RECORD_TYPES:
            runner._cron_hubspot_pull(object_type)
        records_wall = time.perf_counter() - started
        sandbox.control("stats/reset", {})

        types = env["hubspot.binding"]._hubspot_types()
        bindings = [types[kind] for kind in ACTIVITY_TYPES]
        rss_before = psutil.Process().memory_info().rss
        requests_by_type, started = {}, time.perf_counter()
        with Meter(*(type(binding) for binding in bindings)) as meter:
            for kind in ACTIVITY_TYPES:
                before = sandbox.control("stats")["total"]
                runner._cron_hubspot_pull(kind)
                requests_by_type[kind] = sandbox.control("stats")["total"] - before
        wall = time.perf_counter() - started
        stats = sandbox.control("stats")
        synced = sum(binding.search_count([]) for binding in bindings)
        plain = plain_seconds(env, bindings)

        total = sum(kinds.values())
        budget = total // 200 + activity_links // 1000 + 20
        print(f"\n== records: {args.contacts} contacts imported first in {records_wall:.0f} s")
        print(f"== activities: {kinds}, {activity_links} associations; {synced} synced")
        print(
            f"requests: {stats['total']} (budget {budget}), "
            f"{stats['by_status'].get('429', 0)} x 429, {wall:.0f} s wall; per type "
            f"{requests_by_type}"
        )
        print(f"  {stats['by_endpoint']}")
        print(odoo_side_line((meter.seconds, meter.cpu), plain, 2))
        mib = 1024 * 1024
        rss_10k, rss_end = meter.rss.get("10k", 0) / mib, meter.rss["end"] / mib
        print(
            f"resident memory before the activities: {rss_before / mib:.0f} MiB, after 10,000: "
            f"{rss_10k:.0f} MiB, at the end: {rss_end:.0f} MiB"
        )

        kinds = list(NEW_IN_HUBSPOT)
        bindings_of = {kind: types[kind] for kind in kinds}
        counts = {kind: bindings_of[kind].search_count([]) for kind in kinds}
        contact_ids = env["hubspot.contact.binding"].search([], limit=1000).mapped("hubspot_id")
        new_in_hubspot(sandbox, contact_ids, 1000)
        spent, seconds = until_agreed(
            runner,
            kinds,
            sandbox,
            lambda: sum(bindings_of[k].search_count([]) - counts[k] for k in kinds) >= 1000,
        )
        arrived = sum(bindings_of[k].search_count([]) - counts[k] for k in kinds)
        print(
            f"1,000 activities made in HubSpot (250 each: {', '.join(kinds)}): {arrived} in Odoo "
            f"after {spent} requests and {seconds:.1f} s"
        )

        # A binding with a HubSpot id: HubSpot accepted the object.
        def sent(kind):
            return bindings_of[kind].search_count([("hubspot_id", "!=", False)])

        before = {kind: sent(kind) for kind in kinds}
        partners = env["hubspot.contact.binding"].search([], limit=1000).odoo_id
        new_in_odoo(env, partners, 1000)
        spent, seconds = until_agreed(
            runner,
            ["queue"],
            sandbox,
            lambda: sum(sent(k) - before[k] for k in kinds) >= 1000,
        )
        print(
            f"1,000 activities made in Odoo (250 each: note, to-do, meeting, call done): "
            f"{sum(sent(k) - before[k] for k in kinds)} in HubSpot after {spent} requests "
            f"and {seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
