"""Benchmark: the HubSpot jobs under a real ``odoo server``, run by its cron threads.

    python benchmarks/bench_cron.py [--contacts 600] [--deals 100] [--interval 1] [--minutes 3]
                                    [--edits-per-minute 6] [--workers 0]

Makes a fresh database ``hs_bench_cron`` (left for inspection; the next run replaces it) and a
sandbox with HubSpot's Professional limits, saves the token and API URL in the settings as an
administrator does, runs the jobs once by hand (the first full sync), then makes every HubSpot
job due and sets it to run each ``--interval`` minutes. A real ``odoo server`` with 2 cron
threads (or ``--workers`` prefork workers and 2 cron workers) then runs for two phases of
``--minutes`` each:

* idle: nothing changes on either side;
* busy: ``--edits-per-minute`` times a minute a contact and a deal change in HubSpot (through
  its API; these requests are taken out of the figures) and a partner and an opportunity
  change in Odoo (through XML-RPC to the server). Each Odoo edit may also trigger the job that
  sends Odoo changes, so that job may run once more per edit than its interval asks.

Per phase it prints the requests to the sandbox (total, per hour, by endpoint, 429s), the runs
of each job (one ``ir_cron_progress`` row per call) against the runs its interval asks for,
and the ERROR lines and tracebacks in the server's log. Odoo's other scheduled actions are
switched off: several call Odoo's IAP services, and everything must stay on 127.0.0.1.
"""

import argparse
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_client_read import TOKEN, Sandbox  # noqa: E402
from bench_sync import LIMITS, ROOT, change_in_hubspot, fresh_database  # noqa: E402

import odoo  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

from hubspot_sandbox.demo_data import generate  # noqa: E402

DATABASE = "hs_bench_cron"
LOGIN = PASSWORD = "admin"  # a database made without demo data
#: The first sync, as bin/demo_sync.py runs it: pulls, then the queue, twice (the second
#: round sends what the first one queued).
FIRST_SYNC = (
    "ir_cron_hubspot_sync_companies",
    "ir_cron_hubspot_sync_contacts",
    "ir_cron_hubspot_sync_deals",
    "ir_cron_hubspot_process_queue",
) * 2
PROCESSED = re.compile(r"Job '.*' \(\d+\) processed \d+ records, \d+ records remaining")
COMPLETED = re.compile(r"Job '.*' \(\d+\) completed")
RECORD = r"^\S+ \S+ \d+ [A-Z]+ "  # the start of a log record: date, time, pid, level
ERROR = re.compile(RECORD.replace("[A-Z]+", "(?:ERROR|CRITICAL)"), re.MULTILINE)
CHAINED = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
#: A traceback that a warning or an error record logged, not one a process printed.
LOGGED_TRACEBACK = re.compile(
    RECORD.replace("[A-Z]+", "(?:WARNING|ERROR|CRITICAL)")
    + r".*\n(?:(?!Traceback|"
    + RECORD[1:]
    + r").*\n)*Traceback",
    re.MULTILINE,
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def odoo_command():
    """``odoo-bin`` of a source tree, else the ``odoo`` script pip installs.

    Not ``python -m odoo``: prefork starts its long-polling process by running ``sys.argv[0]``
    again, which fails for ``odoo/__main__.py``.
    """
    source = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
    if source.is_file():
        return [sys.executable, str(source)]
    script = shutil.which("odoo")
    if not script:
        raise SystemExit("neither odoo-bin nor an odoo script found")
    return [script]


def prepare(conf, sandbox_url, interval, database=DATABASE):
    """Settings saved, a first full sync, the HubSpot jobs due; returns the Odoo registry."""
    odoo.tools.config.parse_config(["-c", str(conf), "-d", database, "--log-level=warn"])
    registry = Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["res.config.settings"].create(
            {"hubspot_access_token": TOKEN, "hubspot_api_url": sandbox_url}
        ).execute()
        if not env.company.hubspot_token_verified:
            raise SystemExit("saving the settings did not verify the token")
        jobs = env["ir.cron"].browse(
            env["ir.model.data"]
            .search([("module", "=", "hubspot_connector"), ("model", "=", "ir.cron")])
            .mapped("res_id")
        )
        (env["ir.cron"].with_context(active_test=False).search([]) - jobs).active = False
        cr.commit()
        for xmlid in FIRST_SYNC:
            env.ref(f"hubspot_connector.{xmlid}").method_direct_trigger()
            cr.commit()
        jobs.write(
            {
                "active": True,
                "interval_number": interval,
                "interval_type": "minutes",
                "nextcall": odoo.fields.Datetime.now(),
            }
        )
    return registry


class Server:
    """``odoo server`` in its own process group, so that all its workers stop with it."""

    def __init__(self, conf, log, workers, database=DATABASE, port=None):
        self.url = f"http://127.0.0.1:{port or free_port()}"
        self.database = database
        command = [
            *odoo_command(),
            "server",
            "-c",
            str(conf),
            "-d",
            database,
            f"--db-filter=^{database}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.url.rsplit(':', 1)[1]}",
            f"--gevent-port={free_port()}",  # prefork's long-polling process, not 8072
            f"--workers={workers}",
            "--max-cron-threads=2",
            "--log-level=info",
        ]
        self.log = log
        with open(log, "w") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def login(self, timeout=180):
        """Wait until the server answers with the database loaded; returns the admin's uid."""
        common = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"odoo server stopped, see {self.log}")
            try:
                uid = common.authenticate(self.database, LOGIN, PASSWORD, {})
            except (OSError, xmlrpc.client.Error):
                uid = None
            if uid:
                return uid
            time.sleep(1)
        raise SystemExit(f"odoo server not ready after {timeout} s, see {self.log}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Phase:
    """What happened between ``start()`` and ``stop()``: sandbox stats, cron calls, the log."""

    def __init__(self, name, registry, sandbox, log):
        self.name, self.registry, self.sandbox, self.log = name, registry, sandbox, log
        self.driver = Counter()  # the driver's own requests to the sandbox, by endpoint

    def _sql(self, query, params=()):
        with self.registry.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def start(self):
        self.sandbox.control("stats/reset", {})
        self.first_progress = self._sql("SELECT COALESCE(MAX(id), 0) FROM ir_cron_progress")[0][0]
        self.log_offset = os.path.getsize(self.log)
        self.started = time.monotonic()

    def wake_crons(self, timeout=90):
        """Notify the cron threads until one job has started.

        They poll once a minute unless notified (on the ``postgres`` database, as Odoo does),
        and listen only once the registry is loaded, after the server has begun to answer.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with odoo.sql_db.db_connect("postgres").cursor() as cr:
                cr.execute("SELECT pg_notify('cron_trigger', %s)", (DATABASE,))
            if self._sql(
                "SELECT COUNT(*) FROM ir_cron_progress WHERE id > %s", (self.first_progress,)
            )[0][0]:
                return
            time.sleep(1)
        raise SystemExit(f"no job started within {timeout} s, see {self.log}")

    def stop(self):
        self.seconds = time.monotonic() - self.started
        self.stats = self.sandbox.control("stats")
        for endpoint, count in self.driver.items():
            self.stats["by_endpoint"][endpoint] -= count
            self.stats["by_status"]["200"] -= count
            self.stats["total"] -= count
        self.calls = {
            name: (calls, done, unfinished)
            for name, calls, done, unfinished in self._sql(
                """SELECT c.cron_name, COUNT(p.id), COALESCE(SUM(p.done), 0),
                          COUNT(p.id) FILTER (WHERE p.remaining > 0)
                     FROM ir_cron c
                     JOIN ir_model_data d
                       ON d.model = 'ir.cron' AND d.res_id = c.id
                      AND d.module = 'hubspot_connector'
                LEFT JOIN ir_cron_progress p ON p.cron_id = c.id AND p.id > %s
                 GROUP BY c.cron_name ORDER BY c.cron_name""",
                (self.first_progress,),
            )
        }
        with open(self.log, encoding="utf-8", errors="replace") as handle:
            handle.seek(self.log_offset)
            text = handle.read()
        self.completed = len(COMPLETED.findall(text))
        self.processed = len(PROCESSED.findall(text))
        self.errors = len(ERROR.findall(text))
        # An exception raised while handling another prints both: count such chains once.
        self.tracebacks = text.count("Traceback (most recent call last)") - sum(
            text.count(chained) for chained in CHAINED
        )
        self.unlogged = self.tracebacks - len(LOGGED_TRACEBACK.findall(text))

    def report(self, interval):
        stats, minutes = self.stats, self.seconds / 60
        expected = minutes / interval
        print(f"\n== {self.name} phase: {minutes:.1f} min, every job due each {interval:g} min")
        print(
            f"requests to the sandbox: {stats['total']} "
            f"({stats['total'] / self.seconds * 3600:,.0f} per hour), "
            f"429s: {stats['by_status'].get('429', 0)}"
        )
        for endpoint, count in sorted(stats["by_endpoint"].items(), key=lambda item: -item[1]):
            if count:
                print(f"  {count:6}  {endpoint}")
        print(f"job runs (one ir_cron_progress row per call), expected ~{expected:.1f} per job:")
        for name, (calls, done, unfinished) in self.calls.items():
            print(
                f"  {name:32} {calls:4} runs ({calls / expected:.1f}x expected), "
                f"{done} records done, {unfinished} said records remain"
            )
        print(
            f"server log: {self.processed} 'processed ... remaining' lines, "
            f"{self.completed} jobs rescheduled to their interval (any job), "
            f"{self.errors} ERROR, {self.tracebacks} Traceback"
        )
        if self.unlogged:
            print(
                f"  {self.unlogged} of the tracebacks come with no error record "
                "(e.g. a child process of the server that fails to start)"
            )


def drive(phase, sandbox, rpc, seed, until, edits_per_minute):
    """Edit a contact and a deal in HubSpot and a partner and an opportunity in Odoo, steadily.

    HubSpot edits take records from the front of the seed, Odoo edits from the back, so that
    the two sides do not edit the same record.
    """
    contacts = [c for c in seed["contacts"] if c["properties"].get("email")]
    deals = [d for d in seed["deals"] if d["properties"]["pipeline"] == "default"]
    half_contacts, half_deals = len(contacts) // 2, len(deals) // 2
    partner_ids = rpc(
        "res.partner",
        "search",
        [("email", "in", [c["properties"]["email"] for c in contacts[half_contacts:]])],
    )
    lead_ids = rpc(
        "crm.lead",
        "search",
        [("name", "in", [d["properties"]["dealname"] for d in deals[half_deals:]])],
    )
    if not partner_ids or not lead_ids:
        raise SystemExit("the first sync made no partner or no opportunity to edit")
    companies = seed.get("companies") or [None]
    targets = zip(
        itertools.count(1),
        itertools.cycle(companies),
        itertools.cycle(contacts[:half_contacts]),
        itertools.cycle(deals[:half_deals]),
        itertools.cycle(partner_ids),
        itertools.cycle(lead_ids),
    )
    for n, company, contact, deal, partner_id, lead_id in targets:
        if company:
            change_in_hubspot(sandbox, "companies", [company["id"]], {"description": f"Bench {n}"})
            phase.driver["POST /crm/v3/objects/companies/batch/update"] += 1
        change_in_hubspot(sandbox, "contacts", [contact["id"]], {"jobtitle": f"Bench {n}"})
        change_in_hubspot(sandbox, "deals", [deal["id"]], {"dealname": f"Bench deal {n}"})
        for object_type in ("contacts", "deals"):
            phase.driver[f"POST /crm/v3/objects/{object_type}/batch/update"] += 1
        rpc("res.partner", "write", [partner_id], {"function": f"Odoo bench {n}"})
        rpc("crm.lead", "write", [lead_id], {"name": f"Odoo bench deal {n}"})
        pause = until - time.monotonic()
        if pause <= 0:
            return n
        time.sleep(min(60 / edits_per_minute, pause))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=600)
    parser.add_argument("--deals", type=int, default=100)
    parser.add_argument("--interval", type=int, default=1, help="minutes between runs of a job")
    parser.add_argument("--minutes", type=float, default=3, help="length of each phase")
    parser.add_argument("--edits-per-minute", type=float, default=6, help="busy phase")
    parser.add_argument("--workers", type=int, default=0, help="prefork HTTP workers; 0: threads")
    args = parser.parse_args()
    # A plain ``kill`` must stop the server and the sandbox too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    seed = generate(args.contacts, args.deals)
    conf = fresh_database(DATABASE)
    log = conf.parent / f"{DATABASE}.log"
    with Sandbox(False, **LIMITS) as sandbox:
        sandbox.control("seed", seed)
        registry = prepare(conf, sandbox.url, args.interval)
        first = sandbox.control("stats")
        print(f"first sync of {args.contacts} contacts and {args.deals} deals:", end=" ")
        print(f"{first['total']} requests, 429s: {first['by_status'].get('429', 0)}")
        mode = f"{args.workers} workers, 2 cron workers" if args.workers else "2 cron threads"
        server = Server(conf, log, args.workers)
        try:
            uid = server.login()
            print(f"odoo server ({mode}) at {server.url}, log {log}")
            models = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/object", allow_none=True)

            def rpc(model, method, *params):
                return models.execute_kw(DATABASE, uid, PASSWORD, model, method, list(params))

            idle = Phase("idle", registry, sandbox, log)
            idle.start()
            idle.wake_crons()
            time.sleep(args.minutes * 60)
            idle.stop()
            idle.report(args.interval)

            busy = Phase("busy", registry, sandbox, log)
            busy.start()
            until = time.monotonic() + args.minutes * 60
            rounds = drive(busy, sandbox, rpc, seed, until, args.edits_per_minute)
            busy.stop()
            busy.report(args.interval)
            print(
                f"  (driver: {rounds} rounds of 1 company, 1 contact and 1 deal edited in HubSpot, "
                f"1 partner + 1 opportunity in Odoo; its own requests are not counted)"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
