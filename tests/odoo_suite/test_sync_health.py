"""Sync Health as a person uses it: every problem listed once, readable, with what helps."""

from odoo import fields

from .common import HubspotCase


class TestSyncHealth(HubspotCase):
    def open_issues(self):
        return self.env["hubspot.sync.issue"].search([("state", "=", "open")])

    def test_a_record_failing_on_its_way_to_hubspot_is_listed_until_it_syncs(self):
        self.company.hubspot_portal_id = "62515"
        partner = self.tagged_partner(name="Bad Mail", email="no-at-sign")
        self.process_queue()
        self.assertEqual(partner.hubspot_sync_state, "failing")
        issue = self.open_issues()
        self.assertEqual(len(issue), 1)
        self.assertEqual((issue.kind, issue.problem), ("failed", "invalid_value"))
        self.assertEqual(
            (issue.res_id, issue.partner_id, issue.name), (partner.id, partner, "Bad Mail")
        )
        self.assertIn("no-at-sign", issue.message)
        self.assertIn("Correct the value", issue.what_to_do)
        opened = issue.action_open_record()
        self.assertEqual((opened["res_model"], opened["res_id"]), ("res.partner", partner.id))
        # Its HubSpot record, through the same address the partner form shows.
        self.assertTrue(partner.hubspot_id)
        self.assertEqual(issue.hubspot_url, partner.hubspot_url)
        self.assertIn(f"/contacts/62515/record/0-1/{partner.hubspot_id}", issue.hubspot_url)
        # The settings count what the list shows.
        settings = self.env["res.config.settings"].create({})
        self.assertEqual((settings.hubspot_failing_count, settings.hubspot_review_count), (1, 0))

        done = issue.action_retry()["params"]
        self.assertEqual(done["type"], "success")
        self.assertIn("1 record(s) will be synced again", done["message"])
        partner.email = "good@example.com"
        self.process_queue()
        self.assertEqual(partner.hubspot_sync_state, "synced")
        self.assertEqual(issue.state, "done")
        self.assertFalse(self.open_issues())

    def test_a_record_that_never_reached_hubspot_is_listed_by_its_odoo_record(self):
        partner = self.tagged_partner(name="Nowhere", email="nowhere@example.com")
        self.sandbox.set_faults(rate=1.0, kinds=["500"])
        with self.assertLogs("odoo.addons.hubspot_connector", level="WARNING"):
            self.process_queue()
        self.sandbox.set_faults(rate=0.0)
        issue = self.open_issues()
        self.assertEqual(
            (issue.res_id, issue.hubspot_id, issue.kind), (partner.id, False, "failed")
        )
        self.assertFalse(issue.hubspot_url)
        issue.action_retry()
        queue = self.env["hubspot.sync.queue"].search([])
        queue.write({"next_attempt": fields.Datetime.now()})
        self.process_queue()
        self.assertEqual(partner.hubspot_sync_state, "synced")
        self.assertEqual(issue.state, "done")

    def test_many_records_failing_at_once_are_each_listed_once(self):
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Bad Mail {n}",
                    "email": f"no-at-sign-{n}",
                    "category_id": [(4, self.category.id)],
                }
                for n in range(30)
            ]
        )
        self.process_queue()
        self.assertEqual(set(self.open_issues().mapped("partner_id")), set(partners))
        self.assertEqual(len(self.open_issues()), 30)
        partners.write({"function": "Still failing"})  # failing again: the same rows
        self.process_queue()
        self.assertEqual(len(self.open_issues()), 30)
        for n, partner in enumerate(partners[:10]):
            partner.email = f"fixed{n}@example.com"
        self.process_queue()
        self.assertEqual(set(partners[:10].mapped("hubspot_sync_state")), {"synced"})
        self.assertEqual(len(self.open_issues()), 20)

    def test_every_kind_has_a_label_and_what_to_do(self):
        issues = self.env["hubspot.sync.issue"]
        labels = dict(issues._fields["problem"]._description_selection(self.env))
        for error_kind, kind, problem in (
            ("ambiguous_match", "review", "Several possible matches"),
            ("merged_in_hubspot", "review", "Merge to repeat on the other side"),
            ("unknown_stage", "review", "Unknown in Odoo: fetch from HubSpot"),
            ("invalid_phone", "failed", "Value refused"),
            ("HubspotServerError", "failed", "Sync error"),
            ("something_new", "review", "Needs a decision"),
        ):
            issue = issues._report(self.company, "contacts", error_kind, kind, error_kind, "m")
            self.assertEqual(labels[issue.problem], problem)
            self.assertTrue(issue.what_to_do)

    def test_forms_show_a_banner_with_the_message_and_the_action(self):
        self.partners_sharing_an_email()
        self.hs_contact(email="same@example.com")
        self.pull_contacts()
        issue = self.open_issues()
        candidate = issue.candidate_partner_ids[0]
        # A person links one in one click; the other candidate stays unlinked.
        done = candidate.with_context(hubspot_issue_id=issue.id).action_hubspot_link_review()
        done = done["params"]
        self.assertIn(f"Linked to {candidate.display_name}", done["message"])
        bad = self.tagged_partner(name="Bad Mail", email="no-at-sign")
        self.process_queue()
        self.assertIn("no-at-sign", bad.hubspot_last_error)
        opened = bad.action_hubspot_open_issues()
        self.assertEqual(opened["res_id"], self.open_issues().filtered("res_id").id)
        self.assertIn("will be read from HubSpot", bad.action_hubspot_retry()["params"]["message"])
        for model in ("res.partner", "crm.lead"):
            arch = self.env[model].get_views([(False, "form")])["views"]["form"]["arch"]
            for banner, shown_when in (
                ("hubspot_failing_banner", "hubspot_sync_state != 'failing'"),
                ("hubspot_review_banner", "hubspot_sync_state != 'review'"),
            ):
                self.assertRegex(arch, f'name="{banner}"[^>]*invisible="{shown_when}"')

    def test_a_review_may_create_a_new_record_instead(self):
        twins = self.partners_sharing_an_email()
        contact = self.hs_contact(email="same@example.com", firstname="Third", lastname="One")
        self.pull_contacts()
        issue = self.open_issues()
        self.assertEqual(issue.email, "same@example.com")  # the HubSpot side, next to them
        done = issue.action_create_record()["params"]
        partner = self.partner_of(contact)
        self.assertEqual(partner.name, "Third One")
        self.assertNotIn(partner, twins)
        self.assertIn("Created Third One from HubSpot", done["message"])
        self.assertEqual(issue.state, "done")
        self.assertFalse(twins.filtered("hubspot_id"))
        self.assertTrue(self.journal(partner, "link_created"))
