"""HubSpot owners in a table of their own, matched to Odoo users, read by every type."""

from .test_scheduler import SchedulerCase


class TestOwners(SchedulerCase):
    def owner_row(self, hs_owner):
        return self.env["hubspot.owner"].search(
            [("company_id", "=", self.company.id), ("hubspot_id", "=", hs_owner["id"])]
        )

    def test_the_metadata_fetch_reads_active_and_archived_owners_and_matches_users(self):
        store = self.sandbox.store
        active = store.add_owner("sales@example.com", "Sally", "Seller")
        gone = store.add_owner("gone@example.com", "Gone", "Away")
        store.archive_owner(gone["id"])
        self.fetch_metadata()
        row = self.owner_row(active)
        self.assertEqual(row.user_id, self.salesman)
        self.assertEqual(row.name, "Sally Seller")
        self.assertFalse(row.archived)
        archived = self.owner_row(gone)
        self.assertTrue(archived.archived)
        self.assertEqual(archived.hubspot_user_id, str(gone["userIdIncludingInactive"]))
        self.assertFalse(archived.user_id)
        users = self.env["res.users"].search_count([])
        self.fetch_metadata()  # again: same rows, and owners never make users
        self.assertEqual(self.owner_row(gone), archived)
        self.assertEqual(self.env["res.users"].search_count([]), users)

    def test_a_deal_of_an_archived_owner_gets_the_owners_user(self):
        owner = self.sandbox.store.add_owner("boss@example.com", "Big", "Boss")
        self.sandbox.store.archive_owner(owner["id"])
        self.fetch_metadata()
        deal = self.hs_deal(dealname="Old owner", hubspot_owner_id=owner["id"])
        self.pull_deals()
        self.assertEqual(self.lead_of(deal).user_id, self.manager)
        self.assertTrue(self.owner_row(owner).archived)

    def test_a_user_chosen_by_hand_survives_rematching_and_the_next_fetch(self):
        owner = self.sandbox.store.add_owner("sales@example.com", "Sally", "Seller")
        self.fetch_metadata()
        row = self.owner_row(owner)
        self.assertEqual(row.user_id, self.salesman)
        row.user_id = self.manager
        self.assertTrue(row.user_locked)
        self.salesman.email = "sales@example.com"  # a user change rematches the others
        self.fetch_metadata()
        self.assertEqual(row.user_id, self.manager)
        deal = self.hs_deal(dealname="By hand", hubspot_owner_id=owner["id"])
        self.pull_deals()
        self.assertEqual(self.lead_of(deal).user_id, self.manager)
        row.user_locked = False  # back to matching by e-mail
        self.assertEqual(row.user_id, self.salesman)

    def test_an_unknown_owner_is_read_once_per_run_then_waits_for_its_user(self):
        self.fetch_metadata()
        owner = self.sandbox.store.add_owner("newbie@example.com", "New", "Bie")
        deals = [
            self.hs_deal(dealname=f"Newbie {n}", hubspot_owner_id=owner["id"]) for n in range(3)
        ]
        self.sandbox.reset_stats()
        self.pull_deals()
        # One read of the owners (active and archived) for the whole run, not one per deal.
        self.assertEqual(self.requests_to("GET", "/crm/v3/owners"), 2)
        lead = self.lead_of(deals[0])
        self.assertFalse(lead.user_id)
        self.assertIn("newbie@example.com", lead.hubspot_note)
        self.assertTrue(self.owner_row(owner))
        user = self.env["res.users"].create(
            {"name": "New Bie", "login": "newbie@example.com", "email": "newbie@example.com"}
        )
        self.assertEqual(self.owner_row(owner).user_id, user)
        self.make_due("queue")
        self.run_cron("queue")
        for deal in deals:
            self.assertEqual(self.lead_of(deal).user_id, user)
            self.assertFalse(self.lead_of(deal).hubspot_note)

    def test_an_idle_run_reads_no_owners(self):
        owner = self.sandbox.store.add_owner("sales@example.com", "Sally", "Seller")
        self.fetch_metadata()
        self.hs_deal(dealname="Owned", hubspot_owner_id=owner["id"])
        self.pull_deals()
        self.sandbox.reset_stats()
        self.pull_deals()
        self.assertEqual(self.requests_to("GET", "/crm/v3/owners"), 0)
        self.assertEqual(self.total_requests(), 1)

    def test_a_salesperson_is_sent_as_the_owner_of_their_row(self):
        owner = self.sandbox.store.add_owner("sales@example.com", "Sally", "Seller")
        self.fetch_metadata()
        partner = self.tagged_partner(name="Owned Customer", email="oc@example.com")
        lead = self.env["crm.lead"].create(
            {
                "name": "Sold by Sally",
                "type": "opportunity",
                "partner_id": partner.id,
                "user_id": self.salesman.id,
            }
        )
        self.process_queue()
        self.assertEqual(
            self.hs_get("deals", lead.hubspot_id)["properties"]["hubspot_owner_id"], owner["id"]
        )
