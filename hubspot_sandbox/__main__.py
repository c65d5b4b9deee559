"""Command line: ``python -m hubspot_sandbox --port 8099 [--seed FILE.json] [--token T] ...``."""

import argparse
import json
import os
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
    parser.add_argument(
        "--generate-activities",
        type=int,
        default=0,
        metavar="A",
        help="notes, tasks, calls, meetings and e-mails on the generated contacts",
    )
    webhooks = parser.add_argument_group("webhooks", "send change events to an app's target URL")
    webhooks.add_argument("--webhook-url", metavar="URL", help="the target URL (turns them on)")
    webhooks.add_argument(
        "--webhook-secret",
        # The environment keeps the secret out of the process list.
        default=os.environ.get("HUBSPOT_SANDBOX_WEBHOOK_SECRET"),
        help="the app's client secret (default: $HUBSPOT_SANDBOX_WEBHOOK_SECRET)",
    )
    webhooks.add_argument("--webhook-app-id", type=int, default=0, metavar="ID")
    webhooks.add_argument(
        "--webhook-subscriptions",
        metavar="FILE.json",
        help="a list of subscriptions (default: every kind and standard property)",
    )
    args = parser.parse_args(argv)
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret or $HUBSPOT_SANDBOX_WEBHOOK_SECRET")
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
        server.seed(
            generate(
                args.generate_contacts,
                args.generate_deals,
                args.generate_companies,
                activities=args.generate_activities,
            )
        )
    if args.webhook_url:  # after seeding: loading the portal is no change to announce
        subscriptions = None
        if args.webhook_subscriptions:
            with open(args.webhook_subscriptions, encoding="utf-8") as handle:
                subscriptions = json.load(handle)
        server.webhooks.configure(
            target_url=args.webhook_url,
            client_secret=args.webhook_secret,
            app_id=args.webhook_app_id,
            subscriptions=subscriptions,
        )
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
