from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Keep the HubSpot links on the partner that survives a merge."""
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if len(partners) < 2:
            return super()._merge(partner_ids, dst_partner, extra_checks)
        survivor = dst_partner or self._get_ordered_partner(partners.ids)[-1]
        return partners._hubspot_merge_keeping_links(
            lambda: super(MergePartnerAutomatic, self)._merge(
                partner_ids, dst_partner, extra_checks
            ),
            survivor,
        )
