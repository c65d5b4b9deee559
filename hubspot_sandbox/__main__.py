"""Command line: ``python -m hubspot_sandbox --port 8099 [--seed FILE.json] [--token T] ...``."""

import argparse
import json
import threading

from .demo_data import generate
from .server import SandboxServer


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m hubspot_sandbox", description="Run a local HubSpot CRM sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--seed", metavar="FILE.json", help="seed data to load")
    parser.add_argument("--token", help="the only Bearer token accepted (default: any)")
    parser.add_argument("--rate-limit", type=int, default=190, help="per 10 s, 0 = off")
    parser.add_argument("--daily-limit", type=int, default=625000, help="per day, 0 = off")
    parser.add_argument("--generate-contacts", type=int, default=0, metavar="N")
    parser.add_argument("--generate-deals", type=int, default=0, metavar="M")
    parser.add_argument(
        "--generate-companies", type=int, metavar="K", help="default: one per ten contacts"
    )
    args = parser.parse_args(argv)
    server = SandboxServer(
        host=args.host,
        port=args.port,
        token=args.token,
        rate_limit=args.rate_limit,
        daily_limit=args.daily_limit,
    )
    if args.seed:
        with open(args.seed, encoding="utf-8") as handle:
            server.seed(json.load(handle))
    if args.generate_contacts or args.generate_deals or args.generate_companies:
        server.seed(generate(args.generate_contacts, args.generate_deals, args.generate_companies))
    server.start()
    print(f"HubSpot sandbox listening on {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
