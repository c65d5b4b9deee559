from odoo import api, fields, models
from odoo.osv import expression

from .hubspot_common import IMPORT_CONTEXT


class CrmLead(models.Model):
    """Opportunities sync with HubSpot deals (``hubspot.deal.binding``)."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "hubspot.bound.mixin"]

    hubspot_binding_ids = fields.One2many(
        "hubspot.deal.binding", "odoo_id", string="HubSpot Deals", readonly=True
    )
    # HubSpot's amount is in the deal's currency, Odoo's expected revenue in the company's:
    # an import converts it; an edit in Odoo is converted back into the deal's currency.
    hubspot_amount = fields.Monetary(
        string="Amount in HubSpot",
        currency_field="hubspot_currency_id",
        copy=False,
        readonly=True,
        help="The deal amount in the deal's currency, as HubSpot holds it.",
    )
    hubspot_currency_id = fields.Many2one(
        "res.currency", string="HubSpot Deal Currency", copy=False, readonly=True
    )
    # A team whose stages follow a HubSpot pipeline offers those stages only (see
    # _read_group_stage_ids): in its pipeline and in the stage bar of the form.
    hubspot_own_stages = fields.Boolean(compute="_compute_hubspot_own_stages")

    @api.depends("team_id")
    def _compute_hubspot_own_stages(self):
        teams = self.env["hubspot.deal.stage"]._teams_with_own_stages()
        for lead in self:
            lead.hubspot_own_stages = lead.team_id in teams

    @api.model_create_multi
    def create(self, vals_list):
        with self._hubspot_changes_noted_once() as model:
            return super(CrmLead, model).create(vals_list).with_env(self.env)

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("hubspot_import"):
            mappings = self.env["hubspot.deal.binding"]._hubspot_mappings()
            amount_fields = {m.odoo_field for m in mappings if m.converter == "amount"}
            if amount_fields.intersection(vals):
                self._hubspot_convert_back(amount_fields.pop())
        return result

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """A team whose stages follow a HubSpot pipeline shows those stages only.

        Odoo's shared stages (New, Won...) would mix with HubSpot's and make two won
        stages: they are left out of that team's pipeline, never deleted, and a
        shared stage that still holds opportunities keeps its column.
        """
        # "My Pipeline" names no team: it is the pipeline of the user's team.
        team_id = self.env.context.get("default_team_id") or self.env.user.sale_team_id.id
        if team_id not in self.env["hubspot.deal.stage"]._teams_with_own_stages().ids:
            return super()._read_group_stage_ids(stages, domain)
        stage_ids = stages.sudo()._search(
            ["|", ("id", "in", stages.ids), ("team_id", "=", team_id)], order=stages._order
        )
        return stages.browse(stage_ids)

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        """A new opportunity of such a team starts in the pipeline's first stage."""
        teams = set(self.team_id.ids) | ({team_id} if team_id else set())
        own = self.env["hubspot.deal.stage"]._teams_with_own_stages()
        if teams and teams <= set(own.ids):
            domain = expression.AND([domain or [], [("team_id", "!=", False)]])
        return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)

    def _hubspot_other_currency(self):
        """Whether HubSpot holds this deal's amount in another currency than Odoo does."""
        return self.hubspot_currency_id and self.hubspot_currency_id != self.company_currency

    def _hubspot_convert_back(self, amount_field):
        """An amount edited in Odoo becomes the deal's amount in the deal's own currency."""
        for lead in self.filtered(lambda lead: lead._hubspot_other_currency()):
            amount = lead.company_currency._convert(
                lead[amount_field],
                lead.hubspot_currency_id,
                lead.company_id or self.env.company,
                lead.date_deadline or fields.Date.context_today(lead),
            )
            lead.with_context(**IMPORT_CONTEXT).hubspot_amount = amount

    def _merge_opportunity(self, user_id=False, team_id=False, auto_unlink=True, max_length=5):
        """Keep the HubSpot links on the opportunity that survives a merge."""
        return self._hubspot_merge_keeping_links(
            lambda: super(CrmLead, self)._merge_opportunity(
                user_id=user_id, team_id=team_id, auto_unlink=auto_unlink, max_length=max_length
            )
        )
