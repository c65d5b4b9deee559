from collections import namedtuple

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

# What the sync reads of a mapping, as a plain immutable value: the reconcile asks for
# it for every field of every record, where reading ORM fields would dominate the time.
MappingSpec = namedtuple(
    "MappingSpec", "id converter hubspot_properties odoo_field rule first_link"
)

SYNC_RULES = [
    ("two_way", "Two-way (most recent change wins)"),
    ("hubspot", "HubSpot wins"),
    ("odoo", "Odoo wins"),
    ("prefer_hubspot", "HubSpot unless blank"),
    ("prefer_odoo", "Odoo unless blank"),
    ("none", "Don't sync"),
]
FIRST_LINK_CHOICES = [
    ("ask", "Ask (list it in Sync Health)"),
    ("odoo", "Odoo wins"),
    ("hubspot", "HubSpot wins"),
]


class HubspotFieldMapping(models.Model):
    """How one HubSpot property (or a group of them) maps to one Odoo field.

    ``converter`` names a pair of methods on the synced model,
    ``_hubspot_read_<converter>`` (Odoo to HubSpot) and
    ``_hubspot_write_<converter>`` (HubSpot to Odoo), so that another addon can
    add a mapping with a record and a converter with two methods, and change a
    default rule without copying code.
    """

    _name = "hubspot.field.mapping"
    _inherit = "hubspot.cache.mixin"
    _description = "HubSpot Field Mapping"
    _order = "model_name, sequence, id"

    model_name = fields.Selection(
        [("res.partner", "Contact"), ("crm.lead", "Deal")],
        string="Odoo Model",
        required=True,
    )
    hubspot_property = fields.Char(
        required=True,
        help="HubSpot internal property name; several names separated by commas "
        "when one Odoo field holds them together (first and last name).",
    )
    odoo_field = fields.Char(required=True)
    converter = fields.Selection(
        [
            ("char", "Text"),
            ("email", "E-mail"),
            ("phone", "Phone number"),
            ("person_name", "First and last name"),
            ("company_name", "Company name"),
            ("country", "Country (ISO code)"),
            ("state", "State"),
            ("option", "HubSpot option"),
            ("amount", "Amount"),
            ("date", "Date"),
            ("owner", "Owner (by e-mail)"),
            ("deal_stage", "Pipeline and stage"),
            ("deal_contact", "Associated contact"),
        ],
        required=True,
        default="char",
    )
    rule = fields.Selection(SYNC_RULES, required=True, default="two_way")
    first_link = fields.Selection(
        FIRST_LINK_CHOICES,
        string="At First Link",
        required=True,
        default="ask",
        help="When a record is first linked and both sides hold different values: keep "
        "both and ask a person, or let one side win. A rule that names a winner "
        "(HubSpot wins, Odoo wins, or one of them unless blank) decides the first link too.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "model_property_uniq",
            "unique(model_name, hubspot_property)",
            "A HubSpot property is mapped once per model.",
        ),
    ]

    @api.constrains("model_name", "odoo_field", "converter")
    def _check_odoo_field(self):
        for mapping in self:
            model = self.env[mapping.model_name]
            if mapping.odoo_field not in model._fields:
                raise ValidationError(
                    self.env._(
                        "%(model)s has no field %(field)s.",
                        model=mapping.model_name,
                        field=mapping.odoo_field,
                    )
                )
            if not hasattr(model, f"_hubspot_read_{mapping.converter}"):
                raise ValidationError(
                    self.env._(
                        "%(model)s cannot convert %(converter)s values.",
                        model=mapping.model_name,
                        converter=mapping.converter,
                    )
                )

    @api.model
    @tools.ormcache("model_name")
    def _specs(self, model_name):
        """Active mappings of a model, in order, as ``MappingSpec`` values."""
        return tuple(
            MappingSpec(
                m.id, m.converter, tuple(m.hubspot_properties), m.odoo_field, m.rule, m.first_link
            )
            for m in self.search([("model_name", "=", model_name)])
        )

    @api.model
    @tools.ormcache("model_name")
    def _synced_fields(self, model_name):
        """Odoo fields whose change must be sent, cached: write() asks on every edit."""
        return frozenset(spec.odoo_field for spec in self._specs(model_name) if spec.rule != "none")

    @property
    def hubspot_properties(self):
        """The HubSpot property names of this mapping, in order."""
        self.ensure_one()
        return [name.strip() for name in self.hubspot_property.split(",") if name.strip()]
