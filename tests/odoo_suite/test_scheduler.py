"""The jobs the way Odoo runs them: through ir.cron's runner and its progress API.

The runner calls a job up to 10 times in a row while it reports work remaining,
then reschedules it at once; a job that says "remaining" when it is done loops
for ever. These tests run the real runner on the test transaction.
"""

from datetime import timedelta

from odoo import fields

from hubspot_sandbox import SandboxServer

from .common import TOKEN, HubspotCase

CRONS = {
    "contacts": "ir_cron_hubspot_sync_contacts",
    "deals": "ir_cron_hubspot_sync_deals",
    "queue": "ir_cron_hubspot_process_queue",
}


class SchedulerCase(HubspotCase):
    def run_cron(self, job):
        """One run of a job by ir.cron's runner; returns the batches it ran."""
        cron = self.env.ref(f"hubspot_connector.{CRONS[job]}")
        Progress = self.env["ir.cron.progress"]
        before = Progress.search_count([("cron_id", "=", cron.id)])
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            self.registry["ir.cron"]._process_job(
                self.registry.db_name,
                self.registry.cursor(),
                dict(cron.read(load=None)[0], done=0, remaining=0, timed_out_counter=0),
            )
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()
        return Progress.search_count([("cron_id", "=", cron.id)]) - before

    def assert_rescheduled_later(self, job):
        """The runner moved the job to its next interval: it does not run again at once."""
        cron = self.env.ref(f"hubspot_connector.{CRONS[job]}")
        ready = self.registry["ir.cron"]._get_all_ready_jobs(self.cr)
        self.assertNotIn(cron.id, [ready_job["id"] for ready_job in ready])
        self.assertGreater(cron.nextcall, fields.Datetime.now())

    def make_due(self, *jobs):
        for job in jobs:
            self.env.ref(f"hubspot_connector.{CRONS[job]}").nextcall = (
                fields.Datetime.now() - timedelta(minutes=1)
            )


class TestIdlePortal(SchedulerCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 20)
        self.fetch_metadata()
        for index in range(45):
            self.hs_contact(email=f"idle{index}@example.com", firstname=f"Idle {index}")
        for index in range(5):
            self.hs_deal(dealname=f"Idle deal {index}")
        self.make_due("contacts", "deals", "queue")
        self.assertEqual(self.run_cron("contacts"), 1)
        self.assertEqual(self.run_cron("deals"), 1)
        self.assertEqual(self.run_cron("queue"), 1)
        self.assertEqual(self.env["res.partner"].search_count([("hubspot_id", "!=", False)]), 45)
        self.sandbox.reset_stats()

    def test_an_idle_portal_costs_one_search_per_object_type_per_run(self):
        for _run in range(3):
            self.make_due("contacts", "deals", "queue")
            for job in ("contacts", "deals", "queue"):
                self.assertEqual(self.run_cron(job), 1, job)  # one batch, no re-run
                self.assert_rescheduled_later(job)
        stats = self.sandbox.stats()
        self.assertEqual(stats["total"], 6, stats["by_endpoint"])
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/search"), 3)
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/deals/search"), 3)

    def test_a_change_is_imported_and_the_job_still_runs_once(self):
        contact = self.hs_contact(email="new@example.com", firstname="Fresh")
        self.make_due("contacts")
        self.assertEqual(self.run_cron("contacts"), 1)
        self.assert_rescheduled_later("contacts")
        self.assertEqual(self.partner_of(contact).name, "Fresh")
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/search"), 1)

    def test_the_archived_scan_runs_at_its_own_cadence(self):
        listing = ("GET", "/crm/v3/objects/contacts")
        self.make_due("contacts")
        self.run_cron("contacts")
        self.assertEqual(self.requests_to(*listing), 0)  # listed at the first run already
        state = self.job_state("contacts")
        state.archived_scan_at = fields.Datetime.now() - timedelta(hours=25)
        self.make_due("contacts")
        self.run_cron("contacts")
        self.assertEqual(self.requests_to(*listing), 1)
        self.assertGreater(state.archived_scan_at, fields.Datetime.now() - timedelta(minutes=1))


class TestBusyPortal(SchedulerCase):
    def test_a_big_import_runs_in_batches_until_done_then_stops(self):
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 10)
        # No time at all: each batch does one page, then says what remains.
        self.env["ir.config_parameter"].set_param("hubspot_connector.job_time_budget", 0)
        for index in range(35):
            self.hs_contact(email=f"busy{index}@example.com")
        self.make_due("contacts")
        self.assertEqual(self.run_cron("contacts"), 4)  # 10 + 10 + 10 + 5, then done
        self.assert_rescheduled_later("contacts")
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "like", "busy%@example.com")]), 35
        )
        self.assertFalse(self.job_state("contacts").more_to_do)

    def test_work_left_after_ten_batches_is_rescheduled_at_once(self):
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 2)
        self.env["ir.config_parameter"].set_param("hubspot_connector.job_time_budget", 0)
        for index in range(25):
            self.hs_contact(email=f"many{index}@example.com")
        self.make_due("contacts")
        self.assertEqual(self.run_cron("contacts"), 10)
        self.assertTrue(self.job_state("contacts").more_to_do)
        cron = self.env.ref(f"hubspot_connector.{CRONS['contacts']}")
        ready = self.registry["ir.cron"]._get_all_ready_jobs(self.cr)
        self.assertIn(cron.id, [job["id"] for job in ready])  # runs again at once
        self.assertEqual(self.run_cron("contacts"), 3)  # 20 done, 5 left: 2 + 2 + 1
        self.assert_rescheduled_later("contacts")

    def test_the_queue_job_reads_only_what_it_pushes(self):
        contact = self.hs_contact(email="pushed@example.com", firstname="Before")
        self.pull_contacts()
        partner = self.partner_of(contact)
        self.sandbox.reset_stats()
        partner.function = "Engineer"
        self.assertEqual(self.run_cron("queue"), 1)
        self.assertEqual(
            self.hs_get("contacts", contact["id"])["properties"]["jobtitle"], "Engineer"
        )
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/search"), 0)
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/batch/read"), 1)

    def test_a_paused_company_costs_nothing(self):
        self.hs_contact(email="paused@example.com")
        self.company.hubspot_sync_paused = True
        self.make_due("contacts", "deals", "queue")
        for job in ("contacts", "deals", "queue"):
            self.assertEqual(self.run_cron(job), 1)
        self.assertEqual(self.total_requests(), 0)
        self.company.hubspot_sync_paused = False
        self.make_due("contacts")
        self.run_cron("contacts")
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "paused@example.com")]), 1
        )

    def test_sync_now_runs_the_job_at_once(self):
        self.hs_contact(email="now@example.com")
        settings = self.env["res.config.settings"].create({})
        cron = self.env.ref(f"hubspot_connector.{CRONS['contacts']}")
        cron.nextcall = fields.Datetime.now() + timedelta(hours=1)
        settings.action_hubspot_sync_contacts_now()
        ready = self.registry["ir.cron"]._get_all_ready_jobs(self.cr)
        self.assertIn(cron.id, [job["id"] for job in ready])
        self.run_cron("contacts")
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "now@example.com")]), 1
        )


class TestFailures(SchedulerCase):
    def test_a_failed_run_releases_its_lock_and_shows_the_first_error(self):
        self.hs_contact(email="boom@example.com")
        self.sandbox.set_faults(
            rules=[{"path": "/crm/v3/objects/contacts/search", "kind": "500", "count": 20}]
        )
        self.make_due("contacts")
        self.run_cron("contacts")
        state = self.job_state("contacts")
        self.assertIn("500", state.last_error)
        self.cr.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        self.assertEqual(self.cr.fetchone()[0], 0)
        self.sandbox.set_faults(rate=0.0)
        self.make_due("contacts")
        self.run_cron("contacts")
        self.assertFalse(state.last_error)
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "boom@example.com")]), 1
        )

    def test_a_push_that_keeps_failing_backs_off_then_shows_failing_with_retry(self):
        # One try per run: the client's own quick retries are not what this is about.
        self.env["ir.config_parameter"].set_param("hubspot_connector.max_tries", 1)
        partner = self.tagged_partner(name="Refused", email="refused@example.com")
        self.sandbox.set_faults(
            rules=[{"path": "/crm/v3/objects/contacts/batch/upsert", "kind": "503", "count": 1000}]
        )
        queue = self.env["hubspot.sync.queue"]
        for _try in range(7):
            queue.search([]).next_attempt = fields.Datetime.now() - timedelta(seconds=1)
            self.process_queue()
        entry = queue.search([("res_id", "=", partner.id)])
        self.assertEqual(entry.state, "failed")
        self.assertEqual(partner.hubspot_sync_state, "failing")
        # The runner is called back at each next try, not only at the next interval.
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count(
                [("cron_id", "=", self.env.ref(f"hubspot_connector.{CRONS['queue']}").id)]
            )
        )
        self.sandbox.set_faults(rate=0.0)
        partner.action_hubspot_retry()
        self.process_queue()
        self.assertTrue(partner.hubspot_id)
        self.assertEqual(partner.hubspot_sync_state, "synced")
        self.assertEqual(self.sandbox.store.count("contacts"), 1)


class TestWaitingForOdoo(SchedulerCase):
    def setUp(self):
        super().setUp()
        self.fetch_metadata()

    def test_an_owner_who_is_no_user_waits_with_a_note_until_the_user_exists(self):
        owner = self.sandbox.store.add_owner("later@example.com", "Late", "Comer")
        deal = self.hs_deal(dealname="Owned", hubspot_owner_id=owner["id"])
        self.pull_deals()
        lead = self.lead_of(deal)
        self.assertEqual(lead.hubspot_sync_state, "synced")
        self.assertFalse(lead.user_id)
        self.assertIn("later@example.com", lead.hubspot_note)
        self.assertFalse(self.env["hubspot.sync.queue"].search([]))  # no re-read on a timer
        self.pull_deals()  # nothing changed in HubSpot: nothing to do, nothing pushed
        owner_in_hubspot = self.hs_get("deals", deal["id"])["properties"]["hubspot_owner_id"]
        self.assertEqual(owner_in_hubspot, owner["id"])
        user = self.env["res.users"].create(
            {"name": "Late Comer", "login": "later@example.com", "email": "later@example.com"}
        )
        self.process_queue()
        self.assertEqual(lead.user_id, user)
        self.assertFalse(lead.hubspot_note)
        self.assertEqual(
            self.hs_get("deals", deal["id"])["properties"]["hubspot_owner_id"], owner["id"]
        )

    def test_a_deal_pushed_before_its_customer_gets_its_contact_once_linked(self):
        customer = self.env["res.partner"].create(
            {"name": "Later Customer", "email": "lc@example.com"}
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Pushed early",
                "type": "opportunity",
                "partner_id": customer.id,
                "user_id": False,
                "team_id": self.env["hubspot.pipeline"]
                .search([("team_id", "!=", False)], limit=1)
                .team_id.id,
            }
        )
        self.process_queue()
        self.assertTrue(lead.hubspot_id)
        self.assertEqual(lead.hubspot_sync_state, "synced")
        self.assertIn("Later Customer", lead.hubspot_note)
        customer.category_id = [(4, self.category.id)]
        self.process_queue()
        self.process_queue()  # the contact is created, then the deal takes it up
        self.assertTrue(customer.hubspot_id)
        store = self.sandbox.store
        deals = store.table("deals")
        deal = deals.records[int(lead.hubspot_id)]
        self.assertEqual(
            store.linked(deals, deal, store.table("contacts")), [int(customer.hubspot_id)]
        )
        self.assertFalse(lead.hubspot_note)


class TestSeveralCompanies(SchedulerCase):
    def test_each_company_gets_its_turn_and_extra_runs_serve_only_unfinished_work(self):
        other_sandbox = SandboxServer(host="127.0.0.1", port=0).start()
        self.addCleanup(other_sandbox.stop)
        other = self.env["res.company"].create({"name": "Small Portal Ltd"})
        other.write(
            {
                "hubspot_access_token": TOKEN,
                "hubspot_api_url": other_sandbox.url,
                "hubspot_verified_api_url": other_sandbox.url,
                "hubspot_token_verified": True,
            }
        )
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 10)
        # No time at all: each company does one page per run, then says what remains.
        self.env["ir.config_parameter"].set_param("hubspot_connector.job_time_budget", 0)
        for index in range(25):
            self.hs_contact(email=f"big{index}@example.com")
        other_sandbox.store.create_object("contacts", {"email": "small@example.com"})
        self.make_due("contacts")
        self.assertEqual(self.run_cron("contacts"), 3)  # the big portal: 10 + 10 + 5
        # The small portal was served in the first run only, not in the extra ones.
        small_searches = other_sandbox.stats()["by_endpoint"][
            "POST /crm/v3/objects/contacts/search"
        ]
        self.assertEqual(small_searches, 1)
        partners = self.env["res.partner"].with_context(active_test=False)
        self.assertEqual(partners.search_count([("email", "=", "small@example.com")]), 1)
        self.assertEqual(partners.search_count([("email", "like", "big%@example.com")]), 25)
