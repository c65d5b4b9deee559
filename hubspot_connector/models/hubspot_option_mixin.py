from odoo import api, fields, models, tools


class HubspotOptionMixin(models.AbstractModel):
    """Options of a HubSpot enumeration property, fetched from the portal.

    HubSpot lets each portal edit the options of its enumeration properties, so
    the Odoo side keeps a copy per portal: the internal value is what both sides
    store, the label is what users see. Options without a company are HubSpot's
    defaults, taken over by the first portal whose options are fetched.
    """

    _name = "hubspot.option.mixin"
    _inherit = "hubspot.cache.mixin"
    _description = "HubSpot Property Option"
    _order = "sequence, id"
    _rec_name = "label"
    # The HubSpot property whose options the concrete model mirrors.
    _hubspot_property = None

    company_id = fields.Many2one(
        "res.company", string="Portal", readonly=True, index=True, ondelete="cascade"
    )
    value = fields.Char(required=True, readonly=True, help="Internal value in HubSpot")
    label = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "value_uniq",
            "unique(company_id, value)",
            "A HubSpot option value must be unique per portal.",
        ),
    ]

    @api.model
    @tools.ormcache("self.env.lang")
    def _selection(self):
        """Selection list (value, label) for the Selection fields that store the value.

        Cached: the ORM asks for it on every write of such a field.
        """
        # All of them: a few dozen options make the selection list.
        options = self.sudo().with_context(active_test=False).search([])  # pylint: disable=no-search-all
        # One entry per value: two portals may share one.
        labels = {}
        for option in options.sorted(lambda o: bool(o.company_id)):
            labels[option.value] = option.label
        return list(labels.items())

    @api.model
    def _update_from_hubspot(self, hubspot_property, company):
        """Create or update ``company``'s options from a HubSpot property definition.

        Options that disappeared from HubSpot are archived, not deleted, so that
        records which still carry their value keep a readable label. Another
        portal's options are left as they are.
        """
        options = self.sudo().with_context(active_test=False)
        existing = {
            option.value: option
            for option in options.search([("company_id", "=", False)])
            + options.search([("company_id", "=", company.id)])
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
                existing[value].write(dict(vals, company_id=company.id))
            else:
                self.sudo().create(dict(vals, value=value, company_id=company.id))
        for value, option in existing.items():
            if value not in seen and option.active:
                option.write({"active": False, "company_id": company.id})
        return len(seen)
