from odoo import api, fields, models
from odoo.exceptions import UserError

EVENTS = [
    ("link_created", "Link created"),
    ("link_moved", "Link moved"),
    ("link_removed", "Link removed"),
    ("odoo_overwritten", "Odoo value overwritten"),
    ("hubspot_overwritten", "HubSpot value overwritten"),
    ("archived", "Archived"),
    ("kept", "Deletion not applied"),
]


class HubspotSyncJournal(models.Model):
    """Append-only trace of what the sync changed: links and overwritten values.

    Every link change (created, moved, removed) and every value the sync
    overwrote is written here with who, what and when, so that a wrong sync can
    be seen and an overwritten Odoo value put back.
    """

    _name = "hubspot.sync.journal"
    _description = "HubSpot Sync Journal"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    event = fields.Selection(EVENTS, required=True, readonly=True)
    res_model = fields.Char(string="Odoo Model", required=True, readonly=True, index=True)
    res_id = fields.Integer(string="Odoo Record ID", readonly=True, index=True)
    record_name = fields.Char(readonly=True)
    hubspot_id = fields.Char(string="HubSpot ID", readonly=True, index=True)
    field_name = fields.Char(
        string="Technical Field", readonly=True, help="Odoo's field, or HubSpot's property."
    )
    field_label = fields.Char(string="Field", compute="_compute_field_label")
    old_value = fields.Text(readonly=True)
    new_value = fields.Text(readonly=True)
    old_value_raw = fields.Json(readonly=True, help="Old value as the ORM writes it.")
    note = fields.Char(readonly=True)
    restored = fields.Boolean(readonly=True)
    can_restore = fields.Boolean(compute="_compute_can_restore")

    @api.depends("event", "restored")
    def _compute_can_restore(self):
        for entry in self:
            entry.can_restore = entry.event == "odoo_overwritten" and not entry.restored

    @api.depends("res_model", "field_name")
    def _compute_field_label(self):
        """The label users know: the Odoo field's, also for a HubSpot property that a
        field mapping syncs with an Odoo field."""
        for entry in self:
            entry.field_label = entry.field_name and entry._hubspot_field_label()

    def _hubspot_field_label(self):
        model = self.env.get(self.res_model)
        if model is None:
            return self.field_name
        odoo_field = self.field_name
        if odoo_field not in model._fields:
            mappings = self.env["hubspot.field.mapping"].sudo()
            odoo_field = next(
                (
                    spec.odoo_field
                    for binding in self.env["hubspot.binding"]._hubspot_binding_models(model._name)
                    for spec in mappings._specs(binding._hubspot_object_type)
                    if self.field_name in spec.hubspot_properties
                ),
                None,
            )
        field = model._fields.get(odoo_field)
        return field._description_string(self.env) if field else self.field_name

    @api.model
    def _log(self, event, bindings, **values):
        """Write one entry per binding; ``values`` may hold field_name, old/new value, note."""
        return self.sudo().create(
            [
                dict(
                    values,
                    company_id=binding.company_id.id,
                    event=event,
                    res_model=binding.odoo_id._name,
                    res_id=binding.odoo_id.id,
                    record_name=binding.odoo_id.display_name,
                    hubspot_id=values.get("hubspot_id", binding.hubspot_id),
                )
                for binding in bindings
            ]
        )

    def action_restore(self):
        """Put an overwritten Odoo value back; the change is then pushed like any edit."""
        for entry in self:
            if not entry.can_restore:
                raise UserError(self.env._("Only overwritten Odoo values can be restored."))
            record = self.env[entry.res_model].browse(entry.res_id).exists()
            if not record:
                raise UserError(self.env._("The record no longer exists."))
            record.write({entry.field_name: entry.old_value_raw})
            entry.sudo().restored = True
        return True

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
