"""Nothing dropped silently, the token kept to its verified URL, Sync Health behind record rules."""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from hubspot_sandbox import SandboxServer

from .common import HubspotCase
from .test_deals import STAGES, DealCase


class TestLeftOutDeals(DealCase):
    def issue_of(self, pipeline_id):
        """The one row of the deals a pipeline holds back."""
        return self.env["hubspot.sync.issue"].search(
            [("group_key", "=", f"pipeline:{pipeline_id}")]
        )

    def test_left_out_deals_are_listed_with_reason_and_imported_after_the_fix(self):
        without_team = self.sandbox.store.add_pipeline("Partner pipeline", STAGES)
        self.fetch_metadata()
        unknown = self.sandbox.store.add_pipeline("Newer pipeline", STAGES)
        deals_a = [
            self.hs_deal(
                dealname=name,
                pipeline=without_team["id"],
                dealstage=without_team["stages"][0]["id"],
            )
            for name in ("A", "A2")
        ]
        deal_b = self.hs_deal(
            dealname="B", pipeline=unknown["id"], dealstage=unknown["stages"][0]["id"]
        )
        self.pull_deals()
        self.assertFalse(self.lead_of(deals_a[0]) | self.lead_of(deal_b))
        self.assertIn("3 excluded", self.company._hubspot_status_lines())
        # One problem, one row: the pipeline, with the deals it holds back.
        issue_a, issue_b = self.issue_of(without_team["id"]), self.issue_of(unknown["id"])
        self.assertEqual((issue_a.error_kind, issue_a.state), ("pipeline_without_team", "open"))
        self.assertEqual(issue_a.problem, "pipeline_without_team")
        self.assertEqual(issue_a.held_count, 2)
        self.assertEqual(issue_a.name, "Pipeline Partner pipeline")
        self.assertEqual(issue_a.pipeline_id.hubspot_id, without_team["id"])
        self.assertIn("Partner pipeline syncs with no sales team", issue_a.message)
        self.assertIn("choose the sales team", issue_a.what_to_do)
        opened = issue_a.action_open_pipeline()
        self.assertEqual(
            (opened["res_model"], opened["res_id"]), ("hubspot.pipeline", issue_a.pipeline_id.id)
        )
        self.assertEqual((issue_b.error_kind, issue_b.held_count), ("unknown_pipeline", 1))
        self.assertEqual(issue_b.problem, "unknown_pipeline")

        # Fetched, the unknown pipeline is known, still without a team: listed again.
        issue_b.action_fetch_from_hubspot()
        self.env["hubspot.sync.queue"].search([]).write({"next_attempt": fields.Datetime.now()})
        self.process_queue()
        self.assertEqual((issue_b.error_kind, issue_b.state), ("pipeline_without_team", "open"))
        self.assertEqual(issue_b.held_count, 1)

        pipeline = self.env["hubspot.pipeline"].search([("hubspot_id", "=", without_team["id"])])
        pipeline.with_user(self.manager).team_id = self.env["crm.team"].create({"name": "Partners"})
        self.env["hubspot.sync.queue"].search([]).write({"next_attempt": fields.Datetime.now()})
        self.process_queue()
        self.assertEqual([self.lead_of(d).name for d in deals_a], ["A", "A2"])
        self.assertEqual(issue_a.state, "done")
        self.assertFalse(self.lead_of(deal_b))

    def test_a_deal_without_pipeline_is_listed(self):
        payload = {
            "id": "4242",
            "properties": {"dealname": "Nowhere", "pipeline": "", "dealstage": ""},
            "updatedAt": "2026-01-01T00:00:00Z",
        }
        stats = self.env["hubspot.deal.binding"]._import_page([payload], self.company)
        self.assertEqual(stats["excluded"], 1)
        issue = self.issue_of("")
        self.assertEqual((issue.error_kind, issue.name), ("no_pipeline", "Deals without pipeline"))
        self.assertEqual(issue.held_hubspot_ids, ["4242"])


class TestTokenGoesOnlyWhereVerified(HubspotCase):
    def test_a_new_url_gets_no_token_until_the_connection_is_tested(self):
        elsewhere = SandboxServer(host="127.0.0.1", port=0).start()
        self.addCleanup(elsewhere.stop)
        self.hs_contact(email="stays@example.com")
        self.company.hubspot_api_url = elsewhere.url
        self.assertFalse(self.company.hubspot_token_verified)
        with mute_logger("odoo.addons.hubspot_connector.models.hubspot_job_runner"):
            self.pull_contacts()
        self.assertEqual(elsewhere.stats()["total"], 0)
        self.assertEqual(self.total_requests(), 0)
        self.assertIn(f"not verified against {elsewhere.url}", self.company._hubspot_status_lines())
        settings = self.env["res.config.settings"].create({})
        self.assertIn(elsewhere.url, settings.hubspot_connection_problem)
        refused = settings.action_hubspot_fetch_options()["params"]
        self.assertEqual(refused["type"], "danger")
        self.assertIn("was not: test the connection", refused["message"])

        self.assertEqual(settings.action_hubspot_test_connection()["params"]["type"], "success")
        self.assertEqual(self.company.hubspot_verified_api_url, elsewhere.url)
        self.pull_contacts()
        self.assertGreater(elsewhere.stats()["total"], 1)

    def test_only_settings_administrators_change_the_token_or_the_url(self):
        admin_rights = new_test_user(
            self.env,
            "hs_erp_manager",
            groups="base.group_erp_manager,sales_team.group_sale_manager",
        )
        company = self.company.with_user(admin_rights)
        company.name = "Renamed"  # may edit the company, but not where the token goes
        for field in ("hubspot_api_url", "hubspot_access_token", "hubspot_verified_api_url"):
            with self.assertRaises(AccessError):
                company.write({field: "https://evil.example.com"})
        with self.assertRaises(AccessError):
            company.hubspot_api_url  # noqa: B018
        for field in ("hubspot_api_url", "hubspot_access_token"):
            self.assertEqual(
                self.env["res.config.settings"]._fields[field].groups, "base.group_system"
            )
        self.assertEqual(self.company.hubspot_verified_api_url, self.sandbox.url)


class TestSyncHealthFollowsRecordRules(DealCase):
    def test_a_salesman_sees_issues_of_records_he_may_read_only(self):
        mine_user = new_test_user(self.env, "hs_own_docs", groups="sales_team.group_sale_salesman")
        other_user = new_test_user(
            self.env, "hs_other_seller", groups="sales_team.group_sale_salesman"
        )
        issues = self.env["hubspot.sync.issue"]
        for hubspot_id, user in (("901", mine_user), ("902", other_user)):
            lead = self.env["crm.lead"].create(
                {"name": f"Deal {hubspot_id}", "type": "opportunity", "user_id": user.id}
            )
            self.env["hubspot.deal.binding"]._hubspot_ensure(self.company, lead)._link_to(
                hubspot_id, "test"
            )
            issues |= issues._report(
                self.company, "deals", hubspot_id, "failed", "x", f"secret {hubspot_id}"
            )
        issues |= issues._report(self.company, "deals", "903", "review", "no_pipeline", "none")
        mine, others, orphan = issues
        self.assertEqual(mine.lead_id.user_id, mine_user)

        as_salesman = self.env["hubspot.sync.issue"].with_user(mine_user)
        self.assertEqual(as_salesman.search([]), mine)
        self.assertEqual(
            [g["hubspot_id"] for g in as_salesman.search_read([], ["hubspot_id"])], ["901"]
        )
        for hidden in (others, orphan):
            with self.assertRaises(AccessError):
                hidden.with_user(mine_user).read(["message"])
        self.assertEqual(mine.with_user(mine_user).message, "secret 901")
        self.assertEqual(self.env["hubspot.sync.issue"].with_user(self.manager).search([]), issues)
        with self.assertRaises(AccessError):
            self.env["hubspot.sync.journal"].with_user(mine_user).search([])
