from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Keep the HubSpot link on the partner that survives a merge.

        The surviving partner keeps its own link; if it has none it takes the
        link of a merged partner. Links are taken off the merged partners before
        Odoo copies their values, so the unique constraint never sees a link
        twice and their deletion is not mistaken for a deletion to send.
        """
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if len(partners) < 2:
            return super()._merge(partner_ids, dst_partner, extra_checks)
        survivor = dst_partner or self._get_ordered_partner(partners.ids)[-1]
        binding_model = self.env["hubspot.contact.binding"].sudo()
        merged_away = binding_model.search([("odoo_id", "in", (partners - survivor).ids)])
        links = [
            (b.odoo_id.display_name, b.company_id, b.hubspot_id)
            for b in merged_away.filtered("hubspot_id")
        ]
        merged_away._drop_link(
            self.env._("Merged in Odoo into %(name)s.", name=survivor.display_name)
        )
        # Odoo moves every reference to the merged partners onto the survivor: their
        # bindings would then be two of one partner in one portal.
        merged_away.unlink()
        result = super()._merge(partner_ids, dst_partner, extra_checks)
        for name, company, hubspot_id in links:
            binding = binding_model._hubspot_ensure(company, survivor)
            if not binding.hubspot_id:
                binding._link_to(
                    hubspot_id, self.env._("Taken over from %(name)s by a merge.", name=name)
                )
                continue
            self.env["hubspot.sync.issue"]._report(
                company,
                "contacts",
                hubspot_id,
                "review",
                "merged_in_odoo",
                self.env._(
                    "%(name)s, linked to this HubSpot contact, was merged in Odoo into "
                    "%(survivor)s, which stays linked to HubSpot contact %(kept)s. Merge "
                    "the two contacts in HubSpot too.",
                    name=name,
                    survivor=survivor.display_name,
                    kept=binding.hubspot_id,
                ),
                candidate_partner_ids=[(6, 0, survivor.ids)],
            )
        return result
