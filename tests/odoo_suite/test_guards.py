"""Nothing dropped silently, the token kept to its verified URL, Sync Health behind record rules."""

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user

from hubspot_sandbox import SandboxServer

from .test_deals import DealCase

STAGES = [{"label": "Talk", "metadata": {"probability": "0.5", "isClosed": "false"}}]


class TestLeftOutDeals(DealCase):
    def issue_of(self, deal_id):
        return self.env["hubspot.sync.issue"].search([("hubspot_id", "=", deal_id)])

    def test_left_out_deals_are_listed_with_reason_and_imported_after_the_fix(self):
        without_team = self.sandbox.store.add_pipeline("Partner pipeline", STAGES)
        self.fetch_metadata()
        unknown = self.sandbox.store.add_pipeline("Newer pipeline", STAGES)
        deal_a = self.hs_deal(
            dealname="A", pipeline=without_team["id"], dealstage=without_team["stages"][0]["id"]
        )
        deal_b = self.hs_deal(
            dealname="B", pipeline=unknown["id"], dealstage=unknown["stages"][0]["id"]
        )
        self.pull_deals()
        self.assertFalse(self.lead_of(deal_a) | self.lead_of(deal_b))
        self.assertIn("2 excluded", self.company._hubspot_status_lines())
        issue_a, issue_b = self.issue_of(deal_a["id"]), self.issue_of(deal_b["id"])
        self.assertEqual((issue_a.error_kind, issue_a.state), ("pipeline_without_team", "open"))
        self.assertIn("Partner pipeline syncs with no sales team", issue_a.message)
        self.assertEqual(issue_b.error_kind, "unknown_pipeline")
        self.assertEqual(issue_b.name, "B")

        # Fetched, the unknown pipeline is known, still without a team: listed again.
        self.fetch_metadata()
        self.env["hubspot.sync.queue"].search([]).write({"next_attempt": fields.Datetime.now()})
        self.process_queue()
        self.assertEqual((issue_b.error_kind, issue_b.state), ("pipeline_without_team", "open"))

        pipeline = self.env["hubspot.pipeline"].search([("hubspot_id", "=", without_team["id"])])
        pipeline.with_user(self.manager).team_id = self.env["crm.team"].create({"name": "Partners"})
        self.env["hubspot.sync.queue"].search([]).write({"next_attempt": fields.Datetime.now()})
        self.process_queue()
        self.assertEqual(self.lead_of(deal_a).name, "A")
        self.assertEqual(issue_a.state, "done")
        self.assertFalse(self.lead_of(deal_b))

    def test_a_deal_without_pipeline_is_listed(self):
        payload = {
            "id": "4242",
            "properties": {"dealname": "Nowhere", "pipeline": "", "dealstage": ""},
            "updatedAt": "2026-01-01T00:00:00Z",
        }
        stats = self.env["crm.lead"]._sync_hubspot2odoo([payload], self.company)
        self.assertEqual(stats["excluded"], 1)
        issue = self.issue_of("4242")
        self.assertEqual((issue.error_kind, issue.name), ("no_pipeline", "Nowhere"))
