"""Benchmark: generating the demo timeline and loading it into a sandbox portal.

    python benchmarks/bench_sandbox_activities.py [--contacts 50000] [--activities 500000]

Pure Python (no Odoo, no HTTP): times ``demo_data.generate`` with that many contacts (a deal
per five contacts, a company per ten) and activities, then ``Store.seed`` of the result, and
prints the process's peak resident memory after each step.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubspot_sandbox.demo_activities import MIX  # noqa: E402
from hubspot_sandbox.demo_data import generate  # noqa: E402
from hubspot_sandbox.store import Store  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--activities", type=int, default=500_000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    data = generate(args.contacts, args.contacts // 5, seed=7, activities=args.activities)
    generated = time.perf_counter() - started
    kinds = {kind: len(data[kind]) for kind in MIX}
    print(f"generate: {generated:.1f} s, peak {peak_mb():.0f} MB, {kinds}, ", end="")
    print(f"{len(data['associations'])} associations", flush=True)
    store = Store()
    started = time.perf_counter()
    store.seed(data)
    print(f"seed: {time.perf_counter() - started:.1f} s, peak {peak_mb():.0f} MB", flush=True)


if __name__ == "__main__":
    main()
