"""Every Odoo process syncing a portal draws on one rate budget, kept in the database.

Four threads stand for four Odoo processes: each has its own client, built as a fresh
process builds it, so each has its own connection to the budget. They hammer a sandbox
whose limit is low; the same load from clients pacing alone meets 429s.
"""

import threading
from unittest.mock import patch

from odoo.addons.hubspot_connector.models import res_company
from odoo.addons.hubspot_connector.services import HubspotClient

from hubspot_sandbox import SandboxServer

from .common import TOKEN, HubspotCase

#: The limited sandbox's limit, which the clients are configured with too.
LIMITS = {"requests_per_interval": 20, "interval_seconds": 1.0}


class TestRateBudget(HubspotCase):
    def setUp(self):
        super().setUp()
        self.limited = SandboxServer(host="127.0.0.1", port=0, rate_limit=20, rate_interval=1.0)
        self.limited.start()
        self.addCleanup(self.limited.stop)
        self.company.write(
            {"hubspot_api_url": self.limited.url, "hubspot_verified_api_url": self.limited.url}
        )

    def process_client(self):
        """The client a new Odoo process builds for the company: none is cached there."""
        with patch.dict(res_company._CLIENTS, clear=True):
            return self.company._hubspot_client(**LIMITS)

    def hammer(self, clients, count):
        """Each client, in its own thread, reads the pipelines ``count`` times; all succeed."""
        errors = []

        def work(client):
            try:
                for _ in range(count):
                    client.get_pipelines()
            except Exception as error:  # a thread would only print it
                errors.append(error)

        threads = [threading.Thread(target=work, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])

    def test_processes_sharing_the_budget_meet_no_429(self):
        clients = [self.process_client() for _ in range(4)]
        self.assertEqual(len(set(map(id, clients))), 4)
        self.hammer(clients, 10)
        self.assertEqual(self.limited.stats()["by_status"], {"200": 40})
        self.assertEqual(sum(client.requests_made for client in clients), 40)

    def test_processes_pacing_alone_meet_429s(self):
        """What the shared budget prevents: each client keeps to the limit, all together not."""
        clients = [HubspotClient(TOKEN, self.limited.url, timeout=30, **LIMITS) for _ in range(4)]
        self.hammer(clients, 10)
        self.assertGreater(self.limited.stats()["by_status"].get("429", 0), 0)
