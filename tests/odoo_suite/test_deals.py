"""Deals and stage mapping both ways, against the sandbox."""

from .common import HubspotCase

STAGES = [{"label": "Talk", "metadata": {"probability": "0.5", "isClosed": "false"}}]


class DealCase(HubspotCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].search(
            [("company_id", "in", (cls.company.id, False))], order="sequence, id", limit=1
        )
        cls.seller = cls.env["res.users"].create(
            {
                "name": "Sam Seller",
                "login": "sam@example.com",
                "email": "sam@example.com",
                "groups_id": [(4, cls.env.ref("sales_team.group_sale_salesman").id)],
            }
        )

    def setUp(self):
        super().setUp()
        self.owner = self.sandbox.store.add_owner("sam@example.com", "Sam", "Seller")
        self.fetch_metadata()
        self.pipeline = self.env["hubspot.pipeline"].search([("hubspot_id", "=", "default")])

    def deals_without_team(self, *names):
        """HubSpot deals of a new pipeline "Partner pipeline" that no sales team syncs."""
        pipeline = self.sandbox.store.add_pipeline("Partner pipeline", STAGES)
        self.fetch_metadata()
        stage = pipeline["stages"][0]["id"]
        return [
            self.hs_deal(dealname=name, pipeline=pipeline["id"], dealstage=stage) for name in names
        ]

    def odoo_stage(self, hubspot_stage_id):
        return self.pipeline.stage_mapping_ids.filtered(
            lambda m: m.hubspot_stage_id == hubspot_stage_id
        ).stage_id


class TestStageMapping(DealCase):
    def test_automatic_mode_mirrors_the_pipeline(self):
        self.assertEqual(self.pipeline.team_id, self.team)  # out of the box
        mappings = self.pipeline.stage_mapping_ids.sorted("sequence")
        open_and_won = mappings.filtered(lambda m: not m.is_lost)
        self.assertEqual(open_and_won.stage_id.mapped("name"), open_and_won.mapped("name"))
        self.assertEqual(set(open_and_won.stage_id.mapped("team_id")), {self.team})
        self.assertEqual(
            open_and_won.stage_id.sorted("sequence").mapped("name"), open_and_won.mapped("name")
        )
        self.assertTrue(self.odoo_stage("closedwon").is_won)
        self.assertFalse(mappings.filtered("is_lost").stage_id)  # lost = archived, no stage

        lead = self.env["crm.lead"].create(
            {
                "name": "In use",
                "type": "opportunity",
                "team_id": self.team.id,
                "stage_id": self.odoo_stage("qualifiedtobuy").id,
            }
        )
        stage = self.sandbox.store.pipelines["default"]["stages"][1]
        stage["label"] = "Qualified (renamed)"
        self.fetch_metadata()
        self.assertEqual(lead.stage_id.name, "Qualified (renamed)")
        self.assertTrue(lead.stage_id.exists())

    def test_custom_mode_unmapped_stage_waits_and_is_reported(self):
        self.company.hubspot_stage_mapping_mode = "custom"
        self.pipeline.stage_mapping_ids.stage_id = False
        deal = self.hs_deal(dealname="Waiting", dealstage="qualifiedtobuy", amount="100")
        self.pull_deals()
        self.assertFalse(self.lead_of(deal))
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", deal["id"])])
        self.assertEqual(issue.error_kind, "unmapped_stage")
        self.assertEqual(issue.kind, "review")  # waits for a person, is not failing
        self.assertEqual(self.pipeline.unmapped_stage_count, 6)  # closed lost needs no stage
        self.assertFalse(self.env["hubspot.sync.queue"].search([]))  # no timed re-read

        custom_stage = self.env["crm.stage"].create({"name": "Our qualified"})
        mapping = self.pipeline.stage_mapping_ids.filtered(
            lambda m: m.hubspot_stage_id == "qualifiedtobuy"
        )
        # Mapping the stage is what takes the deal up: no retry, no delay.
        mapping.with_user(self.manager).stage_id = custom_stage
        self.process_queue()
        self.assertEqual(self.lead_of(deal).stage_id, custom_stage)


class TestDealsPull(DealCase):
    def test_deal_becomes_an_opportunity_and_updates_without_duplicates(self):
        contact = self.hs_contact(email="buyer@example.com", firstname="Buyer")
        self.pull_contacts()
        deal = self.hs_deal(
            contact_id=contact["id"],
            dealname="Big deal",
            amount="1500.50",
            closedate="2027-03-01T00:00:00.000Z",
            dealstage="presentationscheduled",
            hubspot_owner_id=self.owner["id"],
        )
        self.pull_deals()
        lead = self.lead_of(deal)
        self.assertEqual(lead.name, "Big deal")
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.expected_revenue, 1500.5)
        self.assertEqual(str(lead.date_deadline), "2027-03-01")
        self.assertEqual(lead.stage_id, self.odoo_stage("presentationscheduled"))
        self.assertEqual(lead.probability, 60)
        self.assertEqual(lead.user_id, self.seller)
        self.assertEqual(lead.partner_id, self.partner_of(contact))
        self.assertEqual(lead.team_id, self.team)

        self.sandbox.store.update_object(
            "deals", deal["id"], {"amount": "2000", "dealstage": "contractsent"}
        )
        self.pull_deals()
        self.assertEqual(self.lead_of(deal), lead)
        self.assertEqual(
            (lead.expected_revenue, lead.stage_id), (2000, self.odoo_stage("contractsent"))
        )
        self.assertEqual(self.env["crm.lead"].search_count([("name", "=", "Big deal")]), 1)

    def test_closed_won_and_lost_become_won_and_lost(self):
        won = self.hs_deal(dealname="Won", dealstage="closedwon")
        lost = self.hs_deal(
            dealname="Lost", dealstage="closedlost", closed_lost_reason="Too expensive"
        )
        self.pull_deals()
        self.assertTrue(self.lead_of(won).stage_id.is_won)
        self.assertEqual(self.lead_of(won).probability, 100)
        lost_lead = self.lead_of(lost)
        self.assertFalse(lost_lead.active)
        self.assertEqual(lost_lead.probability, 0)
        self.assertEqual(lost_lead.lost_reason_id.name, "Too expensive")

    def test_deal_whose_contact_arrives_later(self):
        contact = self.hs_contact(email="late@example.com", firstname="Late")
        deal = self.hs_deal(contact_id=contact["id"], dealname="Early deal")
        self.pull_deals()
        lead = self.lead_of(deal)
        self.assertTrue(lead)
        self.assertFalse(lead.partner_id)
        # Nothing is wrong: the deal waits, with a note, for its contact.
        self.assertEqual(lead.hubspot_sync_state, "synced")
        self.assertIn(contact["id"], lead.hubspot_note)
        self.assertFalse(self.env["hubspot.sync.queue"].search([]))  # no timed re-read
        # Linking the contact takes the deal up at once (no waiting for a retry delay).
        self.pull_contacts()
        self.process_queue()
        self.assertEqual(lead.partner_id, self.partner_of(contact))
        self.assertEqual(lead.hubspot_sync_state, "synced")
        self.assertFalse(lead.hubspot_note)

    def test_bad_deals_are_reported_and_the_rest_syncs(self):
        other_pipeline = self.sandbox.store.add_pipeline(
            "Partner pipeline",
            [{"label": "Talk", "metadata": {"probability": "0.5", "isClosed": "false"}}],
        )
        self.fetch_metadata()
        outside = self.hs_deal(
            dealname="Other pipeline",
            pipeline=other_pipeline["id"],
            dealstage=other_pipeline["stages"][0]["id"],
        )
        no_amount = self.hs_deal(dealname="No amount")
        self.sandbox.store.add_property_option("deals", "deal_currency_code", "XYZ", "Unknown")
        unknown = self.hs_deal(dealname="Unknown money", amount="99", deal_currency_code="XYZ")
        fine = self.hs_deal(dealname="Fine", amount="10")
        self.pull_deals()
        self.assertFalse(self.lead_of(outside))  # its pipeline syncs with no team
        self.assertEqual(self.lead_of(no_amount).expected_revenue, 0)
        self.assertEqual(self.lead_of(unknown).hubspot_error_kind, "unknown_currency")
        self.assertEqual(self.lead_of(unknown).expected_revenue, 0)
        self.assertEqual(self.lead_of(unknown).name, "Unknown money")
        self.assertEqual(self.lead_of(fine).hubspot_sync_state, "synced")


class TestDealsPush(DealCase):
    def test_opportunity_becomes_a_deal_once_even_when_the_reply_is_lost(self):
        partner = self.tagged_partner(name="Customer", email="customer@example.com")
        lead = self.env["crm.lead"].create(
            {
                "name": "From Odoo",
                "type": "opportunity",
                "team_id": self.team.id,
                "expected_revenue": 500,
                "user_id": self.seller.id,
                "partner_id": partner.id,
                "stage_id": self.odoo_stage("qualifiedtobuy").id,
            }
        )
        self.sandbox.set_faults(
            rules=[
                {
                    "method": "POST",
                    "path": "/crm/v3/objects/deals/batch/upsert",
                    "kind": "drop_after",
                    "count": 1,
                }
            ]
        )
        self.process_queue()
        # HubSpot made the deal and the reply was lost; the upsert on the unique
        # Odoo id is safe to replay, so the retry finds that deal instead of a second.
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/deals/batch/upsert"), 2)
        self.assertEqual(self.sandbox.store.count("deals"), 1)
        self.assertTrue(lead.hubspot_id)
        deal = self.hs_get("deals", lead.hubspot_id)
        props = deal["properties"]
        self.assertEqual((props["dealname"], props["amount"]), ("From Odoo", "500.00"))
        self.assertEqual((props["pipeline"], props["dealstage"]), ("default", "qualifiedtobuy"))
        self.assertEqual(props["hubspot_owner_id"], self.owner["id"])
        associations = self.sandbox.store.get_object("deals", lead.hubspot_id)
        self.assertTrue(partner.hubspot_id)
        self.assertEqual(
            self.requests_to("POST", "/crm/v4/associations/deals/contacts/batch/associate/default"),
            1,
        )
        self.assertTrue(associations)

    def test_won_and_lost_in_odoo_go_out_as_closed_stages(self):
        won = self.env["crm.lead"].create(
            {"name": "W", "type": "opportunity", "team_id": self.team.id}
        )
        lost = self.env["crm.lead"].create(
            {"name": "L", "type": "opportunity", "team_id": self.team.id}
        )
        self.process_queue()
        won.action_set_won()
        lost.action_set_lost(
            lost_reason_id=self.env["crm.lost.reason"].create({"name": "No budget"}).id
        )
        self.process_queue()
        self.assertEqual(
            self.hs_get("deals", won.hubspot_id)["properties"]["dealstage"], "closedwon"
        )
        self.assertEqual(
            self.hs_get("deals", lost.hubspot_id)["properties"]["dealstage"], "closedlost"
        )

    def test_opportunities_of_unmapped_teams_stay_in_odoo(self):
        other_team = self.env["crm.team"].create({"name": "Not synced"})
        lead = self.env["crm.lead"].create(
            {"name": "Private", "type": "opportunity", "team_id": other_team.id}
        )
        self.process_queue()
        self.assertFalse(lead.hubspot_id)
        self.assertEqual(self.sandbox.store.count("deals"), 0)


class TestDealMerges(DealCase):
    def test_lead_merge_keeps_the_link_and_archives_nothing_in_hubspot(self):
        self.company.hubspot_delete_policy_odoo2hubspot = "archive"
        first = self.hs_deal(dealname="First", amount="10")
        second = self.hs_deal(dealname="Second", amount="20")
        self.pull_deals()
        leads = self.lead_of(first) | self.lead_of(second)
        head = leads._merge_opportunity(max_length=None)
        self.assertEqual(len(head.exists()), 1)
        self.assertIn(head.hubspot_id, (first["id"], second["id"]))
        other_id = ({first["id"], second["id"]} - {head.hubspot_id}).pop()
        issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", other_id)])
        self.assertEqual(issue.error_kind, "merged_in_odoo")
        self.process_queue()
        self.assertFalse(self.hs_get("deals", other_id)["archived"])
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/deals/batch/archive"), 0)

    def test_hubspot_deal_merge_repoints_the_opportunity(self):
        first = self.hs_deal(dealname="Keep", amount="10")
        second = self.hs_deal(dealname="Absorbed", amount="20")
        self.pull_deals()
        kept, absorbed = self.lead_of(first), self.lead_of(second)
        survivor = self.sandbox.store.merge_objects("deals", first["id"], second["id"])
        leads_before = self.env["crm.lead"].with_context(active_test=False).search_count([])
        self.pull_deals()
        self.assertEqual(
            self.env["crm.lead"].with_context(active_test=False).search_count([]), leads_before
        )
        self.assertEqual((kept | absorbed).filtered("hubspot_id").hubspot_id, survivor["id"])
        self.assertTrue(absorbed.exists())
