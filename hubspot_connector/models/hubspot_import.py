import logging
from contextlib import nullcontext
from datetime import timezone

from psycopg2.errors import TransactionRollbackError

from odoo import Command, api, models

from .hubspot_common import (
    CLEANED_KEY,
    IMPORT_CONTEXT,
    RECORD_ERRORS,
    VERSION_KEY,
    error_text,
    hubspot_datetime,
)

_logger = logging.getLogger(__name__)


class HubspotBindingImport(models.AbstractModel):
    """HubSpot to Odoo, one page at a time: follow merges, match, create or update.

    Loops, commits and cursors are the job runner's; this takes one page of
    HubSpot objects and applies it inside the current transaction, each object
    isolated from the others.
    """

    _name = "hubspot.binding.import"
    _description = "HubSpot Import"

    # ------------------------------------------------------------------
    # Hooks for the concrete types
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_accept_new(self, payload, company):
        """Return None when a new HubSpot object may be created in Odoo, else why not."""
        return None

    @api.model
    def _hubspot_report_left_out(self, payload, company, reason):
        """List a new HubSpot object ``_hubspot_accept_new`` left out, when a person should know."""

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        """Values, besides the mapped fields, of an Odoo record created from HubSpot."""
        return {}

    @api.model
    def _hubspot_payload_label(self, payload):
        return payload["id"]

    @api.model
    def _hubspot_first_link_note(self):
        """What the journal says of a first link made by ``_hubspot_find_matches``."""
        return self.env._("First link.")

    # ------------------------------------------------------------------
    # A page
    # ------------------------------------------------------------------

    @api.model
    def _import_page(self, payloads, company):
        """Apply a page of HubSpot objects to Odoo; return counts by outcome.

        Values are cleaned first, so nothing HubSpot holds can break a query.
        Each object that changes an Odoo record is handled in its own savepoint,
        flushed inside it: a broken one is recorded against that object (issue
        list) and the rest of the page goes on. New objects are only collected
        here and created together afterwards.
        """
        stats = dict.fromkeys(
            ("created", "updated", "linked", "unchanged", "excluded", "review", "failed"), 0
        )
        limits = self._hubspot_text_limits()
        payloads = [self._hubspot_clean_payload(payload, limits) for payload in payloads]
        merged_ids = {
            old_id: payload["id"]
            for payload in payloads
            for old_id in (payload["properties"].get("hs_merged_object_ids") or "").split(";")
            if old_id and old_id != payload["id"]
        }
        linked = self._hubspot_linked(company, [p["id"] for p in payloads] + list(merged_ids))
        unlinked = [p for p in payloads if p["id"] not in linked]
        matches = self._hubspot_match_own(unlinked, company)
        matches.update(
            self._hubspot_find_matches([p for p in unlinked if p["id"] not in matches], company)
        )
        busy = self._hubspot_busy(payloads, linked, matches, merged_ids)
        if busy:
            stats["deferred"] = len(busy)
            self.env["hubspot.sync.queue"].sudo()._enqueue(
                company, "fetch", self._hubspot_object_type, hubspot_ids=busy, delay=60
            )
        to_create = []
        for payload in payloads:
            if payload["id"] in busy:
                continue
            match = matches.get(payload["id"])
            writes = match or payload["id"] in linked or payload["id"] in merged_ids.values()
            try:
                with self.env.cr.savepoint() if writes else nullcontext():
                    outcome = self._import_one(payload, company, linked, match, to_create)
            except Exception as error:  # noqa: BLE001 - one record never stops the page
                outcome = "failed"
                self._hubspot_report_failure(company, payload, error, linked.get(payload["id"]))
            if outcome:
                stats[outcome] += 1
        if to_create:
            created, failed = self._create_from_hubspot(to_create, company)
            stats["created"] += created
            stats["failed"] += failed
        return stats

    @api.model
    def _hubspot_report_failure(self, company, payload, error, binding=None):
        """List a HubSpot record that could not be imported in Sync Health, and mark
        its binding (if linked) failing.

        What waits for a change in Odoo is listed for review and taken up again
        by that change; a bad value waits for the next change in HubSpot (or
        Retry); only a clash with a concurrent transaction is read again soon.
        Never fails itself: the texts are cleaned and capped, and the report is
        written in a savepoint of its own. An error that bad data cannot cause
        is a bug: logged with its traceback.
        """
        message = error_text(error)
        waiting = getattr(error, "waiting", False)
        (_logger.info if waiting else _logger.warning)(
            "HubSpot %s %s not imported: %s",
            self._hubspot_object_type,
            payload["id"],
            message,
            exc_info=not isinstance(error, RECORD_ERRORS),
        )
        try:
            with self.env.cr.savepoint():
                self.env["hubspot.sync.issue"]._report(
                    company,
                    self._hubspot_object_type,
                    payload["id"],
                    "review" if waiting else "failed",
                    getattr(error, "kind", None) or type(error).__name__,
                    message,
                    name=error_text(self._hubspot_payload_label(payload))[:200],
                )
                if isinstance(error, TransactionRollbackError):
                    # A clash with another transaction is no fault of the record's.
                    self.env["hubspot.sync.queue"].sudo()._enqueue(
                        company,
                        "fetch",
                        self._hubspot_object_type,
                        hubspot_ids=[payload["id"]],
                        delay=60,
                    )
                elif binding and binding.exists():
                    binding._hubspot_set_state("failing", [error])
        except RECORD_ERRORS as report_error:
            _logger.warning(
                "HubSpot %s %s: the failure could not be reported: %s",
                self._hubspot_object_type,
                payload["id"],
                error_text(report_error),
            )

    @api.model
    def _hubspot_report_review(self, company, payload, kind, message, candidates=None):
        """List a HubSpot record for a person to decide; ``candidates`` are Odoo records."""
        self.env["hubspot.sync.issue"]._report(
            company,
            self._hubspot_object_type,
            payload["id"],
            "review",
            kind,
            message,
            name=self._hubspot_payload_label(payload),
            # What the HubSpot side holds, next to the candidates (contacts have one).
            email=payload["properties"].get("email") or False,
            candidate_partner_ids=[Command.set(candidates.ids)]
            if candidates is not None and candidates._name == "res.partner"
            else False,
        )

    # ------------------------------------------------------------------
    # One object
    # ------------------------------------------------------------------

    @api.model
    def _import_one(self, payload, company, linked, match, to_create):
        binding = self._follow_merge(payload, company, linked)
        if binding:
            if binding._is_unchanged(payload):
                return "unchanged"
            binding._apply_remote(payload, company)
            return "updated"
        odoo_model = self._odoo_model()
        record, candidates = match or (odoo_model.browse(), odoo_model.browse())
        if candidates:
            self._hubspot_report_review(
                company,
                payload,
                "ambiguous_match",
                self.env._(
                    "%(count)s Odoo records match this HubSpot record: choose one, "
                    "the sync never picks one for you.",
                    count=len(candidates),
                ),
                candidates,
            )
            return "review"
        if record:
            own = payload["properties"].get(self._hubspot_odoo_id_property)
            made_here = own and own == self._hubspot_odoo_key(record.id)
            note = (
                self.env._("Created from Odoo; linked again by its Odoo id.")
                if made_here
                else self._hubspot_first_link_note()
            )
            binding = self._hubspot_ensure(company, record)
            binding._link_to(payload["id"], note)
            if made_here:
                binding._agreed_at_creation(payload)
            binding._apply_remote(payload, company)
            return "linked"
        reason = self._hubspot_accept_new(payload, company)
        if reason:
            self._hubspot_report_left_out(payload, company, reason)
            return "excluded"
        to_create.append(payload)
        return None

    def _is_unchanged(self, payload):
        """True when the binding already took exactly this version of the HubSpot object.

        A record that failed on that version fails again on it, unless its error
        may go away by itself: those are read again through the queue, which
        always applies what it reads (``hubspot_refetch``).
        """
        return (
            not self.env.context.get("hubspot_refetch")
            and self.sync_state in ("synced", "failing")
            and self._hubspot_version_taken(payload)
        )

    def _hubspot_version_taken(self, payload):
        """Whether the binding ``self`` already took exactly this version of its object:
        the one place that decides it."""
        return (self.synced_values or {}).get(VERSION_KEY) == payload.get("updatedAt")

    def _hubspot_synced_since(self, occurred_at_ms):
        """Whether the binding ``self`` is in sync with a version of its object at least as
        recent as ``occurred_at_ms`` (epoch ms): a change made then is already in Odoo.

        HubSpot's time is stored to the second, rounded down: a version of that very
        second counts as older, and the object is read again rather than missed.
        """
        if self.sync_state != "synced" or not self.hubspot_updated_at:
            return False
        synced_ms = self.hubspot_updated_at.replace(tzinfo=timezone.utc).timestamp() * 1000
        return synced_ms > occurred_at_ms

    @api.model
    def _hubspot_remote_time(self, payload):
        """HubSpot's last change, to the second as Odoo stores datetimes."""
        changed = hubspot_datetime(payload.get("updatedAt"))
        return changed and changed.replace(microsecond=0)

    def _apply_remote(self, payload, company):
        """Reconcile one binding with HubSpot's version of its object."""
        self.ensure_one()
        result = self._reconcile(payload)
        self._hubspot_log_overwrites(result["overwritten"])
        errors = result["errors"] + payload.get(CLEANED_KEY, [])
        if result["odoo_vals"]:
            self.odoo_id.with_context(**IMPORT_CONTEXT).sudo().write(result["odoo_vals"])
            self._hubspot_note_odoo_change(self.odoo_id, source=company)
        self._write_as_sync(
            dict(
                synced_values=dict(result["snapshot"], **{VERSION_KEY: payload.get("updatedAt")}),
                hubspot_updated_at=self._hubspot_remote_time(payload),
                **self._hubspot_result_vals(
                    "pending" if result["push"] else "synced", dict(result, errors=errors)
                ),
            )
        )
        if result["push"]:
            self.env["hubspot.sync.queue"].sudo()._enqueue(
                company, "push", self._hubspot_object_type, res_ids=self.odoo_id.ids
            )
        if result["differences"]:
            self._hubspot_report_differences(company, payload, result["differences"])
        elif self.sync_state != "failing":  # a failure stays listed
            self.env["hubspot.sync.issue"]._solve(
                company, self._hubspot_object_type, [self.hubspot_id]
            )

    def _hubspot_report_differences(self, company, payload, differences):
        """List the values that differ since the first link, for a person to choose."""
        record = self.odoo_id
        self.env["hubspot.sync.issue"]._report(
            company,
            self._hubspot_object_type,
            self.hubspot_id,
            "review",
            "differs_at_first_link",
            self.env._(
                "%(record)s and its HubSpot record held different values when they were "
                "first linked: %(fields)s. Both sides keep theirs until you choose.",
                record=record.display_name,
                fields=", ".join(record._fields[m.odoo_field].string for m, _l, _r in differences),
            ),
            name=record.display_name,
            difference_ids=[Command.clear()]
            + self.env["hubspot.sync.difference"]._values(record, differences, payload),
        )

    # ------------------------------------------------------------------
    # New objects
    # ------------------------------------------------------------------

    @api.model
    def _create_from_hubspot(self, payloads, company):
        """Create Odoo records and their bindings for new HubSpot objects in one batch.

        A batch create is what keeps a first import of tens of thousands of
        records close to the speed of a plain ORM import; if the batch fails,
        each record is created on its own so that one bad object fails alone.
        """
        prepared = []
        for payload in payloads:
            try:
                prepared.append((payload, *self._prepare_create(payload, company)))
            except Exception as error:  # noqa: BLE001 - one record never stops the page
                self._hubspot_report_failure(company, payload, error)
        creator = self._odoo_model().with_context(**IMPORT_CONTEXT).sudo()
        binder = self.sudo()
        # The savepoints flush before they end: an index or a constraint refusing a row
        # fails inside them, not at the next commit.
        try:
            with self.env.cr.savepoint():
                records = creator.create([odoo_vals for _p, odoo_vals, _b in prepared])
                bindings = binder.create(
                    [
                        dict(binding_vals, odoo_id=record.id)
                        for record, (_p, _o, binding_vals) in zip(records, prepared, strict=True)
                    ]
                )
        except Exception:  # noqa: BLE001 - isolate the record that broke the batch
            bindings = self.browse()
            for payload, odoo_vals, binding_vals in prepared:
                try:
                    with self.env.cr.savepoint():
                        record = creator.create(odoo_vals)
                        binding = binder.create(dict(binding_vals, odoo_id=record.id))
                except Exception as error:  # noqa: BLE001
                    self._hubspot_report_failure(company, payload, error)
                else:
                    # Only once the savepoint is released: a row rolled back is gone.
                    bindings |= binding
        self.env["hubspot.sync.journal"]._log(
            "link_created", bindings, note=self.env._("Created from HubSpot.")
        )
        bindings._hubspot_after_link()
        return len(bindings), len(payloads) - len(bindings)

    @api.model
    def _prepare_create(self, payload, company):
        """``(Odoo record values, binding values)`` of a new HubSpot object."""
        result = self.browse()._reconcile(payload)
        for error in result["errors"] + result["notes"]:
            if error.blocking:
                raise error
        errors = result["errors"] + payload.get(CLEANED_KEY, [])
        odoo_vals = dict(self._hubspot_create_defaults(payload, company), **result["odoo_vals"])
        binding_vals = dict(
            company_id=company.id,
            hubspot_id=payload["id"],
            synced_values=dict(result["snapshot"], **{VERSION_KEY: payload.get("updatedAt")}),
            hubspot_updated_at=self._hubspot_remote_time(payload),
            **self._hubspot_result_vals("synced", dict(result, errors=errors)),
        )
        return odoo_vals, binding_vals
