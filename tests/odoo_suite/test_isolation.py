"""One record that cannot be written never stops the page: database errors included."""

from unittest.mock import patch

from odoo.tools import mute_logger

from odoo.addons.hubspot_connector.models.hubspot_export import HubspotBindingExport
from odoo.addons.hubspot_connector.models.hubspot_import import HubspotBindingImport
from odoo.addons.hubspot_connector.models.hubspot_partner_binding import HubspotPartnerBinding
from odoo.addons.hubspot_connector.models.hubspot_reconcile import HubspotBindingReconcile

from .common import HubspotCase
from .corpus import incompressible


def failing_for(model_class, method, is_target, error):
    """Patch ``method`` to raise ``error`` when ``is_target(records, first argument)``."""
    original = getattr(model_class, method)

    def breaks(records, first, *args):
        if is_target(records, first):
            raise error
        return original(records, first, *args)

    return patch.object(model_class, method, breaks)


class TestRecordIsolation(HubspotCase):
    def setUp(self):
        super().setUp()
        self.good = [
            self.hs_contact(email=f"fine{n}@example.com", firstname="Fine") for n in range(3)
        ]

    def uncapped(self):
        """Switch the length caps off, to reach the database's own limits."""
        return patch.object(HubspotBindingReconcile, "_hubspot_text_limits", lambda self: {})

    def issue_of(self, contact):
        return self.env["hubspot.sync.issue"].search([("hubspot_id", "=", contact["id"])])

    def push_failing_for(self, partner, model_class, method, error):
        """Run the queue job with ``method`` raising ``error`` for ``partner`` alone."""
        with failing_for(
            model_class, method, lambda bindings, _arg: bindings.odoo_id == partner, error
        ):
            self.process_queue()
        self.assertEqual(partner.hubspot_sync_state, "failing")
        self.assertIn(str(error), partner.hubspot_last_error)

    def assert_the_run_went_on(self):
        state = self.job_state("contacts")
        self.assertTrue(state.cursor)  # the page was committed
        self.assertFalse(state.last_error)
        for contact in self.good:
            self.assertEqual(self.partner_of(contact).hubspot_sync_state, "synced")

    @mute_logger("odoo.sql_db", "odoo.addons.hubspot_connector.models.hubspot_import")
    def test_an_index_refusing_a_new_record_fails_that_record_alone(self):
        huge = self.hs_contact(email="huge@example.com", firstname=incompressible(10_000))
        with self.uncapped():
            self.pull_contacts()
        self.assert_the_run_went_on()
        self.assertFalse(self.partner_of(huge))
        issue = self.issue_of(huge)
        self.assertEqual(issue.kind, "failed")
        self.assertIn("index row", issue.message)

    @mute_logger("odoo.sql_db", "odoo.addons.hubspot_connector.models.hubspot_import")
    def test_an_index_refusing_an_update_fails_that_record_alone(self):
        linked = self.hs_contact(email="linked@example.com", firstname="Short")
        self.pull_contacts()
        partner = self.partner_of(linked)
        self.sandbox.store.update_object(
            "contacts", linked["id"], {"firstname": incompressible(10_000)}
        )
        for contact in self.good:
            self.sandbox.store.update_object("contacts", contact["id"], {"city": "Bern"})
        with self.uncapped():
            self.pull_contacts()
        self.assert_the_run_went_on()
        self.assertEqual([self.partner_of(c).city for c in self.good], ["Bern"] * 3)
        self.assertEqual(partner.name, "Short")
        self.assertEqual(self.issue_of(linked).kind, "failed")
        self.assertEqual(partner.hubspot_sync_state, "failing")
        self.assertIn("index row", partner.hubspot_last_error)

    def test_with_the_caps_the_same_record_syncs_cut_and_reported(self):
        huge = self.hs_contact(email="huge@example.com", firstname=incompressible(10_000))
        self.pull_contacts()
        self.assert_the_run_went_on()
        partner = self.partner_of(huge)
        self.assertEqual(len(partner.name), 127)
        self.assertEqual(partner.hubspot_error_kind, "cleaned_value")
        self.assertIn("cut from 10000", partner.hubspot_last_error)

    @mute_logger("odoo.addons.hubspot_connector.models.hubspot_import")
    def test_a_failure_report_is_cleaned_and_capped(self):
        broken = self.hs_contact(email="broken@example.com", firstname="Bro\x00ken")
        with failing_for(
            HubspotBindingImport,
            "_import_one",
            lambda _records, payload: payload["id"] == broken["id"],
            ValueError("bad \x00 value " + "x" * 5000),
        ):
            self.pull_contacts()
        self.assert_the_run_went_on()
        issue = self.issue_of(broken)
        self.assertLessEqual(len(issue.message), 2000)
        self.assertNotIn("\x00", issue.message + issue.name)
        self.assertTrue(issue.message.startswith("bad \ufffd value"))

    def test_a_push_that_cannot_be_recorded_fails_that_partner_and_is_retried_once(self):
        partners = [
            self.tagged_partner(name=f"Pushed {n}", email=f"pushed{n}@example.com")
            for n in range(3)
        ]
        stuck = partners[1]
        error = ValueError("cannot record this one")
        self.push_failing_for(stuck, HubspotBindingExport, "_hubspot_mark_pushed", error)
        for partner in partners[0::2]:
            self.assertEqual(partner.hubspot_sync_state, "synced")
        entry = self.env["hubspot.sync.queue"].search([("res_id", "=", stuck.id)])
        entry.next_attempt = entry.create_date  # time passes
        self.process_queue()
        self.assertEqual(stuck.hubspot_sync_state, "synced")
        self.assertEqual(self.sandbox.store.count("contacts"), 3 + 3)  # three pulled, three pushed

    def test_a_push_whose_values_cannot_be_read_fails_that_partner_alone(self):
        fine = self.tagged_partner(name="Fine Push", email="finepush@example.com")
        broken = self.tagged_partner(name="Broken Push", email="brokenpush@example.com")
        error = OverflowError("no phone today")
        self.push_failing_for(broken, HubspotPartnerBinding, "_odoo2hubspot_phone", error)
        self.assertEqual(fine.hubspot_sync_state, "synced")
