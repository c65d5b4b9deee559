"""A first link overwrites neither side: blanks are filled both ways, differences wait."""

from .common import HubspotCase


class TestFirstLink(HubspotCase):
    def link_known_once(self):
        partner = self.tagged_partner(name="Known Once", email="george@example.com", city="")
        contact = self.hs_contact(
            email="george@example.com", firstname="George", lastname="Williams", city="Leeds"
        )
        self.pull_contacts()
        self.assertEqual(partner.hubspot_id, contact["id"])
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", contact["id"])])
        return partner, contact, issue

    def test_differences_stay_on_both_sides_and_are_listed(self):
        partner, contact, issue = self.link_known_once()
        self.assertEqual(partner.city, "Leeds")  # blank filled
        self.process_queue()
        self.assertEqual(partner.name, "Known Once")
        properties = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual((properties["firstname"], properties["lastname"]), ("George", "Williams"))
        self.assertEqual(issue.error_kind, "differs_at_first_link")
        self.assertEqual(issue.state, "open")
        self.assertEqual(issue.partner_id, partner)
        line = issue.difference_ids
        self.assertEqual(
            (line.field_label, line.odoo_value, line.hubspot_value),
            ("Name", "Known, Once", "George, Williams"),
        )

    def test_keep_odoo_sends_odoo_value(self):
        partner, contact, issue = self.link_known_once()
        issue.difference_ids.with_user(self.manager).action_keep_odoo()
        self.assertEqual(issue.state, "done")
        self.process_queue()
        properties = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual((properties["firstname"], properties["lastname"]), ("Known", "Once"))
        self.assertEqual(partner.name, "Known Once")
        self.assertTrue(self.journal(partner, "hubspot_overwritten"))

    def test_keep_hubspot_writes_it_in_odoo_and_journals(self):
        partner, contact, issue = self.link_known_once()
        issue.difference_ids.with_user(self.manager).action_keep_hubspot()
        self.assertEqual(partner.name, "George Williams")
        self.assertEqual(issue.state, "done")
        entry = self.journal(partner, "odoo_overwritten")
        self.assertEqual((entry.field_name, entry.old_value_raw), ("name", "Known Once"))
        self.process_queue()
        properties = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual(properties["firstname"], "George")
        self.assertFalse(self.journal(partner, "hubspot_overwritten"))

    def test_a_difference_stays_open_over_later_runs(self):
        partner, contact, issue = self.link_known_once()
        self.sandbox.store.update_object("contacts", contact["id"], {"jobtitle": "Chef"})
        self.pull_contacts()
        self.process_queue()
        self.assertEqual(partner.function, "Chef")
        self.assertEqual(partner.name, "Known Once")
        properties = self.hs_get("contacts", contact["id"])["properties"]
        self.assertEqual(properties["lastname"], "Williams")
        self.assertEqual(issue.state, "open")
        self.assertEqual(issue.difference_ids.field_label, "Name")

    def test_a_field_rule_may_let_one_side_win(self):
        self.env.ref("hubspot_connector.field_mapping_partner_name").first_link = "hubspot"
        partner, _contact, issue = self.link_known_once()
        self.assertEqual(partner.name, "George Williams")
        self.assertFalse(issue)
        self.assertTrue(self.journal(partner, "odoo_overwritten"))

    def test_deal_linked_by_a_merge_keeps_both_names(self):
        self.fetch_metadata()
        team = self.env["hubspot.pipeline"].search([("hubspot_id", "=", "default")]).team_id
        deal = self.hs_deal(dealname="Big deal", amount="100")
        lead = self.env["crm.lead"].create(
            {"name": "Our name", "type": "opportunity", "team_id": team.id}
        )
        self.env["hubspot.deal.binding"]._hubspot_ensure(self.company, lead)._link_to(
            deal["id"], "test"
        )
        self.pull_deals()
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", deal["id"])])
        self.assertEqual(lead.name, "Our name")
        self.assertEqual(lead.expected_revenue, 100)
        self.assertEqual(issue.lead_id, lead)
        self.assertIn("Opportunity", issue.difference_ids.mapped("field_label"))
        self.process_queue()
        self.assertEqual(self.hs_get("deals", deal["id"])["properties"]["dealname"], "Big deal")
