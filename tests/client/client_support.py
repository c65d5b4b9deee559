"""Helpers of the HubSpot client tests (the fixtures are in conftest.py)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hubspot_connector.services import HubspotClient

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
#: Limits high enough that only tests about limits ever meet them.
#: An injected 429 reports the sandbox's interval as the wait: keep it short.
UNLIMITED = {"rate_limit": 1_000_000, "rate_interval": 0.5, "search_rate": 1_000_000}


def make_client(server, token=TOKEN, **settings):
    """A client for ``server`` that retries quickly unless told otherwise."""
    defaults = {
        "requests_per_interval": 1_000_000,
        "interval_seconds": UNLIMITED["rate_interval"],
        "searches_per_second": 1_000_000,
        "backoff_base": 0.01,
        "backoff_max": 2.0,
        "timeout": (2, 5),
    }
    return HubspotClient(token, server.url, **{**defaults, **settings})


def seed_contacts(server, count, updated_at=None, first_id=1001):
    """Load ``count`` contacts straight into the sandbox store; returns their ids.

    ``updated_at(i)`` gives the last-modified epoch ms of the i-th contact.
    """
    ids = [str(first_id + i) for i in range(count)]
    records = []
    for i, object_id in enumerate(ids):
        record = {"id": object_id, "properties": {"email": f"c{object_id}@example.com"}}
        if updated_at:
            record["createdAt"] = record["updatedAt"] = updated_at(i)
        records.append(record)
    server.store.seed({"contacts": records})
    return ids


class ScriptedServer:
    """A stdlib HTTP server that plays a fixed list of replies, then answers 200 ``{}``.

    For what the sandbox cannot produce (403 missing scopes, 423, 477, a Retry-After on 429,
    an error body echoing the token). ``requests`` records ``(method, path, headers)`` and
    ``bodies`` the raw request bodies.
    """

    def __init__(self, replies):
        self.replies = list(replies)  # (status, headers, body dict)
        self.requests = []
        self.bodies = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.bodies.append(self.rfile.read(length))
                server.requests.append((self.command, self.path, dict(self.headers)))
                status, headers, body = server.replies.pop(0) if server.replies else (200, {}, {})
                payload = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args):
                """Silent."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
