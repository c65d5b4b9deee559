from odoo import api, models


class CrmLead(models.Model):
    """HubSpot deals <-> opportunities."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "hubspot.sync.mixin"]
    _hubspot_object_type = "deals"

    @api.model
    def _hubspot_sync_enabled(self, company):
        return company.hubspot_sync_deals

    def _hubspot_push_scope(self, company):
        """Opportunities of a sales team mapped to one of the company's pipelines (D2)."""
        teams = (
            self.env["hubspot.pipeline"]
            .sudo()
            .search([("company_id", "=", company.id), ("team_id", "!=", False)])
            .team_id
        )
        return self.filtered(
            lambda lead: (
                lead.type == "opportunity"
                and lead.team_id in teams
                and lead.hubspot_company_id in (company, self.env["res.company"])
            )
        )

    def _hubspot_scope_fields(self):
        return {"team_id", "type", "active"}

    @api.model
    def _hubspot_setup_pipelines(self, pipelines, company):
        """Map HubSpot's default pipeline to the company's first sales team when none is.

        So that a fresh install syncs deals with no extra setup.
        """
        if pipelines.filtered("team_id"):
            return
        default = pipelines.filtered(lambda p: p.hubspot_id == "default")[:1] or pipelines[:1]
        team = self.env["crm.team"].search(
            [("company_id", "in", (company.id, False))], order="sequence, id", limit=1
        )
        if default and team:
            default.team_id = team
