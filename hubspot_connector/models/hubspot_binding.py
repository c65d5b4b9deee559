from odoo import api, fields, models
from odoo.tools import SQL

from .hubspot_common import (
    IMPORT_CONTEXT,
    MESSAGE_LIMIT,
    SYNC_STATES,
    error_text,
    run_cached,
)

# The fields of the Odoo record that show its binding of the current company's portal.
PUBLIC_FIELDS = {
    "hubspot_id": "hubspot_id",
    "sync_state": "hubspot_sync_state",
    "error_kind": "hubspot_error_kind",
}


class HubspotBinding(models.AbstractModel):
    """The link between one Odoo record and one HubSpot object of one portal.

    A concrete binding model exists per HubSpot object type (contacts, deals):
    it names its Odoo model (``odoo_id``) and holds the specifics of the type
    (scope, matching, value converters). Its class attributes make the registry
    of object types (``_hubspot_types``). A binding is unique both ways per
    portal: one HubSpot object links to one Odoo record, one Odoo record to one
    HubSpot object; a shared partner may be bound in two portals. A binding
    without ``hubspot_id`` is an Odoo record on its way to HubSpot.

    The mechanism is split by responsibility: ``hubspot.binding.reconcile``
    (three-way merge), ``hubspot.binding.identify`` (links, merges, matches,
    locks), ``hubspot.binding.import``, ``hubspot.binding.export`` and
    ``hubspot.binding.odoo.changes`` (what an edit in Odoo starts) and
    ``hubspot.binding.associations`` (associations as Odoo fields); the jobs
    that drive them are ``hubspot.job.runner``'s.
    """

    _name = "hubspot.binding"
    _inherit = [
        "hubspot.binding.reconcile",
        "hubspot.binding.identify",
        "hubspot.binding.import",
        "hubspot.binding.export",
        "hubspot.binding.odoo.changes",
        "hubspot.binding.associations",
    ]
    _description = "HubSpot Binding"

    # --- The registry entry of a concrete binding model ---
    # HubSpot's object type in API paths, what users call one and several, and its type
    # id in the web app's URLs.
    _hubspot_object_type = None
    _hubspot_object_label = None
    _hubspot_objects_label = None
    _hubspot_type_id = None
    # The prefix of the type's events in HubSpot's legacy webhook shape ("contact" of
    # "contact.propertyChange"); None for a type that only has generic "object.*" events.
    _hubspot_event_prefix = None
    # The property HubSpot's searches order changes by.
    _hubspot_modified_property = None
    # The company's Boolean field that switches the sync of this type on.
    _hubspot_enabled_field = None
    # Jobs serve the types in this order (deals link to contacts: contacts first).
    _hubspot_sequence = 10
    # Whether the Odoo record shows this type's HubSpot id, sync state and error
    # kind on its own row (see ``_hubspot_fits`` when one model has several types).
    _hubspot_public = True
    # Converters this type adds for its field mappings: {name: label}.
    _hubspot_converters = {}
    # Whether archiving the Odoo record counts as deleting it (not for lost leads).
    _hubspot_archive_is_removal = True
    # The unique-valued HubSpot property that holds the Odoo id of a record made from
    # Odoo, its label and property group: a create is an upsert on it, so a retry after
    # a lost reply or a crash finds the record it already made instead of making another.
    _hubspot_odoo_id_property = None
    _hubspot_odoo_id_label = None
    _hubspot_property_group = None
    # The company's start-date fields of this type: changing one reads the type again.
    _hubspot_start_date_fields = ()

    company_id = fields.Many2one(
        "res.company",
        string="Portal",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        help="The Odoo company whose HubSpot portal the object belongs to.",
    )
    hubspot_id = fields.Char(string="HubSpot ID", readonly=True)
    sync_state = fields.Selection(
        SYNC_STATES, string="HubSpot Sync", readonly=True, index=True, default="pending"
    )
    last_sync = fields.Datetime(string="Last HubSpot Sync", readonly=True)
    last_error = fields.Text(string="HubSpot Error", readonly=True)
    error_kind = fields.Char(string="HubSpot Error Kind", readonly=True)
    hubspot_updated_at = fields.Datetime(
        string="Last Change in HubSpot",
        readonly=True,
        help="HubSpot's last-modified time of the version last synced.",
    )
    odoo_changed_at = fields.Datetime(
        string="Last Synced Change in Odoo",
        readonly=True,
        help="When a synced field was last changed in Odoo (not by the sync).",
    )
    synced_values = fields.Json(
        readonly=True, help="HubSpot property values both sides agreed on at the last sync."
    )
    note = fields.Text(
        string="HubSpot Note",
        readonly=True,
        help="What the sync waits for in Odoo (a user, a stage mapping, a linked contact).",
    )
    waiting = fields.Json(
        readonly=True,
        help="HubSpot values Odoo cannot take yet, with Odoo's value at that time: "
        "{property: [HubSpot's value, Odoo's value]}.",
    )

    _sql_constraints = [
        (
            "hubspot_uniq",
            "unique(company_id, hubspot_id)",
            "This HubSpot record is already linked to another Odoo record.",
        ),
        (
            "odoo_uniq",
            "unique(company_id, odoo_id)",
            "This Odoo record is already linked in this portal.",
        ),
    ]

    # ------------------------------------------------------------------
    # The registry of object types
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_types(self):
        """``{object type: binding model}`` of every installed type, in job order."""
        names = self.env.registry.descendants(["hubspot.binding"], "_inherit")
        bindings = [self.env[name] for name in names if not self.env[name]._abstract]
        bindings.sort(key=lambda binding: (binding._hubspot_sequence, binding._name))
        return {binding._hubspot_object_type: binding for binding in bindings}

    @api.model
    def _hubspot_type_selection(self):
        """The object types as a selection, for the models that name one."""
        return [(name, b._hubspot_object_label) for name, b in self._hubspot_types().items()]

    @api.model
    def _hubspot_event_registry(self):
        """``{object type: (legacy event prefix, type id)}``: how webhook events name types."""
        return {
            name: (binding._hubspot_event_prefix, binding._hubspot_type_id)
            for name, binding in self._hubspot_types().items()
        }

    @api.model
    def _hubspot_binding_models(self, odoo_model):
        """The binding models of the types an Odoo model is synced as."""
        return [
            binding
            for binding in self._hubspot_types().values()
            if binding._fields["odoo_id"].comodel_name == odoo_model
        ]

    @api.model
    def _hubspot_sync_enabled(self, company):
        """Whether ``company`` syncs this object type at all (its settings switch)."""
        return bool(company[self._hubspot_enabled_field])

    # ------------------------------------------------------------------
    # Hooks for the concrete types
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_push_scope(self, company, records):
        """Return the Odoo ``records`` that ``company`` sends to HubSpot."""
        raise NotImplementedError()

    @api.model
    def _hubspot_scope_fields(self):
        """Odoo fields that decide whether a record is in the push scope."""
        return set()

    @api.model
    def _hubspot_prepare_run(self, company, cache):
        """Return ``self`` with the cache of one run (a ``RunCache``) in the context."""
        return self.with_context(hubspot_run=cache)

    @api.model
    def _hubspot_cached(self, key, compute):
        """``compute()``, once per run when a job runs, every time otherwise."""
        return run_cached(self.env, key, compute)

    @api.model
    def _hubspot_shown_record(self, record):
        """The Odoo record a person opens to see ``record`` (of this type's Odoo model)."""
        return record

    @api.model
    def _hubspot_fits(self, records):
        """The Odoo ``records`` this type stands for, of those its model holds.

        When one Odoo model syncs as several types (partners as contacts and as
        companies), a record shows the binding of the type that fits it; the
        binding of another type only while none of a fitting type exists.
        """
        return records

    @api.model
    def _hubspot_scan_associated(self, company, client):
        """Import objects of this type that synced records were associated with after the
        objects' last change (a search by last-modified time misses them); return counts."""
        return {}

    @api.model
    def _hubspot_fetch_metadata(self, company, client):
        """Read what this type needs from the portal (options, pipelines); return counts."""
        return {}

    # ------------------------------------------------------------------
    # The public fields of the Odoo record
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        bindings = super().create(vals_list)
        bindings._hubspot_show_on_records()
        bindings.filtered(lambda b: b.sync_state == "failing")._hubspot_list_failures()
        return bindings

    def write(self, vals):
        was_failing = self.browse()
        if "sync_state" in vals:
            # A failing record keeps its error while it waits for its next try (pending).
            was_failing = self.filtered(lambda b: b.sync_state == "failing" or b.error_kind)
        result = super().write(vals)
        if PUBLIC_FIELDS.keys() & vals.keys():
            self._hubspot_show_on_records()
        if vals.get("sync_state") == "failing":
            self._hubspot_list_failures()
        elif vals.get("sync_state") in ("synced", "excluded") and was_failing:
            self.env["hubspot.sync.issue"]._solve_failures(was_failing)
        return result

    def _hubspot_list_failures(self):
        """List failing records in Sync Health with their error, whichever way they failed."""
        issues = self.env["hubspot.sync.issue"]
        # An import lists its own failures first, with their kind (a record waiting
        # for a person is to review, not failing): those rows stay as they are.
        listed = {
            (issue.hubspot_id, issue.error_kind)
            for issue in issues.sudo().search(
                [
                    ("object_type", "=", self._hubspot_object_type),
                    ("hubspot_id", "in", [b.hubspot_id for b in self if b.hubspot_id]),
                    ("state", "=", "open"),
                ]
            )
        }
        todo = self.filtered(
            lambda b: not (b.hubspot_id and (b.hubspot_id, b.error_kind) in listed)
        )
        # A first import may fail thousands alike: rows new to Sync Health are made at once.
        known = issues.sudo().search(
            [
                ("object_type", "=", self._hubspot_object_type),
                ("company_id", "in", todo.company_id.ids),
                "|",
                ("hubspot_id", "in", [b.hubspot_id for b in todo if b.hubspot_id]),
                "&",
                ("hubspot_id", "=", False),
                ("res_id", "in", todo.odoo_id.ids),
            ]
        )
        rows = {(i.company_id.id, i.hubspot_id or i.res_id) for i in known}
        new = []
        for binding in todo:
            args = (
                binding.company_id,
                binding._hubspot_object_type,
                binding.hubspot_id,
                "failed",
                binding.error_kind,
                binding.last_error,
            )
            name = binding.odoo_id.display_name
            company_id = binding.company_id.id
            if {(company_id, binding.hubspot_id), (company_id, binding.odoo_id.id)} & rows:
                issues._report(*args, binding=binding, name=name)
            else:
                new.append(issues._report_vals(*args, binding.odoo_id, name=name))
        issues.sudo().create(new)

    def unlink(self):
        self._hubspot_show_on_records(remove=True)
        return super().unlink()

    def _hubspot_show_on_records(self, remove=False):
        """Copy the HubSpot id, sync state and error kind onto the Odoo records, by portal.

        The Odoo record shows them as company-dependent fields, read for the
        current company and searched and grouped without a join. One statement
        per call: imports write thousands of bindings. Only the binding a record
        shows (``_hubspot_shown``) writes them; a removed one hands over to the
        record's other bindings.
        """
        if not self or not self._hubspot_public:
            return
        self.flush_recordset(list(PUBLIC_FIELDS))
        odoo_model = self.env[self._fields["odoo_id"].comodel_name]
        if remove:
            columns = [
                SQL("%s = %s - b.company_id::text", SQL.identifier(col), SQL.identifier("p", col))
                for col in PUBLIC_FIELDS.values()
            ]
            shown = self
        else:
            columns = [
                SQL(
                    "%s = COALESCE(%s, '{}'::jsonb) || jsonb_build_object(b.company_id::text, %s)",
                    SQL.identifier(col),
                    SQL.identifier("p", col),
                    SQL.identifier("b", source),
                )
                for source, col in PUBLIC_FIELDS.items()
            ]
            shown = self._hubspot_shown()
        if shown:
            self.env.cr.execute(
                SQL(
                    "UPDATE %s p SET %s FROM %s b WHERE b.odoo_id = p.id AND b.id = ANY(%s)",
                    SQL.identifier(odoo_model._table),
                    SQL(", ").join(columns),
                    SQL.identifier(self._table),
                    shown.ids,
                )
            )
            odoo_model.invalidate_model(list(PUBLIC_FIELDS.values()))
        if remove:
            for other in self._hubspot_other_public_types():
                other.sudo().search(
                    [("odoo_id", "in", self.odoo_id.ids), ("id", "not in", self.ids)]
                )._hubspot_show_on_records()

    def _hubspot_shown(self):
        """The bindings of ``self`` that their records show (see ``_hubspot_fits``)."""
        fitting = self._hubspot_fits(self.odoo_id)
        misfits = self.filtered(lambda b: b.odoo_id not in fitting)
        if not misfits:
            return self
        # A record shows another type's binding only while it has none that fits it.
        taken = set()
        for other in self._hubspot_other_public_types():
            bindings = other.sudo().search([("odoo_id", "in", misfits.odoo_id.ids)])
            fits = other._hubspot_fits(bindings.odoo_id)
            taken |= {(b.odoo_id.id, b.company_id.id) for b in bindings if b.odoo_id in fits}
        return self - misfits.filtered(lambda b: (b.odoo_id.id, b.company_id.id) in taken)

    @api.model
    def _hubspot_other_public_types(self):
        return [
            binding
            for binding in self._hubspot_binding_models(self._odoo_model()._name)
            if binding._name != self._name and binding._hubspot_public
        ]

    # ------------------------------------------------------------------
    # Bindings: find, make, link, unlink
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_linked(self, company, hubspot_ids):
        """``{HubSpot id: binding}`` of the given ids in ``company``'s portal."""
        bindings = self.sudo().search(
            [("company_id", "=", company.id), ("hubspot_id", "in", list(hubspot_ids))]
        )
        return {binding.hubspot_id: binding for binding in bindings}

    @api.model
    def _hubspot_of_records(self, company, records):
        """The bindings of Odoo ``records`` in ``company``'s portal (those that have one)."""
        return self.sudo().search([("company_id", "=", company.id), ("odoo_id", "in", records.ids)])

    @api.model
    def _hubspot_linked_elsewhere(self, company, records):
        """The ``records`` linked in another portal that ``company``'s portal never had.

        They are that portal's: a record imported from one portal is not sent to
        the others. A record bound in several (a shared partner made in Odoo while
        it was in every portal's scope, or matched in each) syncs with all of them.
        """
        bindings = self.sudo().search([("odoo_id", "in", records.ids)])
        here = bindings.filtered(lambda b: b.company_id == company).odoo_id
        return bindings.filtered("hubspot_id").odoo_id - here

    @api.model
    def _hubspot_ensure(self, company, records):
        """The bindings of ``records`` in ``company``'s portal, made where missing.

        An insert that skips existing rows: a person's edit and a job may make
        the same binding at once, and neither must fail on the other.
        """
        if records:
            self.env.flush_all()
            now = fields.Datetime.now()
            self.env.cr.execute(
                SQL(
                    """INSERT INTO %s (company_id, odoo_id, sync_state,
                                       create_uid, write_uid, create_date, write_date)
                       SELECT %s, id, 'pending', %s, %s, %s, %s FROM unnest(%s) AS id
                       ON CONFLICT (company_id, odoo_id) DO NOTHING""",
                    SQL.identifier(self._table),
                    company.id,
                    self.env.uid,
                    self.env.uid,
                    now,
                    now,
                    records.ids,
                )
            )
            self.invalidate_model()
        return self._hubspot_of_records(company, records)

    @api.model
    def _write_as_sync(self, vals):
        """Write as the sync: never echoed back, never blocked by access rules."""
        return self.with_context(**IMPORT_CONTEXT).sudo().write(vals)

    def _link_to(self, hubspot_id, note):
        """Link (or re-point) the binding ``self`` to a HubSpot id, and journal it."""
        self.ensure_one()
        event = "link_moved" if self.hubspot_id else "link_created"
        self.env["hubspot.sync.journal"]._log(
            event,
            self,
            hubspot_id=hubspot_id,
            old_value=self.hubspot_id or False,
            new_value=hubspot_id,
            note=note,
        )
        self._write_as_sync({"hubspot_id": hubspot_id})
        self._hubspot_after_link()

    def _drop_link(self, note):
        """Remove the HubSpot link of the bindings ``self``, keeping the Odoo records."""
        linked = self.filtered("hubspot_id")
        for binding in linked:
            self.env["hubspot.sync.journal"]._log(
                "link_removed", binding, old_value=binding.hubspot_id, note=note
            )
        linked._write_as_sync({"hubspot_id": False, "synced_values": False})

    # ------------------------------------------------------------------
    # States
    # ------------------------------------------------------------------

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
            "sync_state": "failing" if messages else state,
            "last_error": "\n".join(messages)[:MESSAGE_LIMIT] or False,
            "error_kind": kind,
            "last_sync": fields.Datetime.now(),
        }

    @api.model
    def _hubspot_result_vals(self, state, result):
        """State, note and waiting values of a reconcile result: notes never fail a record."""
        return dict(
            self._hubspot_state_vals(state, result["errors"]),
            note="\n".join(str(note) for note in result["notes"]) or False,
            waiting=result["waiting"] or False,
        )

    def _hubspot_set_state(self, state, errors=()):
        self._write_as_sync(self._hubspot_state_vals(state, errors))

    def _hubspot_url(self):
        """The address of the HubSpot object in HubSpot's web app."""
        self.ensure_one()
        return self._hubspot_record_url(self.company_id, self.hubspot_id)

    @api.model
    def _hubspot_record_url(self, company, hubspot_id):
        """The address of a HubSpot object of this type in ``company``'s portal."""
        portal = company.hubspot_portal_id
        if not (hubspot_id and portal):
            return False
        return (
            f"{company._hubspot_app_url()}/contacts/{portal}/record/"
            f"{self._hubspot_type_id}/{hubspot_id}"
        )
