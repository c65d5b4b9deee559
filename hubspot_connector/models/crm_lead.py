from odoo import api, fields, models

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
