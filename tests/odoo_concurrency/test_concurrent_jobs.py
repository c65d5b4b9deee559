"""The three jobs at the same time, twice each, while a user edits partners.

Real transactions on real connections, committed as Odoo's cron threads and workers
commit them: what a single test transaction cannot show (serialization failures,
locks left held on pooled connections, duplicates from two runs). Runs against a
database with the addon installed, named by ``HUBSPOT_CONCURRENCY_DB`` (bin/test
gives it the Odoo suite's database, which its uninstall check cleans afterwards).
"""

import logging
import os
import threading

import pytest
from psycopg2.errors import TransactionRollbackError

from hubspot_sandbox import SandboxServer

TOKEN = "pat-na1-00000000-1111-2222-3333-444444444444"
JOBS = (
    lambda runner: runner._cron_hubspot_pull("contacts"),
    lambda runner: runner._cron_hubspot_pull("deals"),
    lambda runner: runner._cron_hubspot_push(),
)
PUSHED = 40  # partners made in Odoo
EDITS = 30  # a user's edits while the jobs run


class ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        # Odoo logs the statement a concurrent update failed; the user's request is
        # retried for that, as Odoo's request layer does. The jobs must log nothing.
        if record.threadName != "user":
            self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def env_factory():
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", os.environ["HUBSPOT_ODOO_CONF"], "--log-level=warn"])
    registry = Registry(os.environ["HUBSPOT_CONCURRENCY_DB"])

    def in_transaction(work):
        """Run ``work(env)`` in a transaction of its own, committed at the end."""
        with registry.cursor() as cr:
            result = work(api.Environment(cr, SUPERUSER_ID, {}))
            cr.commit()
            return result

    return in_transaction


@pytest.fixture
def sandbox():
    server = SandboxServer(host="127.0.0.1", port=0).start()
    yield server
    server.stop()


def seed(env, sandbox):
    store = sandbox.store
    contacts = [
        store.create_object("contacts", {"email": f"c{i}@example.com", "firstname": f"C{i}"})
        for i in range(150)
    ] + [store.create_object("contacts", {"firstname": f"No mail {i}"}) for i in range(20)]
    for i in range(40):
        deal = store.create_object(
            "deals",
            {"dealname": f"Deal {i}", "pipeline": "default", "dealstage": "appointmentscheduled"},
        )
        store.associate("deals", deal["id"], "contacts", contacts[i]["id"])
    params = env["ir.config_parameter"]
    params.set_param("hubspot_connector.requests_per_10s", 190)
    params.set_param("hubspot_connector.page_size", 25)
    company = env.company
    company.write(
        {
            "hubspot_access_token": TOKEN,
            "hubspot_api_url": sandbox.url,
            "hubspot_verified_api_url": sandbox.url,
            "hubspot_token_verified": True,
        }
    )
    company._hubspot_fetch_metadata()
    category = env.ref("hubspot_connector.partner_category_hubspot")
    partners = env["res.partner"].create(
        [
            {"name": f"Odoo {i}", "category_id": [(4, category.id)]}
            | ({"email": f"odoo{i}@example.com"} if i % 2 else {})
            for i in range(PUSHED)
        ]
    )
    return partners.ids


def run_threads(env_factory, partner_ids):
    """Each job twice plus a user, all at once; returns the errors and the user's edits."""
    errors, edits = [], {}

    def job(method):
        try:
            env_factory(lambda env: method(env["hubspot.job.runner"]))
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(f"{method}: {error!r}")

    def user():
        for index in range(EDITS):
            partner_id = partner_ids[index % len(partner_ids)]
            value = f"Edit {index}"
            # Odoo's request layer retries a transaction that met a concurrent update.
            for _try in range(5):
                try:
                    env_factory(
                        lambda env, p=partner_id, v=value: (
                            env["res.partner"].browse(p).write({"function": v})
                        )
                    )
                    edits[partner_id] = value
                    break
                except TransactionRollbackError:
                    continue
            else:
                errors.append(f"user edit {index} kept failing")

    threads = [threading.Thread(target=job, args=(m,)) for m in JOBS * 2]
    threads.append(threading.Thread(target=user, name="user"))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return errors, edits


def test_jobs_run_together_with_a_user_editing(env_factory, sandbox):
    partner_ids = env_factory(lambda env: seed(env, sandbox))
    log = ErrorLog()
    logging.getLogger("odoo").addHandler(log)
    try:
        errors, edits = run_threads(env_factory, partner_ids)
        # What is left (a job skipped while another held its lock) is done by the next runs.
        for _round in range(2):
            for method in JOBS:
                env_factory(lambda env, m=method: m(env["hubspot.job.runner"]))
    finally:
        logging.getLogger("odoo").removeHandler(log)
    assert errors == []
    assert log.messages == []

    def check(env):
        env.cr.execute(
            """
            SELECT count(*) FROM pg_locks
             WHERE locktype = 'advisory'
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """
        )
        assert env.cr.fetchone()[0] == 0, "a job left its lock held"
        states = env["hubspot.job.state"].search([])
        assert states and not any(states.mapped("last_error")), states.mapped("last_error")
        store = sandbox.store
        hubspot_contacts = [store.get_object("contacts", str(i)) for i in _ids(store, "contacts")]
        # Nothing duplicated: every HubSpot contact once, every partner once.
        assert len(hubspot_contacts) == 170 + PUSHED
        emails = [c["properties"].get("email") for c in hubspot_contacts]
        assert len(set(filter(None, emails))) == len(list(filter(None, emails)))
        partners = env["res.partner"].with_context(active_test=False)
        linked = partners.search([("hubspot_id", "!=", False)])
        assert len(linked) == len(hubspot_contacts)
        assert set(linked.mapped("hubspot_id")) == {c["id"] for c in hubspot_contacts}
        # Nothing lost: the user's last edit of each partner is in HubSpot.
        for partner in partners.browse(list(edits)):
            contact = store.get_object("contacts", partner.hubspot_id)
            assert contact["properties"].get("jobtitle") == edits[partner.id], partner.name
        # Every deal keeps its contact.
        leads = (
            env["crm.lead"].with_context(active_test=False).search([("hubspot_id", "!=", False)])
        )
        assert len(leads) == 40
        orphans = leads.filtered(lambda lead: not lead.partner_id.hubspot_id)
        assert not orphans, orphans.mapped(lambda lead: (lead.name, lead.hubspot_note))

    env_factory(check)


def _ids(store, object_type):
    table = store.table(object_type)
    return [record_id for record_id, record in table.records.items() if not record.archived_at]
