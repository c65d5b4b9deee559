from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .hubspot_common import IMPORT_CONTEXT, HubspotValueError


class HubspotSyncDifference(models.Model):
    """One field that held different values on both sides when a record was first linked.

    Neither side was overwritten; each line waits for a person to keep Odoo's
    value (sent to HubSpot) or HubSpot's (written in Odoo and journaled).
    """

    _name = "hubspot.sync.difference"
    _description = "HubSpot First-Link Difference"
    _order = "issue_id, id"

    issue_id = fields.Many2one(
        "hubspot.sync.issue", required=True, ondelete="cascade", index=True, readonly=True
    )
    mapping_id = fields.Many2one(
        "hubspot.field.mapping", required=True, ondelete="cascade", readonly=True
    )
    field_label = fields.Char(string="Field", readonly=True)
    odoo_value = fields.Char(string="Odoo's Value", readonly=True)
    hubspot_value = fields.Char(string="HubSpot's Value", readonly=True)
    hubspot_values = fields.Json(readonly=True, help="HubSpot's properties of the field.")
    hubspot_payload = fields.Json(
        readonly=True, help="HubSpot's record at the first link, for the value converters."
    )

    @api.model
    def _values(self, record, differences, payload):
        """Create commands for the differences ``(mapping, local, remote)`` of ``record``."""
        return [
            Command.create(
                {
                    "mapping_id": mapping.id,
                    "field_label": record._fields[mapping.odoo_field].string,
                    "odoo_value": ", ".join(v for v in local.values() if v),
                    "hubspot_value": ", ".join(v for v in remote.values() if v),
                    "hubspot_values": remote,
                    "hubspot_payload": payload,
                }
            )
            for mapping, local, remote in differences
        ]

    def _binding_and_mapping(self):
        self.ensure_one()
        issue = self.issue_id
        binding_model = self.env["hubspot.binding"]._hubspot_types()[issue.object_type]
        binding = binding_model._hubspot_linked(issue.company_id, [issue.hubspot_id]).get(
            issue.hubspot_id
        )
        if not binding or binding.odoo_id != (issue.lead_id or issue.partner_id):
            raise UserError(self.env._("The Odoo record is no longer linked to this HubSpot one."))
        mapping = next((m for m in binding._hubspot_mappings() if m.id == self.mapping_id.id), None)
        if not mapping:
            raise UserError(self.env._("This field is no longer synced with HubSpot."))
        return binding.with_context(active_test=False), mapping

    def action_keep_odoo(self):
        """Send Odoo's value: HubSpot's becomes the agreed base, so Odoo's counts as the change."""
        for line in self:
            binding, _mapping = line._binding_and_mapping()
            snapshot = dict(binding.synced_values or {}, **line.hubspot_values)
            binding._write_as_sync({"synced_values": snapshot})
            binding._hubspot_note_odoo_change(binding.odoo_id)
        return self._done()

    def action_keep_hubspot(self):
        """Write HubSpot's value in Odoo now; the replaced Odoo value is journaled."""
        for line in self:
            binding, mapping = line._binding_and_mapping()
            snapshot = dict(binding.synced_values or {})
            # In the mapping's order: a JSON column does not keep the order of keys.
            remote = {
                name: line.hubspot_values.get(name, "") for name in mapping.hubspot_properties
            }
            binding = binding.with_company(binding.company_id)
            try:
                local = binding._odoo2hubspot(mapping, snapshot)
                vals = binding._hubspot2odoo(mapping, remote, line.hubspot_payload)
            except HubspotValueError as error:
                raise UserError(str(error)) from error
            binding._hubspot_log_overwrites([(mapping, local, remote)])
            snapshot.update(remote)
            binding.odoo_id.with_context(**IMPORT_CONTEXT).sudo().write(vals)
            binding._write_as_sync({"synced_values": snapshot})
        return self._done()

    def _done(self):
        issues = self.issue_id
        self.sudo().unlink()
        issues.filtered(lambda issue: not issue.difference_ids).sudo().state = "done"
        return True
