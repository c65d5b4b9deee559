from datetime import date

from odoo import api, models
from odoo.tools import html2plaintext, is_html_empty, plaintext2html

from ..services import cleaning, rules
from .hubspot_common import ASSOCIATION_PREFIX, CLEANED_KEY, HubspotValueError, hubspot_datetime

# The generic converters, with their labels; each object type adds its own.
GENERIC_CONVERTERS = {
    "char": "Text",
    "option": "HubSpot option",
    "owner": "Owner (by e-mail)",
    "association": "Association",
    "html": "Text of an HTML field",
}


class HubspotBindingReconcile(models.AbstractModel):
    """The three-way merge of a binding: Odoo's values, HubSpot's, and the last agreed.

    Values travel in HubSpot's representation (``{property: text}``). Each field
    mapping names a converter: ``_odoo2hubspot_<converter>`` reads the Odoo
    record into that form, ``_hubspot2odoo_<converter>`` turns HubSpot's values
    into Odoo values, and an optional ``_normalize_hubspot_<converter>`` makes
    two spellings of one value compare equal. The generic converters live here;
    each object type adds its own.
    """

    _name = "hubspot.binding.reconcile"
    _description = "HubSpot Three-Way Merge"

    @api.model
    def _odoo_model(self):
        return self.env[self._fields["odoo_id"].comodel_name]

    @api.model
    def _hubspot_mappings(self):
        # Asked several times per record: once per run, not through the ORM cache each time.
        return self._hubspot_cached(
            ("mappings", self._hubspot_object_type),
            lambda: self.env["hubspot.field.mapping"].sudo()._specs(self._hubspot_object_type),
        )

    @api.model
    def _hubspot_tracked_fields(self):
        """Odoo fields whose change is sent to HubSpot (mapped, or deciding the scope)."""
        mappings = self.env["hubspot.field.mapping"].sudo()
        return mappings._synced_fields(self._hubspot_object_type) | self._hubspot_scope_fields()

    @api.model
    def _hubspot_properties(self):
        """The HubSpot properties a job reads: the mapped ones and the extra ones.

        Associations are no properties: they are read apart (``_hubspot_enrich``).
        """
        names = []
        for mapping in self._hubspot_mappings():
            names.extend(
                name
                for name in mapping.hubspot_properties
                if not name.startswith(ASSOCIATION_PREFIX)
            )
        return list(dict.fromkeys(names + self._hubspot_extra_properties()))

    @api.model
    def _hubspot_extra_properties(self):
        """HubSpot properties to read besides the mapped ones."""
        return ["hs_merged_object_ids", "createdate", self._hubspot_odoo_id_property]

    def _odoo2hubspot(self, mapping, base):
        """Odoo value of one mapping in HubSpot's representation: {property: str}.

        A value HubSpot should not get (control characters, beyond HubSpot's length,
        an absurd number) is not sent: the field is reported, Odoo's value is kept.
        """
        if self._hubspot_derived_in_odoo(mapping):
            # A copy has no say: the value last agreed stands for Odoo's, so HubSpot's own
            # is neither overwritten with it nor kept from coming in.
            return {name: (base or {}).get(name) or "" for name in mapping.hubspot_properties}
        self._hubspot_check_number(mapping, self.odoo_id[mapping.odoo_field], "Odoo")
        values = getattr(self, f"_odoo2hubspot_{mapping.converter}")(mapping, base or {})
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

    def _hubspot2odoo(self, mapping, remote, payload):
        """Odoo values for one mapping from HubSpot's {property: str}."""
        return getattr(self, f"_hubspot2odoo_{mapping.converter}")(mapping, remote, payload)

    def _hubspot_normalize(self, mapping, remote, payload):
        """HubSpot's values of a mapping in the form the read converter produces.

        Converters may define ``_normalize_hubspot_<converter>`` so that, for
        example, two spellings of one phone number compare equal. Numbers and
        dates that cannot be stored are refused here, before any converter.
        """
        normalize = getattr(self, f"_normalize_hubspot_{mapping.converter}", None)
        values = {name: (remote.get(name) or "").strip() for name in mapping.hubspot_properties}
        field_type = self._odoo_model()._fields[mapping.odoo_field].type
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
        field_type = self._odoo_model()._fields[mapping.odoo_field].type
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

        odoo_model = self._odoo_model()

        def feeds_index(field):
            return field.index or any(
                dependent.model_name == odoo_model._name and dependent.store and dependent.index
                for dependent in self.env.registry.get_dependent_fields(field)
            )

        def compute():
            limits = {}
            for mapping in self._hubspot_mappings():
                field = odoo_model._fields[mapping.odoo_field]
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

    def _odoo2hubspot_char(self, mapping, base):
        return {mapping.hubspot_properties[0]: self.odoo_id[mapping.odoo_field] or ""}

    def _hubspot2odoo_char(self, mapping, remote, payload):
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] or False}

    def _odoo2hubspot_html(self, mapping, base):
        value = self.odoo_id[mapping.odoo_field]
        text = "" if is_html_empty(value) else html2plaintext(value)
        return {mapping.hubspot_properties[0]: text}

    def _hubspot2odoo_html(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        return {mapping.odoo_field: plaintext2html(value) if value else False}

    def _odoo2hubspot_option(self, mapping, base):
        return self._odoo2hubspot_char(mapping, base)

    def _hubspot2odoo_option(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        field = self._odoo_model()._fields[mapping.odoo_field]
        options = self._hubspot_cached(
            ("options", field.model_name, field.name),
            lambda: {key for key, _label in field._description_selection(self.env)},
        )
        if value and value not in options:
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

    # Owners: a HubSpot owner is the Odoo user of its row in the owners table, for every type.

    @api.model
    def _hubspot_owner_map(self, refresh=False):
        """The owners table of the portal (``hubspot.owner._hubspot_map``), once per run.

        ``refresh`` reads HubSpot's owners into the table first, at most once per
        run: an owner id or a salesperson the table does not know may be new.
        """
        company = self.company_id[:1] or self.env.company
        cache = self.env.context.get("hubspot_run")
        owners = self.env["hubspot.owner"]

        def read():
            return owners._hubspot_map(company)

        table = self._hubspot_cached(("owners", company.id), read)
        if refresh and cache:

            def reread():
                owners._hubspot_refresh(company, cache.client)
                table.update(read())
                return True

            cache.get(("owners_read", company.id), reread)
        return table

    def _odoo2hubspot_owner(self, mapping, base):
        """The HubSpot owner whose Odoo user is the salesperson."""
        name = mapping.hubspot_properties[0]
        user = self.odoo_id[mapping.odoo_field]
        if not user:
            return {name: ""}
        owner_id = self._hubspot_owner_map()["owners"].get(user.id)
        if owner_id is None:
            owner_id = self._hubspot_owner_map(refresh=True)["owners"].get(user.id)
        if owner_id is None:
            raise HubspotValueError(
                self.env._(
                    "Salesperson %(user)s is no HubSpot owner: no owner has e-mail %(email)s "
                    "or was given this user in the HubSpot owners.",
                    user=user.name,
                    email=(user.email or user.login or "").lower(),
                ),
                "unknown_owner",
                waiting=True,
            )
        return {name: owner_id}

    def _hubspot2odoo_owner(self, mapping, remote, payload):
        owner_id = remote[mapping.hubspot_properties[0]]
        if not owner_id:
            return {mapping.odoo_field: False}
        known = self._hubspot_owner_map()["users"]
        if owner_id not in known:
            known = self._hubspot_owner_map(refresh=True)["users"]
        user, email, _name = known.get(owner_id, (False, "", ""))
        if not user:
            raise HubspotValueError(
                self.env._(
                    "HubSpot owner %(owner)s (%(email)s) is no Odoo user: the salesperson "
                    "is set as soon as a user with that e-mail exists, or is chosen in the "
                    "HubSpot owners.",
                    owner=owner_id,
                    email=email or "?",
                ),
                "unknown_owner",
                waiting=True,
                fallback={mapping.odoo_field: False},
            )
        return {mapping.odoo_field: user}

    @api.model
    def _hubspot_owner_properties(self):
        """The HubSpot properties this type maps with the owner converter."""
        return {
            name
            for mapping in self._hubspot_mappings()
            if mapping.converter == "owner"
            for name in mapping.hubspot_properties
        }

    def _hubspot_derived_in_odoo(self, mapping):
        """Whether Odoo's value of ``mapping`` is only a copy of another record's (a hook)."""
        return False

    def _reconcile(self, payload):
        """Three-way merge of one record (or a new one, when ``self`` is empty).

        ``payload`` is HubSpot's object, or None to push without reading HubSpot:
        then HubSpot's state is taken to be the snapshot. Returns a dict with
        ``odoo_vals`` (to write), ``push`` (properties to send), ``snapshot``
        (after both are applied), ``overwritten`` (Odoo values replaced),
        ``differences`` (values that differed at the first link, left as they
        are on both sides for a person; no agreed value is kept for them in the
        snapshot (None), so they stay a first-link question until decided),
        ``errors`` (field-level problems; those fields are skipped), ``notes``
        (what waits for a change in Odoo) and ``waiting`` (the new ``waiting``).
        """
        base = (self.synced_values or None) if self else None
        snapshot = dict(base or {})
        waiting = dict((self.waiting or {}) if self else {})
        remote_time = payload and hubspot_datetime(payload.get("updatedAt"))
        local_is_newer = bool(
            self.odoo_changed_at and (not remote_time or self.odoo_changed_at > remote_time)
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
                local = self._odoo2hubspot(mapping, base) if self else dict.fromkeys(names, "")
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
                        vals = self._hubspot2odoo(mapping, remote, payload)
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

    def _hubspot_log_overwrites(self, overwritten):
        """Journal each Odoo value an import replaces, with what restores it."""
        journal = self.env["hubspot.sync.journal"]
        for mapping, local, remote in overwritten:
            field = mapping.odoo_field
            old_raw = self.odoo_id[field]
            if isinstance(old_raw, models.BaseModel):
                old_raw = old_raw.id or False
            elif isinstance(old_raw, date):  # a datetime too: kept as Odoo's text
                old_raw = self.odoo_id._fields[field].to_string(old_raw)
            journal._log(
                "odoo_overwritten",
                self,
                field_name=field,
                old_value=", ".join(v for v in local.values() if v),
                new_value=", ".join(v for v in remote.values() if v),
                old_value_raw=old_raw,
            )
