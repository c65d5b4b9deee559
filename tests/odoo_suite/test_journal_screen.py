"""The journal opens on what matters, with the field labels users know."""

from odoo.tools.safe_eval import safe_eval

from .common import HubspotCase


class TestJournalScreen(HubspotCase):
    def test_journal_opens_on_overwrites_and_link_moves_with_odoo_labels(self):
        contact = self.hs_contact(email="ann@example.com", firstname="Ann", lastname="Lee")
        self.pull_contacts()
        partner = self.partner_of(contact)
        self.sandbox.store.update_object("contacts", contact["id"], {"lastname": "Smith"})
        self.pull_contacts()
        partner.name = "Ann Jones"
        self.process_queue()
        journal = self.env["hubspot.sync.journal"]
        entries = journal.search([("res_id", "=", partner.id)])
        self.assertEqual(
            sorted(entries.mapped("event")),
            ["hubspot_overwritten", "link_created", "odoo_overwritten"],
        )
        # HubSpot's internal property names read as the Odoo field they sync with.
        pushed = entries.filtered(lambda e: e.event == "hubspot_overwritten")
        self.assertEqual((pushed.field_name, pushed.field_label), ("lastname", "Name"))
        pulled = entries.filtered(lambda e: e.event == "odoo_overwritten")
        self.assertEqual((pulled.field_name, pulled.field_label), ("name", "Name"))
        # The journal's default filter hides the links the sync made by itself.
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hubspot_connector.hubspot_sync_journal_action"
        )
        self.assertEqual(safe_eval(action["context"]), {"search_default_important": 1})
        search = journal.get_views([(False, "search")])["views"]["search"]["arch"]
        domain = safe_eval(search.split('name="important"')[1].split('domain="')[1].split('"')[0])
        shown = journal.search([("res_id", "=", partner.id), *domain])
        self.assertEqual(shown, entries - entries.filtered(lambda e: e.event == "link_created"))
