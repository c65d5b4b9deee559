"""Fixtures for the sandbox tests: a real server on a free port, the official SDK, requests.

One unthrottled server serves the whole session and is reset before each test; tests about
limits start their own servers with ``start_sandbox``.
"""

import sys
from pathlib import Path

import hubspot
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hubspot_sandbox import SandboxServer  # noqa: E402

TOKEN = "pat-eu1-00000000-1111-2222-3333-444444444444"
UNLIMITED = {"rate_limit": 0, "search_rate": 0, "daily_limit": 0}


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Replaces pytest-odoo's fixture of that name: these tests need no Odoo database."""
    yield


@pytest.fixture(scope="session")
def shared_sandbox():
    with SandboxServer(**UNLIMITED) as server:
        yield server


@pytest.fixture
def sandbox(shared_sandbox):
    """The session's sandbox, reset to a fresh portal."""
    shared_sandbox.reset()
    return shared_sandbox


@pytest.fixture
def start_sandbox():
    """Factory for sandboxes with their own settings; all are stopped after the test."""
    servers = []

    def start(**settings):
        server = SandboxServer(**{**UNLIMITED, **settings}).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def client(sandbox):
    """HubSpot's official Python SDK, pointed at the sandbox."""
    return hubspot.Client.create(access_token=TOKEN, host=sandbox.url)


class Http:
    """requests with the sandbox's base URL and a Bearer token filled in."""

    def __init__(self, base_url, token=TOKEN):
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path, **kwargs):
        return self("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self("POST", path, **kwargs)


@pytest.fixture
def http(sandbox):
    """requests against the shared sandbox, authenticated."""
    return Http(sandbox.url)


@pytest.fixture
def http_for():
    """Factory: ``http_for(server, token=...)`` for servers started by a test."""
    return lambda server, token=TOKEN: Http(server.url, token)


@pytest.fixture
def token():
    return TOKEN
