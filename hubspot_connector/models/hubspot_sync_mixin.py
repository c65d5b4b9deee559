import logging
from contextlib import nullcontext, suppress
from datetime import datetime, timezone
from functools import partial

import psycopg2
from psycopg2.errors import TransactionRollbackError

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import cleaning, rules
from ..services.exceptions import HubspotConflict, HubspotError, HubspotNotFound

_logger = logging.getLogger(__name__)

SYNC_STATES = [
    ("pending", "Waiting for sync"),
    ("synced", "In sync"),
    ("excluded", "Excluded"),
    ("failing", "Failing"),
    ("review", "Needs review"),
]

# Snapshot key of HubSpot's exact last-modified time of the version synced (to the
# millisecond: a Datetime field keeps seconds only).
VERSION_KEY = "updatedAt"

# Context key set on every write the sync makes, so that an import is never
# queued to be pushed back (no echo).
IMPORT_CONTEXT = {"hubspot_import": True, "tracking_disable": True}

# Payload key of the field-level notes on values cleaned when a page came in.
CLEANED_KEY = "odoo_cleaned_values"

# What bad data can raise while one record is converted or written (database errors
# at flush included); other exceptions are bugs, isolated too but logged with a traceback.
RECORD_ERRORS = (HubspotError, ValueError, OverflowError, UserError, psycopg2.Error)

# Longest error text kept on a record or an issue.
MESSAGE_LIMIT = 2000


def error_text(error):
    """The text of an error, safe to store and short enough to read."""
    return cleaning.clean_text(str(error) or type(error).__name__, MESSAGE_LIMIT)[0]


class HubspotValueError(ValueError):
    """A single value cannot be converted; the field is skipped, the record syncs."""

    def __init__(self, message, kind="invalid_value", waiting=False, blocking=False, fallback=None):
        super().__init__(message)
        self.kind = kind
        # True when a new record must not be created without this value (a deal
        # without its stage would land in a guessed one).
        self.blocking = blocking
        # True when nothing is wrong but Odoo lacks something a person adds (a
        # user for the deal owner, a stage mapping, a linked contact): the record
        # is not failing, it shows a note, and it is evaluated again when that
        # change happens in Odoo, never on a timer.
        self.waiting = waiting
        # Odoo values to write meanwhile (an unknown owner leaves no salesperson).
        self.fallback = fallback or {}


class RunCache:
    """What one run of a job looks up again and again (users, pipelines, links), once.

    Lives in the context of the records a job works on; holds plain values and
    ids, never records, so it survives the cache invalidation after each commit.
    """

    def __init__(self, client):
        self.client = client
        self._values = {}

    def get(self, key, compute):
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]


def parse_hubspot_datetime(value):
    """HubSpot timestamps (ISO-8601 with Z, or epoch milliseconds) as naive UTC."""
    if not value:
        return None
    if str(value).isdigit():
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc).replace(tzinfo=None)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


class HubspotSyncMixin(models.AbstractModel):
    """Link and sync state of an Odoo record that mirrors a HubSpot object.

    The concrete models (res.partner for contacts, crm.lead for deals) give the
    object type, the records in scope and the value converters; this mixin owns
    the mechanism both share: the link, the change queue, the three-way
    reconcile against the last synced snapshot, the journal and the jobs' pull
    and push loops.
    """

    _name = "hubspot.sync.mixin"
    _description = "HubSpot Sync"
    # "contacts" or "deals": the HubSpot object type this model mirrors.
    _hubspot_object_type = None
    # Whether archiving a record in Odoo counts as deleting it (not for lost leads).
    _hubspot_archive_is_removal = True
    # Mapped "properties" under this prefix are associations, not HubSpot properties.
    ASSOCIATION_PREFIX = "associations."
    # The unique-valued HubSpot property that holds the Odoo id of a record made from
    # Odoo, its label and property group: a create is an upsert on it, so a retry after
    # a lost reply or a crash finds the record it already made instead of making another.
    _hubspot_odoo_id_property = None
    _hubspot_odoo_id_label = None
    _hubspot_property_group = None

    hubspot_id = fields.Char(
        string="HubSpot ID", copy=False, index=True, readonly=True, tracking=False
    )
    hubspot_company_id = fields.Many2one(
        "res.company",
        string="HubSpot Portal",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The company whose HubSpot portal the HubSpot ID belongs to.",
    )
    hubspot_sync_state = fields.Selection(
        SYNC_STATES, string="HubSpot Sync", copy=False, readonly=True, index=True
    )
    hubspot_last_sync = fields.Datetime(string="Last HubSpot Sync", copy=False, readonly=True)
    hubspot_last_error = fields.Text(string="HubSpot Error", copy=False, readonly=True)
    hubspot_error_kind = fields.Char(string="HubSpot Error Kind", copy=False, readonly=True)
    hubspot_updated_at = fields.Datetime(
        string="Last Change in HubSpot",
        copy=False,
        readonly=True,
        help="HubSpot's last-modified time of the version last synced.",
    )
    hubspot_changed_at = fields.Datetime(
        string="Last Synced Change in Odoo",
        copy=False,
        readonly=True,
        help="When a synced field was last changed in Odoo (not by the sync).",
    )
    hubspot_synced_values = fields.Json(
        copy=False,
        readonly=True,
        prefetch=False,
        help="HubSpot property values both sides agreed on at the last sync.",
    )
    hubspot_note = fields.Text(
        string="HubSpot Note",
        copy=False,
        readonly=True,
        help="What the sync waits for in Odoo (a user, a stage mapping, a linked contact).",
    )
    hubspot_waiting = fields.Json(
        copy=False,
        readonly=True,
        prefetch=False,
        help="HubSpot values Odoo cannot take yet, with Odoo's value at that time: "
        "{property: [HubSpot's value, Odoo's value]}.",
    )
    hubspot_url = fields.Char(string="Open in HubSpot", compute="_compute_hubspot_url")

    _sql_constraints = [
        (
            "hubspot_id_company_uniq",
            "unique(hubspot_company_id, hubspot_id)",
            "This HubSpot record is already linked to another Odoo record.",
        ),
    ]

    # ------------------------------------------------------------------
    # Hooks for the concrete models
    # ------------------------------------------------------------------

    def _hubspot_push_scope(self, company):
        """Return the records of ``self`` that ``company`` sends to HubSpot."""
        raise NotImplementedError()

    @api.model
    def _hubspot_sync_enabled(self, company):
        """Whether ``company`` syncs this model at all (its settings switch)."""
        raise NotImplementedError()

    @api.model
    def _hubspot_accept_new(self, payload, company):
        """Return None when a new HubSpot object may be created in Odoo, else why not."""
        return None

    @api.model
    def _hubspot_report_left_out(self, payload, company, reason):
        """List a new HubSpot object ``_hubspot_accept_new`` left out, when a person should know."""

    @api.model
    def _hubspot_find_matches(self, payloads, company):
        """Find the Odoo records new HubSpot objects are the same as, for a whole page.

        Returns ``{hubspot_id: (record, candidates)}``: ``record`` is set when
        exactly one free candidate exists; ``candidates`` when a person must decide.
        """
        return {}

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        """Values, besides the mapped fields, of a record created from HubSpot."""
        return {}

    @api.model
    def _hubspot_extra_properties(self):
        """HubSpot properties to read besides the mapped ones."""
        return ["hs_merged_object_ids", "createdate", self._hubspot_odoo_id_property]

    def _hubspot_scope_fields(self):
        """Odoo fields that decide whether a record is in the push scope."""
        return set()

    @api.model
    def _hubspot_prepare_run(self, company, client):
        """Return ``self`` with a cache for one run (in the context)."""
        return self.with_context(hubspot_run=RunCache(client))

    @api.model
    def _hubspot_cached(self, key, compute):
        """``compute()``, once per run when a job runs, every time otherwise."""
        cache = self.env.context.get("hubspot_run")
        return cache.get(key, compute) if cache else compute()

    @api.model
    def _hubspot_create_properties(self, company):
        """HubSpot properties, besides the mapped ones, of an object created from Odoo."""
        return {}

    @api.model
    def _hubspot_enrich(self, payloads, company, client):
        """Add what a search or batch read does not return (associations) to payloads."""

    def _hubspot_push_associations(self, company, client, pushed):
        """Send associations for ``pushed``: (record, HubSpot id, {association: value})."""

    # ------------------------------------------------------------------
    # Computes and ORM overrides
    # ------------------------------------------------------------------

    @api.depends("hubspot_id", "hubspot_company_id")
    def _compute_hubspot_url(self):
        object_type_ids = {"contacts": "0-1", "deals": "0-3"}
        for record in self:
            portal = record.hubspot_company_id.hubspot_portal_id
            if record.hubspot_id and portal:
                record.hubspot_url = (
                    f"{record.hubspot_company_id._hubspot_app_url()}/contacts/{portal}/record/"
                    f"{object_type_ids[self._hubspot_object_type]}/{record.hubspot_id}"
                )
            else:
                record.hubspot_url = False

    @api.model
    def _hubspot_mappings(self):
        return self.env["hubspot.field.mapping"].sudo()._specs(self._name)

    @api.model
    def _hubspot_tracked_fields(self):
        return self.env["hubspot.field.mapping"].sudo()._synced_fields(self._name) | (
            self._hubspot_scope_fields()
        )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self.env.context.get("hubspot_import"):
            records._hubspot_note_local_change()
        return records

    def write(self, vals):
        if self.env.context.get("hubspot_import"):
            return super().write(vals)
        if vals.get("active") is False and self._hubspot_archive_is_removal:
            self._hubspot_handle_local_removal(self.env._("Archived"))
        result = super().write(vals)
        if self._hubspot_tracked_fields().intersection(vals):
            self._hubspot_note_local_change()
        return result

    def unlink(self):
        if not self.env.context.get("hubspot_import"):
            self._hubspot_handle_local_removal(self.env._("Deleted"))
        return super().unlink()

    def _hubspot_note_local_change(self):
        """Stamp the change time and queue a push for the records in scope."""
        now = fields.Datetime.now()
        for company in self.env["res.company"].sudo()._hubspot_companies():
            if not self._hubspot_sync_enabled(company):
                continue
            in_scope = self._hubspot_push_scope(company)
            if not in_scope:
                continue
            in_scope.with_context(**IMPORT_CONTEXT).sudo().write(
                {"hubspot_changed_at": now, "hubspot_sync_state": "pending"}
            )
            self.env["hubspot.sync.queue"].sudo()._enqueue(
                company, "push", self._name, res_ids=in_scope.ids
            )
            self._hubspot_trigger_queue_job()

    def _hubspot_trigger_queue_job(self):
        """Ask the scheduler to run the queue job soon, once per transaction.

        ``_trigger`` stores a row per call: an import of a thousand partners
        edited one by one must not leave a thousand of them.
        """
        if not self.env.cr.postcommit.data.get("hubspot_queue_triggered"):
            self.env.cr.postcommit.data["hubspot_queue_triggered"] = True
            self.env.ref("hubspot_connector.ir_cron_hubspot_process_queue").sudo()._trigger()

    @api.model
    def _hubspot_reevaluate_waiting(self, company, values=None):
        """Take up again the records that wait for a change just made in Odoo.

        Called by that change (a new user, a stage mapping, a linked contact,
        options fetched), never on a timer. Records holding HubSpot values they
        could not take are read again from HubSpot; records whose own value could
        not be sent are pushed again. ``values`` narrows it to records waiting
        for one of these HubSpot values: ``{property: set of values, or None for any}``.
        """
        records = self._hubspot_waiting_records(company)
        if values is not None:
            records = records.filtered(
                lambda r: any(
                    name in (r.hubspot_waiting or {})
                    and (wanted is None or r.hubspot_waiting[name][0] in wanted)
                    for name, wanted in values.items()
                )
            )
        queue = self.env["hubspot.sync.queue"].sudo()
        to_read = records.filtered("hubspot_waiting")
        queue._enqueue(company, "fetch", self._name, hubspot_ids=to_read.mapped("hubspot_id"))
        queue._enqueue(company, "push", self._name, res_ids=(records - to_read).ids)
        if records:
            self._hubspot_trigger_queue_job()

    @api.model
    def _hubspot_waiting_records(self, company):
        """Records of ``company`` that hold HubSpot values or a note waiting for Odoo."""
        return (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("hubspot_company_id", "=", company.id),
                    "|",
                    ("hubspot_waiting", "!=", False),
                    ("hubspot_note", "!=", False),
                ]
            )
        )

    def _hubspot_after_link(self, company):
        """Hook: ``self`` was just linked to HubSpot objects of ``company``."""

    @api.model
    def _hubspot_after_run(self, company):
        """Hook: a run for ``company`` is committed; its effects are visible to others."""

    def _hubspot_handle_local_removal(self, how):
        """Apply the deletion policy to linked records archived or deleted in Odoo.

        HubSpot is never asked to delete: with the "archive" policy its record is
        archived (restorable there for 90 days) and the link removed; with the
        default policy HubSpot is left alone and the journal says so.
        """
        journal = self.env["hubspot.sync.journal"]
        for record in self.filtered("hubspot_id"):
            company = record.hubspot_company_id
            if company.hubspot_delete_policy_odoo2hubspot == "archive":
                self.env["hubspot.sync.queue"].sudo()._enqueue(
                    company, "archive", self._name, hubspot_ids=[record.hubspot_id]
                )
                journal._log(
                    company,
                    "archived",
                    record,
                    note=self.env._(
                        "%(how)s in Odoo: the HubSpot record will be archived.", how=how
                    ),
                )
                record._hubspot_unlink(self.env._("%(how)s in Odoo.", how=how))
            else:
                journal._log(
                    company,
                    "kept",
                    record,
                    note=self.env._(
                        "%(how)s in Odoo: the HubSpot record is kept (deletion policy).", how=how
                    ),
                )

    def action_hubspot_retry(self):
        """Sync these records again now: read HubSpot's version, then send Odoo's."""
        queue = self.env["hubspot.sync.queue"].sudo()
        for company in self.env["res.company"].sudo()._hubspot_companies():
            linked = self.filtered(lambda r, company=company: r.hubspot_company_id == company)
            queue._enqueue(company, "fetch", self._name, hubspot_ids=linked.mapped("hubspot_id"))
            to_push = linked | (self - linked)._hubspot_push_scope(company)
            queue._enqueue(company, "push", self._name, res_ids=to_push.ids)
        self._hubspot_trigger_queue_job()
        return True

    # ------------------------------------------------------------------
    # Value conversion
    # ------------------------------------------------------------------

    def _hubspot_read(self, mapping, base):
        """Odoo value of one mapping in HubSpot's representation: {property: str}.

        A value HubSpot should not get (control characters, beyond HubSpot's length,
        an absurd number) is not sent: the field is reported, Odoo's value is kept.
        """
        self._hubspot_check_number(mapping, self[mapping.odoo_field], "Odoo")
        values = getattr(self, f"_hubspot_read_{mapping.converter}")(mapping, base or {})
        read = {}
        for name in mapping.hubspot_properties:
            text, problems = cleaning.clean_text(values.get(name) or "")
            if problems:
                raise HubspotValueError(
                    self.env._(
                        "Odoo's %(field)s is not sent to HubSpot: %(problems)s.",
                        field=mapping.odoo_field,
                        problems="; ".join(problems),
                    )
                )
            read[name] = text.strip()
        return read

    def _hubspot_write(self, mapping, remote, payload):
        """Odoo values for one mapping from HubSpot's {property: str}."""
        return getattr(self, f"_hubspot_write_{mapping.converter}")(mapping, remote, payload)

    def _hubspot_normalize(self, mapping, remote, payload):
        """HubSpot's values of a mapping in the form the read converter produces.

        Converters may define ``_hubspot_normalize_<converter>`` so that, for
        example, two spellings of one phone number compare equal. Numbers and
        dates that cannot be stored are refused here, before any converter.
        """
        normalize = getattr(self, f"_hubspot_normalize_{mapping.converter}", None)
        values = {name: (remote.get(name) or "").strip() for name in mapping.hubspot_properties}
        field_type = self._fields[mapping.odoo_field].type
        for name, value in values.items():
            if value and field_type in ("date", "datetime"):
                try:
                    cleaning.parse_datetime(value)
                except cleaning.CleaningError as error:
                    raise HubspotValueError(
                        self.env._(
                            "Invalid date in %(property)s: %(reason)s.", property=name, reason=error
                        ),
                        "invalid_date",
                    ) from None
            elif value:
                self._hubspot_check_number(mapping, value, name)
        return normalize(mapping, values, payload) if normalize else values

    def _hubspot_check_number(self, mapping, value, where):
        """Refuse a number for a numeric field that is not finite or beyond belief.

        Money amounts are never negative: a deal's value is no debt.
        """
        field_type = self._fields[mapping.odoo_field].type
        if field_type not in ("float", "monetary", "integer") or value in ("", None):
            return
        try:
            cleaning.parse_number(value, 0 if field_type == "monetary" else -cleaning.NUMBER_LIMIT)
        except cleaning.CleaningError as error:
            raise HubspotValueError(
                self.env._("Invalid number in %(where)s: %(reason)s.", where=where, reason=error),
                "invalid_amount",
            ) from None

    @api.model
    def _hubspot_text_limits(self):
        """``{property: (max_length, multiline)}`` for the mapped properties.

        A property stored in a Char field with a size, or with an index of its own
        or of a stored field computed from it (a partner's company name is part of
        its indexed complete name), is capped so the index takes it; several
        properties that one field joins share the cap.
        """

        def feeds_index(field):
            return field.index or any(
                dependent.model_name == self._name and dependent.store and dependent.index
                for dependent in self.env.registry.get_dependent_fields(field)
            )

        def compute():
            limits = {}
            for mapping in self._hubspot_mappings():
                field = self._fields[mapping.odoo_field]
                names = mapping.hubspot_properties
                limit = cleaning.TEXT_LIMIT
                if field.type == "char" and (field.size or feeds_index(field)):
                    joined = min(field.size or limit, cleaning.INDEXED_TEXT_LIMIT)
                    limit = (joined - len(names) + 1) // len(names)
                for name in names:
                    limits[name] = (limit, field.type in ("text", "html"))
            return limits

        return self._hubspot_cached(("text_limits", self._name), compute)

    @api.model
    def _hubspot_clean_payload(self, payload, limits):
        """A copy of ``payload`` whose text every Odoo field takes, with notes on what changed.

        ``limits`` are ``_hubspot_text_limits()``. The notes (field-level errors)
        travel with the payload under CLEANED_KEY and mark the record; the cleaned
        values sync.
        """
        properties, notes = {}, []
        for name, value in payload["properties"].items():
            if isinstance(value, str):
                max_length, multiline = limits.get(name, (cleaning.TEXT_LIMIT, True))
                value, problems = cleaning.clean_text(value, max_length, multiline)
                if problems:
                    notes.append(
                        HubspotValueError(
                            self.env._(
                                "HubSpot's %(property)s was cleaned: %(problems)s.",
                                property=name,
                                problems="; ".join(problems),
                            ),
                            "cleaned_value",
                        )
                    )
            properties[name] = value
        return dict(payload, properties=properties, **{CLEANED_KEY: notes})

    def _hubspot_read_char(self, mapping, base):
        return {mapping.hubspot_properties[0]: self[mapping.odoo_field] or ""}

    def _hubspot_write_char(self, mapping, remote, payload):
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] or False}

    def _hubspot_read_option(self, mapping, base):
        return self._hubspot_read_char(mapping, base)

    def _hubspot_write_option(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        field = self._fields[mapping.odoo_field]
        if value and value not in dict(field._description_selection(self.env)):
            raise HubspotValueError(
                self.env._(
                    "Unknown %(property)s value %(value)r: fetch the HubSpot options "
                    "in the settings if it is new.",
                    property=mapping.hubspot_properties[0],
                    value=value,
                ),
                kind="unknown_option",
                waiting=True,
            )
        return {mapping.odoo_field: value or False}

    # ------------------------------------------------------------------
    # Reconcile
    # ------------------------------------------------------------------

    def _hubspot_reconcile(self, payload):
        """Three-way merge of one record (or a new one, when ``self`` is empty).

        ``payload`` is HubSpot's object, or None to push without reading HubSpot:
        then HubSpot's state is taken to be the snapshot. Returns a dict with
        ``odoo_vals`` (to write), ``push`` (properties to send), ``snapshot``
        (after both are applied), ``overwritten`` (Odoo values replaced),
        ``differences`` (values that differed at the first link, left as they
        are on both sides for a person; no agreed value is kept for them in the
        snapshot (None), so they stay a first-link question until decided),
        ``errors`` (field-level problems; those fields are skipped), ``notes``
        (what waits for a change in Odoo) and ``waiting`` (the new
        ``hubspot_waiting``).
        """
        base = (self.hubspot_synced_values or None) if self else None
        snapshot = dict(base or {})
        waiting = dict((self.hubspot_waiting or {}) if self else {})
        remote_time = payload and parse_hubspot_datetime(payload.get("updatedAt"))
        local_is_newer = bool(
            self.hubspot_changed_at and (not remote_time or self.hubspot_changed_at > remote_time)
        )
        result = {
            "odoo_vals": {},
            "push": {},
            "overwritten": [],
            "differences": [],
            "errors": [],
            "notes": [],
        }
        for mapping in self._hubspot_mappings():
            names = mapping.hubspot_properties
            held = {name: waiting[name] for name in names if name in waiting}
            undecided = base is not None and any(base.get(n, "") is None for n in names)
            if undecided and payload is None:
                continue  # HubSpot's value is unknown here: nothing to push yet
            try:
                local = self._hubspot_read(mapping, base) if self else dict.fromkeys(names, "")
                odoo_local = local
                if held and all(local.get(name) == value[1] for name, value in held.items()):
                    # Odoo has not changed since HubSpot's value began to wait: it
                    # does not disagree with that value.
                    local = dict(local, **{name: value[0] for name, value in held.items()})
                if payload is None:
                    remote = {name: snapshot.get(name, "") for name in names}
                else:
                    remote = self._hubspot_normalize(mapping, payload["properties"], payload)
                mapping_base = (
                    None if base is None or undecided else {n: base.get(n, "") for n in names}
                )
                if held and payload is not None and local == remote:
                    direction = rules.TO_ODOO  # HubSpot's waiting value: try it again
                else:
                    direction = rules.decide(
                        mapping.rule,
                        mapping_base,
                        local,
                        remote,
                        local_is_newer,
                        mapping.first_link,
                    )
                if direction == rules.TO_ODOO:
                    try:
                        vals = self._hubspot_write(mapping, remote, payload)
                    except HubspotValueError as error:
                        if not error.waiting:
                            raise
                        result["odoo_vals"].update(error.fallback)
                        # A fallback clears the Odoo field; otherwise Odoo keeps its value.
                        kept = dict.fromkeys(names, "") if error.fallback else odoo_local
                        waiting.update({name: [remote[name], kept[name]] for name in names})
                        result["notes"].append(error)
                        snapshot.update(remote)
                        continue
                    if self and not rules.is_blank(odoo_local) and odoo_local != remote:
                        result["overwritten"].append((mapping, odoo_local, remote))
                    result["odoo_vals"].update(vals)
                    snapshot.update(remote)
                elif direction == rules.TO_HUBSPOT:
                    result["push"].update(local)
                    # What HubSpot holds now is what the push replaces (and journals).
                    snapshot.update(remote)
                elif direction == rules.DIFFERS:
                    result["differences"].append((mapping, local, remote))
                    snapshot.update(dict.fromkeys(names))
                elif local == remote:
                    snapshot.update(remote)
                if direction is not None or odoo_local == remote:
                    for name in held:  # resolved, or replaced by a newer value
                        waiting.pop(name)
            except HubspotValueError as error:
                (result["notes"] if error.waiting else result["errors"]).append(error)
        result["snapshot"] = snapshot
        result["waiting"] = waiting
        return result

    def _hubspot_log_overwrites(self, company, overwritten):
        """Journal each Odoo value an import replaces, with what restores it."""
        journal = self.env["hubspot.sync.journal"]
        for mapping, local, remote in overwritten:
            field = mapping.odoo_field
            old_raw = self[field]
            if isinstance(old_raw, models.BaseModel):
                old_raw = old_raw.id or False
            journal._log(
                company,
                "odoo_overwritten",
                self,
                field_name=field,
                old_value=", ".join(v for v in local.values() if v),
                new_value=", ".join(v for v in remote.values() if v),
                old_value_raw=old_raw,
            )

    @api.model
    def _hubspot_state_vals(self, state, errors=()):
        """Values recording the outcome of a sync; any error makes the record "failing"."""
        messages = [error_text(error) for error in errors]
        kind = False
        if errors:
            error = errors[0]
            kind = getattr(error, "kind", None) or getattr(error, "category", None)
            kind = kind or type(error).__name__
        return {
            "hubspot_sync_state": "failing" if messages else state,
            "hubspot_last_error": "\n".join(messages)[:MESSAGE_LIMIT] or False,
            "hubspot_error_kind": kind,
            "hubspot_last_sync": fields.Datetime.now(),
        }

    @api.model
    def _hubspot_result_vals(self, state, result):
        """State, note and waiting values of a reconcile result: notes never fail a record."""
        return dict(
            self._hubspot_state_vals(state, result["errors"]),
            hubspot_note="\n".join(str(note) for note in result["notes"]) or False,
            hubspot_waiting=result["waiting"] or False,
        )

    def _hubspot_set_state(self, state, errors=()):
        self.with_context(**IMPORT_CONTEXT).sudo().write(self._hubspot_state_vals(state, errors))

    # ------------------------------------------------------------------
    # HubSpot to Odoo
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_properties(self):
        names = []
        for mapping in self._hubspot_mappings():
            names.extend(mapping.hubspot_properties)
        return list(dict.fromkeys(names + self._hubspot_extra_properties()))

    @api.model
    def _hubspot_linked(self, company, hubspot_ids):
        records = self.with_context(active_test=False).search(
            [("hubspot_company_id", "=", company.id), ("hubspot_id", "in", list(hubspot_ids))]
        )
        return {record.hubspot_id: record for record in records}

    @api.model
    def _sync_hubspot2odoo(self, payloads, company):
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
                company, "fetch", self._name, hubspot_ids=busy, delay=60
            )
        to_create = []
        for payload in payloads:
            if payload["id"] in busy:
                continue
            match = matches.get(payload["id"])
            writes = match or payload["id"] in linked or payload["id"] in merged_ids.values()
            try:
                with self.env.cr.savepoint() if writes else nullcontext():
                    outcome = self._hubspot_import_one(payload, company, linked, match, to_create)
            except Exception as error:  # noqa: BLE001 - one record never stops the page
                outcome = "failed"
                self._hubspot_report_failure(company, payload, error, linked.get(payload["id"]))
            if outcome:
                stats[outcome] += 1
        if to_create:
            created, failed = self._hubspot_create_from_hubspot(to_create, company)
            stats["created"] += created
            stats["failed"] += failed
        return stats

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
            record = linked.get(payload["id"])
            if record and record._hubspot_is_unchanged(payload):
                record = None  # a version already taken writes nothing
            candidates = [record, *(linked.get(i) for i in absorbed.get(payload["id"], []))]
            candidates.append((matches.get(payload["id"]) or [None])[0])
            written[payload["id"]] = [r for r in candidates if r]
        records = self.browse({r.id for rs in written.values() for r in rs})
        held = records - records._hubspot_lock_free()
        return [hid for hid, rs in written.items() if any(r in held for r in rs)]

    def _hubspot_lock_free(self):
        """Lock the rows of ``self`` for this transaction, leaving out those in use.

        A job never waits for a person editing a record and never writes a row
        changed since its transaction began (that would fail it): such records
        wait for a later run. Returns the records locked.
        """
        if not self:
            return self
        self.env.flush_all()
        # When one of them changed meanwhile, find it one by one.
        with suppress(TransactionRollbackError):
            return self._hubspot_lock_rows()
        free = self.browse()
        for record in self:
            with suppress(TransactionRollbackError):
                free |= record._hubspot_lock_rows()
        return free

    def _hubspot_lock_rows(self):
        query = SQL(
            "SELECT id FROM %s WHERE id = ANY(%s) FOR NO KEY UPDATE SKIP LOCKED",
            SQL.identifier(self._table),
            self.ids,
        )
        with self.env.cr.savepoint(flush=False):
            self.env.cr.execute(query, log_exceptions=False)
            return self.browse(row[0] for row in self.env.cr.fetchall())

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
        records = self.with_context(active_test=False).browse(set(record_ids.values())).exists()
        no_company = self.env["res.company"]
        free = {
            record.id: record
            for record in records
            if not record.hubspot_id and record.company_id in (company, no_company)
        }
        return {
            hubspot_id: (free[record_id], self.browse())
            for hubspot_id, record_id in record_ids.items()
            if record_id in free
        }

    @api.model
    def _hubspot_report_failure(self, company, payload, error, record=None):
        """List a HubSpot record that could not be imported in Sync Health, and mark
        its Odoo ``record`` (if linked) failing.

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
                        company, "fetch", self._name, hubspot_ids=[payload["id"]], delay=60
                    )
                elif record and record.exists():
                    record._hubspot_set_state("failing", [error])
        except RECORD_ERRORS as report_error:
            _logger.warning(
                "HubSpot %s %s: the failure could not be reported: %s",
                self._hubspot_object_type,
                payload["id"],
                error_text(report_error),
            )

    @api.model
    def _hubspot_payload_label(self, payload):
        return payload["id"]

    @api.model
    def _hubspot_import_one(self, payload, company, linked, match, to_create):
        record = self._hubspot_follow_merge(payload, company, linked)
        if record:
            if record._hubspot_is_unchanged(payload):
                return "unchanged"
            record._hubspot_apply_remote(payload, company)
            return "updated"
        match, candidates = match or (self.browse(), self.browse())
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
        if match:
            own = payload["properties"].get(self._hubspot_odoo_id_property)
            made_here = own and own == self._hubspot_odoo_key(match.id)
            note = (
                self.env._("Created from Odoo; linked again by its Odoo id.")
                if made_here
                else self.env._("First link by e-mail.")
            )
            match._hubspot_link(company, payload["id"], note)
            if made_here:
                match._hubspot_agreed_at_creation(payload)
            match._hubspot_apply_remote(payload, company)
            return "linked"
        reason = self._hubspot_accept_new(payload, company)
        if reason:
            self._hubspot_report_left_out(payload, company, reason)
            return "excluded"
        to_create.append(payload)
        return None

    def _hubspot_agreed_at_creation(self, payload):
        """Store what both sides agreed on for a record Odoo made whose link a crash lost.

        HubSpot made it from Odoo's values of the time. When one side has not changed
        since, that side still holds them: they are the snapshot, so a later edit on the
        other side travels as any edit does, instead of being asked about as values that
        differ at a first link. When both changed, or it cannot be told, it stays a first
        link (a person decides what differs).
        """
        created = parse_hubspot_datetime(payload.get("createdAt"))
        if not created:
            return
        if payload.get("updatedAt") == payload.get("createdAt"):
            read = partial(self._hubspot_normalize, remote=payload["properties"], payload=payload)
        elif self.hubspot_changed_at and self.hubspot_changed_at < created.replace(microsecond=0):
            # Odoo's last change came before the second HubSpot made the record in.
            read = partial(self._hubspot_read, base=None)
        else:
            return
        snapshot = {}
        for mapping in self._hubspot_mappings():
            with suppress(HubspotValueError):
                snapshot.update(read(mapping))
        self.with_context(**IMPORT_CONTEXT).sudo().hubspot_synced_values = snapshot

    def _hubspot_is_unchanged(self, payload):
        """True when ``self`` already took exactly this version of the HubSpot object.

        A record that failed on that version fails again on it, unless its error
        may go away by itself: those are read again through the queue, which
        always applies what it reads (``hubspot_refetch``).
        """
        version = (self.hubspot_synced_values or {}).get(VERSION_KEY)
        return (
            not self.env.context.get("hubspot_refetch")
            and self.hubspot_sync_state in ("synced", "failing")
            and version == payload.get("updatedAt")
        )

    @api.model
    def _hubspot_remote_time(self, payload):
        """HubSpot's last change, to the second as Odoo stores datetimes."""
        changed = parse_hubspot_datetime(payload.get("updatedAt"))
        return changed and changed.replace(microsecond=0)

    @api.model
    def _hubspot_report_review(self, company, payload, kind, message, candidates=None):
        self.env["hubspot.sync.issue"]._report(
            company,
            self._hubspot_object_type,
            payload["id"],
            "review",
            kind,
            message,
            name=self._hubspot_payload_label(payload),
            candidate_partner_ids=[(6, 0, candidates.ids)]
            if candidates is not None and candidates._name == "res.partner"
            else False,
        )

    @api.model
    def _hubspot_follow_merge(self, payload, company, linked):
        """Return the Odoo record of ``payload``, following merges made in HubSpot.

        A record linked to the survivor keeps its link; otherwise the first one
        linked to an absorbed id takes the survivor's id. Any other record linked
        to an absorbed id loses its link and is listed for review. Nothing is
        created or deleted.
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
            other._hubspot_unlink(note)
            other._hubspot_set_state("review")
            self._hubspot_report_review(
                company,
                payload,
                "merged_in_hubspot",
                self.env._(
                    "HubSpot merged records linked to %(names)s into one: decide whether "
                    "to merge them in Odoo too.",
                    names=", ".join((survivor | other).mapped("display_name")),
                ),
                survivor | other,
            )
        if not current:
            survivor._hubspot_link(company, payload["id"], note)
            linked[payload["id"]] = survivor
        return survivor

    def _hubspot_link(self, company, hubspot_id, note):
        """Link (or re-point) ``self`` to a HubSpot id, and journal it."""
        self.ensure_one()
        event = "link_moved" if self.hubspot_id else "link_created"
        self.env["hubspot.sync.journal"]._log(
            company,
            event,
            self,
            hubspot_id=hubspot_id,
            old_value=self.hubspot_id or False,
            new_value=hubspot_id,
            note=note,
        )
        self.with_context(**IMPORT_CONTEXT).sudo().write(
            {"hubspot_id": hubspot_id, "hubspot_company_id": company.id}
        )
        self._hubspot_after_link(company)

    def _hubspot_unlink(self, note):
        """Remove the link of ``self``, keeping the record, and journal it."""
        for record in self.filtered("hubspot_id"):
            self.env["hubspot.sync.journal"]._log(
                record.hubspot_company_id,
                "link_removed",
                record,
                old_value=record.hubspot_id,
                note=note,
            )
        self.with_context(**IMPORT_CONTEXT).sudo().write(
            {"hubspot_id": False, "hubspot_company_id": False, "hubspot_synced_values": False}
        )

    def _hubspot_apply_remote(self, payload, company):
        """Reconcile one linked record with HubSpot's version of it."""
        self.ensure_one()
        result = self._hubspot_reconcile(payload)
        self._hubspot_log_overwrites(company, result["overwritten"])
        errors = result["errors"] + payload.get(CLEANED_KEY, [])
        vals = dict(
            result["odoo_vals"],
            hubspot_synced_values=dict(
                result["snapshot"], **{VERSION_KEY: payload.get("updatedAt")}
            ),
            hubspot_updated_at=self._hubspot_remote_time(payload),
            **self._hubspot_result_vals(
                "pending" if result["push"] else "synced", dict(result, errors=errors)
            ),
        )
        self.with_context(**IMPORT_CONTEXT).sudo().write(vals)
        if result["push"]:
            self.env["hubspot.sync.queue"].sudo()._enqueue(
                company, "push", self._name, res_ids=self.ids
            )
        if result["differences"]:
            self._hubspot_report_differences(company, payload, result["differences"])
        else:
            self.env["hubspot.sync.issue"]._solve(
                company, self._hubspot_object_type, [self.hubspot_id]
            )

    def _hubspot_report_differences(self, company, payload, differences):
        """List the values that differ since the first link, for a person to choose."""
        self.env["hubspot.sync.issue"]._report(
            company,
            self._hubspot_object_type,
            self.hubspot_id,
            "review",
            "differs_at_first_link",
            self.env._(
                "%(record)s and its HubSpot record held different values when they were "
                "first linked: %(fields)s. Both sides keep theirs until you choose.",
                record=self.display_name,
                fields=", ".join(self._fields[m.odoo_field].string for m, _l, _r in differences),
            ),
            name=self.display_name,
            difference_ids=[Command.clear()]
            + self.env["hubspot.sync.difference"]._values(self, differences, payload),
        )

    @api.model
    def _hubspot_create_from_hubspot(self, payloads, company):
        """Create Odoo records for new HubSpot objects in one batch.

        A batch create is what keeps a first import of tens of thousands of
        records close to the speed of a plain ORM import; if the batch fails,
        each record is created on its own so that one bad object fails alone.
        """
        vals_list, kept = [], []
        for payload in payloads:
            try:
                vals_list.append(self._hubspot_prepare_create(payload, company))
                kept.append(payload)
            except Exception as error:  # noqa: BLE001 - one record never stops the page
                self._hubspot_report_failure(company, payload, error)
        creator = self.with_context(**IMPORT_CONTEXT).sudo()
        # The savepoints flush before they end: an index or a constraint refusing a row
        # fails inside them, not at the next commit.
        try:
            with self.env.cr.savepoint():
                records = creator.create([vals for vals, _errors in vals_list])
        except Exception:  # noqa: BLE001 - isolate the record that broke the batch
            records = self.browse()
            for payload, (vals, _errors) in zip(kept, vals_list, strict=True):
                try:
                    with self.env.cr.savepoint():
                        record = creator.create(vals)
                except Exception as error:  # noqa: BLE001
                    self._hubspot_report_failure(company, payload, error)
                else:
                    # Only once the savepoint is released: a row rolled back is gone.
                    records |= record
        self.env["hubspot.sync.journal"]._log(
            company, "link_created", records, note=self.env._("Created from HubSpot.")
        )
        records._hubspot_after_link(company)
        return len(records), len(payloads) - len(records)

    @api.model
    def _hubspot_prepare_create(self, payload, company):
        result = self.browse()._hubspot_reconcile(payload)
        for error in result["errors"] + result["notes"]:
            if error.blocking:
                raise error
        errors = result["errors"] + payload.get(CLEANED_KEY, [])
        vals = dict(
            self._hubspot_create_defaults(payload, company),
            **result["odoo_vals"],
            hubspot_id=payload["id"],
            hubspot_company_id=company.id,
            hubspot_synced_values=dict(
                result["snapshot"], **{VERSION_KEY: payload.get("updatedAt")}
            ),
            hubspot_updated_at=self._hubspot_remote_time(payload),
            **self._hubspot_result_vals("synced", dict(result, errors=errors)),
        )
        return vals, errors

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_pull(self, company, client, state, deadline):
        """Import what changed in HubSpot since the job state's cursor, page by page.

        A pass reads from the cursor to the end, in as many runs as its time
        budget needs: each committed page records the exact point reached, so
        a run that stops or dies resumes there. HubSpot's search index lags
        behind its writes by up to the cursor overlap, so a finished pass moves
        the cursor only to its own start minus the overlap: the few versions
        read twice are skipped without a write, and an idle portal costs one
        search that finds nothing. Records archived in HubSpot never show in a
        search: they are listed at a slower cadence of their own. Returns
        ``(summary, finished)``.
        """
        object_type = self._hubspot_object_type
        resume = state.resume_point or {}
        since_ms = resume.get("ms")
        if since_ms is None and state.cursor:
            since_ms = int(state.cursor.replace(tzinfo=timezone.utc).timestamp() * 1000)
        pass_start = state.pass_started_at or fields.Datetime.now()
        totals = {}
        page = []
        objects = client.iter_modified_since(
            object_type, since_ms, self._hubspot_properties(), read_at_since=resume.get("ids", ())
        )
        finished = True
        for payload in objects:
            page.append(payload)
            if len(page) < company._hubspot_page_size():
                continue
            self._hubspot_pull_page(page, company, client, totals)
            state._stop_pass_at(page, partial(client.modified_ms, object_type), pass_start)
            company._hubspot_commit()
            page = []
            if company._hubspot_out_of_time(deadline):
                finished = False
                break
        if finished:
            if page:
                self._hubspot_pull_page(page, company, client, totals)
            state._finish_pass(pass_start - company._hubspot_cursor_overlap())
            company._hubspot_commit()
        summary = {"pulled": totals}
        if finished and company._hubspot_archived_scan_due(state):
            summary["archived_scan"] = self._hubspot_pull_archived(company, client, state)
        return summary, finished

    @api.model
    def _hubspot_pull_archived(self, company, client, state):
        """Apply the deletion policy to records archived in HubSpot (searches skip those)."""
        seen = 0
        chunk = []
        for payload in client.iter_objects(
            self._hubspot_object_type, ["hs_object_id"], archived=True
        ):
            chunk.append(payload["id"])
            if len(chunk) == company._hubspot_page_size():
                seen += self._hubspot_handle_remote_removal(company, chunk)
                chunk = []
        if chunk:
            seen += self._hubspot_handle_remote_removal(company, chunk)
        state.archived_scan_at = fields.Datetime.now()
        company._hubspot_commit()
        return {"archived_in_hubspot": seen}

    @api.model
    def _hubspot_pull_page(self, page, company, client, totals):
        self._hubspot_enrich(page, company, client)
        stats = self._sync_hubspot2odoo(page, company)
        for key, count in stats.items():
            totals[key] = totals.get(key, 0) + count

    @api.model
    def _hubspot_push_run(self, company, client, deadline):
        """The queue job's work for one object type; returns ``(summary, finished)``."""
        summary = {
            "fetched": self._hubspot_fetch_queued(company, client, deadline),
            "pushed": self._hubspot_push_queued(company, client, deadline),
            "archived": self._hubspot_archive_queued(company, client, deadline),
        }
        # Entries another worker holds are its work: only the time budget leaves work here.
        return summary, not company._hubspot_out_of_time(deadline)

    @api.model
    def _hubspot_fetch_queued(self, company, client, deadline):
        """Re-read HubSpot objects queued for a retry, a merge or a webhook hint."""
        queue = self.env["hubspot.sync.queue"].sudo()
        totals = {}
        while not company._hubspot_out_of_time(deadline):
            entries = queue._claim(company, "fetch", self._name, company._hubspot_page_size())
            if not entries:
                break
            found, gone, unread = self._hubspot_read_by_ids(entries.mapped("hubspot_id"), client)
            # Done with the entries first: a record that still fails queues a new one.
            for entry in entries.filtered(lambda e, unread=unread: e.hubspot_id in unread):
                entry._mark_failed(unread[entry.hubspot_id])
            entries.filtered(lambda e, unread=unread: e.hubspot_id not in unread).unlink()
            refetch = self.with_context(hubspot_refetch=True)
            stats = refetch._hubspot_apply_read(found, gone, company, client)
            for key, count in stats.items():
                totals[key] = totals.get(key, 0) + count
            company._hubspot_commit()
        return totals

    @api.model
    def _hubspot_handle_remote_removal(self, company, hubspot_ids):
        """Apply the deletion policy to Odoo records whose HubSpot object is gone.

        With the default policy the record stays as it is and is marked
        excluded; with "archive" it is archived and unlinked. Never deleted.
        """
        journal = self.env["hubspot.sync.journal"]
        handled = 0
        for record in self._hubspot_linked(company, hubspot_ids).values():
            if record.hubspot_error_kind == "archived_in_hubspot":
                continue  # already handled at an earlier run
            handled += 1
            if company.hubspot_delete_policy_hubspot2odoo == "archive":
                journal._log(company, "archived", record, note=self.env._("Archived in HubSpot."))
                record._hubspot_unlink(self.env._("Archived in HubSpot."))
                record.with_context(**IMPORT_CONTEXT).sudo().write({"active": False})
            else:
                journal._log(
                    company,
                    "kept",
                    record,
                    note=self.env._("Archived in HubSpot; kept in Odoo (deletion policy)."),
                )
            record._hubspot_set_state("excluded")
            record.with_context(**IMPORT_CONTEXT).sudo().hubspot_error_kind = "archived_in_hubspot"
        return handled

    @api.model
    def _hubspot_archive_queued(self, company, client, deadline):
        """Archive in HubSpot the records queued by the deletion policy."""
        queue = self.env["hubspot.sync.queue"].sudo()
        archived = 0
        while not company._hubspot_out_of_time(deadline):
            entries = queue._claim(company, "archive", self._name, company._hubspot_page_size())
            if not entries:
                break
            client.batch_archive(self._hubspot_object_type, entries.mapped("hubspot_id"))
            archived += len(entries)
            entries.unlink()
            company._hubspot_commit()
        return {"archived": archived}

    @api.model
    def _hubspot_push_queued(self, company, client, deadline):
        """Send queued Odoo changes to HubSpot in batches, each read from HubSpot first."""
        queue = self.env["hubspot.sync.queue"].sudo()
        totals = {"created": 0, "updated": 0, "excluded": 0, "failed": 0, "review": 0}
        busy = []
        while not company._hubspot_out_of_time(deadline):
            entries = queue._claim(
                company, "push", self._name, company._hubspot_page_size(), exclude=busy
            )
            if not entries:
                break
            existing = (
                self.with_context(active_test=False).browse(entries.mapped("res_id")).exists()
            )
            records = existing._hubspot_lock_free()
            # Records in use by another transaction stay queued for a later run.
            held_ids = (existing - records).ids
            held = entries.filtered(lambda e, held_ids=held_ids: e.res_id in held_ids)
            busy += held.ids
            entries -= held
            failed = records._hubspot_pull_before_push(company, client)
            to_push = records.filtered(
                lambda r, failed=failed: (
                    r.id not in failed and r.hubspot_error_kind != "archived_in_hubspot"
                )
            )
            stats, push_failed = to_push._sync_odoo2hubspot(company, client)
            failed.update(push_failed)
            for key, count in stats.items():
                totals[key] += count
            failed_entries = entries.filtered(lambda e, failed=failed: e.res_id in failed)
            for entry in failed_entries:
                entry._mark_failed(failed[entry.res_id])
            (entries - failed_entries).unlink()
            company._hubspot_commit()
        return totals

    def _hubspot_pull_before_push(self, company, client):
        """Take HubSpot's current version of the linked records about to be pushed.

        Pull before push, batch by batch: a HubSpot change newer than the queued
        Odoo change is reconciled first, so a push never overwrites it unseen.
        Only these records are read (100 per request), never a whole pull.
        Returns ``{record id: error}`` for records that could not be read.
        """
        linked = self.filtered(lambda r: r.hubspot_id and r.hubspot_company_id == company)
        if not linked:
            return {}
        by_hubspot_id = {record.hubspot_id: record for record in linked}
        found, gone, unread = self._hubspot_read_by_ids(list(by_hubspot_id), client)
        # A version already taken has nothing new for Odoo (the push sends Odoo's change).
        found = [
            obj
            for obj in found
            if obj["id"] not in by_hubspot_id
            or (by_hubspot_id[obj["id"]].hubspot_synced_values or {}).get(VERSION_KEY)
            != obj.get("updatedAt")
        ]
        self._hubspot_apply_read(found, gone, company, client)
        return {by_hubspot_id[hid].id: error for hid, error in unread.items()}

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
    def _hubspot_apply_read(self, found, gone, company, client):
        """Apply objects read by id to Odoo; those gone take the deletion policy."""
        self._hubspot_enrich(found, company, client)
        stats = self._sync_hubspot2odoo(found, company)
        self._hubspot_handle_remote_removal(company, gone)
        return stats

    def _sync_odoo2hubspot(self, company, client):
        """Push ``self`` to HubSpot: batch create the new, batch update the linked.

        Returns ``(stats, failed)`` where ``failed`` maps record ids to the error
        that will be retried. Only properties that really changed are sent.
        """
        stats = {"created": 0, "updated": 0, "excluded": 0, "failed": 0, "review": 0}
        failed = {}
        in_scope = self._hubspot_push_scope(company)
        out_of_scope = (self - in_scope).filtered(lambda r: r.hubspot_sync_state == "pending")
        out_of_scope._hubspot_set_state("excluded")
        stats["excluded"] += len(out_of_scope)
        plans = {}
        for record in in_scope:
            try:
                plans[record] = record._hubspot_reconcile(None)
            except Exception as error:  # noqa: BLE001 - one record never stops the batch
                record._hubspot_push_failed(error, failed, stats)
        for record, plan in plans.items():
            if not plan["push"] and record.hubspot_id:
                record.with_context(**IMPORT_CONTEXT).sudo().write(
                    record._hubspot_result_vals("synced", plan)
                )
        new = [(r, p) for r, p in plans.items() if not r.hubspot_id]
        changed = [(r, p) for r, p in plans.items() if r.hubspot_id and p["push"]]
        pushed = []
        if new:
            pushed += self._hubspot_push_new(new, company, client, stats, failed)
        if changed:
            only_associations = [(r, p) for r, p in changed if not self._hubspot_properties_of(p)]
            to_update = [(r, p) for r, p in changed if self._hubspot_properties_of(p)]
            if to_update:
                result = client.batch_update(
                    self._hubspot_object_type,
                    [
                        {"id": r.hubspot_id, "properties": self._hubspot_properties_of(p)}
                        for r, p in to_update
                    ],
                )
                pushed += self._hubspot_apply_push_result(
                    to_update, result, company, stats, failed, "updated"
                )
            for record, plan in only_associations:
                record._hubspot_mark_pushed(plan, None)
                stats["updated"] += 1
            pushed += only_associations
        self._hubspot_push_associations(
            company,
            client,
            [
                (record, record.hubspot_id, self._hubspot_associations_of(plan))
                for record, plan in pushed
                if self._hubspot_associations_of(plan)
            ],
        )
        return stats, failed

    @api.model
    def _hubspot_properties_of(self, plan):
        return {k: v for k, v in plan["push"].items() if not k.startswith(self.ASSOCIATION_PREFIX)}

    @api.model
    def _hubspot_associations_of(self, plan):
        return {k: v for k, v in plan["push"].items() if k.startswith(self.ASSOCIATION_PREFIX)}

    @api.model
    def _hubspot_odoo_key(self, record_id):
        """Value of the unique Odoo-id property: the database and the record."""
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
        duplicates; returns the (record, plan) pairs that made it."""
        name = self._hubspot_odoo_id_property
        self._hubspot_ensure_odoo_id_property(client)
        inputs = []
        for record, plan in new:
            key = self._hubspot_odoo_key(record.id)
            properties = dict(
                self._hubspot_properties_of(plan),
                **self._hubspot_create_properties(company),
                **{name: key},
            )
            inputs.append({"id": key, "properties": properties})
        result = client.batch_upsert(self._hubspot_object_type, inputs, name)
        return self._hubspot_apply_push_result(new, result, company, stats, failed, "created")

    def _hubspot_push_failed(self, error, failed, stats):
        """Mark ``self`` failing for a retry; a bug is logged with its traceback."""
        if not isinstance(error, RECORD_ERRORS):
            _logger.exception("HubSpot push of %s failed", self)
        self._hubspot_set_state("failing", [error])
        failed[self.id] = error_text(error)
        stats["failed"] += 1

    @api.model
    def _hubspot_apply_push_result(self, items, result, company, stats, failed, outcome):
        """Record what HubSpot accepted; keep what it refused for a retry.

        Returns the (record, plan) pairs HubSpot accepted.
        """
        accepted = []
        for index, (record, plan) in enumerate(items):
            obj = result.results.get(index)
            try:
                with self.env.cr.savepoint():
                    if obj is None:
                        error = result.errors.get(index) or HubspotError("No answer from HubSpot")
                        if record._hubspot_push_error(plan, error, company):
                            stats["review"] += 1
                        else:
                            record._hubspot_push_failed(error, failed, stats)
                        continue
                    if record.hubspot_id:
                        record._hubspot_log_remote_overwrites(company, plan)
                    else:
                        record._hubspot_link(company, obj["id"], self.env._("Created in HubSpot."))
                    record._hubspot_mark_pushed(plan, obj)
            except Exception as error:  # noqa: BLE001 - one record never stops the batch
                # A record made in HubSpot but not linked here is found again by its
                # Odoo id at the retry.
                record._hubspot_push_failed(error, failed, stats)
                continue
            stats[outcome] += 1
            accepted.append((record, plan))
        return accepted

    def _hubspot_mark_pushed(self, plan, hubspot_object):
        """Store what HubSpot now holds as the agreed snapshot."""
        snapshot = dict(plan["snapshot"], **plan["push"])
        vals = dict(self._hubspot_result_vals("synced", plan), hubspot_synced_values=snapshot)
        if hubspot_object:
            snapshot[VERSION_KEY] = hubspot_object.get("updatedAt")
            vals["hubspot_updated_at"] = self._hubspot_remote_time(hubspot_object)
        self.with_context(**IMPORT_CONTEXT).sudo().write(vals)

    def _hubspot_log_remote_overwrites(self, company, plan):
        """Journal the HubSpot values a push replaces, so they can be traced."""
        for name, value in plan["push"].items():
            old = plan["snapshot"].get(name)
            if old and old != value:
                self.env["hubspot.sync.journal"]._log(
                    company,
                    "hubspot_overwritten",
                    self,
                    field_name=name,
                    old_value=old,
                    new_value=value,
                )

    def _hubspot_push_error(self, plan, error, company):
        """Handle a per-record push error a model understands; True when handled."""
        return False
