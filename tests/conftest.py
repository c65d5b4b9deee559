"""Shared by every suite.

* The pure-Python suites run without Odoo: the addon's ``__init__`` imports Odoo, so
  ``hubspot_connector`` is registered as a bare namespace and only its ``services``
  package (plain Python) is ever loaded from it. The Odoo suite imports the addon as
  ``odoo.addons.hubspot_connector`` and is not affected.
* pytest-odoo is off unless asked for (``-p odoo``, as bin/test does for the Odoo suite);
  without it the Odoo suite is not collected. The concurrency suite commits real
  transactions and the upgrade suite makes databases of its own: they run only where
  bin/test gives them a database.
"""

import os
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if "hubspot_connector" not in sys.modules:
    _addon = types.ModuleType("hubspot_connector")
    _addon.__path__ = [str(ROOT / "hubspot_connector")]
    sys.modules["hubspot_connector"] = _addon


def pytest_ignore_collect(collection_path, config):
    if collection_path.name == "odoo_suite" and not config.pluginmanager.has_plugin("odoo"):
        return True
    # Commits to a real database: only where bin/test names one for it.
    if collection_path.name == "odoo_concurrency" and not os.environ.get("HUBSPOT_CONCURRENCY_DB"):
        return True
    # Installs previous releases and upgrades them: only where bin/test names a database.
    if collection_path.name == "odoo_upgrade" and not os.environ.get("HUBSPOT_UPGRADE_DB"):
        return True
    return None


@pytest.fixture
def sandbox_defaults():
    """Settings of the sandboxes ``start_sandbox`` makes; each suite sets its own."""
    return {}


@pytest.fixture
def start_sandbox(sandbox_defaults):
    """Factory: start a sandbox with the given settings; all are stopped after the test."""
    from hubspot_sandbox import SandboxServer

    servers = []

    def start(**settings):
        server = SandboxServer(**{**sandbox_defaults, **settings}).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
