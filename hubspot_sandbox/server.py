"""HTTP layer: ``SandboxServer``, the request pipeline and the ``/_sandbox/`` control endpoints.

Each API request goes through: fault injection, Bearer authentication, rate limits, the
endpoint handler, and stats counting. Control endpoints skip all of that. The server speaks
HTTP/1.1 with keep-alive so clients with connection pools (requests, the SDK's urllib3) reach
thousands of requests per second.
"""

import json
import socket
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from . import api
from .demo_data import generate
from .errors import ApiError
from .faults import ERROR_KINDS, FaultInjector
from .ratelimit import TEN_SECONDLY, RateLimiter
from .store import Store
from .webhooks import WebhookSender, api_changes

CONTROL_PREFIX = "/_sandbox/"
JSON_TYPE = "application/json;charset=utf-8"
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
BAD_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>cloudflare</center></body></html>"
)


@dataclass
class Reply:
    """A response ready to be written."""

    status: int
    payload: bytes = b""
    headers: dict = field(default_factory=dict)
    content_type: str = JSON_TYPE


def _json_reply(status, body, headers=None, correlation_id=None):
    headers = dict(headers or {})
    if correlation_id:
        headers["x-hubspot-correlation-id"] = correlation_id
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    return Reply(status, payload, headers)


def _error_reply(status, category, message, headers=None, **extra):
    correlation_id = str(uuid.uuid4())
    body = {"status": "error", "message": message, "correlationId": correlation_id}
    if category:
        body["category"] = category
    body.update(extra)
    return _json_reply(status, body, headers, correlation_id)


def _rate_limited(refusal, headers):
    policy, message = refusal
    extra = {"errorType": "RATE_LIMIT", "policyName": policy, "requestId": str(uuid.uuid4())}
    return _error_reply(429, None, message, headers, **extra)


def _bearer(header):
    scheme, _, token = (header or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class Stats:
    """Counts of API requests by endpoint (ids as ``{id}``) and by status."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._total = 0
            self._endpoints = Counter()
            self._statuses = Counter()

    def count(self, endpoint, status):
        with self._lock:
            self._total += 1
            self._endpoints[endpoint] += 1
            self._statuses[str(status)] += 1

    def snapshot(self):
        with self._lock:
            return {
                "total": self._total,
                "by_endpoint": dict(self._endpoints),
                "by_status": dict(self._statuses),
            }


class SandboxServer:
    """A local HubSpot: ``with SandboxServer().start() as hs: ... hs.url ...``.

    ``token`` None accepts any non-empty Bearer token. ``rate_limit`` requests per
    ``rate_interval`` seconds, ``search_rate`` searches per second and ``daily_limit`` requests
    per day apply per token; 0 turns a limit off.
    """

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        token=None,
        rate_limit=190,
        rate_interval=10.0,
        search_rate=5,
        daily_limit=625000,
    ):
        self.token = token
        self.store = Store()
        self.limiter = RateLimiter(rate_limit, rate_interval, search_rate, daily_limit)
        self.faults = FaultInjector()
        self.webhooks = WebhookSender(self.store)
        self.scopes = {}  # token -> frozenset of its scopes; a token not listed has every scope
        self._stats = Stats()
        self._httpd = _HTTPServer((host, port), self)
        self._thread = None

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        """Serve in a background thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"hubspot-sandbox {self.url}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self):
        """Stop serving and sending webhooks, close kept-alive connections, free the port."""
        self.webhooks.reset()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def reset(self):
        """A fresh portal: data, rate-limit usage, faults, stats and webhooks (off) back to the
        start."""
        self.store.reset()
        self.webhooks.reset()
        self.limiter.reset()
        self.faults.configure()
        self.scopes = {}
        self._stats.reset()

    def seed(self, data):
        """Load a seed dict, or generate one with ``{"generate": {"contacts": N, ...}}``."""
        if "generate" in data:
            data = generate(**data["generate"])
        return self.store.seed(data)

    def stats(self):
        """Request counts since the last reset (what a client really sent, for benchmarks)."""
        return self._stats.snapshot()

    def reset_stats(self):
        """Zero the request counts, keeping the data."""
        self._stats.reset()

    def set_scopes(self, token, scopes=None):
        """Grant ``token`` only ``scopes`` (an iterable of HubSpot scope names, e.g.
        ``crm.objects.contacts.read``); None gives it every scope again (the default)."""
        if scopes is None:
            self.scopes.pop(token, None)
        elif isinstance(scopes, str) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("scopes must be a list of scope names")
        else:
            self.scopes[token] = frozenset(scopes)
        return self.scopes_config()

    def scopes_config(self):
        """The tokens with restricted scopes: ``{token: [scope, ...]}``."""
        return {token: sorted(scopes) for token, scopes in self.scopes.items()}

    def set_faults(self, rate=0.0, kinds=ERROR_KINDS, slow_seconds=2.0, seed=None, rules=None):
        """Replace the fault configuration (see ``faults``)."""
        self.faults.configure(rate, kinds, slow_seconds, seed, rules)

    # ---------------------------------------------------------------- request pipeline

    def respond(self, method, target, headers, body):
        """The reply to one request, or None to close the connection without one."""
        path, _, query = target.partition("?")
        if path.startswith(CONTROL_PREFIX):
            return self._control(method, path.rstrip("/"), body)
        handler, params, route = api.match(method, path)
        fault = self.faults.pick(method, path)
        if fault == "drop":
            reply = None
        elif fault in ERROR_KINDS:
            reply = self._fault_reply(fault)
        else:
            if fault == "slow":
                time.sleep(self.faults.slow_seconds)
            reply = self._answer(method, path, query, headers, body, handler, params)
            if fault == "drop_after":
                reply = None
        self._stats.count(f"{method} {route}", reply.status if reply else "drop")
        return reply

    def _answer(self, method, path, query, headers, body, handler, params):
        token = _bearer(headers.get("Authorization"))
        if not token or (self.token is not None and token != self.token):
            auth_failure = {"x-hubspot-auth-failure": "401 Unauthorized"}
            return _error_reply(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE, auth_failure)
        refusal, rate_headers = self.limiter.admit(token, api.is_search(path))
        if refusal:
            return _rate_limited(refusal, rate_headers)
        request = api.Request(
            self.store,
            method,
            path,
            params,
            parse_qs(query, keep_blank_values=True),
            body,
            f"http://{headers.get('Host') or self.url[len('http://') :]}",
            self.scopes.get(token),
        )
        correlation_id = str(uuid.uuid4())
        try:
            with api_changes():
                status, payload = handler(request)
        except ApiError as error:
            status, payload = error.status, error.body(correlation_id)
        except Exception:  # a sandbox bug: answer like HubSpot would, keep the trace visible
            traceback.print_exc(file=sys.stderr)
            return _error_reply(500, "INTERNAL_ERROR", "internal error", rate_headers)
        return _json_reply(status, payload, rate_headers, correlation_id)

    def _fault_reply(self, kind):
        if kind == "429":
            return _rate_limited(TEN_SECONDLY, self.limiter.headers(self.limiter.rate_limit, 0))
        if kind == "502":
            return Reply(502, BAD_GATEWAY_PAGE, content_type="text/html")
        if kind == "503":
            return _error_reply(503, "SERVICE_UNAVAILABLE", "Service Unavailable")
        return _error_reply(500, "INTERNAL_ERROR", "internal error")

    def _control(self, method, path, body):
        """The unauthenticated, uncounted ``/_sandbox/`` endpoints."""
        try:
            data = json.loads(body) if body.strip() else {}
            if (method, path) == ("GET", "/_sandbox/stats"):
                return _json_reply(200, self.stats())
            if (method, path) == ("POST", "/_sandbox/stats/reset"):
                self.reset_stats()
                return _json_reply(200, self.stats())
            if (method, path) == ("POST", "/_sandbox/reset"):
                self.reset()
                return _json_reply(200, {"status": "ok"})
            if (method, path) == ("POST", "/_sandbox/seed"):
                return _json_reply(200, self.seed(data))
            if path == "/_sandbox/faults" and method in ("GET", "POST"):
                if method == "POST":
                    self.set_faults(**data)
                return _json_reply(200, self.faults.config())
            if path == "/_sandbox/webhooks" and method in ("GET", "POST"):
                if method == "POST":
                    self.webhooks.configure(**data)
                return _json_reply(200, self.webhooks.config())
            if path == "/_sandbox/scopes" and method in ("GET", "POST"):
                if method == "POST":
                    self.set_scopes(data["token"], data.get("scopes"))
                return _json_reply(200, self.scopes_config())
            if (method, path) == ("GET", "/_sandbox/webhooks/stats"):
                return _json_reply(200, self.webhooks.stats())
            if (method, path) == ("POST", "/_sandbox/webhooks/flush"):
                delivered = self.webhooks.flush(**data)
                return _json_reply(200, {"delivered": delivered, **self.webhooks.stats()})
        except ApiError as error:
            return _json_reply(400, {"status": "error", "message": error.message})
        except (ValueError, TypeError, KeyError) as error:
            return _json_reply(400, {"status": "error", "message": str(error)})
        return _json_reply(404, {"status": "error", "message": f"No control route {method} {path}"})


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that can cut its kept-alive connections on stop."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, sandbox):
        self.sandbox = sandbox
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        """A client that hung up (its timeout, a kill) is no server error: nothing to print."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "HubSpotSandbox/1.0"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        """Silent: request logs would drown test output; ``/_sandbox/stats`` has the counts."""

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.sandbox.respond(self.command, self.path, self.headers, body)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 204:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.payload)))
        self.end_headers()
        self.wfile.write(reply.payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
