from contextlib import suppress
from functools import partial

from psycopg2.errors import TransactionRollbackError

from odoo import api, models
from odoo.tools import SQL

from ..services.exceptions import HubspotNotFound
from .hubspot_common import IMPORT_CONTEXT, HubspotValueError, hubspot_datetime


class HubspotBindingIdentify(models.AbstractModel):
    """Which Odoo record a HubSpot object is: linked, merged in HubSpot, matched, or gone.

    Also locks the Odoo records a page will write, so that an import never waits
    for a person's edit and never fails on one.
    """

    _name = "hubspot.binding.identify"
    _description = "HubSpot Record Identification"

    @api.model
    def _hubspot_find_matches(self, payloads, company):
        """Find the Odoo records new HubSpot objects are the same as, for a whole page.

        Returns ``{hubspot_id: (record, candidates)}`` of Odoo records: ``record``
        is set when exactly one free candidate exists; ``candidates`` when a
        person must decide.
        """
        return {}

    @api.model
    def _hubspot_busy(self, payloads, linked, matches, merged_ids):
        """HubSpot ids of ``payloads`` whose Odoo record another transaction holds.

        Their rows are locked for this transaction otherwise, so that importing
        them can neither wait for a person editing them nor fail on their edit.
        """
        absorbed = {}
        for old_id, new_id in merged_ids.items():
            absorbed.setdefault(new_id, []).append(old_id)
        written = {}  # HubSpot id: the Odoo records importing it writes
        for payload in payloads:
            binding = linked.get(payload["id"])
            if binding and binding._is_unchanged(payload):
                binding = None  # a version already taken writes nothing
            candidates = [binding, *(linked.get(i) for i in absorbed.get(payload["id"], []))]
            records = [b.odoo_id for b in candidates if b]
            records.append((matches.get(payload["id"]) or [None])[0])
            written[payload["id"]] = [r for r in records if r]
        odoo_model = self._odoo_model()
        records = odoo_model.browse({r.id for rs in written.values() for r in rs})
        held = records - self._hubspot_lock_free(records)
        return [hid for hid, rs in written.items() if any(r in held for r in rs)]

    @api.model
    def _hubspot_lock_free(self, records):
        """Lock the rows of Odoo ``records`` for this transaction, leaving out those in use.

        A job never waits for a person editing a record and never writes a row
        changed since its transaction began (that would fail it): such records
        wait for a later run. Returns the records locked.
        """
        if not records:
            return records
        self.env.flush_all()
        # When one of them changed meanwhile, find it one by one.
        with suppress(TransactionRollbackError):
            return self._hubspot_lock_rows(records)
        free = records.browse()
        for record in records:
            with suppress(TransactionRollbackError):
                free |= self._hubspot_lock_rows(record)
        return free

    @api.model
    def _hubspot_lock_rows(self, records):
        query = SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) FOR NO KEY UPDATE SKIP LOCKED",
            SQL.identifier(records._table),
            records.ids,
        )
        with self.env.cr.savepoint(flush=False):
            self.env.cr.execute(query, log_exceptions=False)
            return records.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _hubspot_match_own(self, payloads, company):
        """Match HubSpot records this database made to their Odoo record (its Odoo id).

        A crash between HubSpot's create and Odoo's commit leaves the record in
        HubSpot without a link; a pull that reads it first must link it, not
        create a second Odoo record. Records already linked are left alone.
        """
        own = self._hubspot_odoo_key("")
        record_ids = {}
        for payload in payloads:
            key = payload["properties"].get(self._hubspot_odoo_id_property) or ""
            if key.startswith(own) and key[len(own) :].isdigit():
                record_ids[payload["id"]] = int(key[len(own) :])
        odoo_model = self._odoo_model().with_context(active_test=False)
        records = odoo_model.browse(set(record_ids.values())).exists()
        taken = self._hubspot_of_records(company, records).filtered("hubspot_id").odoo_id
        no_company = self.env["res.company"]
        free = {
            record.id: record
            for record in records - taken
            if "company_id" not in record._fields or record.company_id in (company, no_company)
        }
        return {
            hubspot_id: (free[record_id], odoo_model.browse())
            for hubspot_id, record_id in record_ids.items()
            if record_id in free
        }

    def _agreed_at_creation(self, payload):
        """Store what both sides agreed on for a record Odoo made whose link a crash lost.

        HubSpot made it from Odoo's values of the time. When one side has not changed
        since, that side still holds them: they are the snapshot, so a later edit on the
        other side travels as any edit does, instead of being asked about as values that
        differ at a first link. When both changed, or it cannot be told, it stays a first
        link (a person decides what differs).
        """
        created = hubspot_datetime(payload.get("createdAt"))
        if not created:
            return
        if payload.get("updatedAt") == payload.get("createdAt"):
            read = partial(self._hubspot_normalize, remote=payload["properties"], payload=payload)
        elif self.odoo_changed_at and self.odoo_changed_at < created.replace(microsecond=0):
            # Odoo's last change came before the second HubSpot made the record in.
            read = partial(self._odoo2hubspot, base=None)
        else:
            return
        snapshot = {}
        for mapping in self._hubspot_mappings():
            with suppress(HubspotValueError):
                snapshot.update(read(mapping))
        self._write_as_sync({"synced_values": snapshot})

    @api.model
    def _follow_merge(self, payload, company, linked):
        """Return the binding of ``payload``, following merges made in HubSpot.

        A binding of the survivor keeps its link; otherwise the first one linked
        to an absorbed id takes the survivor's id. Any other binding linked to an
        absorbed id loses its link and is listed for review. Nothing is created
        or deleted.
        """
        current = linked.get(payload["id"], self.browse())
        absorbed = [
            linked.pop(old_id)
            for old_id in (payload["properties"].get("hs_merged_object_ids") or "").split(";")
            if old_id in linked and old_id != payload["id"]
        ]
        if not absorbed:
            return current
        survivor, others = (current, absorbed) if current else (absorbed[0], absorbed[1:])
        note = self.env._("Merged in HubSpot into %(new_id)s.", new_id=payload["id"])
        for other in others:
            other._drop_link(note)
            other._hubspot_set_state("review")
            self._hubspot_report_review(
                company,
                payload,
                "merged_in_hubspot",
                self.env._(
                    "HubSpot merged records linked to %(names)s into one: decide whether "
                    "to merge them in Odoo too.",
                    names=", ".join((survivor | other).odoo_id.mapped("display_name")),
                ),
                (survivor | other).odoo_id,
            )
        if not current:
            survivor._link_to(payload["id"], note)
            linked[payload["id"]] = survivor
        return survivor

    # ------------------------------------------------------------------
    # Reading by id, and objects gone from HubSpot
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_read_by_ids(self, hubspot_ids, client):
        """Read HubSpot objects by id, 100 per request: ``(found, gone, unread)``.

        ``gone``: ids HubSpot no longer has; ``unread``: ``{id: error}`` of the
        others it did not answer for.
        """
        result = client.batch_read(
            self._hubspot_object_type, hubspot_ids, self._hubspot_properties()
        )
        # Two requested ids merged into one record answer with the same record.
        found = list({obj["id"]: obj for obj in result.results.values()}.values())
        errors = {hubspot_ids[index]: error for index, error in result.errors.items()}
        gone = [hid for hid, error in errors.items() if isinstance(error, HubspotNotFound)]
        unread = {hid: str(error) for hid, error in errors.items() if hid not in gone}
        return found, gone, unread

    @api.model
    def _hubspot_ids_to_reread(self, company, changed, deleted):
        """The HubSpot ids that webhook events make worth reading again.

        ``changed`` and ``deleted`` map ids to the time (epoch ms) of their latest
        event. A change already synced in a newer version is not read: HubSpot sends
        events late and out of order. A deletion is read too, and taken as one only
        when HubSpot no longer has the object (the deletion policy then applies), so
        only objects linked in Odoo are read for it.
        """
        linked = self._hubspot_linked(company, [*changed, *deleted])
        stale = [
            hubspot_id
            for hubspot_id, occurred_at in changed.items()
            if not (hubspot_id in linked and linked[hubspot_id]._hubspot_synced_since(occurred_at))
        ]
        return stale + [hubspot_id for hubspot_id in deleted if hubspot_id in linked]

    @api.model
    def _hubspot_apply_read(self, found, gone, company, client):
        """Apply objects read by id to Odoo; those gone take the deletion policy."""
        self._hubspot_enrich(found, company, client)
        stats = self._import_page(found, company)
        self._hubspot_handle_remote_removal(company, gone)
        return stats

    def _hubspot_archive_odoo_record(self):
        """Archive the Odoo record of the binding ``self``, as the sync (no echo)."""
        self.odoo_id.with_context(**IMPORT_CONTEXT).sudo().write({"active": False})

    @api.model
    def _hubspot_handle_remote_removal(self, company, hubspot_ids):
        """Apply the deletion policy to Odoo records whose HubSpot object is gone.

        With the default policy the record stays as it is and is marked
        excluded; with "archive" it is archived and unlinked. Never deleted.
        """
        journal = self.env["hubspot.sync.journal"]
        handled = 0
        for binding in self._hubspot_linked(company, hubspot_ids).values():
            if binding.error_kind == "archived_in_hubspot":
                continue  # already handled at an earlier run
            handled += 1
            if company.hubspot_delete_policy_hubspot2odoo == "archive":
                journal._log("archived", binding, note=self.env._("Archived in HubSpot."))
                binding._drop_link(self.env._("Archived in HubSpot."))
                binding._hubspot_archive_odoo_record()
            else:
                journal._log(
                    "kept",
                    binding,
                    note=self.env._("Archived in HubSpot; kept in Odoo (deletion policy)."),
                )
            binding._write_as_sync(
                dict(self._hubspot_state_vals("excluded"), error_kind="archived_in_hubspot")
            )
        return handled
