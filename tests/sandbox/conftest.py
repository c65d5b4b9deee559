"""Fixtures for the sandbox tests: a real server on a free port, the official SDK, requests,
the command line.

One unthrottled server serves the whole session and is reset before each test; tests about
limits start their own servers with ``start_sandbox``.
"""

import re
import socket
import subprocess
import sys

import hubspot
import pytest
import requests
from hubspot.crm.properties import PropertyCreate

from hubspot_sandbox import SandboxServer

TOKEN = "pat-eu1-00000000-1111-2222-3333-444444444444"
UNLIMITED = {"rate_limit": 0, "search_rate": 0, "daily_limit": 0}


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
def sandbox_defaults():
    return UNLIMITED


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


def modified_since(name, ms, operator="GTE"):
    """The incremental-sync search body: modified since ``ms``, oldest change first."""
    return {
        "filterGroups": [
            {"filters": [{"propertyName": name, "operator": operator, "value": str(ms)}]}
        ],
        "sorts": [name],
    }


def create_unique_property(client, object_type, name, group):
    """A custom string property with unique values, as a connector defines its Odoo-id
    property for upserts, through the SDK."""
    definition = PropertyCreate(
        name=name,
        label=name.replace("_", " ").capitalize(),
        type="string",
        field_type="text",
        group_name=group,
        has_unique_value=True,
    )
    return client.crm.properties.core_api.create(object_type, definition)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def run_cli():
    """Start the CLI with arguments; returns (process, url). Processes are ended after the test."""
    processes = []

    def run(*args):
        process = subprocess.Popen(
            [sys.executable, "-m", "hubspot_sandbox", "--port", str(free_port()), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        line = process.stdout.readline()
        found = re.search(r"http://[\d.]+:\d+", line)
        assert found, f"no URL printed: {line!r}"
        return process, found.group(0)

    yield run
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
