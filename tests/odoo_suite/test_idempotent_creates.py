"""A partner becomes one HubSpot contact, whatever is lost between the two sides.

Contacts, like deals, are created by upsert on a unique property holding the Odoo id:
a retry after a lost reply or a crash finds the contact it already made.
"""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields

from odoo.addons.hubspot_connector.models.hubspot_export import HubspotBindingExport

from .common import HubspotCase

UPSERT = "/crm/v3/objects/contacts/batch/upsert"


class TestIdempotentContactCreates(HubspotCase):
    def new_partner(self, email):
        return self.tagged_partner(name="Once Only", email=email, city="Graz")

    def assert_one_contact_for(self, partner):
        self.assertEqual(self.sandbox.store.count("contacts"), 1)
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Once Only")]), 1)
        self.assertTrue(partner.hubspot_id)
        props = self.hs_get("contacts", partner.hubspot_id)["properties"]
        self.assertEqual(
            props["odoo_partner_id"],
            self.env["hubspot.contact.binding"]._hubspot_odoo_key(partner.id),
        )
        self.assertEqual(props["city"], "Graz")
        self.assertEqual(partner.hubspot_sync_state, "synced")

    def crash_after_the_request(self):
        """The queue job dies (kill -9) after HubSpot made the contact, before Odoo commits."""

        def dies(*args, **kwargs):
            raise KeyboardInterrupt("worker killed")

        with patch.object(HubspotBindingExport, "_hubspot_apply_push_result", dies):
            self.run_killed(self.process_queue)

    def check_lost_reply(self, email):
        partner = self.new_partner(email)
        self.sandbox.set_faults(
            rules=[{"method": "POST", "path": UPSERT, "kind": "drop_after", "count": 1}]
        )
        self.process_queue()
        # HubSpot made the contact and the reply was lost; the upsert is replayed.
        self.assertEqual(self.requests_to("POST", UPSERT), 2)
        self.assert_one_contact_for(partner)

    def test_lost_reply_never_makes_a_second_contact_without_email(self):
        self.check_lost_reply(False)

    def test_lost_reply_never_makes_a_second_contact_with_email(self):
        self.check_lost_reply("once@example.com")

    def check_crash(self, email, pull_in_between):
        partner = self.new_partner(email)
        self.crash_after_the_request()
        self.assertEqual(self.sandbox.store.count("contacts"), 1)
        self.assertFalse(partner.hubspot_id)
        if pull_in_between:
            # The contacts job reads the unlinked contact first: it is linked by its
            # Odoo id, not imported as a second partner.
            self.pull_contacts()
            self.assertTrue(partner.hubspot_id)
        self.process_queue()
        self.assert_one_contact_for(partner)
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/contacts/batch/create"), 0)

    def test_crash_then_retry_never_makes_a_second_contact_without_email(self):
        self.check_crash(False, pull_in_between=False)

    def test_crash_then_retry_never_makes_a_second_contact_with_email(self):
        self.check_crash("once@example.com", pull_in_between=False)

    def test_crash_then_pull_links_the_contact_without_email(self):
        self.check_crash(False, pull_in_between=True)
        partner = self.env["res.partner"].search([("name", "=", "Once Only")])
        self.assertIn("Odoo id", self.journal(partner, "link_created").note)

    def test_crash_then_pull_links_the_contact_with_email(self):
        self.check_crash("once@example.com", pull_in_between=True)

    def test_the_unique_property_is_created_once(self):
        self.new_partner(False)
        self.process_queue()
        self.tagged_partner(name="Second", city="Linz")
        self.process_queue()
        self.assertEqual(self.requests_to("POST", "/crm/v3/properties/contacts"), 1)
        definition = self.sandbox.store.table("contacts").properties["odoo_partner_id"]
        self.assertTrue(definition["hasUniqueValue"])

    def crash_then_edit(self, edit):
        """The queue job dies after HubSpot made the contact; a minute later one side edits
        it, and the contacts job meets the contact before the queue job runs again."""
        partner = self.new_partner("once@example.com")
        partner._hubspot_binding()._write_as_sync(
            {"odoo_changed_at": fields.Datetime.now() - timedelta(minutes=1)}
        )
        self.crash_after_the_request()
        contact = self.hs_get("contacts", next(iter(self.sandbox.store.table("contacts").records)))
        edit(partner, contact)
        self.pull_contacts()
        self.process_queue()
        self.assert_one_contact_for_edited(partner)
        return partner, self.hs_get("contacts", partner.hubspot_id)["properties"]

    def assert_one_contact_for_edited(self, partner):
        self.assertEqual(self.sandbox.store.count("contacts"), 1)
        self.assertEqual(partner.hubspot_sync_state, "synced")
        self.assertFalse(
            self.env["hubspot.sync.issue"].search(
                [("error_kind", "=", "differs_at_first_link"), ("state", "=", "open")]
            )
        )

    def test_crash_then_edit_in_odoo_is_sent_when_a_pull_links_first(self):
        def edit(partner, contact):
            partner.city = "Wien"
            partner._hubspot_binding()._write_as_sync(
                {"odoo_changed_at": fields.Datetime.now() + timedelta(minutes=1)}
            )

        partner, props = self.crash_then_edit(edit)
        self.assertEqual(partner.city, "Wien")
        self.assertEqual(props["city"], "Wien")

    def test_crash_then_edit_in_hubspot_is_taken_when_a_pull_links_first(self):
        def edit(partner, contact):
            created = datetime.fromisoformat(contact["createdAt"].replace("Z", "+00:00"))
            self.sandbox.store.update_object(
                "contacts", contact["id"], {"city": "Salzburg"}, created + timedelta(minutes=1)
            )

        partner, props = self.crash_then_edit(edit)
        self.assertEqual(partner.city, "Salzburg")
        self.assertEqual(props["city"], "Salzburg")
