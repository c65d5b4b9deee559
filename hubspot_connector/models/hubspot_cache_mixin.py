from odoo import api, models


class HubspotCacheMixin(models.AbstractModel):
    """Records the sync reads through ``ormcache`` on every record it handles.

    Any change to them clears the caches, so the next read sees it.
    """

    _name = "hubspot.cache.mixin"
    _description = "HubSpot Cached Configuration"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
