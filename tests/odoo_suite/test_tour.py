"""The screens in a real browser: Odoo's tours in headless Chromium, console clean.

pytest-odoo starts Odoo's HTTP server with ``--odoo-http`` (bin/test passes it) and skips
browser tests without it.
"""

import logging
from contextlib import contextmanager

from odoo.tests import HttpCase

from hubspot_sandbox.defaults import PORTAL_ID

from .test_deals import DealCase


@contextmanager
def console_must_stay_clean(test):
    """Fail ``test`` when the browser logs a warning or an error (Odoo fails on errors
    only); the browser's console is logged under a ``browser`` logger."""
    seen = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.name.endswith(".browser") and record.levelno >= logging.WARNING:
                seen.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
    test.assertEqual(seen, [], "the browser console logged warnings or errors")


class TestScreensTour(DealCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.company.hubspot_portal_id = str(PORTAL_ID)
        self.deals_without_team("A", "B", "C")
        self.partners_sharing_an_email()
        self.hs_contact(email="same@example.com", firstname="Dana")
        self.tagged_partner(name="Bad Mail", email="no-at-sign")
        self.pull_contacts()
        self.pull_deals()
        self.process_queue()

    def tour(self, name, action):
        with console_must_stay_clean(self):
            self.start_tour(f"/odoo/action-{action}", name, login="admin")

    def test_sync_health_review_and_partner_banner(self):
        self.tour("hubspot_sync_health", "hubspot_connector.hubspot_sync_issue_action")
        issue = self.env["hubspot.sync.issue"].search([("error_kind", "=", "ambiguous_match")])
        self.assertEqual(issue.state, "done")
        linked = self.env["res.partner"].search([("name", "=", "Same 0")])
        self.assertEqual(self.journal(linked, "link_created").note[:9], "Chosen by")

    def test_stage_mapping(self):
        self.tour("hubspot_stage_mapping", "hubspot_connector.hubspot_stage_mapping_action")
        mapping = self.pipeline.stage_mapping_ids.filtered(
            lambda m: m.name == "Decision Maker Bought-In"
        )
        self.assertEqual(mapping.stage_id.name, "Contract Sent")

    def test_team_pipeline_shows_hubspot_stages(self):
        admin = self.env.ref("base.user_admin")
        self.team.member_ids |= admin  # "My Pipeline" is the pipeline of the user's team
        self.env["crm.lead"].create(
            {
                "name": "Tour deal",
                "type": "opportunity",
                "team_id": self.team.id,
                "user_id": admin.id,
            }
        )
        self.tour("hubspot_team_pipeline", "crm.action_your_pipeline")

    def test_settings(self):
        self.company.hubspot_portal_id = False
        self.tour("hubspot_settings", "hubspot_connector.hubspot_settings_action")
        self.assertEqual(self.company.hubspot_portal_id, str(PORTAL_ID))
        self.assertEqual(self.pipeline.team_id, self.team)

    def test_settings_email_direction(self):
        self.tour("hubspot_settings_emails", "hubspot_connector.hubspot_settings_action")
        self.assertTrue(self.company.hubspot_sync_emails)
        self.assertEqual(self.company.hubspot_email_direction, "both")
