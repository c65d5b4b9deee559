from odoo import fields, models

from .hubspot_common import IMPORT_CONTEXT


class CrmLead(models.Model):
    """Opportunities sync with HubSpot deals (``hubspot.deal.binding``)."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "hubspot.bound.mixin"]
    _hubspot_binding_model = "hubspot.deal.binding"

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
        """Keep the HubSpot link on the opportunity that survives a merge.

        The head keeps its own link, or takes the link of a merged one. Links are
        taken off first, so that the deletion of the merged opportunities is not
        mistaken for a deletion to send; any other deal is listed for review.
        """
        bindings = (
            self.env["hubspot.deal.binding"]
            .sudo()
            .search([("odoo_id", "in", self.ids), ("hubspot_id", "!=", False)])
        )
        links = [
            (b.odoo_id.id, b.odoo_id.display_name, b.company_id, b.hubspot_id) for b in bindings
        ]
        bindings._drop_link(self.env._("Merged in Odoo."))
        head = super()._merge_opportunity(
            user_id=user_id, team_id=team_id, auto_unlink=auto_unlink, max_length=max_length
        )
        # The head's own links first: it keeps them.
        links.sort(key=lambda link: link[0] != head.id)
        for _lead_id, name, company, hubspot_id in links:
            head_binding = self.env["hubspot.deal.binding"]._hubspot_ensure(company, head)
            if not head_binding.hubspot_id:
                note = self.env._("Kept by the merge of %(name)s.", name=name)
                head_binding._link_to(hubspot_id, note)
                continue
            self.env["hubspot.sync.issue"]._report(
                company,
                "deals",
                hubspot_id,
                "review",
                "merged_in_odoo",
                self.env._(
                    "%(name)s, linked to this HubSpot deal, was merged in Odoo into %(head)s, "
                    "which stays linked to HubSpot deal %(kept)s. Merge the deals in HubSpot too.",
                    name=name,
                    head=head.display_name,
                    kept=head_binding.hubspot_id,
                ),
            )
        return head
