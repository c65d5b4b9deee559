"""HubSpot companies <-> company partners, and their associations, through Odoo's cron runner."""

from unittest.mock import patch

from .test_scheduler import CRONS, SchedulerCase

CRONS.setdefault("companies", "ir_cron_hubspot_sync_companies")


class CompanyCase(SchedulerCase):
    def setUp(self):
        super().setUp()
        self.fetch_metadata()
        self.team = self.env["hubspot.pipeline"].search([("hubspot_id", "=", "default")]).team_id

    def pull_companies(self):
        """A pull whose archived scan is due (its cadence is tested with contacts)."""
        self.job_state("companies").archived_scan_at = False
        self.env["hubspot.job.runner"]._cron_hubspot_pull("companies")

    def hs_company(self, **properties):
        return self.sandbox.store.create_object("companies", properties)

    def sync(self, *jobs):
        for job in jobs or ("companies", "contacts", "deals", "queue"):
            self.make_due(job)
            self.run_cron(job)

    def company_of(self, hs_company):
        binding = self.env["hubspot.company.binding"].search(
            [("company_id", "=", self.company.id), ("hubspot_id", "=", hs_company["id"])]
        )
        return binding.odoo_id

    def primary_company(self, contact_id):
        store = self.sandbox.store
        with store.lock:
            contacts = store.table("contacts")
            return store.primary_of(
                contacts, contacts.records[int(contact_id)], store.table("companies")
            )

    def associated(self, from_type, from_id, to_type):
        return self.sandbox.store.get_object(from_type, from_id) and {
            str(target) for target, _primary in self._associations(from_type, from_id, to_type)
        }

    def _associations(self, from_type, from_id, to_type):
        store = self.sandbox.store
        with store.lock:
            table = store.table(from_type)
            return store.associations(table, table.records[int(from_id)], store.table(to_type))


class TestCompaniesFromHubspot(CompanyCase):
    def test_a_first_import_puts_contacts_under_their_companies_and_deals_get_customers(self):
        acme = self.hs_company(name="Acme", domain="acme.example")
        ada = self.hs_contact(email="ada@acme.example", firstname="Ada")
        self.sandbox.store.associate("contacts", ada["id"], "companies", acme["id"], primary=True)
        loner = self.hs_contact(email="loner@example.com", firstname="Lone")
        only_company = self.hs_deal(dealname="Company deal")
        self.sandbox.store.associate("deals", only_company["id"], "companies", acme["id"])
        both = self.hs_deal(dealname="Both", contact_id=ada["id"])
        self.sandbox.store.associate("deals", both["id"], "companies", acme["id"])
        self.sync()

        company = self.company_of(acme)
        self.assertTrue(company.is_company)
        self.assertEqual(company.website, "https://acme.example")
        self.assertEqual(company.hubspot_id, acme["id"])
        self.assertEqual(company.hubspot_sync_state, "synced")
        self.assertIn(self.category, company.category_id)
        self.assertEqual(self.partner_of(ada).parent_id, company)
        self.assertFalse(self.partner_of(loner).parent_id)
        self.assertEqual(self.lead_of(only_company).partner_id, company)
        self.assertEqual(self.lead_of(both).partner_id, self.partner_of(ada))

    def test_a_contact_whose_company_arrives_one_run_later_gets_it_when_linked(self):
        ada = self.hs_contact(email="ada@late.example", firstname="Ada")
        self.sync("contacts")
        acme = self.hs_company(name="Late Acme", domain="late.example")
        self.sandbox.store.associate("contacts", ada["id"], "companies", acme["id"], primary=True)
        self.sync("contacts")  # the contact changed: its company is not in Odoo yet
        partner = self.partner_of(ada)
        self.assertFalse(partner.parent_id)
        self.assertEqual(partner.hubspot_sync_state, "synced")
        self.assertIn(acme["id"], partner.hubspot_note)
        self.sync("companies", "queue")
        self.assertEqual(partner.parent_id, self.company_of(acme))

    def test_a_primary_company_moved_in_hubspot_moves_the_parent(self):
        one = self.hs_company(name="One", domain="one.example")
        two = self.hs_company(name="Two", domain="two.example")
        ada = self.hs_contact(email="ada@one.example", firstname="Ada")
        self.sandbox.store.associate("contacts", ada["id"], "companies", one["id"], primary=True)
        self.sync("companies", "contacts")
        self.assertEqual(self.partner_of(ada).parent_id, self.company_of(one))
        self.sandbox.store.associate("contacts", ada["id"], "companies", two["id"], primary=True)
        self.sync("contacts")
        self.assertEqual(self.partner_of(ada).parent_id, self.company_of(two))

    def test_an_ambiguous_domain_goes_to_review_with_its_candidates(self):
        first = self.env["res.partner"].create(
            {"name": "Dup One", "is_company": True, "website": "https://www.dup.example/a"}
        )
        second = self.env["res.partner"].create(
            {"name": "Dup Two", "is_company": True, "website": "http://dup.example"}
        )
        single = self.env["res.partner"].create(
            {"name": "Solo Ltd", "is_company": True, "website": "solo.example"}
        )
        dup = self.hs_company(name="Dup", domain="dup.example")
        solo = self.hs_company(name="Solo", domain="SOLO.example")
        self.sync("companies")
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", dup["id"])])
        self.assertEqual(issue.error_kind, "ambiguous_match")
        self.assertEqual(issue.candidate_partner_ids, first | second)
        self.assertFalse(self.company_of(dup))
        # One candidate on each side: linked, and neither side is overwritten.
        self.assertEqual(self.company_of(solo), single)
        self.assertEqual(single.name, "Solo Ltd")

    def test_two_hubspot_companies_with_one_domain_are_not_linked_to_one_partner(self):
        partner = self.env["res.partner"].create(
            {"name": "Twin", "is_company": True, "website": "twin.example"}
        )
        self.hs_company(name="Twin A", domain="twin.example")
        self.hs_company(name="Twin B", domain="twin.example")
        self.sync("companies")
        self.assertFalse(partner.hubspot_id)
        self.assertEqual(
            self.env["hubspot.sync.issue"].search_count([("error_kind", "=", "ambiguous_match")]), 2
        )

    def test_a_company_merge_in_hubspot_repoints_the_link(self):
        gone = self.hs_company(name="Gone", domain="gone.example")
        self.sync("companies")
        partner = self.company_of(gone)
        keep = self.hs_company(name="Keep")
        self.sandbox.store.merge_objects("companies", keep["id"], gone["id"])
        self.sync("companies")
        self.assertEqual(self.company_of(keep), partner)
        self.assertEqual(partner.hubspot_id, keep["id"])
        self.assertEqual(
            self.env["res.partner"].search_count(
                [("is_company", "=", True), ("hubspot_id", "!=", False)]
            ),
            1,
        )
        self.assertTrue(self.journal(partner, "link_moved"))

    def test_bad_companies_fail_alone(self):
        nameless = self.hs_company()
        fine = self.hs_company(name="Fine Co", domain="fine.example", phone="not a phone ☎")
        ghost_contact = self.hs_contact(email="ghost@example.com", firstname="Ghost")
        archived = self.hs_company(name="Archived Co")
        self.sandbox.store.associate(
            "contacts", ghost_contact["id"], "companies", archived["id"], primary=True
        )
        self.sandbox.store.archive_object("companies", archived["id"])
        self.sync("companies", "contacts")
        self.assertTrue(self.company_of(nameless).name.startswith("HubSpot company"))
        self.assertEqual(self.company_of(fine).name, "Fine Co")
        self.assertEqual(self.company_of(fine).hubspot_sync_state, "failing")
        self.assertFalse(self.partner_of(ghost_contact).parent_id)

    def test_a_company_archived_in_hubspot_follows_the_deletion_policy(self):
        kept = self.hs_company(name="Kept Co", domain="kept.example")
        gone = self.hs_company(name="Gone Co", domain="gone-co.example")
        self.sync("companies")
        kept_partner, gone_partner = self.company_of(kept), self.company_of(gone)
        self.sandbox.store.archive_object("companies", kept["id"])
        self.pull_companies()
        self.assertTrue(kept_partner.active)
        self.assertEqual(kept_partner.hubspot_sync_state, "excluded")
        self.assertTrue(self.journal(kept_partner, "kept"))
        self.company.hubspot_delete_policy_hubspot2odoo = "archive"
        self.sandbox.store.archive_object("companies", gone["id"])
        self.pull_companies()
        self.assertFalse(gone_partner.active)
        self.assertFalse(gone_partner.with_context(active_test=False).hubspot_id)

    def test_a_parent_that_would_make_a_cycle_fails_that_contact_alone(self):
        acme = self.hs_company(name="Cycle Co", domain="cycle.example")
        ada = self.hs_contact(email="ada@cycle.example", firstname="Ada")
        bob = self.hs_contact(email="bob@cycle.example", firstname="Bob")
        self.sync("companies", "contacts")
        company, partner = self.company_of(acme), self.partner_of(ada)
        company.parent_id = partner  # in Odoo the company sits under Ada
        for contact in (ada, bob):
            self.sandbox.store.associate(
                "contacts", contact["id"], "companies", acme["id"], primary=True
            )
        self.sync("contacts")
        self.assertFalse(partner.parent_id)
        self.assertEqual(partner.hubspot_sync_state, "failing")
        self.assertEqual(self.partner_of(bob).parent_id, company)

    def test_a_person_under_a_company_shows_its_address_and_hubspot_keeps_its_own(self):
        acme = self.hs_company(name="Addr Co", domain="addr.example", city="Berlin", zip="10115")
        contact = self.hs_contact(
            email="own@addr.example", firstname="Own", address="Privatweg 9", city="Potsdam"
        )
        self.sandbox.store.associate(
            "contacts", contact["id"], "companies", acme["id"], primary=True, bump=False
        )
        self.sync("companies", "contacts")
        partner, company = self.partner_of(contact), self.company_of(acme)
        self.assertEqual(partner.parent_id, company)
        self.assertEqual(partner.city, "Berlin")  # Odoo's rule: a person shows its company's
        partner.function = "Buyer"
        company.city = "Hamburg"  # Odoo moves the company's people with it
        self.sync("queue")
        self.assertEqual(partner.city, "Hamburg")
        hs_contact = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual(hs_contact["jobtitle"], "Buyer")
        self.assertEqual((hs_contact["city"], hs_contact["address"]), ("Potsdam", "Privatweg 9"))
        self.assertEqual(self.hs_get("companies", acme["id"])["properties"]["city"], "Hamburg")
        # A new city in HubSpot is the person's own in Odoo; the company's street stays.
        self.sandbox.store.update_object("contacts", contact["id"], {"city": "Werder"})
        self.sync("contacts", "queue")
        self.assertEqual((partner.city, company.city), ("Werder", "Hamburg"))
        hs_contact = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual((hs_contact["city"], hs_contact["address"]), ("Werder", "Privatweg 9"))
        # A city of its own given in Odoo reaches HubSpot.
        partner.city = "Kassel"
        self.sync("queue")
        self.assertEqual(self.hs_get("contacts", contact["id"])["properties"]["city"], "Kassel")

    def test_a_company_with_500_contacts_gets_them_all_in_few_requests(self):
        acme = self.hs_company(name="Big Co", domain="big.example")
        for number in range(500):
            contact = self.hs_contact(email=f"staff{number}@big.example", firstname=f"S{number}")
            self.sandbox.store.associate(
                "contacts", contact["id"], "companies", acme["id"], primary=True, bump=False
            )
        self.sync("companies", "contacts")
        self.assertEqual(
            self.env["res.partner"].search_count([("parent_id", "=", self.company_of(acme).id)]),
            500,
        )
        # Three searches of 200, one association read for the import page they fill.
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/search"), 3)
        reads = self.requests_to("POST", "/crm/v4/associations/contacts/companies/batch/read")
        self.assertEqual(reads, 1)


class TestCompaniesFromOdoo(CompanyCase):
    def test_a_tagged_company_partner_becomes_a_hubspot_company_once(self):
        partner = self.tagged_partner(
            name="Odoo Co", is_company=True, website="https://www.odoo-co.example/home"
        )
        self.sync("queue")
        hs = self.hs_get("companies", partner.hubspot_id)
        self.assertEqual(hs["properties"]["name"], "Odoo Co")
        self.assertEqual(hs["properties"]["domain"], "odoo-co.example")
        self.assertTrue(hs["properties"]["odoo_company_id"])
        self.assertEqual(self.sandbox.store.count("contacts"), 0)  # a company is no contact
        self.sync("queue", "companies")
        self.assertEqual(self.sandbox.store.count("companies"), 1)

    def test_a_contact_sent_takes_its_untagged_company_along_as_primary(self):
        company = self.env["res.partner"].create({"name": "Parent Co", "is_company": True})
        person = self.tagged_partner(
            name="Pia Person", email="pia@parent.example", parent_id=company.id
        )
        self.sync("queue")
        self.sync("queue")
        self.assertTrue(company.hubspot_id)
        self.assertEqual(self.primary_company(person.hubspot_id), int(company.hubspot_id))
        # Moved under another company in Odoo: the primary association moves.
        other = self.tagged_partner(name="Other Co", is_company=True)
        person.parent_id = other
        self.sync("queue")
        self.sync("queue")
        self.assertEqual(self.primary_company(person.hubspot_id), int(other.hubspot_id))
        # No parent: the primary label goes; the association stays.
        person.parent_id = False
        self.sync("queue")
        self.assertIsNone(self.primary_company(person.hubspot_id))
        self.assertIn(other.hubspot_id, self.associated("contacts", person.hubspot_id, "companies"))

    def test_people_created_at_once_under_a_company_all_reach_hubspot_with_it(self):
        company = self.tagged_partner(name="Batch Co", is_company=True)
        self.sync("queue")

        def person(number, **vals):
            return dict(
                vals,
                name=f"Batch {number}",
                email=f"batch{number}@batch.example",
                parent_id=company.id,
                category_id=[(4, self.category.id)],
            )

        first = self.env["res.partner"].create([person(0, street="Batchstraße 1")])
        # Odoo gives a company without an address its first contact's, inside the create.
        self.assertEqual(company.street, "Batchstraße 1")
        people = first | self.env["res.partner"].create([person(n) for n in range(1, 21)])
        self.assertEqual(set(people.mapped("street")), {"Batchstraße 1"})
        queued = self.env["hubspot.sync.queue"].search([("action", "=", "push")])
        self.assertEqual(
            set(queued.filtered(lambda q: q.object_type == "contacts").mapped("res_id")),
            set(people.ids),
        )
        self.assertIn(
            company.id, queued.filtered(lambda q: q.object_type == "companies").mapped("res_id")
        )
        self.sync("queue")
        self.sync("queue")
        self.assertTrue(all(people.mapped("hubspot_id")))
        for partner in people:
            self.assertEqual(self.primary_company(partner.hubspot_id), int(company.hubspot_id))
        hs_company = self.hs_get("companies", company.hubspot_id)
        self.assertEqual(hs_company["properties"]["address"], "Batchstraße 1")

    def test_a_company_linked_by_another_run_is_taken_up_by_the_contact_waiting(self):
        company = self.env["res.partner"].create({"name": "Late Co", "is_company": True})
        person = self.tagged_partner(name="Wait Person", email="wait@late.example")
        self.sync("queue")
        person.parent_id = company  # the contact is sent without it; the company is queued
        self.env["hubspot.contact.binding"]._hubspot_push_queued(
            self.company, self.company._hubspot_client(), self.company._hubspot_deadline()
        )
        self.assertIsNone(self.primary_company(person.hubspot_id))
        # The company is linked by a run that cannot see the contact waiting (concurrent).
        company_binding = type(self.env["hubspot.company.binding"])
        with patch.object(company_binding, "_hubspot_after_link", lambda bindings: None):
            self.env["hubspot.company.binding"]._hubspot_push_queued(
                self.company, self.company._hubspot_client(), self.company._hubspot_deadline()
            )
        self.assertTrue(company.hubspot_id)
        queue = self.env["hubspot.sync.queue"]
        queue.search([]).unlink()
        # Once that run committed, it looks for the records of the types pointing to it.
        self.env["hubspot.company.binding"]._hubspot_after_run(self.company)
        self.assertEqual(queue.search([("object_type", "=", "contacts")]).res_id, person.id)
        self.sync("queue")
        self.assertEqual(self.primary_company(person.hubspot_id), int(company.hubspot_id))

    def test_an_opportunity_of_a_contact_under_a_company_is_associated_with_both(self):
        company = self.tagged_partner(name="Deal Co", is_company=True)
        person = self.tagged_partner(
            name="Dee Buyer", email="dee@deal.example", parent_id=company.id
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Big deal",
                "type": "opportunity",
                "team_id": self.team.id,
                "partner_id": person.id,
            }
        )
        for _run in range(3):
            self.sync("queue")
        self.assertEqual(self.associated("deals", lead.hubspot_id, "contacts"), {person.hubspot_id})
        self.assertEqual(
            self.associated("deals", lead.hubspot_id, "companies"), {company.hubspot_id}
        )

    def test_an_odoo_merge_of_company_partners_keeps_the_link_on_the_survivor(self):
        hs = self.hs_company(name="Merged", domain="merged.example")
        self.sync("companies")
        linked = self.company_of(hs)
        other = self.env["res.partner"].create({"name": "Merged dup", "is_company": True})
        wizard = self.env["base.partner.merge.automatic.wizard"]
        wizard._merge((linked | other).ids, other)
        self.assertEqual(other.hubspot_id, hs["id"])
        self.assertEqual(self.company_of(hs), other)


class TestCompanyScheduling(CompanyCase):
    def test_an_idle_portal_costs_one_company_search_per_run(self):
        self.hs_company(name="Idle Co", domain="idle.example")
        self.sync("companies")
        self.sandbox.reset_stats()
        for _run in range(2):
            self.make_due("companies")
            self.assertEqual(self.run_cron("companies"), 1)
        self.assertEqual(self.total_requests(), 2)
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/companies/search"), 2)


class TestOptionsPerPortal(CompanyCase):
    def test_two_portals_keep_their_own_lead_statuses(self):
        other = self.env["res.company"].create({"name": "Portal Two"})
        statuses = self.env["hubspot.lead.status"].with_context(active_test=False)
        mine = statuses.search([("company_id", "=", self.company.id)])
        self.assertTrue(mine)
        definition = {"options": [{"value": "ONLY_THERE", "label": "Only there"}]}
        statuses._update_from_hubspot(definition, other)
        self.assertEqual(
            statuses.search([("company_id", "=", other.id)]).mapped("value"), ["ONLY_THERE"]
        )
        self.assertEqual(
            statuses.search([("company_id", "=", self.company.id), ("active", "=", True)]),
            mine.filtered("active"),
        )
        self.assertIn(
            "ONLY_THERE",
            dict(
                self.env["res.partner"]
                ._fields["hubspot_lead_status"]
                ._description_selection(self.env)
            ),
        )
