import logging

from odoo import api, models

from ..services.exceptions import HubspotConflict, HubspotError, HubspotNotFound
from .hubspot_common import RECORD_ERRORS, VERSION_KEY, add_counts, error_text

_logger = logging.getLogger(__name__)


class HubspotBindingExport(models.AbstractModel):
    """Odoo to HubSpot: claim the queue, read HubSpot's version first, batch write, results.

    Every HubSpot create is an upsert on the record's unique Odoo id, so a retry
    after a lost reply or a crash finds what it made instead of making another.
    """

    _name = "hubspot.binding.export"
    _description = "HubSpot Export"

    # ------------------------------------------------------------------
    # Hooks for the concrete types
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_create_properties(self, company):
        """HubSpot properties, besides the mapped ones, of an object created from Odoo."""
        return {}

    def _hubspot_push_error(self, plan, error, company):
        """Handle a per-record push error the type understands; True when handled."""
        return False

    # ------------------------------------------------------------------
    # The queue
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_drain(self, company, action, deadline, process, exclude=(), gather=False):
        """Claim this type's queue entries of ``action`` batch by batch until none is left
        or time is up; ``process(entries)`` handles a batch and returns its counts.

        Each batch is committed: a run that stops or dies loses its current batch
        only. ``exclude`` lists entries to leave for a later run (it may grow). With
        ``gather``, a batch after the first waits a little for a full request's worth
        of entries while they keep coming (a stream of webhook events).
        """
        queue = self.env["hubspot.sync.queue"].sudo()
        totals = {}
        first = True
        while not company._hubspot_out_of_time(deadline):
            if gather and not first:
                queue._hubspot_gather(company, action, self._hubspot_object_type, deadline)
            first = False
            entries = queue._claim(
                company, action, self._hubspot_object_type, company._hubspot_page_size(), exclude
            )
            if not entries:
                break
            add_counts(totals, process(entries))
            company._hubspot_commit()
        return totals

    @api.model
    def _hubspot_push_queued(self, company, client, deadline):
        """Send queued Odoo changes to HubSpot in batches, each read from HubSpot first."""
        odoo_model = self._odoo_model().with_context(active_test=False)
        busy = []

        def process(entries):
            existing = odoo_model.browse(entries.mapped("res_id")).exists()
            records = self._hubspot_lock_free(existing)
            # Records in use by another transaction stay queued for a later run.
            held_ids = (existing - records).ids
            held = entries.filtered(lambda e: e.res_id in held_ids)
            busy.extend(held.ids)
            entries -= held
            bindings = self._hubspot_ensure(company, records)
            failed = bindings._pull_before_push(company, client)
            to_push = bindings.filtered(
                lambda b: b.odoo_id.id not in failed and b.error_kind != "archived_in_hubspot"
            )
            stats, push_failed = to_push._export_batch(company, client)
            failed.update(push_failed)
            failed_entries = entries.filtered(lambda e: e.res_id in failed)
            for entry in failed_entries:
                entry._mark_failed(failed[entry.res_id])
            (entries - failed_entries).unlink()
            return stats

        totals = {"created": 0, "updated": 0, "excluded": 0, "failed": 0, "review": 0}
        totals.update(self._hubspot_drain(company, "push", deadline, process, busy))
        return totals

    @api.model
    def _hubspot_archive_queued(self, company, client, deadline):
        """Archive in HubSpot the records queued by the deletion policy."""

        def process(entries):
            client.batch_archive(self._hubspot_object_type, entries.mapped("hubspot_id"))
            entries.unlink()
            return {"archived": len(entries)}

        return dict({"archived": 0}, **self._hubspot_drain(company, "archive", deadline, process))

    def _pull_before_push(self, company, client):
        """Take HubSpot's current version of the linked bindings about to be pushed.

        Pull before push, batch by batch: a HubSpot change newer than the queued
        Odoo change is reconciled first, so a push never overwrites it unseen.
        Only these records are read (100 per request), never a whole pull.
        Returns ``{Odoo record id: error}`` for records that could not be read.
        """
        by_hubspot_id = {binding.hubspot_id: binding for binding in self.filtered("hubspot_id")}
        if not by_hubspot_id:
            return {}
        found, gone, unread = self._hubspot_read_by_ids(list(by_hubspot_id), client)
        # A version already taken has nothing new for Odoo (the push sends Odoo's change).
        found = [
            obj
            for obj in found
            if obj["id"] not in by_hubspot_id
            or not by_hubspot_id[obj["id"]]._hubspot_version_taken(obj)
        ]
        self._hubspot_apply_read(found, gone, company, client)
        return {by_hubspot_id[hid].odoo_id.id: error for hid, error in unread.items()}

    # ------------------------------------------------------------------
    # A batch
    # ------------------------------------------------------------------

    def _export_batch(self, company, client):
        """Push the bindings ``self``: batch create the new, batch update the linked.

        Returns ``(stats, failed)`` where ``failed`` maps Odoo record ids to the
        error that will be retried. Only properties that really changed are sent.
        """
        stats = {"created": 0, "updated": 0, "excluded": 0, "failed": 0, "review": 0}
        failed = {}
        in_scope_records = self._hubspot_push_scope(company, self.odoo_id)
        in_scope = self.filtered(lambda b: b.odoo_id in in_scope_records)
        out_of_scope = (self - in_scope).filtered(lambda b: b.sync_state == "pending")
        out_of_scope._hubspot_set_state("excluded")
        stats["excluded"] += len(out_of_scope)
        plans = {}
        for binding in in_scope:
            try:
                plans[binding] = binding._reconcile(None)
            except Exception as error:  # noqa: BLE001 - one record never stops the batch
                binding._hubspot_push_failed(error, failed, stats)
        for binding, plan in plans.items():
            if not plan["push"] and binding.hubspot_id:
                binding._write_as_sync(binding._hubspot_result_vals("synced", plan))
        new = [(b, p) for b, p in plans.items() if not b.hubspot_id]
        changed = [(b, p) for b, p in plans.items() if b.hubspot_id and p["push"]]
        pushed = []
        if new:
            pushed += self._hubspot_push_new(new, company, client, stats, failed)
        if changed:
            only_associations = [(b, p) for b, p in changed if not self._properties_of(p)]
            to_update = [(b, p) for b, p in changed if self._properties_of(p)]
            if to_update:
                result = client.batch_update(
                    self._hubspot_object_type,
                    [
                        {"id": b.hubspot_id, "properties": self._properties_of(p)}
                        for b, p in to_update
                    ],
                )
                pushed += self._hubspot_apply_push_result(
                    to_update, result, company, stats, failed, "updated"
                )
            for binding, plan in only_associations:
                binding._hubspot_mark_pushed(plan, None)
                stats["updated"] += 1
            pushed += only_associations
        self._hubspot_push_associations(company, client, pushed)
        return stats, failed

    @api.model
    def _properties_of(self, plan):
        """The HubSpot properties of a push plan, without its associations."""
        associations = self._hubspot_association_specs()
        return {k: v for k, v in plan["push"].items() if k not in associations}

    @api.model
    def _hubspot_odoo_key(self, record_id):
        """Value of the unique Odoo-id property: the database and the Odoo record."""
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"{database[:8]}-{record_id}"

    @api.model
    def _hubspot_ensure_odoo_id_property(self, client):
        """Create the unique Odoo-id property in HubSpot if it is missing (checked once a run)."""

        def ensure():
            name = self._hubspot_odoo_id_property
            try:
                client.get_property(self._hubspot_object_type, name)
            except HubspotNotFound:
                try:
                    client.create_property(
                        self._hubspot_object_type,
                        {
                            "name": name,
                            "label": self._hubspot_odoo_id_label,
                            "type": "string",
                            "fieldType": "text",
                            "groupName": self._hubspot_property_group,
                            "hasUniqueValue": True,
                            "description": "Set by the Odoo HubSpot connector; do not edit.",
                        },
                    )
                except HubspotConflict:
                    _logger.info("HubSpot property %s was created meanwhile", name)
            return True

        self._hubspot_cached(("odoo_id_property", self._name), ensure)

    @api.model
    def _hubspot_push_new(self, new, company, client, stats, failed):
        """Create records in HubSpot by upsert on their unique Odoo id, so a retry never
        duplicates; returns the (binding, plan) pairs that made it."""
        name = self._hubspot_odoo_id_property
        try:
            self._hubspot_ensure_odoo_id_property(client)
        except HubspotError as error:
            # Without the property no create is safe to repeat: the batch fails as its
            # write would (each record listed, retried later), not the whole run.
            for binding, _plan in new:
                binding._hubspot_push_failed(error, failed, stats)
            return []
        inputs = []
        for binding, plan in new:
            key = self._hubspot_odoo_key(binding.odoo_id.id)
            properties = dict(
                self._properties_of(plan), **self._hubspot_create_properties(company), **{name: key}
            )
            inputs.append({"id": key, "properties": properties})
        result = client.batch_upsert(self._hubspot_object_type, inputs, name)
        return self._hubspot_apply_push_result(new, result, company, stats, failed, "created")

    def _hubspot_push_failed(self, error, failed, stats):
        """Mark the binding failing for a retry; a bug is logged with its traceback."""
        if not isinstance(error, RECORD_ERRORS):
            _logger.exception("HubSpot push of %s failed", self.odoo_id)
        self._hubspot_set_state("failing", [error])
        failed[self.odoo_id.id] = error_text(error)
        stats["failed"] += 1

    @api.model
    def _hubspot_apply_push_result(self, items, result, company, stats, failed, outcome):
        """Record what HubSpot accepted; keep what it refused for a retry.

        Returns the (binding, plan) pairs HubSpot accepted.
        """
        accepted = []
        for index, (binding, plan) in enumerate(items):
            obj = result.results.get(index)
            try:
                with self.env.cr.savepoint():
                    if obj is None:
                        error = result.errors.get(index) or HubspotError("No answer from HubSpot")
                        if binding._hubspot_push_error(plan, error, company):
                            stats["review"] += 1
                        else:
                            binding._hubspot_push_failed(error, failed, stats)
                        continue
                    if binding.hubspot_id:
                        binding._hubspot_log_remote_overwrites(plan)
                    else:
                        binding._link_to(obj["id"], self.env._("Created in HubSpot."))
                    binding._hubspot_mark_pushed(plan, obj)
            except Exception as error:  # noqa: BLE001 - one record never stops the batch
                # A record made in HubSpot but not linked here is found again by its
                # Odoo id at the retry.
                binding._hubspot_push_failed(error, failed, stats)
                continue
            stats[outcome] += 1
            accepted.append((binding, plan))
        return accepted

    def _hubspot_mark_pushed(self, plan, hubspot_object):
        """Store what HubSpot now holds as the agreed snapshot."""
        snapshot = dict(plan["snapshot"], **plan["push"])
        vals = dict(self._hubspot_result_vals("synced", plan), synced_values=snapshot)
        if hubspot_object:
            snapshot[VERSION_KEY] = hubspot_object.get("updatedAt")
            vals["hubspot_updated_at"] = self._hubspot_remote_time(hubspot_object)
        self._write_as_sync(vals)

    def _hubspot_log_remote_overwrites(self, plan):
        """Journal the HubSpot values a push replaces, so they can be traced."""
        for name, value in plan["push"].items():
            old = plan["snapshot"].get(name)
            if old and old != value:
                self.env["hubspot.sync.journal"]._log(
                    "hubspot_overwritten", self, field_name=name, old_value=old, new_value=value
                )
