"""Benchmark: several OS processes syncing one portal through the budget shared in PostgreSQL.

    python benchmarks/bench_shared_budget.py [--processes 4] [--contacts 5000]
                                             [--limit 100] [--interval 10]
                                             [--database hubspot_bench_budget] [--alone]

Starts a sandbox (in a subprocess) with a rolling limit of ``--limit`` requests per
``--interval`` seconds and ``--contacts`` contacts, and ``--processes`` processes that each
sync them all, as a pull does: the "modified since" search (pages of 200), each page's
contacts then read by batch reads of 100.
Every client is configured to the same limit and paces through one shared budget (in a fresh
database ``--database``, dropped at the end). Reports the requests, the 429s the sandbox
answered (target: zero), and the wall time against the floor the limit sets, requests / limit
* interval (the first window is free, so a ratio a little under 1 is the best possible).
``--alone`` runs the same load with each process pacing alone, as before the shared budget,
for comparison.

PostgreSQL: ``$HUBSPOT_PG_HOST``/``_USER``/``_PASSWORD``, localhost/odoo/odoo by default.
"""

import argparse
import math
import multiprocessing
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The addon's __init__ imports Odoo; the client does not need it, so only ``services`` is loaded.
if "hubspot_connector" not in sys.modules:
    _addon = types.ModuleType("hubspot_connector")
    _addon.__path__ = [str(ROOT / "hubspot_connector")]
    sys.modules["hubspot_connector"] = _addon

from bench_client_read import PROPERTIES, TOKEN, Sandbox  # noqa: E402

from hubspot_connector.services import HubspotClient  # noqa: E402
from hubspot_connector.services.client import BATCH_SIZE  # noqa: E402
from hubspot_connector.services.shared_pacing import SharedBudget, portal_key  # noqa: E402
from tests.client.pg_support import budget_database  # noqa: E402


def sync(url, args, connect, start_at):
    """One process: from ``start_at`` (epoch), sync the contacts; returns (requests, end).

    ``connect`` opens a connection to the budget's database; None: pace alone.
    """
    settings = {"requests_per_interval": args.limit, "interval_seconds": args.interval}
    if connect:
        settings["limiters"] = SharedBudget(connect, portal_key(TOKEN, url))
    client = HubspotClient(TOKEN, url, **settings)
    time.sleep(max(start_at - time.time(), 0))
    ids = []
    for record in client.iter_modified_since(
        "contacts", None, ["email"], modified_property="lastmodifieddate"
    ):
        ids.append(record["id"])
        if len(ids) == BATCH_SIZE:
            client.batch_read("contacts", ids, PROPERTIES)
            ids = []
    if ids:
        client.batch_read("contacts", ids, PROPERTIES)
    return client.requests_made, time.time()


def run(sandbox, args, connect):
    """All processes at once; returns (requests, 429s, seconds)."""
    sandbox.control("stats/reset", {})
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.processes, mp_context=context) as pool:
        start_at = time.time() + 3  # once every process has started
        work = (sync, sandbox.url, args, connect, start_at)
        results = [pool.submit(*work) for _ in range(args.processes)]
        outcomes = [result.result() for result in results]
    stats = sandbox.control("stats")
    requests = sum(made for made, _end in outcomes)
    seconds = max(end for _made, end in outcomes) - start_at
    return requests, stats["by_status"].get("429", 0), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--limit", type=int, default=100, help="requests per interval")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds")
    parser.add_argument("--database", default="hubspot_bench_budget")
    parser.add_argument("--alone", action="store_true", help="each process paces alone")
    args = parser.parse_args()
    limits = {"rate_limit": args.limit, "rate_interval": args.interval}
    database = nullcontext() if args.alone else budget_database(args.database)
    with database as connect, Sandbox(False, **limits) as sandbox:
        generate = {"contacts": args.contacts, "deals": 0, "seed": 42}
        sandbox.control("seed", {"generate": generate})
        requests, too_many, seconds = run(sandbox, args, connect)
    floor = requests / args.limit * args.interval
    window_floor = (math.ceil(requests / args.limit) - 1) * args.interval
    pacing = "each process alone" if args.alone else "one budget shared in PostgreSQL"
    print(f"{args.processes} processes, {pacing}; limit {args.limit} per {args.interval:g} s")
    print(f"  requests              {requests:,} (429s included)")
    print(f"  429s answered         {too_many}")
    print(f"  wall time             {seconds:.1f} s")
    print(f"  floor (requests/rate) {floor:.1f} s; ratio {seconds / floor:.3f}")
    print(f"  sliding-window floor  {window_floor:.1f} s (first window free)")


if __name__ == "__main__":
    main()
