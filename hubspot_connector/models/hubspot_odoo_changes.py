from odoo import api, fields, models


class HubspotBindingOdooChanges(models.AbstractModel):
    """What a change made in Odoo starts: a push, a removal, or a second look.

    Edits, archives and deletions of synced records queue their push or the
    deletion policy; a change that settles what a binding waits for (a new
    user, a stage mapping, a linked contact) takes that binding up again.
    """

    _name = "hubspot.binding.odoo.changes"
    _description = "HubSpot Changes Made in Odoo"

    @api.model
    def _hubspot_note_odoo_change(self, records, source=None):
        """Stamp the change time and queue a push for the Odoo ``records`` in scope.

        ``source``: the company whose portal made the change (an import), which is
        not sent back; the other portals the records sync with get it.
        """
        now = fields.Datetime.now()
        queue = self.env["hubspot.sync.queue"].sudo()
        companies = self.env["res.company"].browse(
            self._hubspot_cached(
                "hubspot_companies", lambda: self.env["res.company"]._hubspot_companies().ids
            )
        )
        for company in companies - (source or companies.browse()):
            if not self._hubspot_sync_enabled(company):
                continue
            in_scope = self._hubspot_push_scope(company, records)
            if not in_scope:
                continue
            bindings = self._hubspot_ensure(company, in_scope)
            bindings._write_as_sync({"odoo_changed_at": now, "sync_state": "pending"})
            queue._enqueue(company, "push", self._hubspot_object_type, res_ids=in_scope.ids)
            queue._trigger_job()

    @api.model
    def _hubspot_note_odoo_removal(self, records, how):
        """Apply the deletion policy to bindings whose Odoo record is archived or deleted.

        HubSpot is never asked to delete: with the "archive" policy its record is
        archived (restorable there for 90 days) and the link removed; with the
        default policy HubSpot is left alone and the journal says so.
        """
        journal = self.env["hubspot.sync.journal"]
        bindings = self.sudo().search([("odoo_id", "in", records.ids), ("hubspot_id", "!=", False)])
        for binding in bindings:
            company = binding.company_id
            if company.hubspot_delete_policy_odoo2hubspot == "archive":
                self.env["hubspot.sync.queue"].sudo()._enqueue(
                    company, "archive", self._hubspot_object_type, hubspot_ids=[binding.hubspot_id]
                )
                note = self.env._("%(how)s in Odoo: the HubSpot record will be archived.", how=how)
                journal._log("archived", binding, note=note)
                binding._drop_link(self.env._("%(how)s in Odoo.", how=how))
            else:
                note = self.env._(
                    "%(how)s in Odoo: the HubSpot record is kept (deletion policy).", how=how
                )
                journal._log("kept", binding, note=note)

    @api.model
    def _hubspot_reevaluate_waiting(self, company, values=None):
        """Take up again the bindings that wait for a change just made in Odoo.

        Called by that change (a new user, a stage mapping, a linked contact,
        options fetched), never on a timer. Records holding HubSpot values they
        could not take are read again from HubSpot; records whose own value could
        not be sent are pushed again. ``values`` narrows it to bindings waiting
        for one of these HubSpot values: ``{property: set of values, or None for any}``.
        """
        bindings = self._hubspot_waiting_bindings(company)
        if values is not None:
            bindings = bindings.filtered(
                lambda b: any(
                    name in (b.waiting or {}) and (wanted is None or b.waiting[name][0] in wanted)
                    for name, wanted in values.items()
                )
            )
        queue = self.env["hubspot.sync.queue"].sudo()
        to_read = bindings.filtered("waiting")
        object_type = self._hubspot_object_type
        queue._enqueue(company, "fetch", object_type, hubspot_ids=to_read.mapped("hubspot_id"))
        queue._enqueue(company, "push", object_type, res_ids=(bindings - to_read).odoo_id.ids)
        if bindings:
            queue._trigger_job()

    @api.model
    def _hubspot_waiting_bindings(self, company):
        """Bindings of ``company`` that hold HubSpot values or a note waiting for Odoo.

        Not only linked ones: a record sent without a value Odoo lacked (its own
        note) is sent again once that value exists.
        """
        return self.sudo().search(
            [
                ("company_id", "=", company.id),
                "|",
                ("waiting", "!=", False),
                ("note", "!=", False),
            ]
        )

    @api.model
    def _hubspot_retry(self, records):
        """Sync these Odoo records again now: read HubSpot's version, then send Odoo's."""
        queue = self.env["hubspot.sync.queue"].sudo()
        object_type = self._hubspot_object_type
        for company in self.env["res.company"].sudo()._hubspot_companies():
            linked = self._hubspot_of_records(company, records).filtered("hubspot_id")
            queue._enqueue(company, "fetch", object_type, hubspot_ids=linked.mapped("hubspot_id"))
            to_push = linked.odoo_id | self._hubspot_push_scope(company, records - linked.odoo_id)
            queue._enqueue(company, "push", object_type, res_ids=to_push.ids)
        queue._trigger_job()
