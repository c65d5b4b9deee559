from collections import namedtuple

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from .hubspot_reconcile import GENERIC_CONVERTERS

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

    Mappings are keyed by HubSpot object type, so two types synced with one
    Odoo model (contacts and companies on partners) keep rules of their own.
    ``converter`` names a pair of methods on the type's binding model,
    ``_odoo2hubspot_<converter>`` and ``_hubspot2odoo_<converter>``, so that
    another addon can add a mapping with a record and a converter with two
    methods, and change a default rule without copying code.
    """

    _name = "hubspot.field.mapping"
    _inherit = "hubspot.cache.mixin"
    _description = "HubSpot Field Mapping"
    _order = "object_type, sequence, id"

    object_type = fields.Selection(
        selection="_selection_object_type", string="Object", required=True
    )
    hubspot_property = fields.Char(
        required=True,
        help="HubSpot internal property name; several names separated by commas "
        "when one Odoo field holds them together (first and last name).",
    )
    odoo_field = fields.Char(required=True)
    converter = fields.Selection(selection="_selection_converter", required=True, default="char")
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
            "object_property_uniq",
            "unique(object_type, hubspot_property)",
            "A HubSpot property is mapped once per object type.",
        ),
    ]

    @api.model
    def _selection_object_type(self):
        return self.env["hubspot.binding"]._hubspot_type_selection()

    @api.model
    def _selection_converter(self):
        """The generic converters, then those each object type adds."""
        converters = dict(GENERIC_CONVERTERS)
        for binding in self.env["hubspot.binding"]._hubspot_types().values():
            converters.update(binding._hubspot_converters)
        return list(converters.items())

    @api.constrains("object_type", "odoo_field", "converter")
    def _check_odoo_field(self):
        types = self.env["hubspot.binding"]._hubspot_types()
        for mapping in self:
            binding = types[mapping.object_type]
            odoo_model = binding._odoo_model()
            if mapping.odoo_field not in odoo_model._fields:
                raise ValidationError(
                    self.env._(
                        "%(model)s has no field %(field)s.",
                        model=odoo_model._name,
                        field=mapping.odoo_field,
                    )
                )
            if not hasattr(binding, f"_odoo2hubspot_{mapping.converter}"):
                raise ValidationError(
                    self.env._(
                        "HubSpot %(type)s cannot convert %(converter)s values.",
                        type=mapping.object_type,
                        converter=mapping.converter,
                    )
                )

    @api.model
    @tools.ormcache("object_type")
    def _specs(self, object_type):
        """Active mappings of an object type, in order, as ``MappingSpec`` values."""
        return tuple(
            MappingSpec(
                m.id, m.converter, tuple(m.hubspot_properties), m.odoo_field, m.rule, m.first_link
            )
            for m in self.search([("object_type", "=", object_type)])
        )

    @api.model
    @tools.ormcache("object_type")
    def _synced_fields(self, object_type):
        """Odoo fields whose change must be sent, cached: write() asks on every edit."""
        return frozenset(
            spec.odoo_field for spec in self._specs(object_type) if spec.rule != "none"
        )

    @property
    def hubspot_properties(self):
        """The HubSpot property names of this mapping, in order."""
        self.ensure_one()
        return [name.strip() for name in self.hubspot_property.split(",") if name.strip()]
