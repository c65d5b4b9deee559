"""Fixtures for the HubSpot client tests: a real sandbox over HTTP, no mocked transport."""

import pytest

from .client_support import TOKEN, UNLIMITED, ScriptedServer, make_client


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Replaces pytest-odoo's fixture of that name, when installed: no Odoo database here."""
    yield


@pytest.fixture
def start_sandbox():
    """Factory: start a sandbox with the given settings; all are stopped after the test."""
    from hubspot_sandbox import SandboxServer  # only the HTTP tests need it

    servers = []

    def start(**settings):
        server = SandboxServer(port=0, token=TOKEN, **{**UNLIMITED, **settings}).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox()


@pytest.fixture
def client(sandbox):
    return make_client(sandbox)


@pytest.fixture
def scripted():
    """Factory: ``scripted([(status, headers, body), ...])`` -> a running ScriptedServer."""
    servers = []

    def start(replies):
        servers.append(ScriptedServer(replies))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
