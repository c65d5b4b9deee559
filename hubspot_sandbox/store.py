"""In-memory portal state: records, properties, pipelines, owners and associations.

One re-entrant lock guards everything. Public methods (the test helpers at the end of ``Store``)
take it themselves; the lower-level methods used by the API handlers expect the caller to hold
``store.lock`` so that a whole batch is validated and applied atomically.

Records are kept in a dict by numeric id. Three sorted lists of ``(key, id)`` pairs index the live
records by id, create date and last-modified date, so that list pages and the usual incremental
sync search ("modified since X, ascending") cost O(log N + page) instead of O(N).

Nothing here names an object type: what differs between types is declared on them
(``object_types``). Every change to the portal, whichever way it comes, ends in ``_emit``, which
hands listeners (``add_listener``) one change event.
"""

import itertools
import threading
from bisect import bisect_left, insort
from contextlib import contextmanager

from . import defaults
from .activity_properties import CALL_DISPOSITIONS
from .errors import ApiError, conflict, invalid_properties, not_found, validation_error
from .object_types import ASSOCIATION_TYPES, CATEGORY, OBJECT_TYPE_ALIASES, OBJECT_TYPES
from .values import InvalidValue, iso, normalize, now_ms, parse_timestamp, to_ms, unique_key

FIRST_ID = 10001
# The property types and field types HubSpot accepts when a property is created.
PROPERTY_TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
FIELD_TYPES = (
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
)


class Record:
    """One CRM object. ``props`` holds only non-empty, stored (not computed) values."""

    __slots__ = ("id", "props", "created", "updated", "archived_at")

    def __init__(self, record_id, props, created, updated):
        self.id = record_id
        self.props = props
        self.created = created
        self.updated = updated
        self.archived_at = None


class ObjectTable:
    """The records of one object type, their property definitions and their indexes."""

    def __init__(self, object_type):
        self.type = object_type
        self.name = object_type.name
        properties = object_type.properties()
        self.properties = {p["name"]: p for p in properties}
        self.records = {}  # id -> Record, live and archived
        self.aliases = {}  # id merged away -> id it was merged into
        self.index_names = (
            "hs_object_id",
            object_type.created_property,
            object_type.modified_property,
        )
        # Read-only properties computed from the record, never stored.
        self.computed = self.index_names + tuple(object_type.computed)
        self.live = {name: [] for name in self.index_names}  # name -> sorted [(key, id)]
        self.archived = []  # sorted [(id, id)]
        # id property -> {normalized value: id} over live records
        self.unique = {name: {} for name in object_type.unique_properties}
        for definition in properties:
            if definition["hasUniqueValue"]:
                self.unique[definition["name"]] = {}

    def index_keys(self, record):
        """The key of ``record`` in each live index, in ``index_names`` order."""
        return ((record.id, record.id), (record.created, record.id), (record.updated, record.id))


def _sorted_remove(items, key):
    del items[bisect_left(items, key)]


def non_unique_property(table, name):
    """The 400 HubSpot answers when a record is addressed by a property that is not unique."""
    return validation_error(
        f"Unable to perform update/upsert by non-unique {table.type.type_id} property {name} "
        f"in portal ID {defaults.PORTAL_ID}"
    )


def parse_id(value):
    """A record id as the int the store uses, or None if it cannot be one."""
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def invalid_association_type(from_table, to_table, spec):
    """The 400 HubSpot answers for an association type the pair of object types lacks."""
    category, type_id = spec.get("associationCategory"), spec.get("associationTypeId")
    return validation_error(
        f"{category} association type {type_id} does not exist from "
        f"{from_table.type.singular.upper()} to {to_table.type.singular.upper()}",
        context={"associationTypeId": [str(type_id)]},
    )


def requests_primary(from_table, to_table, specs):
    """Whether association specs ask for the Primary label; 400 for a type the pair lacks.

    Any valid spec implies the unlabelled association, which every labelled one comes with.
    """
    kind = ASSOCIATION_TYPES[(from_table.name, to_table.name)]
    for spec in specs:
        if not isinstance(spec, dict):
            raise validation_error("Each association type must be an object")
        valid = spec.get("associationTypeId") in kind.type_ids()
        if spec.get("associationCategory") != CATEGORY or not valid:
            raise invalid_association_type(from_table, to_table, spec)
    return any(s["associationTypeId"] == kind.primary_type_id for s in specs)


class Store:
    """The whole state of one sandbox portal."""

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        """Back to what a new portal holds."""
        with self.lock:
            self.tables = {t.name: ObjectTable(t) for t in OBJECT_TYPES}
            self.pipelines = {}
            self.stages = {}  # (pipeline id, stage id) -> stage
            self._register_pipeline(defaults.default_pipeline())
            self.owners = {}
            for owner in defaults.DEFAULT_OWNERS:
                self._put_owner(owner)
            # The portal's call outcomes: id -> label (``GET /calling/v1/dispositions``).
            self.call_dispositions = dict(CALL_DISPOSITIONS)
            # (from type, to type) -> {from id: {to id: primary?}}, kept in both directions.
            self.links = {pair: {} for pair in ASSOCIATION_TYPES}
            self._listeners = []  # a fresh portal has no webhook subscribers
            # The portal's company currency and, per other currency, how many units of it
            # one unit of the company currency buys (Settings > Account Defaults > Currency).
            self.home_currency = defaults.HOME_CURRENCY
            self.exchange_rates = {}
            self._ids = itertools.count(FIRST_ID)
            self._last_id = FIRST_ID - 1

    # ------------------------------------------------------------------ lookups (hold the lock)

    def table(self, object_type):
        """The table of an object type given by name or id (``contacts``, ``0-1``...)."""
        name = OBJECT_TYPE_ALIASES.get(str(object_type).lower())
        if name is None:
            raise validation_error(f"Unable to infer object type from: {object_type}")
        return self.tables[name]

    def find(self, table, id_value, id_property=None, archived=False):
        """The record an API id designates, following merges; None if there is none.

        ``id_property`` lets the id be the value of ``email`` or of a unique property.
        ``archived`` selects archived records instead of live ones, like HubSpot's parameter.
        """
        if id_property in (None, "", "hs_object_id"):
            record_id = parse_id(id_value)
            while record_id in table.aliases:
                record_id = table.aliases[record_id]
            record = table.records.get(record_id)
        elif id_property in table.unique:
            key = unique_key(str(id_value))
            if archived:
                candidates = (table.records[i] for _, i in table.archived)
                record = next(
                    (r for r in candidates if unique_key(r.props.get(id_property, "")) == key),
                    None,
                )
            else:
                record = table.records.get(table.unique[id_property].get(key))
        else:
            raise non_unique_property(table, id_property)
        if record is None or (record.archived_at is not None) != archived:
            return None
        return record

    def value(self, table, record, name):
        """The string value of a property of a record, computed ones included; None if empty."""
        if name == "hs_object_id":
            return str(record.id)
        if name == table.type.created_property:
            return iso(record.created)
        if name == table.type.modified_property:
            return iso(record.updated)
        compute = table.type.computed.get(name)
        if compute is not None:
            return compute(self, table, record)
        return record.props.get(name)

    def options(self, table, name):
        """Allowed values of an enumeration property, the portal's owners and stages included."""
        source = table.type.option_source(name)
        if source is not None:
            return [value for value, _ in source(self)]
        return [option["value"] for option in table.properties[name]["options"]]

    def association(self, from_table, to_table):
        """The association types from one table to the other; 400 for a pair HubSpot lacks."""
        kind = ASSOCIATION_TYPES.get((from_table.name, to_table.name))
        if kind is None:
            raise validation_error(
                f"Associations from {from_table.name} to {to_table.name} are not supported"
            )
        return kind

    def associations(self, from_table, record, to_table):
        """``[(id, primary?)]`` of the live records of ``to_table`` associated with ``record``."""
        targets = self.links[(from_table.name, to_table.name)].get(record.id, {})
        records = to_table.records
        return sorted(
            (i, primary)
            for i, primary in targets.items()
            if i in records and records[i].archived_at is None
        )

    def linked(self, from_table, record, to_table):
        """Ids of the live records of ``to_table`` associated with ``record``, ascending."""
        return [i for i, _ in self.associations(from_table, record, to_table)]

    def primary_of(self, table, record, other_table):
        """The id of the live record of ``other_table`` that is ``record``'s primary, or None."""
        return next((i for i, p in self.associations(table, record, other_table) if p), None)

    # ------------------------------------------------------------------ rendering (hold the lock)

    def render(self, table, record, names=None, associations=(), full=False):
        """A record in HubSpot's ``SimplePublicObject`` shape.

        ``names`` are the requested properties (defaults when empty); requested properties
        without a value come back as null. ``full`` returns every property that has a value, as
        HubSpot does in write responses. ``associations`` are tables to list associations to.
        """
        if full:
            names = [*record.props, *table.computed]
        elif not names:
            names = table.type.default_properties
        created, updated = iso(record.created), iso(record.updated)
        # formatted once
        known = {table.type.created_property: created, table.type.modified_property: updated}
        properties = {
            n: known.get(n) or self.value(table, record, n) for n in names if n in table.properties
        }
        if full:
            properties = {n: v for n, v in properties.items() if v is not None}
        body = {
            "id": str(record.id),
            "properties": properties,
            "createdAt": created,
            "updatedAt": updated,
            "archived": record.archived_at is not None,
        }
        if record.archived_at is not None:
            body["archivedAt"] = iso(record.archived_at)
        linked = {}
        for other in associations:
            results = self._v3_associations(table, record, other)
            if results:
                linked[other.name] = {"results": results}
        if linked:
            body["associations"] = linked
        return body

    def _v3_associations(self, table, record, other):
        """Associations as v3 reads list them: HubSpot names the unlabelled association of a
        pair that has a primary ``..._unlabeled`` and gives the primary the plain name."""
        kind = f"{table.type.singular}_to_{other.type.singular}"
        has_primary = self.association(table, other).primary_type_id is not None
        results = []
        for i, primary in self.associations(table, record, other):
            if primary:
                results.append({"id": str(i), "type": kind})
            unlabelled = f"{kind}_unlabeled" if has_primary else kind
            results.append({"id": str(i), "type": unlabelled})
        return results

    def render_property(self, table, definition):
        """A property definition with its current options (owners and stages change)."""
        source = table.type.option_source(definition["name"])
        if source is None:
            return definition
        return {**definition, "options": defaults.option_list(source(self))}

    # ------------------------------------------------------------------ writes (hold the lock)

    def prepare(self, table, record, properties, trusted=False):
        """Validate property writes and return them normalized, without applying them.

        ``record`` is None for a create. Untrusted (API) writes may not touch read-only
        properties. Raises 400 listing every invalid property, 409 for a taken e-mail and 400
        for a taken unique value.
        """
        if not isinstance(properties, dict):
            raise validation_error("properties must be an object of property names to values")
        problems = []
        changes = {}
        for name, value in properties.items():
            definition = table.properties.get(name)
            if definition is None:
                message = f'Property "{name}" does not exist'
                problems.append((name, "PROPERTY_DOESNT_EXIST", message))
            elif definition["modificationMetadata"]["readOnlyValue"] and not trusted:
                message = f'"{name}" is a read only property; its value cannot be set.'
                problems.append((name, "READ_ONLY_VALUE", message))
            else:
                options = self.options(table, name) if definition["type"] == "enumeration" else None
                try:
                    changes[name] = normalize(definition, value, options)
                except InvalidValue as error:
                    problems.append((name, error.code, error.message))
        if table.type.check is not None:
            table.type.check(self, record, changes, problems)
        if problems:
            raise invalid_properties(problems)
        self._check_unique(table, record, changes)
        return changes

    def _check_unique(self, table, record, changes):
        for name, owners in table.unique.items():
            value = changes.get(name)
            owner = owners.get(unique_key(value)) if value else None
            if owner is None or (record is not None and owner == record.id):
                continue
            if name in table.type.unique_properties:
                raise conflict(table.type.conflict_message.format(id=owner))
            message = (
                f"{value} already has that value: {table.type.singular} {owner} holds it. "
                f"Existing ID: {owner}"
            )
            raise invalid_properties([(name, "DUPLICATE_UNIQUE_VALUE", message)])

    def _split(self, table, changes):
        """Stored properties apart from the create/modify timestamps a trusted write may set."""
        stored = {k: v for k, v in changes.items() if k not in table.computed}
        created = changes.get(table.type.created_property)
        modified = changes.get(table.type.modified_property)
        return (
            stored,
            parse_timestamp(created) if created else None,
            parse_timestamp(modified) if modified else None,
        )

    def insert(self, table, changes, created=None, updated=None, record_id=None, index=True):
        """Create a record from prepared changes; ``index=False`` defers indexing (bulk seed)."""
        stored, created_prop, updated_prop = self._split(table, changes)
        if record_id is None:
            record_id = self._new_id()
        elif record_id in table.records or record_id in table.aliases:
            raise conflict(f"A {table.type.singular} with id {record_id} already exists")
        else:
            self._reserve_id(record_id)
        now = now_ms()
        created = created if created is not None else created_prop
        created = created if created is not None else now
        updated = updated if updated is not None else updated_prop
        updated = updated if updated is not None else max(now, created)
        record = Record(record_id, {k: v for k, v in stored.items() if v}, created, updated)
        table.records[record_id] = record
        if index:
            self._index(table, record)
        self._emit("creation", table, record_id, record.props)
        return record

    def modify(self, table, record, changes, modified_at=None):
        """Apply prepared changes; the record's modified date moves only if a value changed."""
        stored, created, updated = self._split(table, changes)
        diff = {k: v for k, v in stored.items() if record.props.get(k, "") != v}
        updated = modified_at if modified_at is not None else updated
        if not diff and created is None and updated is None:
            return False
        self._reindexed(table, record, diff, created, updated)
        dates = {table.type.created_property: created, table.type.modified_property: updated}
        dates = {name: iso(ms) for name, ms in dates.items() if ms is not None}
        self._emit("propertyChange", table, record.id, {**diff, **dates})
        return True

    def _reindexed(self, table, record, values=None, created=None, updated=None):
        """Set stored values ("" clears) and dates of a record, keeping the indexes exact."""
        before = self._entries(table, record)
        for name, value in (values or {}).items():
            if value:
                record.props[name] = value
            else:
                record.props.pop(name, None)
        record.created = created if created is not None else record.created
        record.updated = updated if updated is not None else now_ms()
        if record.archived_at is None:
            self._move_entries(table, record, before, self._entries(table, record))

    def archive(self, table, record):
        """Move a record to the recycle bin (HubSpot's soft delete); its associations hide."""
        if record.archived_at is not None:
            return
        with self._settling(self._neighbours(table, record)):
            self._unindex(table, record)
            record.archived_at = now_ms()
            insort(table.archived, (record.id, record.id))
            self._emit("deletion", table, record.id)

    def restore(self, table, record):
        """Bring an archived record back, unless another record took one of its unique values."""
        if record.archived_at is None:
            return
        self._check_unique(table, record, record.props)
        with self._settling(self._neighbours(table, record)):
            _sorted_remove(table.archived, (record.id, record.id))
            record.archived_at = None
            self._index(table, record)
            self._emit("restore", table, record.id)

    def purge(self, table, record):
        """Delete a record for good, as HubSpot's GDPR delete does: no recycle bin, no alias, no
        association left. Emits ``privacyDeletion`` then ``deletion``, as HubSpot sends both."""
        if not table.type.privacy_deletion:
            raise validation_error(f"{table.name} have no GDPR delete")
        neighbours = self._neighbours(table, record)
        with self._settling(neighbours):
            for other, target in neighbours:
                self._set_link(table, record.id, other, target, None)
            if record.archived_at is None:
                self._unindex(table, record)
            else:
                _sorted_remove(table.archived, (record.id, record.id))
            del table.records[record.id]
            for alias in [a for a, target in table.aliases.items() if target == record.id]:
                del table.aliases[alias]
            self._emit("privacyDeletion", table, record.id)
            self._emit("deletion", table, record.id)

    def merge(self, table, primary, other):
        """Merge ``other`` into ``primary`` the way HubSpot does; returns the survivor.

        The object type says whether a new record with a new id replaces both (both old ids then
        resolve to it) or the primary keeps its id (the other id resolves to it). Primary values
        win, blanks are filled from the other record, the survivor lists the absorbed ids in
        ``hs_merged_object_ids`` and takes over the associations of both; the primary's
        Primary labels win over the other's.
        """
        if primary.id == other.id:
            raise validation_error("Cannot merge an object with itself")
        object_type = table.type
        props = {**other.props, **primary.props}
        moved = sum(1 for name in other.props if name not in primary.props)  # blanks filled
        merged_ids = [
            *filter(None, primary.props.get("hs_merged_object_ids", "").split(";")),
            *filter(None, other.props.get("hs_merged_object_ids", "").split(";")),
        ]
        absorbed = [primary.id, other.id] if object_type.merge_gives_new_id else [other.id]
        props["hs_merged_object_ids"] = ";".join(merged_ids + [str(i) for i in absorbed])
        if object_type.merge_properties is not None:
            props.update(object_type.merge_properties(primary, other))
        links = [
            (record, self.tables[to_name], target, primary_label)
            for record in (primary, other)
            for (from_name, to_name), pairs in self.links.items()
            if from_name == table.name
            for target, primary_label in pairs.get(record.id, {}).items()
        ]
        neighbours = self._neighbours(table, primary) + self._neighbours(table, other)
        with self._settling(neighbours):
            for record, other_table, target, _ in links:
                self._set_link(table, record.id, other_table, target, None)
            for record in (primary, other):
                self._unindex(table, record)
                del table.records[record.id]
            survivor = Record(
                self._new_id() if object_type.merge_gives_new_id else primary.id,
                {k: v for k, v in props.items() if v},
                min(primary.created, other.created),
                now_ms(),
            )
            table.records[survivor.id] = survivor
            for record in (primary, other):
                if record.id != survivor.id:
                    table.aliases[record.id] = survivor.id
            self._index(table, survivor)
            self._emit(
                "merge",
                table,
                survivor.id,
                survivor.props,
                primaryObjectId=primary.id,
                mergedObjectIds=[other.id],
                newObjectId=survivor.id,
                numberOfPropertiesMoved=moved,
            )
            for _, other_table, target, primary_label in links:
                holder = self.association(table, other_table).primary_holder
                taken = holder == table.name and any(
                    self.links[(table.name, other_table.name)].get(survivor.id, {}).values()
                )
                self._attach(table, survivor.id, other_table, target, primary_label and not taken)
        return survivor

    def define_property(self, table, body):
        """Create a custom property from a Properties API ``PropertyCreate`` body."""
        if not isinstance(body, dict):
            raise validation_error("The property definition must be an object")
        missing = [
            f for f in ("name", "label", "type", "fieldType", "groupName") if not body.get(f)
        ]
        if missing:
            raise validation_error(f"Missing required fields: {', '.join(missing)}")
        name = body["name"]
        if name in table.properties:
            raise ApiError(409, "OBJECT_ALREADY_EXISTS", f"Property named '{name}' already exists.")
        if body["type"] not in PROPERTY_TYPES:
            raise validation_error(f"Invalid property type {body['type']}")
        if body["fieldType"] not in FIELD_TYPES:
            raise validation_error(f"Invalid property fieldType {body['fieldType']}")
        definition = defaults.property_definition(
            name,
            body["label"],
            body["type"],
            body["fieldType"],
            body["groupName"],
            options=[
                {
                    "label": o.get("label", o.get("value")),
                    "value": o["value"],
                    "displayOrder": o.get("displayOrder", i),
                    "hidden": bool(o.get("hidden", False)),
                    "description": o.get("description", ""),
                }
                for i, o in enumerate(body.get("options") or [])
            ],
            unique=bool(body.get("hasUniqueValue")),
            hubspot_defined=False,
            description=body.get("description") or "",
            created_at=iso(now_ms()),
        )
        table.properties[name] = definition
        if definition["hasUniqueValue"]:
            table.unique[name] = {
                unique_key(r.props[name]): r.id
                for r in table.records.values()
                if r.archived_at is None and r.props.get(name)
            }
        return definition

    # ------------------------------------------------------------------ associations (hold lock)

    def link(self, from_table, from_id, to_table, to_id, primary=False, bump=True):
        """Associate two records in both directions; ``primary`` adds the Primary label.

        The Primary label moves from the holder's previous primary record, which stays
        associated, unlabelled. ``bump=False`` (seeding) keeps last-modified dates as they are.
        """
        self.association(from_table, to_table)
        with self._settling([(from_table, from_id), (to_table, to_id)], bump):
            self._attach(from_table, from_id, to_table, to_id, primary)

    def unlink(self, from_table, from_id, to_table, to_id, primary_only=False):
        """Remove the association between two records, or with ``primary_only`` its label."""
        self.association(from_table, to_table)
        state = self.links[(from_table.name, to_table.name)].get(from_id, {}).get(to_id)
        if state is None or (primary_only and not state):
            return
        with self._settling([(from_table, from_id), (to_table, to_id)]):
            self._set_link(from_table, from_id, to_table, to_id, False if primary_only else None)

    def _attach(self, from_table, from_id, to_table, to_id, primary):
        state = self.links[(from_table.name, to_table.name)].get(from_id, {}).get(to_id)
        kind = self.association(from_table, to_table)
        if not (primary and kind.primary_type_id):
            if state is None:
                self._set_link(from_table, from_id, to_table, to_id, False)
            return
        if state is True:
            return
        if kind.primary_holder == from_table.name:
            holder, holder_id, other = from_table, from_id, to_table
        else:
            holder, holder_id, other = to_table, to_id, from_table
        held = self.links[(holder.name, other.name)].get(holder_id, {})
        for other_id in [i for i, label in held.items() if label]:
            self._set_link(holder, holder_id, other, other_id, False)
        self._set_link(from_table, from_id, to_table, to_id, True)

    def _set_link(self, a, a_id, b, b_id, state):
        """Put the association of two records in ``state`` (None: absent, False: unlabelled,
        True: Primary too) in both directions, and emit each association type that changed."""
        old = self.links[(a.name, b.name)].get(a_id, {}).get(b_id)
        for x, x_id, y, y_id in ((a, a_id, b, b_id), (b, b_id, a, a_id)):
            links = self.links[(x.name, y.name)]
            if state is None:
                links.get(x_id, {}).pop(y_id, None)
            else:
                links.setdefault(x_id, {})[y_id] = state
            kind = ASSOCIATION_TYPES[(x.name, y.name)]
            for primary, was, now in (
                (False, old is not None, state is not None),
                (True, old is True, state is True),
            ):
                if was != now:
                    self._emit(
                        "associationChange",
                        x,
                        x_id,
                        fromObjectId=x_id,
                        toObjectType=y.name,
                        toObjectId=y_id,
                        associationCategory=CATEGORY,
                        associationTypeId=kind.spec(primary)["typeId"],
                        isPrimaryAssociation=primary,
                        associationRemoved=was,
                    )

    def _neighbours(self, table, record):
        """``(table, id)`` of every record associated with ``record``."""
        return [
            (self.tables[to_name], target)
            for (from_name, to_name), links in self.links.items()
            if from_name == table.name
            for target in links.get(record.id, ())
        ]

    def _association_values(self, table, record):
        return {n: self.value(table, record, n) for n in table.type.association_properties}

    @contextmanager
    def _settling(self, ends, bump=True):
        """Around a change: the live records at ``ends`` (``(table, id)``) whose association
        counts or primary it changes get a propertyChange and, with ``bump``, a new
        last-modified date, as HubSpot recalculates them."""
        if not bump and not self._listeners:  # nothing would show the difference
            yield
            return
        watched = {}
        for table, record_id in ends:
            record = table.records.get(record_id)
            if record is not None and record.archived_at is None:
                watched[(table.name, record_id)] = (
                    table,
                    record,
                    self._association_values(table, record),
                )
        yield
        now = now_ms()
        for table, record, before in watched.values():
            if record.archived_at is not None or table.records.get(record.id) is not record:
                continue  # archived or merged away by the change itself
            after = self._association_values(table, record)
            changed = {n: v or "" for n, v in after.items() if v != before[n]}
            if changed:
                if bump:
                    self._reindexed(table, record, updated=now)
                self._emit("propertyChange", table, record.id, changed)

    # ------------------------------------------------------------------ change events

    def add_listener(self, listener):
        """Call ``listener(event)`` after every change to the portal; returns ``listener``.

        Listeners run under the store lock, in the thread that made the change: keep them
        quick (queue the event) and let them not raise. ``reset`` removes them.
        """
        with self.lock:
            self._listeners.append(listener)
        return listener

    def remove_listener(self, listener):
        with self.lock:
            self._listeners.remove(listener)

    def _emit(self, kind, table, object_id, properties=None, **details):
        """The one place every change passes: hand the listeners its change event.

        ``kind`` is creation, propertyChange, deletion, restore, merge, associationChange or
        privacyDeletion (a GDPR delete, followed by a deletion).
        The event: ``kind``, ``objectType`` (plural name), ``objectTypeId``, ``objectId``
        (int), ``occurredAt`` (epoch ms) and ``properties`` (names and values set or changed,
        "" when cleared; empty for deletion, restore and association changes), plus for a
        merge ``primaryObjectId``, ``mergedObjectIds``, ``newObjectId``,
        ``numberOfPropertiesMoved`` (values taken from the merged record) and for an association
        change (one event per direction and association type) ``fromObjectId``,
        ``toObjectType``, ``toObjectId``, ``associationCategory``, ``associationTypeId``,
        ``isPrimaryAssociation``, ``associationRemoved``.
        """
        if not self._listeners:
            return
        event = {
            "kind": kind,
            "objectType": table.name,
            "objectTypeId": table.type.type_id,
            "objectId": object_id,
            "occurredAt": now_ms(),
            "properties": dict(properties or {}),
            **details,
        }
        for listener in list(self._listeners):
            listener(event)

    # ------------------------------------------------------------------ indexes (hold the lock)

    @staticmethod
    def _entries(table, record):
        """What the indexes hold for a live record: its sort keys and its unique values."""
        return table.index_keys(record), {n: record.props.get(n) for n in table.unique}

    @staticmethod
    def _move_entries(table, record, before, after):
        """Update the indexes from entries ``before`` to ``after`` (None: not indexed).

        Only what changed is touched: an update usually moves just the last-modified key.
        """
        no_entries = ((None,) * len(table.index_names), {})
        old_keys, old_unique = before or no_entries
        new_keys, new_unique = after or no_entries
        for name, old, new in zip(table.index_names, old_keys, new_keys, strict=True):
            if old == new:
                continue
            items = table.live[name]
            if old is not None:
                _sorted_remove(items, old)
            if new is not None and (not items or items[-1] < new):
                items.append(new)
            elif new is not None:
                insort(items, new)
        for name, owners in table.unique.items():
            old, new = old_unique.get(name), new_unique.get(name)
            if old and old != new and owners.get(unique_key(old)) == record.id:
                del owners[unique_key(old)]
            if new:
                owners[unique_key(new)] = record.id

    def _index(self, table, record):
        self._move_entries(table, record, None, self._entries(table, record))

    def _unindex(self, table, record):
        self._move_entries(table, record, self._entries(table, record), None)

    def _rebuild_indexes(self, table):
        """Rebuild every index from scratch: cheaper than insorting a bulk load one by one."""
        live = [r for r in table.records.values() if r.archived_at is None]
        keys = [table.index_keys(r) for r in live]
        for position, name in enumerate(table.index_names):
            table.live[name] = sorted(k[position] for k in keys)
        table.archived = sorted(
            (r.id, r.id) for r in table.records.values() if r.archived_at is not None
        )
        for name, owners in table.unique.items():
            owners.clear()
            for record in live:
                value = record.props.get(name)
                if value:
                    owners[unique_key(value)] = record.id

    def _new_id(self):
        self._last_id = next(self._ids)
        return self._last_id

    def _reserve_id(self, record_id):
        """Make sure generated ids never collide with an explicitly given one."""
        if record_id > self._last_id:
            self._ids = itertools.count(record_id + 1)
            self._last_id = record_id

    def _register_pipeline(self, pipeline):
        self.pipelines[pipeline["id"]] = pipeline
        for stage in pipeline["stages"]:
            self.stages[(pipeline["id"], stage["id"])] = stage

    def _put_owner(self, owner):
        owner_id = str(owner.get("id") or self._next_owner_id())
        user_id = int(owner.get("userId") or int(owner_id) + 1_000_000)
        now = iso(now_ms())
        self.owners[owner_id] = {
            "id": owner_id,
            "email": owner["email"],
            "firstName": owner.get("firstName", ""),
            "lastName": owner.get("lastName", ""),
            "userId": user_id,
            "userIdIncludingInactive": user_id,
            "type": "PERSON",
            "teams": [],
            "createdAt": owner.get("createdAt", now),
            "updatedAt": owner.get("updatedAt", now),
            "archived": False,
        }
        return self.owners[owner_id]

    def _next_owner_id(self):
        return max(int(i) for i in self.owners) + 1

    # ------------------------------------------------------------------ test helpers (lock taken)

    def _existing(self, table, object_id):
        record = self.find(table, object_id) or self.find(table, object_id, archived=True)
        if record is None:
            raise not_found(context={"id": [str(object_id)]})
        return record

    def create_object(self, object_type, properties, created_at=None, object_id=None):
        """Create a record directly (no HTTP, not counted); read-only properties allowed.

        ``created_at`` (datetime, epoch ms or ISO string) back-dates the record.
        """
        with self.lock:
            table = self.table(object_type)
            changes = self.prepare(table, None, dict(properties), trusted=True)
            record_id = parse_id(object_id) if object_id is not None else None
            record = self.insert(table, changes, created=to_ms(created_at), record_id=record_id)
            return self.render(table, record, full=True)

    def update_object(self, object_type, object_id, properties, modified_at=None):
        """Update a record directly; ``modified_at`` sets its last-modified date explicitly."""
        with self.lock:
            table = self.table(object_type)
            record = self._existing(table, object_id)
            changes = self.prepare(table, record, dict(properties), trusted=True)
            self.modify(table, record, changes, modified_at=to_ms(modified_at))
            return self.render(table, record, full=True)

    def get_object(self, object_type, object_id):
        """A record with all its values (archived ones too, merges followed), or None."""
        with self.lock:
            table = self.table(object_type)
            record = self.find(table, object_id) or self.find(table, object_id, archived=True)
            return self.render(table, record, full=True) if record else None

    def archive_object(self, object_type, object_id):
        """Archive a record directly."""
        with self.lock:
            table = self.table(object_type)
            self.archive(table, self._existing(table, object_id))

    def gdpr_delete_object(self, object_type, object_id):
        """Delete a contact for good, live or archived, as a GDPR delete does."""
        with self.lock:
            table = self.table(object_type)
            self.purge(table, self._existing(table, object_id))

    def merge_objects(self, object_type, primary_id, merged_id):
        """Merge two live records directly; returns the survivor."""
        with self.lock:
            table = self.table(object_type)
            primary, other = (self.find(table, i) for i in (primary_id, merged_id))
            if primary is None or other is None:
                raise not_found(context={"id": [str(primary_id), str(merged_id)]})
            return self.render(table, self.merge(table, primary, other), full=True)

    def restore_object(self, object_type, object_id):
        """Restore an archived record directly."""
        with self.lock:
            table = self.table(object_type)
            self.restore(table, self._existing(table, object_id))

    def associate(self, from_type, from_id, to_type, to_id, primary=False, bump=True):
        """Associate two records directly (both directions); ``primary`` adds the Primary
        label (contact or deal to company), moving it from the previous primary company."""
        with self.lock:
            self.link(*self._pair(from_type, from_id, to_type, to_id), primary, bump)

    def dissociate(self, from_type, from_id, to_type, to_id, primary_only=False):
        """Remove an association directly, or with ``primary_only`` just its Primary label."""
        with self.lock:
            self.unlink(*self._pair(from_type, from_id, to_type, to_id), primary_only)

    def _pair(self, from_type, from_id, to_type, to_id):
        """``(from table, from id, to table, to id)`` of two existing records of a pair."""
        from_table, to_table = self.table(from_type), self.table(to_type)
        self.association(from_table, to_table)
        source, target = self._existing(from_table, from_id), self._existing(to_table, to_id)
        return from_table, source.id, to_table, target.id

    def add_owner(self, email, first_name="", last_name="", owner_id=None):
        """Add (or replace, by id) an owner; returns it in ``PublicOwner`` shape."""
        with self.lock:
            owner = {"id": owner_id, "email": email, "firstName": first_name}
            return dict(self._put_owner({**owner, "lastName": last_name}))

    def archive_owner(self, owner_id):
        """Deactivate an owner, as removing a user does: HubSpot then lists it among the
        archived owners, ``userId`` empty and ``userIdIncludingInactive`` kept."""
        with self.lock:
            owner = self.owners[str(owner_id)]
            owner.update(archived=True, userId=None, updatedAt=iso(now_ms()))
            return dict(owner)

    def add_pipeline(self, label, stages, pipeline_id=None):
        """Add a deal pipeline; ``stages`` in HubSpot's stage shape, ids optional.

        Missing stage and pipeline ids get numeric strings, like HubSpot's custom ones.
        """
        with self.lock:
            now = iso(now_ms())
            built = []
            for order, given in enumerate(stages):
                metadata = given.get("metadata", {})
                built.append(
                    defaults.stage(
                        str(given.get("id") or self._new_id()),
                        given["label"],
                        given.get("displayOrder", order),
                        str(metadata.get("probability", "0.0")),
                        str(metadata.get("isClosed", "false")).lower() == "true",
                        created_at=now,
                    )
                )
            pipeline = {
                "id": str(pipeline_id or self._new_id()),
                "label": label,
                "displayOrder": len(self.pipelines),
                "stages": built,
                "createdAt": now,
                "updatedAt": now,
                "archived": False,
            }
            self._register_pipeline(pipeline)
            return pipeline

    def add_property_option(self, object_type, name, value, label):
        """Add an option to an enumeration property (e.g. a custom lead status)."""
        with self.lock:
            definition = self.table(object_type).properties[name]
            if definition["type"] != "enumeration":
                raise validation_error(f"{name} is not an enumeration property")
            options = definition["options"]
            options.append(
                {
                    "label": label,
                    "value": value,
                    "displayOrder": len(options),
                    "hidden": False,
                    "description": "",
                }
            )

    def count(self, object_type, archived=False):
        """How many live (or archived) records of a type there are."""
        with self.lock:
            table = self.table(object_type)
            return len(table.archived if archived else table.live["hs_object_id"])

    def seed(self, data):
        """Load a seed dict (see README): owners, pipelines, records, associations.

        An association entry may carry ``types`` (v4 association specs); the pair's primary
        type id gives the Primary label. Seeding keeps the records' last-modified dates.

        Returns how many of each were loaded. Records are inserted with deferred indexing and
        the indexes rebuilt once, so 100,000 contacts load in seconds.
        """
        counts = {}
        with self.lock:
            self.home_currency = data.get("home_currency", self.home_currency)
            self.exchange_rates.update(data.get("exchange_rates", {}))
            for owner in data.get("owners", []):
                self._put_owner(owner)
            for pipeline in data.get("pipelines", []):
                self.add_pipeline(pipeline["label"], pipeline["stages"], pipeline.get("id"))
            for name, table in self.tables.items():
                try:
                    for item in data.get(name, []):
                        self._seed_record(table, item)
                finally:
                    self._rebuild_indexes(table)
                counts[name] = len(data.get(name, []))
            for link in data.get("associations", []):
                ends = (link[k] for k in ("from_type", "from_id", "to_type", "to_id"))
                pair = self._pair(*ends)
                primary = requests_primary(pair[0], pair[2], link.get("types") or [])
                self.link(*pair, primary, bump=False)
            counts.update(
                owners=len(data.get("owners", [])),
                pipelines=len(data.get("pipelines", [])),
                associations=len(data.get("associations", [])),
            )
        return counts

    def _seed_record(self, table, item):
        changes = self.prepare(table, None, item.get("properties", {}), trusted=True)
        record = self.insert(
            table,
            changes,
            created=to_ms(item.get("createdAt")),
            updated=to_ms(item.get("updatedAt")),
            record_id=parse_id(item["id"]) if item.get("id") is not None else None,
            index=False,
        )
        if item.get("archived"):
            record.archived_at = record.updated
            return
        for name, owners in table.unique.items():  # indexing is deferred: keep ``prepare`` exact
            value = record.props.get(name)
            if value:
                owners[unique_key(value)] = record.id
