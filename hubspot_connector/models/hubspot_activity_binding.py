import math
import re
import time

from odoo import api, fields, models
from odoo.tools import is_html_empty

from ..services.client import ASSOCIATION_BATCH_SIZE
from .hubspot_common import ASSOCIATION_PREFIX, HubspotValueError, hubspot_datetime

# Odoo marks an edited chatter message with an empty span: no content of the activity.
EDITED_MARK = re.compile(r"""<span class=["']o-mail-Message-edited["']\s*/?>(\s*</span>)?""")
# Activities modified this close to a read from the records' side may have been
# associated after it: their own associations are read.
SIDE_READ_MARGIN_MS = 60_000


def _iso_seconds(value):
    """A naive UTC datetime as HubSpot's ISO text, to the second as Odoo keeps it."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class HubspotActivityBinding(models.AbstractModel):
    """What HubSpot's activities (notes, tasks, calls...) share, whatever Odoo makes of them.

    An activity is on one Odoo record, its *holder*: the first of its
    associations (in the order the ``holder`` mapping lists them: deal, contact,
    company) whose target is synced. Its other associations stay in HubSpot,
    untouched, and an activity made in Odoo is associated with its holder and
    with what the holder is associated with (an opportunity's customer and its
    company). Only activities on synced records travel, and only those since the
    start date. A concrete type names its Odoo model, its associations, the
    Odoo fields naming the holder (``_hubspot_holder_fields``) and what of its
    Odoo model it stands for (``_hubspot_fits``).
    """

    _name = "hubspot.activity.binding"
    _inherit = "hubspot.binding"
    _description = "HubSpot Activity Binding"
    # Activities are many and have no HubSpot fields on their Odoo records.
    _hubspot_public = False
    _hubspot_modified_property = "hs_lastmodifieddate"
    # After the records they are on.
    _hubspot_sequence = 30
    _hubspot_property_group = "engagement"
    _hubspot_converters = {
        "holder": "Record the activity is on",
        "timestamp": "Date and time",
        "rich_text": "Rich text (sanitized HTML)",
    }
    # The Odoo fields holding the holder's model and id, and the activity's date.
    _hubspot_holder_fields = ("res_model", "res_id")
    _hubspot_date_field = "date"
    _hubspot_start_date_fields = ("hubspot_activities_since", "hubspot_contacts_since")

    # ------------------------------------------------------------------
    # The holder
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_holder_types(self):
        """``[(property, target binding model)]`` of the holder mapping, in its order."""
        specs = self._hubspot_association_specs()
        return [
            (name, self._hubspot_target_model(specs[name]))
            for mapping in self._hubspot_mappings()
            if mapping.converter == "holder"
            for name in mapping.hubspot_properties
        ]

    @api.model
    def _hubspot_holder_models(self):
        """The Odoo models of the records activities of this type may be on."""
        return {target._odoo_model()._name for _name, target in self._hubspot_holder_types()}

    @api.model
    def _hubspot_holder_type(self, record):
        """The binding model of the type the Odoo ``record`` is synced as, if any."""
        for _name, target in self._hubspot_holder_types():
            if target._odoo_model()._name == record._name and target._hubspot_fits(record):
                return target
        return None

    @api.model
    def _hubspot_holder_linked(self, company, record):
        """Whether the Odoo ``record`` is linked in ``company``'s portal as a holder type."""
        target = self._hubspot_holder_type(record) if record else None
        return target is not None and bool(target._hubspot_of_records(company, record).hubspot_id)

    @api.model
    def _hubspot_holder_of(self, record):
        """The Odoo record the activity ``record`` (of this type's Odoo model) is on."""
        model_field, id_field = self._hubspot_holder_fields
        model = record[model_field]
        return self.env[model].browse(record[id_field]) if model else None

    def _hubspot_holder(self):
        return self._hubspot_holder_of(self.odoo_id)

    @api.model
    def _hubspot_shown_record(self, record):
        """An activity is seen on the record it is on."""
        holder = self._hubspot_holder_of(record) if record else None
        return holder.exists() if holder is not None else record

    @api.model
    def _hubspot_holder_in(self, company, remote):
        """``(Odoo model, record id)`` of the first synced target of HubSpot's associations."""
        for name, target in self._hubspot_holder_types():
            target_id = remote.get(name)
            if target_id and target._hubspot_sync_enabled(company):
                record_id = target._hubspot_linked_record_ids(company, [target_id]).get(target_id)
                if record_id:
                    return target._odoo_model()._name, record_id
        return None

    def _hubspot2odoo_holder(self, mapping, remote, payload):
        holder = self._hubspot_holder_in(self.env.company, remote)
        if not holder:
            raise HubspotValueError(
                self.env._("HubSpot associates this activity with no synced record any more."),
                "not_on_synced_record",
            )
        return self._hubspot_holder_vals(*holder)

    @api.model
    def _hubspot_holder_vals(self, model, record_id):
        """Odoo values putting the activity on record ``record_id`` of ``model``."""
        model_field, id_field = self._hubspot_holder_fields
        return {model_field: model, id_field: record_id}

    def _odoo2hubspot_holder(self, mapping, base):
        """The associations HubSpot had, and where there was none, the holder's and those
        of what the holder is associated with."""
        result = {name: base.get(name, "") for name in mapping.hubspot_properties}
        holder = self._hubspot_holder()
        holder_type = self._hubspot_holder_type(holder) if holder else None
        if holder_type is None:
            return result
        holder_fields = holder_type._hubspot_association_fields()
        for name, target in self._hubspot_holder_types():
            if result[name]:
                continue
            if target._name == holder_type._name:
                records = holder
            else:
                field = holder_fields.get(ASSOCIATION_PREFIX + target._hubspot_object_type)
                if not field:
                    continue
                records = target._hubspot_association_targets(holder[field])
            if records:
                binding = target._hubspot_of_records(self.company_id, records)[:1]
                result[name] = binding.hubspot_id or ""
        return result

    # ------------------------------------------------------------------
    # Scope
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_since(self, company):
        """The start date of activities: their own, else the contacts'."""
        return company.hubspot_activities_since or company.hubspot_contacts_since

    @api.model
    def _hubspot_accept_new(self, payload, company):
        since = self._hubspot_since(company)
        when = hubspot_datetime(payload["properties"].get("hs_timestamp"))
        if since and when and when.date() < since:
            return "before_start_date"
        if not self._hubspot_holder_in(company, payload["properties"]):
            return "not_on_synced_record"
        return None

    @api.model
    def _hubspot_push_scope(self, company, records):
        """Activities of this type already linked, and new ones since the start date on a
        record linked in ``company``'s portal."""
        records = self._hubspot_fits(records)
        linked = self._hubspot_of_records(company, records).filtered("hubspot_id").odoo_id
        since = self._hubspot_since(company)

        def in_scope(record):
            when = fields.Date.to_date(record[self._hubspot_date_field])
            if since and when and when < since:
                return False
            return self._hubspot_holder_linked(company, self._hubspot_holder_of(record))

        return linked | (records - linked).filtered(in_scope)

    @api.model
    def _hubspot_scope_fields(self):
        return set(self._hubspot_holder_fields)

    # ------------------------------------------------------------------
    # Associations made after the activity's last change
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_scan_associated(self, company, client):
        """Read the activities of the synced records from the records' side (1,000 records
        per request) and import those not in Odoo yet."""
        # This run's read from that side, if it made one, or a new one.
        targets = self._hubspot_side(company).get("targets")
        if targets is None:
            targets = self._hubspot_read_from_holders(company, client)
        found = {activity_id for of_activity in targets.values() for activity_id in of_activity}
        new = found - set(self._hubspot_linked(company, found))
        if not new:
            return {"associated": 0}
        objects, gone, _unread = self._hubspot_read_by_ids(sorted(new, key=int), client)
        return dict(self._hubspot_apply_read(objects, gone, company, client), associated=len(new))

    @api.model
    def _hubspot_synced_domain(self, company):
        """The linked bindings of a holder type."""
        return [("company_id", "=", company.id), ("hubspot_id", "!=", False)]

    @api.model
    def _hubspot_read_from_holders(self, company, client):
        """``{property: {activity id: its synced target ids}}``, read from the
        synced records' side: one request per 1,000 synced records of each holder type.

        Kept for the run: it answers for the activities modified before it was read.
        """
        side = self._hubspot_side(company)
        side["read_before_ms"] = int(time.time() * 1000) - SIDE_READ_MARGIN_MS
        side["targets"] = targets = {}
        for name, target in self._hubspot_holder_types():
            if not target._hubspot_sync_enabled(company):
                continue
            ids = target.sudo().search(self._hubspot_synced_domain(company)).mapped("hubspot_id")
            of_activity = targets.setdefault(name, {})
            # A request's answer at a time: only the map stays in memory.
            for start in range(0, len(ids), ASSOCIATION_BATCH_SIZE):
                found = client.batch_read_associations(
                    target._hubspot_object_type,
                    self._hubspot_object_type,
                    ids[start : start + ASSOCIATION_BATCH_SIZE],
                )
                for target_id, activity_ids in found.items():
                    for activity_id in map(str, activity_ids):
                        of_activity[activity_id] = (*of_activity.get(activity_id, ()), target_id)
        return targets

    # ------------------------------------------------------------------
    # Reading associations
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_read_associations(self, payloads, spec, company, client):
        """Only a synced target can hold an activity: a type not synced is not read, and
        of several targets the synced ones are chosen first.

        A first import reads pages of 1,000 activities, one request per target type
        each. Reading from the synced records' side instead costs one request per
        1,000 synced records, however many activities there are. A run reads page
        by page until it has spent that cost, then once from the records' side (at
        most twice the cheaper way): that answers for the activities modified
        before it was read; the rest are read page by page.
        """
        target = self._hubspot_target_model(spec)
        if not target._hubspot_sync_enabled(company):
            return {}
        side = self._hubspot_side(company)
        spent = side.get("spent", 0)
        if "targets" not in side and spent and spent >= self._hubspot_side_cost(company, side):
            self._hubspot_read_from_holders(company, client)
        found, ids = {}, []
        for payload in payloads:
            modified = client.modified_ms(self._hubspot_modified_property, payload)
            if "targets" in side and modified and modified < side["read_before_ms"]:
                targets = side["targets"].get(spec.prop, {}).get(payload["id"], ())
                found[payload["id"]] = dict.fromkeys(targets, ())
            else:
                ids.append(payload["id"])
        if not ids:
            return found
        side["spent"] = side.get("spent", 0) + math.ceil(len(ids) / ASSOCIATION_BATCH_SIZE)
        read = client.batch_read_association_types(self._hubspot_object_type, spec.to_type, ids)
        linked = target._hubspot_linked_record_ids(
            company, {target_id for targets in read.values() for target_id in targets}
        )
        for activity_id, targets in read.items():
            synced = {t: types for t, types in targets.items() if t in linked}
            found[activity_id] = synced or targets
        return found

    @api.model
    def _hubspot_side(self, company):
        """What this run knows of reading associations from the synced records' side."""
        return self._hubspot_cached(("holders_side", self._name, company.id), dict)

    @api.model
    def _hubspot_side_cost(self, company, side):
        """Requests of one read from the synced records' side, counted once per run."""
        if "cost" not in side:
            side["cost"] = sum(
                math.ceil(
                    target.sudo().search_count(self._hubspot_synced_domain(company))
                    / ASSOCIATION_BATCH_SIZE
                )
                for _name, target in self._hubspot_holder_types()
                if target._hubspot_sync_enabled(company)
            )
        return side["cost"]

    # ------------------------------------------------------------------
    # Converters
    # ------------------------------------------------------------------

    def _odoo2hubspot_timestamp(self, mapping, base):
        value = self.odoo_id[mapping.odoo_field]
        return {mapping.hubspot_properties[0]: _iso_seconds(value) if value else ""}

    def _normalize_hubspot_timestamp(self, mapping, values, payload):
        return {
            name: _iso_seconds(hubspot_datetime(value)) if value else ""
            for name, value in values.items()
        }

    def _hubspot2odoo_timestamp(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        when = hubspot_datetime(value) if value else None
        return {mapping.odoo_field: when.replace(microsecond=0) if when else False}

    @api.model
    def _hubspot_sanitized(self, mapping, value):
        """HTML as the Odoo field stores it (Odoo's sanitizer), without Odoo's edit mark."""
        if not value or is_html_empty(value):
            return ""
        odoo_model = self._odoo_model()
        stored = odoo_model._fields[mapping.odoo_field].convert_to_cache(value, odoo_model)
        return EDITED_MARK.sub("", str(stored or "")).strip()

    def _odoo2hubspot_rich_text(self, mapping, base):
        value = self.odoo_id[mapping.odoo_field]
        return {mapping.hubspot_properties[0]: self._hubspot_sanitized(mapping, value)}

    def _normalize_hubspot_rich_text(self, mapping, values, payload):
        return {name: self._hubspot_sanitized(mapping, value) for name, value in values.items()}

    def _hubspot2odoo_rich_text(self, mapping, remote, payload):
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] or False}
