"""Benchmark: bulk read of HubSpot contacts by the client, against a local sandbox.

    python benchmarks/bench_client_read.py [--contacts 100000] [--fault-contacts 20000]
                                           [--limit 190] [--interval 10] [--in-process]

Seeds the sandbox with ``--contacts`` generated contacts and reads them all through
``HubspotClient.iter_objects`` (list pages of 100) under a rolling limit of ``--limit`` requests
per ``--interval`` seconds, the client configured to the same. Reports:

* requests made and 429s seen (from the sandbox's stats; target: zero 429s);
* wall time against the floor the limit sets, requests / (limit / interval) (target: within 10%);
* peak memory of the reading side (tracemalloc) after 10,000 contacts and after all (target: flat);
* a read of the first ``--fault-contacts`` contacts with 10% injected faults (every kind the
  sandbox has): every record must arrive once, and the retries are counted;
* the sandbox's own unthrottled request rate, to show it is far from being the bottleneck.

The sandbox runs in a subprocess by default, so that its threads do not share the GIL (and the
tracemalloc figures) with the reading side; ``--in-process`` runs it in a thread to compare.
"""

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import threading
import time
import tracemalloc
import types
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The addon's __init__ imports Odoo; the client does not need it, so only ``services`` is loaded.
if "hubspot_connector" not in sys.modules:
    _addon = types.ModuleType("hubspot_connector")
    _addon.__path__ = [str(ROOT / "hubspot_connector")]
    sys.modules["hubspot_connector"] = _addon

from hubspot_connector.services import HubspotClient  # noqa: E402

TOKEN = "pat-na1-00000000-0000-0000-0000-benchmark000"
PROPERTIES = ["email", "firstname", "lastname", "phone", "hs_lead_status", "lifecyclestage"]
FAULT_KINDS = ["429", "500", "502", "503", "slow", "drop", "drop_after"]
#: Runs a sandbox in a child process until its stdin closes; prints its URL first.
SERVE = """
import json, sys
from hubspot_sandbox import SandboxServer
server = SandboxServer(**json.loads(sys.argv[1])).start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


class Sandbox:
    """A sandbox in a subprocess (or a thread), driven through its HTTP control endpoints."""

    def __init__(self, in_process, **settings):
        settings = {"token": TOKEN, **settings}
        if in_process:
            from hubspot_sandbox import SandboxServer

            self._server = SandboxServer(**settings).start()
            self._process = None
            self.url = self._server.url
        else:
            self._process = subprocess.Popen(
                [sys.executable, "-c", SERVE, json.dumps(settings)],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self.url = self._process.stdout.readline().strip()

    def control(self, name, body=None):
        method = "GET" if body is None else "POST"
        response = requests.request(method, f"{self.url}/_sandbox/{name}", json=body, timeout=600)
        response.raise_for_status()
        return response.json()

    def close(self):
        if self._process is None:
            self._server.stop()
        else:
            self._process.stdin.close()
            self._process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def read(client, count, checkpoint=10_000):
    """Read ``count`` contacts; time, tracemalloc peaks and how many distinct ids arrived.

    Only the last id is kept: list pages come in id order, so strictly rising ids prove that
    nothing was read twice without a set that would itself grow with the data.
    """
    tracemalloc.start()
    started = time.monotonic()
    read_count, last_id, ordered, peak_at_checkpoint = 0, 0, True, None
    for record in client.iter_objects("contacts", PROPERTIES):
        ordered = ordered and int(record["id"]) > last_id
        last_id = int(record["id"])
        read_count += 1
        if read_count == checkpoint:
            peak_at_checkpoint = tracemalloc.get_traced_memory()[1]
        if read_count == count:
            break
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "records": read_count,
        "each_once": ordered,
        "seconds": seconds,
        "peak_at_checkpoint": peak_at_checkpoint,
        "peak": peak,
    }


def unthrottled_rate(url, threads, seconds=3.0):
    """Requests per second the sandbox serves for list pages of 100 on ``threads`` connections."""
    done, stop_at = [], time.monotonic() + seconds

    def worker():
        session, after, count = requests.Session(), None, 0
        while time.monotonic() < stop_at:
            params = {"limit": 100, "properties": ",".join(PROPERTIES)}
            if after:
                params["after"] = after
            page = session.get(
                f"{url}/crm/v3/objects/contacts",
                params=params,
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=30,
            ).json()
            after = (page.get("paging") or {}).get("next", {}).get("after")
            count += 1
        done.append(count)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return sum(done) / seconds


def kib(size):
    return f"{size / 1024:,.0f} KiB" if size is not None else "n/a"


def verdict(ok):
    return "OK" if ok else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--fault-contacts", type=int, default=20_000)
    parser.add_argument("--limit", type=int, default=190, help="requests per interval")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds")
    parser.add_argument("--in-process", action="store_true", help="sandbox in a thread")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="    %(message)s")  # the client's retries
    where = "in-process thread" if args.in_process else "subprocess"
    limits = {"rate_limit": args.limit, "rate_interval": args.interval}

    def client():
        return HubspotClient(
            TOKEN, sandbox.url, requests_per_interval=args.limit, interval_seconds=args.interval
        )

    with Sandbox(args.in_process, **limits) as sandbox:
        started = time.monotonic()
        sandbox.control("seed", {"generate": {"contacts": args.contacts, "deals": 0, "seed": 42}})
        print(
            f"sandbox ({where}) seeded with {args.contacts:,} contacts "
            f"in {time.monotonic() - started:.1f} s; limit {args.limit} per {args.interval:g} s"
        )

        sandbox.control("stats/reset", {})
        reader = client()
        clean = read(reader, args.contacts)
        stats = sandbox.control("stats")
        pages = math.ceil(args.contacts / 100)
        floor = reader.requests_made / (args.limit / args.interval)
        window_minimum = (math.ceil(reader.requests_made / args.limit) - 1) * args.interval
        too_many = stats["by_status"].get("429", 0)
        ratio = clean["seconds"] / floor
        print("\nclean read")
        print(f"  records read          {clean['records']:,} (each once: {clean['each_once']})")
        print(f"  requests made         {reader.requests_made:,} ({pages:,} pages of 100)")
        print(f"  429s seen             {too_many}  [{verdict(too_many == 0)}]")
        print(f"  wall time             {clean['seconds']:.1f} s")
        print(
            f"  floor (requests/rate) {floor:.1f} s; ratio {ratio:.3f}  [{verdict(ratio <= 1.10)}]"
        )
        print(f"  sliding-window floor  {window_minimum:.1f} s (first window free)")
        print(
            f"  peak memory, reading  {kib(clean['peak_at_checkpoint'])} after 10,000; "
            f"{kib(clean['peak'])} after {clean['records']:,}  "
            f"[{verdict(clean['peak'] <= 1.25 * (clean['peak_at_checkpoint'] or clean['peak']))}]"
        )

        sandbox.control("stats/reset", {})
        fault_settings = {"rate": 0.1, "kinds": FAULT_KINDS, "slow_seconds": 1.0, "seed": 7}
        sandbox.control("faults", fault_settings)
        faulty_reader = client()
        count = min(args.fault_contacts, args.contacts)
        faulty = read(faulty_reader, count)
        sandbox.control("faults", {})
        stats = sandbox.control("stats")
        injected = {k: v for k, v in sorted(stats["by_status"].items()) if k != "200"}
        retries = faulty_reader.requests_made - math.ceil(count / 100)
        print(f"\nread of {count:,} contacts with 10% injected faults ({', '.join(FAULT_KINDS)})")
        print(
            f"  records read          {faulty['records']:,} (each once: {faulty['each_once']})"
            f"  [{verdict(faulty['records'] == count and faulty['each_once'])}]"
        )
        print(f"  requests made         {faulty_reader.requests_made:,}; retries {retries}")
        print(f"  failed answers        {injected} (drop_after counts as drop; slow as 200)")
        print(
            f"  wall time             {faulty['seconds']:.1f} s "
            f"(clean floor {faulty_reader.requests_made / (args.limit / args.interval):.1f} s;"
            " each 429 costs a window)"
        )

    with Sandbox(args.in_process, rate_limit=0, daily_limit=0) as sandbox:
        sandbox.control("seed", {"generate": {"contacts": 10_000, "deals": 0, "seed": 42}})
        single, parallel = unthrottled_rate(sandbox.url, 1), unthrottled_rate(sandbox.url, 4)
        rate = args.limit / args.interval
        print("\nsandbox without limits (list pages of 100)")
        print(f"  1 connection          {single:,.0f} requests/s")
        print(
            f"  4 connections         {parallel:,.0f} requests/s  "
            f"[{verdict(max(single, parallel) > 10 * rate)}: the limit needs {rate:g}]"
        )


if __name__ == "__main__":
    main()
