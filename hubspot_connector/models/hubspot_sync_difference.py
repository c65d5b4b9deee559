from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .hubspot_sync_mixin import IMPORT_CONTEXT, HubspotValueError


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

    def _record_and_mapping(self):
        self.ensure_one()
        issue = self.issue_id
        record = issue.lead_id or issue.partner_id
        if not record.hubspot_id or record.hubspot_id != issue.hubspot_id:
            raise UserError(self.env._("The Odoo record is no longer linked to this HubSpot one."))
        mapping = next((m for m in record._hubspot_mappings() if m.id == self.mapping_id.id), None)
        if not mapping:
            raise UserError(self.env._("This field is no longer synced with HubSpot."))
        return record.with_context(active_test=False), mapping

    def action_keep_odoo(self):
        """Send Odoo's value: HubSpot's becomes the agreed base, so Odoo's counts as the change."""
        for line in self:
            record, _mapping = line._record_and_mapping()
            snapshot = dict(record.hubspot_synced_values or {}, **line.hubspot_values)
            record.with_context(**IMPORT_CONTEXT).sudo().write({"hubspot_synced_values": snapshot})
            record._hubspot_note_local_change()
        return self._done()

    def action_keep_hubspot(self):
        """Write HubSpot's value in Odoo now; the replaced Odoo value is journaled."""
        for line in self:
            record, mapping = line._record_and_mapping()
            company = line.issue_id.company_id
            snapshot = dict(record.hubspot_synced_values or {})
            # In the mapping's order: a JSON column does not keep the order of keys.
            remote = {
                name: line.hubspot_values.get(name, "") for name in mapping.hubspot_properties
            }
            try:
                local = record._hubspot_read(mapping, snapshot)
                vals = record._hubspot_write(mapping, remote, line.hubspot_payload)
            except HubspotValueError as error:
                raise UserError(str(error)) from error
            record._hubspot_log_overwrites(company, [(mapping, local, remote)])
            snapshot.update(remote)
            record.with_context(**IMPORT_CONTEXT).sudo().write(
                dict(vals, hubspot_synced_values=snapshot)
            )
        return self._done()

    def _done(self):
        issues = self.issue_id
        self.sudo().unlink()
        issues.filtered(lambda issue: not issue.difference_ids).sudo().state = "done"
        return True
