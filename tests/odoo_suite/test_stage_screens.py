"""What a sales manager sees of stages: the mapping list and the mapped team's pipeline."""

from .test_deals import DealCase


class TestStageScreens(DealCase):
    def test_mapping_rows_say_why_they_are_unmapped(self):
        other = self.sandbox.store.add_pipeline(
            "Partner pipeline",
            [{"label": "Talk", "metadata": {"probability": "0.2", "isClosed": "false"}}],
        )
        self.fetch_metadata()
        states = {m.name: m.state for m in self.pipeline.stage_mapping_ids}
        self.assertEqual(states["Closed Lost"], "lost")  # handled: lost opportunities
        self.assertEqual(states["Closed Won"], "mapped")
        self.assertEqual(set(states.values()), {"mapped", "lost"})
        self.assertEqual(self.pipeline.unmapped_stage_count, 0)
        talk = self.env["hubspot.pipeline"].search([("hubspot_id", "=", other["id"])])
        self.assertEqual(talk.stage_mapping_ids.mapped("state"), ["no_team"])
        self.assertEqual(talk.stage_mapping_ids.probability, 20)

        self.company.hubspot_stage_mapping_mode = "custom"
        self.pipeline.stage_mapping_ids.stage_id = False
        states = {m.name: m.state for m in self.pipeline.stage_mapping_ids}
        self.assertEqual(states["Closed Lost"], "lost")
        self.assertEqual(states["Closed Won"], "unmapped")
        self.assertEqual(self.pipeline.unmapped_stage_count, 6)

    def test_grouped_mapping_sums_no_probabilities(self):
        # The web client sums a column in group headers only when its field has an aggregator.
        fields = self.env["hubspot.stage.mapping"].fields_get(["probability"])
        self.assertIsNone(fields["probability"].get("aggregator"))

    def kanban_columns(self, team):
        groups = (
            self.env["crm.lead"]
            .with_context(default_team_id=team.id)
            .web_read_group([("type", "=", "opportunity")], ["stage_id"], ["stage_id"])
        )["groups"]
        return [group["stage_id"][1] for group in groups]

    def test_mapped_team_pipeline_shows_hubspot_stages_only(self):
        hubspot_stages = [
            m.name for m in self.pipeline.stage_mapping_ids.sorted("sequence") if not m.is_lost
        ]
        self.assertEqual(self.kanban_columns(self.team), hubspot_stages)
        won = self.env["crm.stage"].search([("is_won", "=", True), ("team_id", "=", False)])
        self.assertTrue(won)  # Odoo's own stages stay, for other teams
        other_team = self.env["crm.team"].create({"name": "Other team"})
        self.assertIn(won[0].name, self.kanban_columns(other_team))
        # A new opportunity of the team starts in HubSpot's first stage; winning it
        # uses HubSpot's won stage.
        lead = self.env["crm.lead"].create(
            {"name": "New deal", "type": "opportunity", "team_id": self.team.id}
        )
        self.assertEqual(lead.stage_id.name, hubspot_stages[0])
        lead.action_set_won()
        self.assertEqual(lead.stage_id.name, "Closed Won")
        # An opportunity still in one of Odoo's stages keeps its column.
        old = self.env["crm.lead"].create(
            {"name": "Old", "type": "opportunity", "team_id": self.team.id, "stage_id": won[0].id}
        )
        self.assertIn(won[0].name, self.kanban_columns(self.team))
        self.assertEqual(old.stage_id, won[0])

    def test_my_pipeline_is_the_pipeline_of_the_users_team(self):
        self.team.member_ids |= self.salesman
        groups = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .web_read_group([("type", "=", "opportunity")], ["stage_id"], ["stage_id"])
        )["groups"]
        self.assertNotIn("Proposition", [group["stage_id"][1] for group in groups])
        self.assertIn("Closed Won", [group["stage_id"][1] for group in groups])

    def test_custom_mode_keeps_odoo_stages_on_the_team(self):
        self.company.hubspot_stage_mapping_mode = "custom"
        shared = self.env["crm.stage"].search([("team_id", "=", False)])
        self.assertTrue(set(shared.mapped("name")) <= set(self.kanban_columns(self.team)))
