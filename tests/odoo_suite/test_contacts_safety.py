"""The data-loss traps of two-way CRM syncs, and a job that must not lose data."""

from unittest.mock import patch

from odoo import fields

from odoo.addons.hubspot_connector.models.hubspot_import import HubspotBindingImport

from .common import HubspotCase


class TestMatchingAndLinks(HubspotCase):
    def test_duplicate_emails_at_first_link_go_to_review(self):
        first = self.env["res.partner"].create({"name": "Dup One", "email": "dup@example.com"})
        second = self.env["res.partner"].create({"name": "Dup Two", "email": " DUP@example.com"})
        contact = self.hs_contact(email="dup@example.com", firstname="Dup")
        self.pull_contacts()
        self.assertFalse(first.hubspot_id or second.hubspot_id)
        self.assertFalse(self.partner_of(contact))
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", contact["id"])])
        self.assertEqual(issue.kind, "review")
        self.assertEqual(issue.candidate_partner_ids, first | second)
        self.assertEqual(
            self.env["res.partner"].search_count([("email_normalized", "=", "dup@example.com")]), 2
        )

    def test_a_person_chooses_the_partner_in_sync_health(self):
        first = self.env["res.partner"].create({"name": "Pick me", "email": "pick@example.com"})
        self.env["res.partner"].create({"name": "Not me", "email": "pick@example.com"})
        contact = self.hs_contact(email="pick@example.com", city="Kiel")
        self.pull_contacts()
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", contact["id"])])
        issue.link_partner_id = first
        issue.action_link_partner()
        self.assertEqual(first.hubspot_id, contact["id"])
        self.assertIn("Chosen by", self.journal(first, "link_created").note)
        self.process_queue()
        self.assertEqual(first.city, "Kiel")
        self.assertEqual(issue.state, "done")

    def test_single_candidate_is_linked(self):
        partner = self.env["res.partner"].create({"name": "Only", "email": "only@example.com"})
        contact = self.hs_contact(email="Only@Example.com")
        self.pull_contacts()
        self.assertEqual(partner.hubspot_id, contact["id"])

    def test_duplicate_switch_never_moves_the_link(self):
        contact = self.hs_contact(email="same@example.com", firstname="Linked", phone="+4930100")
        self.pull_contacts()
        linked = self.partner_of(contact)
        twin = self.tagged_partner(name="Twin", email="same@example.com", phone="+4930999")
        # The twin is pushed: HubSpot answers 409, the link stays where it is.
        self.process_queue()
        self.assertFalse(twin.hubspot_id)
        self.assertEqual(twin.hubspot_sync_state, "review")
        # HubSpot updates the contact: the linked partner follows, the twin does not.
        self.sandbox.store.update_object("contacts", contact["id"], {"phone": "+4930200"})
        self.pull_contacts()
        self.assertEqual(self.partner_of(contact), linked)
        self.assertEqual(linked.phone, "+4930200")
        self.assertEqual((twin.phone, twin.hubspot_id), ("+4930999", False))
        self.assertFalse(self.journal(linked, "link_moved"))

    def test_link_changes_are_journaled_with_who_and_when(self):
        contact = self.hs_contact(email="j@example.com")
        self.pull_contacts()
        partner = self.partner_of(contact)
        created = self.journal(partner, "link_created")
        self.assertEqual(created.hubspot_id, contact["id"])
        self.assertTrue(created.create_uid and created.create_date)
        partner._hubspot_binding()._drop_link("test")
        removed = self.journal(partner, "link_removed")
        self.assertEqual(removed.old_value, contact["id"])


class TestMerges(HubspotCase):
    def test_odoo_merge_keeps_the_link_on_the_survivor(self):
        contact = self.hs_contact(email="m@example.com", firstname="Merged")
        self.pull_contacts()
        linked = self.partner_of(contact)
        survivor = self.env["res.partner"].create({"name": "Survivor", "email": "m@example.com"})
        wizard = self.env["base.partner.merge.automatic.wizard"]
        wizard._merge((linked | survivor).ids, survivor)
        self.assertFalse(linked.exists())
        self.assertEqual(survivor.hubspot_id, contact["id"])
        self.assertTrue(self.journal(survivor, "link_created"))
        self.assertEqual(self.sandbox.store.count("contacts"), 1)  # nothing archived

    def test_odoo_merge_of_two_linked_partners_keeps_the_survivors_link(self):
        one = self.hs_contact(email="one@example.com")
        two = self.hs_contact(email="two@example.com")
        self.pull_contacts()
        first, second = self.partner_of(one), self.partner_of(two)
        self.env["base.partner.merge.automatic.wizard"]._merge((first | second).ids, second)
        self.assertEqual(second.hubspot_id, two["id"])
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", one["id"])])
        self.assertEqual(issue.error_kind, "merged_in_odoo")

    def test_hubspot_merge_repoints_the_link_without_duplicates(self):
        one = self.hs_contact(email="a@example.com", firstname="A")
        two = self.hs_contact(email="b@example.com", firstname="B")
        self.pull_contacts()
        first, second = self.partner_of(one), self.partner_of(two)
        survivor = self.sandbox.store.merge_objects("contacts", one["id"], two["id"])
        partners_before = self.env["res.partner"].search_count([])
        self.pull_contacts()
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)
        self.assertEqual(first.hubspot_id, survivor["id"])
        self.assertTrue(self.journal(first, "link_moved"))
        self.assertFalse(second.hubspot_id)
        self.assertTrue(second.exists() and second.active)
        self.assertEqual(second.hubspot_sync_state, "review")


class TestDeletions(HubspotCase):
    def setUp(self):
        super().setUp()
        # Archived records are listed at every run here, not once a day.
        self.env["ir.config_parameter"].set_param("hubspot_connector.archived_scan_hours", 0)

    def _linked(self):
        contact = self.hs_contact(email="del@example.com")
        self.pull_contacts()
        return contact, self.partner_of(contact)

    def test_hubspot_deletion_with_default_policy_keeps_the_partner(self):
        contact, partner = self._linked()
        self.sandbox.store.archive_object("contacts", contact["id"])
        self.pull_contacts()
        self.assertTrue(partner.active)
        self.assertEqual(partner.hubspot_id, contact["id"])
        self.assertEqual(partner.hubspot_sync_state, "excluded")
        self.assertTrue(self.journal(partner, "kept"))

    def test_hubspot_deletion_with_archive_policy_archives_and_unlinks(self):
        self.company.hubspot_delete_policy_hubspot2odoo = "archive"
        contact, partner = self._linked()
        self.sandbox.store.archive_object("contacts", contact["id"])
        self.pull_contacts()
        self.assertTrue(partner.exists())
        self.assertFalse(partner.active)
        self.assertFalse(partner.hubspot_id)

    def test_odoo_archive_with_default_policy_leaves_hubspot_alone(self):
        contact, partner = self._linked()
        partner.action_archive()
        self.process_queue()
        self.assertFalse(self.hs_get("contacts", contact["id"])["archived"])
        self.assertTrue(self.journal(partner, "kept"))

    def test_odoo_deletion_with_archive_policy_archives_in_hubspot(self):
        self.company.hubspot_delete_policy_odoo2hubspot = "archive"
        contact, partner = self._linked()
        partner.unlink()
        self.process_queue()
        self.assertTrue(self.hs_get("contacts", contact["id"])["archived"])
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/batch/archive"), 1)


class TestJobs(HubspotCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 4)
        for number in range(10):
            self.hs_contact(email=f"job{number}@example.com", firstname=f"Job{number}")

    def linked_count(self):
        return self.env["res.partner"].search_count([("hubspot_id", "!=", False)])

    def test_job_killed_half_way_loses_and_duplicates_nothing(self):
        original = HubspotBindingImport._import_page
        calls = []

        def dies_on_third_page(records, payloads, company):
            calls.append(len(payloads))
            if len(calls) == 3:
                raise KeyboardInterrupt("worker killed")
            return original(records, payloads, company)

        with patch.object(HubspotBindingImport, "_import_page", dies_on_third_page):
            self.run_killed(self.pull_contacts)
        self.assertEqual(self.linked_count(), 8)
        self.pull_contacts()
        self.assertEqual(self.linked_count(), 10)
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "like", "job%@example.com")]), 10
        )

    def test_two_runs_never_overlap(self):
        registry = self.env.registry
        state = self.env["hubspot.job.state"]._get(self.company, "contacts", "pull")
        with registry.cursor() as other_cr:
            other_cr.execute("SELECT 1")  # another worker holding the job's lock
            env = self.env(cr=other_cr)
            with env["hubspot.job.state"].browse(state.id)._lock() as got:
                self.assertTrue(got)
                self.pull_contacts()
        self.assertEqual(self.total_requests(), 0)
        self.pull_contacts()
        self.assertEqual(self.linked_count(), 10)

    def test_time_budget_stops_and_the_next_run_resumes(self):
        self.env["ir.config_parameter"].set_param("hubspot_connector.job_time_budget", 0)
        self.pull_contacts()
        self.assertEqual(self.linked_count(), 4)  # one page, then out of time
        self.env["ir.config_parameter"].set_param("hubspot_connector.job_time_budget", 60)
        self.pull_contacts()
        self.assertEqual(self.linked_count(), 10)

    def test_full_sync_with_ten_percent_faults_ends_in_sync(self):
        # 429s are left to the client tests: each costs a ten-second wait.
        self.sandbox.set_faults(rate=0.1, kinds=("500", "502", "503", "drop", "drop_after"), seed=7)
        for number in range(10, 60):
            self.hs_contact(email=f"job{number}@example.com", firstname=f"Job{number}")
        pushed = [
            self.tagged_partner(name=f"Odoo {n}", email=f"odoo{n}@example.com") for n in range(20)
        ]
        # A batch that failed is retried after a delay; a create whose reply was lost
        # is found by the next pull (or HubSpot's 409) and linked, never duplicated.
        queue = self.env["hubspot.sync.queue"]
        for _run in range(8):
            self.pull_contacts()
            self.process_queue()
            if self.linked_count() == 80 and not queue.search([]):
                break
            queue.search([]).write({"next_attempt": fields.Datetime.now()})  # time passes
        self.assertEqual(self.linked_count(), 80)
        self.assertEqual(self.sandbox.store.count("contacts"), 80)
        self.assertTrue(all(partner.hubspot_id for partner in pushed))
        states = set(
            self.env["res.partner"]
            .search([("hubspot_id", "!=", False)])
            .mapped("hubspot_sync_state")
        )
        self.assertEqual(states, {"synced"})
        faults = self.sandbox.stats()["by_status"]
        self.assertGreater(sum(faults.get(kind, 0) for kind in ("500", "502", "503", "drop")), 0)


class TestBadInput(HubspotCase):
    def test_broken_contacts_get_an_error_and_the_rest_syncs(self):
        good = self.hs_contact(email="good@example.com", firstname="Good")
        no_email = self.hs_contact(firstname="Nomail", lastname="Person")
        bad_phone = self.hs_contact(email="phone@example.com", phone="call me maybe")
        bad_country = self.hs_contact(email="atlantis@example.com", country="Atlantis")
        long_name = self.hs_contact(email="long@example.com", firstname="X" * 5000, city="Zürich 🏔")
        self.sandbox.store.add_property_option(
            "contacts", "hs_lead_status", "VIP", "Very important"
        )
        unknown_status = self.hs_contact(email="vip@example.com", hs_lead_status="VIP")
        self.env["hubspot.lead.status"].search([("value", "=", "VIP")]).unlink()
        self.pull_contacts()
        self.assertEqual(self.partner_of(good).hubspot_sync_state, "synced")
        self.assertEqual(self.partner_of(no_email).name, "Nomail Person")
        for contact, kind in (
            (bad_phone, "invalid_phone"),
            (bad_country, "unknown_country"),
        ):
            partner = self.partner_of(contact)
            self.assertEqual(partner.hubspot_sync_state, "failing", contact)
            self.assertEqual(partner.hubspot_error_kind, kind)
            self.assertTrue(partner.hubspot_last_error)
        # An option Odoo does not know yet is nothing wrong: it waits, with a note,
        # for the options to be fetched, and is taken then.
        vip = self.partner_of(unknown_status)
        self.assertEqual(vip.hubspot_sync_state, "synced")
        self.assertIn("VIP", vip.hubspot_note)
        self.assertFalse(vip.hubspot_lead_status)
        self.fetch_metadata()
        self.process_queue()
        self.assertEqual(vip.hubspot_lead_status, "VIP")
        self.assertFalse(vip.hubspot_note)
        self.assertEqual(self.partner_of(bad_country).email, "atlantis@example.com")
        self.assertEqual(self.partner_of(long_name).city, "Zürich 🏔")
        # The name has an index: it is cut where any index takes it, and the cut reported.
        long_partner = self.partner_of(long_name)
        self.assertEqual(long_partner.name, "X" * 127)
        self.assertEqual(long_partner.hubspot_error_kind, "cleaned_value")
        self.assertIn("firstname", long_partner.hubspot_last_error)


class TestQueueAndHealth(HubspotCase):
    def test_fetch_applies_the_deletion_policy_only_to_records_hubspot_says_are_gone(self):
        self.company.hubspot_delete_policy_hubspot2odoo = "archive"
        kept = self.hs_contact(email="kept@example.com")
        gone = self.hs_contact(email="gone@example.com")
        self.pull_contacts()
        queue = self.env["hubspot.sync.queue"]
        queue._enqueue(self.company, "fetch", "contacts", hubspot_ids=[kept["id"]])
        self.env["ir.config_parameter"].set_param("hubspot_connector.max_tries", 2)
        self.sandbox.set_faults(
            rules=[
                {
                    "method": "POST",
                    "path": "/crm/v3/objects/contacts/batch/read",
                    "kind": "503",
                    "count": 10,
                }
            ]
        )
        self.process_queue()
        self.assertTrue(self.partner_of(kept).active)  # a failed read is no deletion
        entry = queue.search([("hubspot_id", "=", kept["id"])])
        self.assertEqual(entry.attempts, 1)
        self.sandbox.set_faults(rate=0.0)
        self.sandbox.store.archive_object("contacts", gone["id"])
        queue._enqueue(self.company, "fetch", "contacts", hubspot_ids=[gone["id"]])
        partner = self.partner_of(gone)
        self.process_queue()
        self.assertFalse(partner.active)
        self.assertFalse(partner.hubspot_id)

    def test_a_mapping_record_syncs_a_custom_property(self):
        self.sandbox.store.define_property(
            self.sandbox.store.table("contacts"),
            {
                "name": "customer_number",
                "label": "Customer number",
                "type": "string",
                "fieldType": "text",
                "groupName": "contactinformation",
            },
        )
        self.env["hubspot.field.mapping"].create(
            {
                "object_type": "contacts",
                "hubspot_property": "customer_number",
                "odoo_field": "ref",
                "converter": "char",
                "rule": "two_way",
            }
        )
        contact = self.hs_contact(email="custom@example.com", customer_number="C-42")
        self.pull_contacts()
        partner = self.partner_of(contact)
        self.assertEqual(partner.ref, "C-42")
        partner.ref = "C-43"
        self.process_queue()
        self.assertEqual(
            self.hs_get("contacts", contact["id"])["properties"]["customer_number"], "C-43"
        )

    def test_fetch_button_reports_what_came_from_hubspot(self):
        self.sandbox.store.add_property_option(
            "contacts", "hs_lead_status", "VIP", "Very important"
        )
        message = self.env["res.config.settings"].create({}).action_hubspot_fetch_options()
        self.assertIn("9 lead statuses", message["params"]["message"])
        self.assertIn("VIP", self.env["hubspot.lead.status"].search([]).mapped("value"))

    def test_health_at_a_glance_in_the_settings(self):
        self.env["res.partner"].create(
            [{"name": f"Same {n}", "email": "same@example.com"} for n in range(2)]
        )
        self.hs_contact(email="same@example.com")
        self.hs_contact(email="fine@example.com", firstname="Fine")
        self.hs_contact(email="tel@example.com", phone="not a number")
        self.pull_contacts()
        settings = self.env["res.config.settings"].create({})
        # The failing partner is in Sync Health too: the settings count what it lists.
        self.assertEqual(settings.hubspot_review_count, 1)
        self.assertEqual(settings.hubspot_failing_count, 1)
        listed = self.env["hubspot.sync.issue"].search([("state", "=", "open")])
        self.assertEqual(sorted(listed.mapped("kind")), ["failed", "review"])
        self.assertIn("Several possible matches: <b>1</b>", settings.hubspot_overview)
        self.assertIn("Value refused: <b>1</b>", settings.hubspot_overview)
        self.assertIn("Contact: <b>2</b>", settings.hubspot_overview)
        self.assertRegex(settings.hubspot_overview, r"HubSpot requests today: \d+ of 625,000")
        self.assertIn("Contacts: Read HubSpot changes (", settings.hubspot_status)
        self.assertIn("2 created", settings.hubspot_status)
        self.assertIn("1 to review", settings.hubspot_status)
