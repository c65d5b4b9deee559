"""Links are bindings: one per portal, object type and record, unique both ways."""

from odoo.tests import Form

from hubspot_sandbox import SandboxServer

from .common import TOKEN, HubspotCase


class TestTwoPortals(HubspotCase):
    """Two companies, each with its own portal, and partners shared by both."""

    def setUp(self):
        super().setUp()
        self.other_sandbox = SandboxServer(host="127.0.0.1", port=0).start()
        self.addCleanup(self.other_sandbox.stop)
        self.other = self.env["res.company"].create({"name": "Zweite GmbH"})
        self.other.write(
            {
                "hubspot_access_token": TOKEN,
                "hubspot_api_url": self.other_sandbox.url,
                "hubspot_verified_api_url": self.other_sandbox.url,
                "hubspot_token_verified": True,
                "hubspot_sync_deals": False,
            }
        )
        self.company.hubspot_sync_deals = False

    def city_in(self, sandbox, contact_id):
        return sandbox.store.get_object("contacts", contact_id)["properties"].get("city")

    def test_a_shared_partner_is_one_contact_in_each_portal_and_edits_reach_both(self):
        partner = self.tagged_partner(name="Shared Person", email="shared@example.com")
        self.process_queue()
        here, there = partner.hubspot_id, partner.with_company(self.other).hubspot_id
        self.assertTrue(here and there)
        self.assertEqual(self.sandbox.store.count("contacts"), 1)
        self.assertEqual(self.other_sandbox.store.count("contacts"), 1)
        self.assertEqual(partner.hubspot_binding_ids.company_id, self.company | self.other)
        # A sales manager of both companies sees the link in each portal on the partner's form.
        self.manager.company_ids |= self.other
        both = (self.company | self.other).ids
        form = Form(partner.with_user(self.manager).with_context(allowed_company_ids=both))
        self.assertEqual(len(form.hubspot_binding_ids), 2)
        # A change in the second portal comes into Odoo, then goes out to the first.
        self.other_sandbox.store.update_object("contacts", there, {"city": "Basel"})
        self.pull_contacts()
        self.assertEqual(partner.city, "Basel")
        self.process_queue()
        self.assertEqual(self.city_in(self.sandbox, here), "Basel")
        # Neither portal echoes it back, and nothing is created twice.
        self.sandbox.reset_stats()
        self.other_sandbox.reset_stats()
        self.pull_contacts()
        self.process_queue()
        for sandbox in (self.sandbox, self.other_sandbox):
            self.assertEqual(sandbox.store.count("contacts"), 1)
            self.assertFalse(
                [
                    k
                    for k in sandbox.stats()["by_endpoint"]
                    if k.startswith("POST /crm/v3/objects/contacts/batch/")
                ]
            )

    def test_a_contact_of_one_portal_stays_out_of_the_other(self):
        contact = self.other_sandbox.store.create_object(
            "contacts", {"email": "only-there@example.com", "firstname": "Only"}
        )
        self.pull_contacts()
        partner = self.env["res.partner"].search([("email", "=", "only-there@example.com")])
        self.assertEqual(partner.with_company(self.other).hubspot_id, contact["id"])
        self.assertFalse(partner.hubspot_id)  # not linked in this company's portal
        partner.with_company(self.other).city = "Bern"
        self.process_queue()
        self.assertEqual(self.sandbox.store.count("contacts"), 0)
        self.assertEqual(self.city_in(self.other_sandbox, contact["id"]), "Bern")

    def test_the_same_contact_in_both_portals_links_one_partner_twice(self):
        partner = self.env["res.partner"].create(
            {"name": "Known Person", "email": "known@example.com"}
        )
        here = self.hs_contact(email="known@example.com", firstname="Known", lastname="Person")
        there = self.other_sandbox.store.create_object(
            "contacts", {"email": "known@example.com", "firstname": "Known", "lastname": "Person"}
        )
        self.pull_contacts()
        self.assertEqual(partner.hubspot_id, here["id"])
        self.assertEqual(partner.with_company(self.other).hubspot_id, there["id"])
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "known@example.com")]), 1
        )
