from odoo import api, fields, models, tools


class HubspotOptionMixin(models.AbstractModel):
    """Options of a HubSpot enumeration property, fetched from the portal.

    HubSpot lets each portal edit the options of its enumeration properties, so
    the Odoo side keeps a copy: the internal value is what both sides store, the
    label is what users see.
    """

    _name = "hubspot.option.mixin"
    _inherit = "hubspot.cache.mixin"
    _description = "HubSpot Property Option"
    _order = "sequence, id"
    _rec_name = "label"
    # The HubSpot property whose options the concrete model mirrors.
    _hubspot_property = None

    value = fields.Char(required=True, readonly=True, help="Internal value in HubSpot")
    label = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("value_uniq", "unique(value)", "A HubSpot option value must be unique."),
    ]

    @api.model
    @tools.ormcache("self.env.lang")
    def _selection(self):
        """Selection list (value, label) for the Selection fields that store the value.

        Cached: the ORM asks for it on every write of such a field.
        """
        # All of them: a few dozen options make the selection list.
        options = self.sudo().with_context(active_test=False).search([])  # pylint: disable=no-search-all
        return [(option.value, option.label) for option in options]

    @api.model
    def _update_from_hubspot(self, hubspot_property):
        """Create or update the options from a HubSpot property definition.

        Options that disappeared from HubSpot are archived, not deleted, so that
        records which still carry their value keep a readable label.
        """
        existing = {
            option.value: option
            for option in self.sudo().with_context(active_test=False).search([])
        }
        seen = set()
        for position, option in enumerate(hubspot_property.get("options") or []):
            value = option["value"]
            seen.add(value)
            vals = {
                "label": option.get("label") or value,
                "sequence": option.get("displayOrder", position),
                "active": not option.get("hidden", False),
            }
            if value in existing:
                existing[value].write(vals)
            else:
                self.sudo().create(dict(vals, value=value))
        for value, option in existing.items():
            if value not in seen and option.active:
                option.active = False
        return len(seen)
