from odoo import api, models


class HubspotActivityRecord(models.AbstractModel):
    """The Odoo side of activity types (chatter messages, scheduled activities): the edits
    that are sent.

    Only records an activity type fits (``_hubspot_fits``) are looked at, so the
    many messages and activities of other kinds cost no lookup; what the sync
    itself writes (``hubspot_import``) is never sent back.
    """

    _name = "hubspot.activity.record"
    _description = "Synced with HubSpot as an Activity"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self.env.context.get("hubspot_import"):
            records._hubspot_note_activity_changed()
        return records

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("hubspot_import"):
            self._hubspot_note_activity_changed(vals)
        return result

    def unlink(self):
        if not self.env.context.get("hubspot_import"):
            self._hubspot_note_activity_removed(self.env._("Deleted"))
        return super().unlink()

    def _hubspot_note_activity_changed(self, vals=None):
        """Queue the push of the records an activity type fits (of changed synced fields)."""
        for binding_model in self.env["hubspot.binding"]._hubspot_binding_models(self._name):
            records = binding_model._hubspot_fits(self)
            if records and (
                vals is None or binding_model._hubspot_tracked_fields().intersection(vals)
            ):
                binding_model._hubspot_note_odoo_change(records)

    def _hubspot_note_activity_removed(self, how):
        for binding_model in self.env["hubspot.binding"]._hubspot_binding_models(self._name):
            binding_model._hubspot_note_odoo_removal(self, how)
