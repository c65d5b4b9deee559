from odoo import api, fields, models
from odoo.osv.expression import NEGATIVE_TERM_OPERATORS
from odoo.tools import SQL

from .hubspot_common import SYNC_STATES

# The public fields, and the binding fields they show.
PUBLIC_FIELDS = {
    "hubspot_id": "hubspot_id",
    "hubspot_sync_state": "sync_state",
    "hubspot_error_kind": "error_kind",
}


class HubspotBoundMixin(models.AbstractModel):
    """The Odoo side of HubSpot bindings: what users see, and the changes to send.

    The HubSpot id, sync state and error kind are company-dependent fields: the binding of
    the current company's portal writes them, and list views read, search and
    group them on the record's own row. The rest is read from that binding.
    """

    _name = "hubspot.bound.mixin"
    _description = "Synced with HubSpot"
    # The binding model whose link the public fields show.
    _hubspot_binding_model = None

    hubspot_id = fields.Char(
        string="HubSpot ID", company_dependent=True, copy=False, readonly=True, tracking=False
    )
    hubspot_sync_state = fields.Selection(
        SYNC_STATES, string="HubSpot Sync", company_dependent=True, copy=False, readonly=True
    )
    hubspot_error_kind = fields.Char(
        string="HubSpot Error Kind", company_dependent=True, copy=False, readonly=True
    )
    hubspot_last_error = fields.Text(string="HubSpot Error", compute="_compute_hubspot_binding")
    hubspot_last_sync = fields.Datetime(
        string="Last HubSpot Sync", compute="_compute_hubspot_binding"
    )
    hubspot_updated_at = fields.Datetime(
        string="Last Change in HubSpot",
        compute="_compute_hubspot_binding",
        help="HubSpot's last-modified time of the version last synced.",
    )
    hubspot_note = fields.Text(
        string="HubSpot Note",
        compute="_compute_hubspot_binding",
        help="What the sync waits for in Odoo (a user, a stage mapping, a linked contact).",
    )
    hubspot_changed_at = fields.Datetime(
        string="Last Synced Change in Odoo", compute="_compute_hubspot_binding"
    )
    hubspot_url = fields.Char(string="Open in HubSpot", compute="_compute_hubspot_binding")

    @api.depends("hubspot_id", "hubspot_sync_state")
    @api.depends_context("company")
    def _compute_hubspot_binding(self):
        bindings = {
            binding.odoo_id.id: binding
            for binding in self._hubspot_bindings()._hubspot_of_records(self.env.company, self)
        }
        for record in self:
            binding = bindings.get(record.id)
            record.hubspot_last_error = binding and binding.last_error
            record.hubspot_last_sync = binding and binding.last_sync
            record.hubspot_updated_at = binding and binding.hubspot_updated_at
            record.hubspot_note = binding and binding.note
            record.hubspot_changed_at = binding and binding.odoo_changed_at
            record.hubspot_url = binding and binding._hubspot_url()

    def _condition_to_sql(self, alias, fname, operator, value, query):
        """Search the public fields through the bindings, whose columns are indexed."""
        binding_field = PUBLIC_FIELDS.get(fname)
        if not binding_field or operator in ("any", "not any"):
            return super()._condition_to_sql(alias, fname, operator, value, query)
        values = value if isinstance(value, (list, tuple)) else [value]
        # A record without a binding holds False: does the condition take it?
        takes_empty = (operator in NEGATIVE_TERM_OPERATORS) != (
            operator in ("=", "!=", "in", "not in") and False in values
        )
        condition = [(binding_field, operator, value)]
        if takes_empty:
            condition = ["!", *condition]
        bindings = (
            self._hubspot_bindings()
            .sudo()
            ._search([("company_id", "=", self.env.company.id), *condition])
        )
        return SQL(
            "%s %s %s",
            SQL.identifier(alias, "id"),
            SQL("NOT IN") if takes_empty else SQL("IN"),
            bindings.subselect("odoo_id"),
        )

    @api.model
    def _hubspot_bindings(self):
        return self.env[self._hubspot_binding_model]

    def _hubspot_binding(self, company=None):
        """The binding of ``self`` in the portal of ``company`` (the current one by default)."""
        return self._hubspot_bindings()._hubspot_of_records(company or self.env.company, self)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self.env.context.get("hubspot_import"):
            for binding_model in self._hubspot_types_of_model():
                binding_model._hubspot_note_odoo_change(records)
        return records

    def write(self, vals):
        if self.env.context.get("hubspot_import"):
            return super().write(vals)
        binding_models = self._hubspot_types_of_model()
        if vals.get("active") is False:
            for binding_model in binding_models:
                if binding_model._hubspot_archive_is_removal:
                    binding_model._hubspot_note_odoo_removal(self, self.env._("Archived"))
        result = super().write(vals)
        for binding_model in binding_models:
            if binding_model._hubspot_tracked_fields().intersection(vals):
                binding_model._hubspot_note_odoo_change(self)
        return result

    def unlink(self):
        if not self.env.context.get("hubspot_import"):
            for binding_model in self._hubspot_types_of_model():
                binding_model._hubspot_note_odoo_removal(self, self.env._("Deleted"))
        return super().unlink()

    @api.model
    def _hubspot_types_of_model(self):
        """The binding models of every HubSpot object type this Odoo model syncs as."""
        return self.env["hubspot.binding"]._hubspot_binding_models(self._name)

    def action_hubspot_retry(self):
        """Sync these records again now: read HubSpot's version, then send Odoo's."""
        for binding_model in self._hubspot_types_of_model():
            binding_model._hubspot_retry(self)
        return True
