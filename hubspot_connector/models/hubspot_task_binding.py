from datetime import datetime, time

from odoo import api, fields, models

from .hubspot_common import (
    IMPORT_CONTEXT,
    HubspotAssociation,
    HubspotValueError,
    hubspot_datetime,
)

# HubSpot's task types and the Odoo activity types they are.
TASK_TYPES = {
    "TODO": "mail.mail_activity_data_todo",
    "CALL": "mail.mail_activity_data_call",
    "EMAIL": "mail.mail_activity_data_email",
}
COMPLETED = "COMPLETED"
# A due date set in Odoo has no time: HubSpot gets it at noon UTC, the same day everywhere
# from UTC-11 to UTC+11.
DUE_TIME = time(12)


class HubspotTaskBinding(models.Model):
    """A HubSpot task and the scheduled activity (``mail.activity``) it is in Odoo.

    Done on either side completes it on the other. Odoo deletes an activity
    marked done; a synced one is archived instead (see ``mail.activity``), so
    the binding keeps the link and a task reopened in HubSpot comes back.
    """

    _name = "hubspot.task.binding"
    _inherit = "hubspot.activity.binding"
    _description = "HubSpot Task Binding"
    _hubspot_object_type = "tasks"
    _hubspot_object_label = "Task"
    _hubspot_type_id = "0-27"
    _hubspot_enabled_field = "hubspot_sync_tasks"
    _hubspot_odoo_id_property = "odoo_activity_id"
    _hubspot_odoo_id_label = "Odoo activity ID"
    _hubspot_associations = (
        HubspotAssociation("deals", 216),
        HubspotAssociation("contacts", 204),
        HubspotAssociation("companies", 192),
    )
    _hubspot_date_field = "date_deadline"
    _hubspot_converters = {
        "due_date": "Due date",
        "task_type": "Task type",
        "task_status": "Task status (done)",
    }

    odoo_id = fields.Many2one(
        "mail.activity", string="Activity", required=True, readonly=True, ondelete="cascade"
    )

    @api.model
    def _hubspot_fits(self, records):
        """Activities, done (archived) ones included, on a record a holder type syncs."""
        models_ = self._hubspot_holder_models()
        return records.filtered(lambda a: a.res_model in models_)

    def _hubspot_kept_when_done(self):
        """The bindings whose activity, marked done, stays (archived) to complete its task.

        A call done before its task reached HubSpot becomes a logged call there
        (when calls sync): a completed task beside it would tell the same twice.
        """
        call = self.env.ref(TASK_TYPES["CALL"])
        calls = self.env["hubspot.call.binding"]
        return self.filtered(
            lambda b: (
                b.hubspot_id
                or b.odoo_id.activity_type_id != call
                or not calls._hubspot_sync_enabled(b.company_id)
            )
        )

    @api.model
    def _hubspot_holder_vals(self, model, record_id):
        return {"res_model_id": self.env["ir.model"]._get_id(model), "res_id": record_id}

    @api.model
    def _hubspot_payload_label(self, payload):
        return payload["properties"].get("hs_task_subject") or payload["id"]

    @api.model
    def _hubspot_handle_remote_removal(self, company, hubspot_ids):
        """A task deleted in HubSpot with the "archive" policy deletes the activity, and its
        binding with it: Odoo keeps no archived activity that is not done."""
        if company.hubspot_delete_policy_hubspot2odoo != "archive":
            return super()._hubspot_handle_remote_removal(company, hubspot_ids)
        bindings = list(self._hubspot_linked(company, hubspot_ids).values())
        for binding in bindings:
            self.env["hubspot.sync.journal"]._log(
                "archived", binding, note=self.env._("Deleted in HubSpot.")
            )
            binding.odoo_id.with_context(**IMPORT_CONTEXT).sudo().unlink()
        return len(bindings)

    # ------------------------------------------------------------------
    # Converters
    # ------------------------------------------------------------------

    def _odoo2hubspot_due_date(self, mapping, base):
        """The due date at HubSpot's time of day (noon UTC for a new task)."""
        name = mapping.hubspot_properties[0]
        due = self.odoo_id[mapping.odoo_field]
        if not due:
            return {name: ""}
        known = hubspot_datetime(base.get(name)) if base.get(name) else None
        if known and known.date() == due:
            return {name: base[name]}
        moment = datetime.combine(due, known.time() if known else DUE_TIME)
        return {name: moment.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def _normalize_hubspot_due_date(self, mapping, values, payload):
        return self._normalize_hubspot_timestamp(mapping, values, payload)

    def _hubspot2odoo_due_date(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        when = hubspot_datetime(value) if value else None
        return {mapping.odoo_field: when.date()} if when else {}

    def _odoo2hubspot_task_type(self, mapping, base):
        activity_type = self.odoo_id[mapping.odoo_field]
        for value, xmlid in TASK_TYPES.items():
            if activity_type == self.env.ref(xmlid, raise_if_not_found=False):
                return {mapping.hubspot_properties[0]: value}
        return {mapping.hubspot_properties[0]: "TODO"}

    def _hubspot2odoo_task_type(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]] or "TODO"
        activity_type = self.env.ref(TASK_TYPES.get(value, TASK_TYPES["TODO"]))
        return {mapping.odoo_field: activity_type.id}

    def _odoo2hubspot_task_status(self, mapping, base):
        """Done in Odoo is COMPLETED; an open activity keeps HubSpot's open status."""
        name = mapping.hubspot_properties[0]
        if not self.odoo_id[mapping.odoo_field]:
            return {name: COMPLETED}
        status = base.get(name) or "NOT_STARTED"
        return {name: "NOT_STARTED" if status == COMPLETED else status}

    def _hubspot2odoo_task_status(self, mapping, remote, payload):
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] != COMPLETED}

    # The assignee is required: the sync's user holds a task whose owner is no Odoo user.

    def _hubspot2odoo_owner(self, mapping, remote, payload):
        if not remote[mapping.hubspot_properties[0]]:
            return {mapping.odoo_field: self.env.user.id}
        try:
            return super()._hubspot2odoo_owner(mapping, remote, payload)
        except HubspotValueError as error:
            error.fallback = {mapping.odoo_field: self.env.user.id}
            raise

    def _odoo2hubspot_owner(self, mapping, base):
        if self.odoo_id[mapping.odoo_field] == self.env.ref("base.user_root"):
            return {mapping.hubspot_properties[0]: base.get(mapping.hubspot_properties[0], "")}
        return super()._odoo2hubspot_owner(mapping, base)
