"""The HubSpot settings as an administrator reads them: after each button, in plain words."""

from datetime import datetime
from unittest.mock import patch

from odoo import fields

from hubspot_sandbox.defaults import PORTAL_ID

from .test_deals import DealCase


class TestSettingsScreen(DealCase):
    def test_connection_test_fills_the_portal_id_and_keeps_the_sales_team(self):
        self.company.hubspot_portal_id = False
        self.company.hubspot_token_verified = False
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.hubspot_default_team_id, self.team)
        done = settings.action_hubspot_test_connection()
        self.assertEqual(done["params"]["type"], "success")
        # The page is read again: the fields show what the button changed.
        self.assertEqual(done["params"]["next"]["tag"], "soft_reload")
        self.assertEqual(self.company.hubspot_portal_id, str(PORTAL_ID))
        again = self.env["res.config.settings"].create({})
        self.assertEqual(again.hubspot_portal_id, str(PORTAL_ID))
        self.assertEqual(again.hubspot_default_team_id, self.team)
        fetched = again.action_hubspot_fetch_options()
        self.assertEqual(fetched["params"]["next"]["tag"], "soft_reload")
        self.assertEqual(
            self.env["res.config.settings"].create({}).hubspot_default_team_id, self.team
        )

    def test_last_runs_read_in_plain_words_and_local_time(self):
        self.env.user.tz = "Europe/Zurich"
        self.hs_deal(dealname="One", amount="10")
        at = datetime(2026, 12, 6, 14, 32, 23)
        with patch.object(fields.Datetime, "now", return_value=at):
            self.pull_deals()
            self.process_queue()
        status = self.env["res.config.settings"].create({}).hubspot_status
        # In the user's time zone (Babel may put a narrow space before PM).
        when = r"\(Dec 6, 2026, 3:32:23\sPM\)"
        self.assertRegex(status, rf"Deals: Read HubSpot changes {when}: 1 created\n")
        # A run with nothing to do says so, never a row of dashes.
        self.assertRegex(status, rf"Deals: Send Odoo changes {when}: nothing to do")
        self.assertNotIn(" -", status)
        self.assertNotIn("UTC", status)

    def test_saving_the_page_as_the_browser_does_keeps_the_sales_team(self):
        # The browser sends every field of the page when a button saves it first.
        settings = self.env["res.config.settings"]
        spec = {"company_id": {}, "hubspot_default_team_id": {}}
        values = settings.onchange({}, [], spec)["value"]
        self.assertEqual(values["hubspot_default_team_id"], self.team.id)
        saved = settings.create(
            {
                "hubspot_default_pipeline_id": self.pipeline.id,
                "hubspot_default_team_id": self.team.id,
            }
        )
        saved.action_hubspot_fetch_options()
        self.assertEqual(self.pipeline.team_id, self.team)
        # Choosing another team moves the pipeline to it.
        other = self.env["crm.team"].create({"name": "Partners"})
        settings.create(
            {"hubspot_default_pipeline_id": self.pipeline.id, "hubspot_default_team_id": other.id}
        )
        self.assertEqual(self.pipeline.team_id, other)
