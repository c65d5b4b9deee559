"""Fixtures for the HubSpot client tests: a real sandbox over HTTP, no mocked transport."""

import pytest

from .client_support import TOKEN, UNLIMITED, ScriptedServer, make_client


@pytest.fixture
def sandbox_defaults():
    return {"port": 0, "token": TOKEN, **UNLIMITED}


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
