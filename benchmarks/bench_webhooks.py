"""Benchmark: webhooks into a real ``odoo server``, from a change in HubSpot to Odoo.

    python benchmarks/bench_webhooks.py [--contacts 300] [--singles 100] [--burst 1000]
                                        [--burst-seconds 10] [--workers 0] [--port 8069]
                                        [--sender sandbox|driver]

Makes a fresh database ``hooks_bench_webhooks`` and a sandbox with HubSpot's Professional
limits, runs a first full sync, sets the webhook client secret and puts the pull jobs off
for a day: only the webhooks bring changes. A real ``odoo server`` (cron threads; with
``--workers``, prefork) then takes:

* singles: ``--singles`` changes of a contact in HubSpot, one at a time, each followed by
  its signed webhook request; the time from the change to the partner changed in Odoo
  (p50, p95, max), the time of the answer, and the HubSpot requests they cost;
* a burst: ``--burst`` changes in ``--burst-seconds``, their events sent in a request per
  100 ms; the time until every change is in Odoo and the requests it cost, against
  ``burst / 100 + 10``;
* activities (with the sandbox as sender): ``--activities`` made in HubSpot (notes, tasks,
  calls, meetings, a quarter each, on synced contacts), whose generic ``object.*`` events
  bring them; then as many made in Odoo (notes, to-dos, meetings, calls done), sent by the
  queue job the change triggers: for each, the time until the other side has them all
  and the requests it cost.

With ``--sender sandbox`` (the default) the sandbox sends the webhooks as HubSpot does (its
subscriptions, batching, signature and retries): the figures run from the change in HubSpot
to the change in Odoo. With ``--sender driver`` this script signs and posts each change's
event itself, and also times Odoo's answer. The driver's own requests to the sandbox (the
changes) are not counted.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_activities import NEW_IN_HUBSPOT, new_in_hubspot, new_in_odoo  # noqa: E402
from bench_client_read import Sandbox  # noqa: E402
from bench_cron import Server, prepare  # noqa: E402
from bench_sync import LIMITS, fresh_database, update_in_hubspot  # noqa: E402

import odoo  # noqa: E402
from odoo import fields  # noqa: E402

from hubspot_connector.services.webhooks import signature_v3  # noqa: E402
from hubspot_sandbox.defaults import PORTAL_ID  # noqa: E402
from hubspot_sandbox.demo_data import generate  # noqa: E402

DATABASE = "hooks_bench_webhooks"
SECRET = "bench-client-secret"
PATH = "/hubspot/webhook"


class Driver:
    """HubSpot's side: changes in the sandbox and their signed webhook requests to Odoo."""

    def __init__(self, sandbox, server_url, sends):
        self.sandbox, self.url = sandbox, server_url + PATH
        self.sends = sends  # False: the sandbox sends the webhooks itself
        self.own_requests = 0
        self.answers = []  # seconds per webhook request
        self.event_id = 0

    def change(self, contact_ids, value):
        """Set ``jobtitle`` of contacts in HubSpot; returns the events HubSpot would send."""
        update_in_hubspot(
            self.sandbox,
            "contacts",
            [{"id": i, "properties": {"jobtitle": value}} for i in contact_ids],
        )
        self.own_requests += -(-len(contact_ids) // 100)
        if not self.sends:
            return []
        occurred = int(time.time() * 1000)
        events = []
        for contact_id in contact_ids:
            self.event_id += 1
            events.append(
                {
                    "eventId": self.event_id,
                    "subscriptionId": 1,
                    "portalId": PORTAL_ID,
                    "appId": 1,
                    "occurredAt": occurred,
                    "subscriptionType": "contact.propertyChange",
                    "attemptNumber": 0,
                    "objectId": int(contact_id),
                    "propertyName": "jobtitle",
                    "propertyValue": value,
                    "changeSource": "CRM_UI",
                }
            )
        return events

    def send(self, events):
        if not events:
            return
        body = json.dumps(events)
        timestamp = int(time.time() * 1000)
        started = time.monotonic()
        response = requests.post(
            self.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-HubSpot-Signature-v3": signature_v3(SECRET, "POST", self.url, body, timestamp),
                "X-HubSpot-Request-Timestamp": str(timestamp),
            },
            timeout=10,
        )
        self.answers.append(time.monotonic() - started)
        if response.status_code != 204:
            raise SystemExit(f"webhook answered {response.status_code}")


def job_titles(registry, contact_ids):
    """``{HubSpot id: partner job title}`` in Odoo, read straight from the database."""
    with registry.cursor() as cr:
        cr.execute(
            """SELECT b.hubspot_id, p.function FROM hubspot_contact_binding b
                 JOIN res_partner p ON p.id = b.odoo_id WHERE b.hubspot_id = ANY(%s)""",
            (list(contact_ids),),
        )
        return dict(cr.fetchall())


def wait_until(registry, expected, timeout):
    """Seconds until every partner has its expected job title; None after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        titles = job_titles(registry, expected)
        if all(titles.get(i) == value for i, value in expected.items()):
            return time.monotonic() - started
        time.sleep(0.01)
    return None


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def requests_since(sandbox, before, driver_requests):
    stats = sandbox.control("stats")
    by_endpoint = {k: v - before["by_endpoint"].get(k, 0) for k, v in stats["by_endpoint"].items()}
    by_endpoint["POST /crm/v3/objects/contacts/batch/update"] -= driver_requests
    return sum(by_endpoint.values()), {k: v for k, v in by_endpoint.items() if v}


def bench_singles(registry, sandbox, driver, contact_ids, count):
    before, own = sandbox.control("stats"), driver.own_requests
    latencies = []
    for n in range(count):
        contact_id = contact_ids[n % len(contact_ids)]
        value = f"Single {n}"
        started = time.monotonic()
        driver.send(driver.change([contact_id], value))
        waited = wait_until(registry, {contact_id: value}, timeout=120)
        if waited is None:
            raise SystemExit(f"change {n} not in Odoo after 120 s")
        latencies.append(time.monotonic() - started)
        time.sleep(0.3)  # single changes, not a stream
    total, by_endpoint = requests_since(sandbox, before, driver.own_requests - own)
    answers = driver.answers[-count:]
    sender = "HubSpot's sender (the sandbox)" if not driver.sends else "one signed request each"
    print(f"\n== {count} single changes, {sender}")
    print(
        f"change to Odoo: p50 {statistics.median(latencies):.2f} s, "
        f"p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s (target p95 2 s)"
    )
    if answers:
        print(f"webhook answer: p50 {statistics.median(answers) * 1000:.0f} ms, max "
              f"{max(answers) * 1000:.0f} ms")  # fmt: skip
    print(f"requests to HubSpot: {total} ({total / count:.1f} per change)")
    for endpoint, number in sorted(by_endpoint.items(), key=lambda item: -item[1]):
        print(f"  {number:6}  {endpoint}")


def bench_burst(registry, sandbox, driver, contact_ids, count, seconds):
    before, own = sandbox.control("stats"), driver.own_requests
    expected = {}
    rounds = max(1, int(seconds * 10))
    per_round = -(-count // rounds)
    started = time.monotonic()
    for n in range(rounds):
        chunk = [contact_ids[(n * per_round + k) % len(contact_ids)] for k in range(per_round)]
        value = f"Burst {n}"
        driver.send(driver.change(chunk, value))
        expected.update(dict.fromkeys(chunk, value))
        pause = started + (n + 1) * seconds / rounds - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    sent = time.monotonic() - started
    waited = wait_until(registry, expected, timeout=300)
    total, by_endpoint = requests_since(sandbox, before, driver.own_requests - own)
    print(f"\n== burst: {rounds * per_round} changes in {sent:.1f} s, a request per 100 ms")
    done = "never" if waited is None else f"{sent + waited:.1f} s after the first"
    print(f"every change in Odoo: {done} (target: within 30 s)")
    print(f"requests to HubSpot: {total} (target at most {count // 100 + 10})")
    for endpoint, number in sorted(by_endpoint.items(), key=lambda item: -item[1]):
        print(f"  {number:6}  {endpoint}")


def activity_bindings(registry, sent_only=False):
    """How many activities of the benchmark's types are linked (with a HubSpot id)."""
    where = " WHERE hubspot_id IS NOT NULL" if sent_only else ""
    total = 0
    with registry.cursor() as cr:
        for kind in NEW_IN_HUBSPOT:
            cr.execute(f"SELECT count(*) FROM hubspot_{kind[:-1]}_binding{where}")
            total += cr.fetchone()[0]
    return total


def wait_for_count(registry, target, timeout, sent_only=False):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if activity_bindings(registry, sent_only) >= target:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def bench_activities(registry, sandbox, contact_ids, count):
    """``count`` activities made in HubSpot, then ``count`` in Odoo: time and requests."""
    before, linked = sandbox.control("stats"), activity_bindings(registry)
    started = time.monotonic()
    new_in_hubspot(sandbox, contact_ids, count)
    made = time.monotonic() - started
    waited = wait_for_count(registry, linked + count, timeout=300)
    own = {
        f"POST /crm/v3/objects/{kind}/batch/create": -(-count // 4 // 100)
        for kind in NEW_IN_HUBSPOT
    }
    stats = sandbox.control("stats")
    by_endpoint = {
        k: v - before["by_endpoint"].get(k, 0) - own.get(k, 0)
        for k, v in stats["by_endpoint"].items()
    }
    print(f"\n== {count} activities made in HubSpot in {made:.1f} s (a quarter each: "
          f"{', '.join(NEW_IN_HUBSPOT)}), brought by their generic webhooks")  # fmt: skip
    done = "never" if waited is None else f"{made + waited:.1f} s after the first"
    print(f"every activity in Odoo: {done}")
    print(f"requests to HubSpot: {sum(v for v in by_endpoint.values() if v > 0)}")
    for endpoint, number in sorted(by_endpoint.items(), key=lambda item: -item[1]):
        if number > 0:
            print(f"  {number:6}  {endpoint}")

    before, sent = sandbox.control("stats"), activity_bindings(registry, sent_only=True)
    started = time.monotonic()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        partners = env["hubspot.contact.binding"].search([], limit=count).odoo_id
        new_in_odoo(env, partners, count)
    made = time.monotonic() - started
    waited = wait_for_count(registry, sent + count, timeout=300, sent_only=True)
    stats = sandbox.control("stats")
    by_endpoint = {k: v - before["by_endpoint"].get(k, 0) for k, v in stats["by_endpoint"].items()}
    print(f"\n== {count} activities made in Odoo in {made:.1f} s (notes, to-dos, meetings, "
          "calls done), sent by the queue job they trigger")  # fmt: skip
    done = "never" if waited is None else f"{made + waited:.1f} s after the first"
    print(f"every activity in HubSpot: {done}")
    print(f"requests to HubSpot: {sum(v for v in by_endpoint.values() if v > 0)} (the sandbox's "
          "webhooks of those creations read back included)")  # fmt: skip
    for endpoint, number in sorted(by_endpoint.items(), key=lambda item: -item[1]):
        if number > 0:
            print(f"  {number:6}  {endpoint}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=300)
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--burst-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=0, help="prefork HTTP workers; 0: threads")
    parser.add_argument("--port", type=int, default=8069, help="the odoo server's HTTP port")
    parser.add_argument("--sender", choices=("sandbox", "driver"), default="sandbox")
    parser.add_argument("--activities", type=int, default=1000, help="0: none")
    args = parser.parse_args()

    seed = generate(args.contacts, 10)
    conf = fresh_database(DATABASE)
    log = conf.parent / f"{DATABASE}.log"
    with Sandbox(False, **LIMITS) as sandbox:
        sandbox.control("seed", seed)
        registry = prepare(conf, sandbox.url, 60, database=DATABASE)
        with registry.cursor() as cr:
            cr.execute(
                "UPDATE res_company SET hubspot_webhook_secret = %s, hubspot_portal_id = %s",
                (SECRET, str(PORTAL_ID)),
            )
            if args.activities:
                cr.execute(
                    "UPDATE res_company SET "
                    + ", ".join(f"hubspot_sync_{kind} = true" for kind in NEW_IN_HUBSPOT)
                )
            # Only the webhooks bring changes: the pulls wait a day, the queue job its trigger.
            cr.execute(
                """UPDATE ir_cron SET nextcall = %s WHERE id IN (SELECT res_id FROM ir_model_data
                    WHERE module = 'hubspot_connector' AND model = 'ir.cron')""",
                (fields.Datetime.add(fields.Datetime.now(), days=1),),
            )
            # Saving the token called every job: those calls would run them at the start.
            cr.execute("DELETE FROM ir_cron_trigger")
        with registry.cursor() as cr:
            cr.execute(
                "SELECT hubspot_id FROM hubspot_contact_binding WHERE hubspot_id IS NOT NULL"
            )
            contact_ids = [row[0] for row in cr.fetchall()]
        print(f"first sync done: {len(contact_ids)} contacts linked")
        server = Server(conf, log, args.workers, database=DATABASE, port=args.port)
        try:
            server.login()
            mode = f"{args.workers} workers" if args.workers else "threads"
            print(f"odoo server ({mode}, 2 cron threads) at {server.url}, log {log}")
            driver = Driver(sandbox, server.url, sends=args.sender == "driver")
            if args.sender == "sandbox":
                sandbox.control(
                    "webhooks",
                    {"target_url": server.url + PATH, "client_secret": SECRET, "app_id": 1},
                )
            # The cron threads listen for calls once the registry is loaded: one change to
            # get there, not measured.
            driver.send(driver.change(contact_ids[-1:], "Warm-up"))
            if wait_until(registry, {contact_ids[-1]: "Warm-up"}, timeout=120) is None:
                raise SystemExit(f"the warm-up change never reached Odoo, see {log}")
            bench_singles(registry, sandbox, driver, contact_ids, args.singles)
            bench_burst(registry, sandbox, driver, contact_ids, args.burst, args.burst_seconds)
            if args.activities and args.sender == "sandbox":
                bench_activities(registry, sandbox, contact_ids, args.activities)
            if args.sender == "sandbox":
                print(f"the sandbox's deliveries: {sandbox.control('webhooks/stats')}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
