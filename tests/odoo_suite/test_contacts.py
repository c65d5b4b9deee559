"""Contacts in both directions, against the sandbox."""

from datetime import date, datetime, timedelta

from .common import HubspotCase


class TestContactsPull(HubspotCase):
    def test_new_contact_becomes_a_tagged_partner_then_updates_it(self):
        contact = self.hs_contact(
            firstname="Ada",
            lastname="Lovelace",
            email="ada@example.com",
            phone="030 1234567",
            country="DE",
            city="Berlin",
            jobtitle="Engineer",
        )
        self.pull_contacts()
        partner = self.partner_of(contact)
        self.assertEqual(partner.name, "Ada Lovelace")
        self.assertEqual(partner.email, "ada@example.com")
        self.assertEqual(partner.phone, "+49301234567")  # E.164, the country is known
        self.assertEqual(partner.country_id.code, "DE")
        self.assertEqual(partner.function, "Engineer")
        self.assertIn(self.category, partner.category_id)  # imported contacts join the contacts tag
        self.assertEqual(partner.hubspot_sync_state, "synced")
        self.assertTrue(self.journal(partner, "link_created"))

        self.sandbox.store.update_object("contacts", contact["id"], {"city": "Hamburg"})
        self.pull_contacts()
        self.assertEqual(self.partner_of(contact), partner)
        self.assertEqual(partner.city, "Hamburg")
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "ada@example.com")]), 1
        )

    def test_second_run_reads_only_changes_in_batches(self):
        for number in range(30):
            self.hs_contact(email=f"c{number}@example.com", firstname=f"C{number}")
        self.pull_contacts()
        self.assertEqual(self.env["res.partner"].search_count([("hubspot_id", "!=", False)]), 30)
        self.sandbox.reset_stats()
        self.pull_contacts()
        # One search page for the overlap window; nothing re-imported, nothing pushed.
        self.assertLessEqual(self.total_requests(), 3)
        self.assertFalse(self.env["hubspot.sync.queue"].search([]))

    def test_start_date_filters_new_contacts_but_linked_ones_keep_syncing(self):
        old = self.hs_contact(email="old@example.com", created_at=datetime(2020, 1, 1))
        self.pull_contacts()
        linked = self.partner_of(old)
        self.assertTrue(linked)
        self.company.hubspot_contacts_since = date(2023, 1, 1)
        older = self.hs_contact(email="older@example.com", created_at=datetime(2021, 6, 1))
        recent = self.hs_contact(email="recent@example.com")
        self.sandbox.store.update_object("contacts", old["id"], {"city": "Paris"})
        self.pull_contacts()
        self.assertFalse(self.partner_of(older))
        self.assertTrue(self.partner_of(recent))
        self.assertEqual(linked.city, "Paris")

    def test_lead_status_filter(self):
        self.company.hubspot_lead_status_ids = self.env.ref("hubspot_connector.lead_status_open")
        kept = self.hs_contact(email="open@example.com", hs_lead_status="OPEN")
        dropped = self.hs_contact(email="new@example.com", hs_lead_status="NEW")
        self.pull_contacts()
        self.assertTrue(self.partner_of(kept))
        self.assertFalse(self.partner_of(dropped))

    def test_lead_status_and_lifecycle_come_in_and_a_choice_in_odoo_goes_out(self):
        contact = self.hs_contact(
            email="lead@example.com", hs_lead_status="NEW", lifecyclestage="lead"
        )
        self.pull_contacts()
        partner = self.partner_of(contact)
        self.assertEqual(partner.hubspot_lead_status, "NEW")
        self.assertEqual(partner.hubspot_lifecycle_stage, "lead")
        partner.hubspot_lead_status = "CONNECTED"
        self.process_queue()
        self.assertEqual(
            self.hs_get("contacts", contact["id"])["properties"]["hs_lead_status"], "CONNECTED"
        )

    def test_first_link_fills_blanks_but_never_overwrites_odoo_data(self):
        partner = self.tagged_partner(
            name="Grace Hopper", email="grace@example.com", phone="+1 202 555 0100"
        )
        contact = self.hs_contact(
            email="GRACE@example.com ",
            firstname="Grace",
            lastname="Hopper",
            phone="+1 202 555 0199",
            city="Arlington",
            lifecyclestage="customer",
        )
        self.pull_contacts()
        self.assertEqual(partner.hubspot_id, contact["id"])
        self.assertEqual(partner.phone, "+1 202 555 0100")  # kept
        self.assertEqual(partner.city, "Arlington")  # blank filled
        self.assertEqual(partner.hubspot_lifecycle_stage, "customer")  # HubSpot wins
        self.assertEqual(self.env["res.partner"].search_count([("email", "ilike", "grace@")]), 1)

    def test_phone_numbers_compare_normalised(self):
        contact = self.hs_contact(email="tel@example.com", phone="+49 (0)30 1234567", country="DE")
        self.pull_contacts()
        partner = self.partner_of(contact)
        self.assertEqual(partner.phone, "+49301234567")
        partner.write({"phone": "030 1234567", "country_id": self.env.ref("base.de").id})
        self.sandbox.reset_stats()
        self.process_queue()
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/batch/update"), 0)


class TestContactsPush(HubspotCase):
    def test_tagged_partner_is_created_then_only_changes_are_sent(self):
        untagged = self.env["res.partner"].create(
            {"name": "Private", "email": "private@example.com"}
        )
        partner = self.tagged_partner(
            name="Anna Maria von Berg", email="anna@example.com", phone="+33 1 23 45 67 89"
        )
        self.process_queue()
        self.assertFalse(untagged.hubspot_id)
        contact = self.hs_get("contacts", partner.hubspot_id)
        self.assertEqual(contact["properties"]["email"], "anna@example.com")
        self.assertEqual(contact["properties"]["phone"], "+33123456789")
        self.assertEqual(contact["properties"]["lastname"], "Berg")
        # Created by upsert on the partner's unique Odoo id: a retry never makes a second.
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/batch/upsert"), 1)

        self.sandbox.reset_stats()
        partner.comment = "not a synced field"
        self.process_queue()
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/batch/update"), 0)
        partner.write({"city": "Lyon"})
        partner.write({"zip": "69001"})
        self.assertEqual(
            self.env["hubspot.sync.queue"].search_count([("res_id", "=", partner.id)]), 1
        )
        self.process_queue()
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/batch/update"), 1)
        props = self.hs_get("contacts", partner.hubspot_id)["properties"]
        self.assertEqual((props["city"], props["zip"]), ("Lyon", "69001"))

        untagged.category_id = self.category  # tagging puts it in scope
        self.process_queue()
        self.assertTrue(untagged.hubspot_id)

    def test_another_category_can_be_the_inclusion_list(self):
        vip = self.env["res.partner.category"].create({"name": "VIP"})
        self.company.hubspot_partner_category_id = vip
        default_tagged = self.tagged_partner(name="Default", email="d@example.com")
        vip_partner = self.env["res.partner"].create(
            {"name": "Vip", "email": "vip@example.com", "category_id": [(4, vip.id)]}
        )
        self.process_queue()
        self.assertFalse(default_tagged.hubspot_id)
        self.assertTrue(vip_partner.hubspot_id)
        contact = self.hs_contact(email="new@example.com")
        self.pull_contacts()
        self.assertIn(vip, self.partner_of(contact).category_id)

    def test_no_echo_an_import_is_never_pushed_back(self):
        for number in range(5):
            self.hs_contact(email=f"e{number}@example.com", firstname="Echo", phone="+4930123456")
        self.pull_contacts()
        self.assertFalse(self.env["hubspot.sync.queue"].search([]))
        self.sandbox.reset_stats()
        self.process_queue()
        writes = [
            key
            for key in self.sandbox.stats()["by_endpoint"]
            if any(write in key for write in ("batch/update", "batch/create", "batch/upsert"))
        ]
        self.assertEqual(writes, [])

    def test_name_round_trip_changes_neither_side(self):
        contact = self.hs_contact(
            firstname="Anna Maria", lastname="von Berg", email="am@example.com"
        )
        self.pull_contacts()
        partner = self.partner_of(contact)
        self.assertEqual(partner.name, "Anna Maria von Berg")
        partner.city = "Bonn"
        self.process_queue()
        props = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual((props["firstname"], props["lastname"]), ("Anna Maria", "von Berg"))
        self.assertEqual(props["city"], "Bonn")

    def test_409_on_create_links_to_the_existing_contact_when_unambiguous(self):
        existing = self.hs_contact(email="taken@example.com", firstname="Taken")
        partner = self.tagged_partner(name="Taken Here", email="taken@example.com")
        self.process_queue()
        self.assertEqual(partner.hubspot_id, existing["id"])
        self.assertEqual(self.sandbox.store.count("contacts"), 1)
        self.assertTrue(self.journal(partner, "link_created"))


class TestConflicts(HubspotCase):
    def _linked(self):
        contact = self.hs_contact(email="c@example.com", firstname="Con", phone="+4930111")
        self.pull_contacts()
        return contact, self.partner_of(contact)

    def test_conflict_newer_hubspot_change_wins(self):
        contact, partner = self._linked()
        partner.phone = "+4930222"
        partner._hubspot_binding()._write_as_sync(
            {"odoo_changed_at": datetime.now() - timedelta(minutes=5)}
        )
        self.sandbox.store.update_object("contacts", contact["id"], {"phone": "+4930333"})
        self.process_queue()
        self.assertEqual(partner.phone, "+4930333")
        self.assertEqual(self.hs_get("contacts", contact["id"])["properties"]["phone"], "+4930333")
        self.assertTrue(self.journal(partner, "odoo_overwritten"))

    def test_conflict_newer_odoo_change_wins(self):
        contact, partner = self._linked()
        self.sandbox.store.update_object(
            "contacts",
            contact["id"],
            {"phone": "+4930333"},
            modified_at=datetime.now() - timedelta(minutes=5),
        )
        partner.phone = "+4930222"
        self.process_queue()
        self.assertEqual(partner.phone, "+4930222")
        self.assertEqual(self.hs_get("contacts", contact["id"])["properties"]["phone"], "+4930222")
        overwritten = self.journal(partner, "hubspot_overwritten")  # the HubSpot side
        self.assertEqual((overwritten.old_value, overwritten.new_value), ("+4930333", "+4930222"))

    def test_field_rules_odoo_wins_and_dont_sync(self):
        self.env.ref("hubspot_connector.field_mapping_partner_city").rule = "odoo"
        self.env.ref("hubspot_connector.field_mapping_partner_function").rule = "none"
        contact, partner = self._linked()
        partner.write({"city": "Odoo City", "function": "Odoo Job"})
        self.sandbox.store.update_object(
            "contacts", contact["id"], {"city": "HS City", "jobtitle": "HS Job"}
        )
        self.process_queue()
        props = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual((partner.city, props["city"]), ("Odoo City", "Odoo City"))
        self.assertEqual((partner.function, props["jobtitle"]), ("Odoo Job", "HS Job"))

    def test_overwritten_value_is_journaled_and_restorable(self):
        contact, partner = self._linked()
        self.sandbox.store.update_object("contacts", contact["id"], {"phone": "+4930999"})
        self.pull_contacts()
        entry = self.journal(partner, "odoo_overwritten")
        self.assertEqual((entry.field_name, entry.old_value), ("phone", "+4930111"))
        entry.action_restore()
        self.assertEqual(partner.phone, "+4930111")
        self.process_queue()
        self.assertEqual(self.hs_get("contacts", contact["id"])["properties"]["phone"], "+4930111")
