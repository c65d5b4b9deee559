from odoo import api, models

from .hubspot_common import ASSOCIATION_PREFIX, TARGETS_KEY, HubspotValueError


class HubspotBindingAssociations(models.AbstractModel):
    """Associations between HubSpot objects, as Odoo fields: one code path for every pair.

    A type declares the associations it syncs (``_hubspot_associations``); a
    field mapping with the ``association`` converter maps them to an Odoo
    field. They are read with HubSpot's v4 batch endpoints, a page at a time,
    travel through the three-way merge as the value ``associations.<type>``
    (the target's HubSpot id), are resolved through the target type's
    bindings, wait while the target is not linked, are taken up by the
    target's link, and are written with the v4 batch endpoints.
    """

    _name = "hubspot.binding.associations"
    _description = "HubSpot Associations"

    # The associations this type syncs: ``HubspotAssociation`` declarations.
    _hubspot_associations = ()
    # Whether a record of this type is sent when a record being sent is associated
    # with it, even outside its own push scope (a contact's company).
    _hubspot_sent_when_needed = False

    # ------------------------------------------------------------------
    # Declarations and hooks of the target type
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_association_specs(self):
        """``{property: declaration}`` of the associations the active mappings use."""

        def compute():
            mapped = {
                name for mapping in self._hubspot_mappings() for name in mapping.hubspot_properties
            }
            return {spec.prop: spec for spec in self._hubspot_associations if spec.prop in mapped}

        return self._hubspot_cached(("association_specs", self._name), compute)

    @api.model
    def _hubspot_association_fields(self):
        """``{property: Odoo field}`` of the associations an Odoo field holds.

        Only those of the ``association`` converter: another converter may read
        associations for something else (which record an activity is on).
        """
        return {
            name: mapping.odoo_field
            for mapping in self._hubspot_mappings()
            if mapping.converter == "association"
            for name in mapping.hubspot_properties
            if name.startswith(ASSOCIATION_PREFIX)
        }

    @api.model
    def _hubspot_field_association_specs(self):
        """``{property: declaration}`` of the associations an Odoo field holds."""
        fields_by_prop = self._hubspot_association_fields()
        return {
            prop: spec
            for prop, spec in self._hubspot_association_specs().items()
            if prop in fields_by_prop
        }

    @api.model
    def _hubspot_target_model(self, spec):
        return self._hubspot_types()[spec.to_type]

    @api.model
    def _hubspot_association_targets(self, values):
        """The Odoo records of this type that Odoo field ``values`` stand for.

        A contact's parent is its company; a deal's customer is a contact when it is
        a person and a company when it is (or works for) one.
        """
        return values

    @api.model
    def _hubspot_association_domain(self, path, records):
        """A domain of records whose field ``path`` stands for the records of this type."""
        return [(path, "in", records.ids)]

    @api.model
    def _hubspot_linked_record_ids(self, company, hubspot_ids):
        """``{HubSpot id: Odoo record id}`` of linked objects, cached for the run."""
        cache = self._hubspot_cached(("record_ids", self._name, company.id), dict)
        wanted = {i for i in hubspot_ids if i and i not in cache}
        if wanted:
            for hubspot_id, binding in self._hubspot_linked(company, wanted).items():
                cache[hubspot_id] = binding.odoo_id.id
        return cache

    # ------------------------------------------------------------------
    # Import: read a page's associations
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_enrich(self, payloads, company, client):
        """Searches and batch reads return no associations: read them, 1,000 per request.

        Objects already in sync with this very version need none (an overlapping
        pull re-reads them).
        """
        specs = self._hubspot_association_specs()
        if not specs:
            return
        linked = self._hubspot_linked(company, [p["id"] for p in payloads])
        payloads = [
            p for p in payloads if not (p["id"] in linked and linked[p["id"]]._is_unchanged(p))
        ]
        if not payloads:
            return
        for spec in specs.values():
            found = self._hubspot_read_associations(payloads, spec, company, client)
            for payload in payloads:
                targets = found.get(payload["id"])
                payload["properties"][spec.prop] = _chosen_target(targets, spec)
                payload.setdefault(TARGETS_KEY, {})[spec.to_type] = sorted(targets or (), key=int)
            # The page's targets in one query, for the converters.
            self._hubspot_target_model(spec)._hubspot_linked_record_ids(
                company, {t for p in payloads for t in p[TARGETS_KEY][spec.to_type]}
            )

    @api.model
    def _hubspot_read_associations(self, payloads, spec, company, client):
        """``{id: {target id: association type ids}}`` of the ``payloads``' associations
        of ``spec``."""
        return client.batch_read_association_types(
            self._hubspot_object_type, spec.to_type, [p["id"] for p in payloads]
        )

    # ------------------------------------------------------------------
    # The converter
    # ------------------------------------------------------------------

    def _odoo2hubspot_association(self, mapping, base):
        """The HubSpot id of each target of the Odoo field, or what HubSpot keeps."""
        specs = self._hubspot_association_specs()
        value = self.odoo_id[mapping.odoo_field]
        result = {}
        for name in mapping.hubspot_properties:
            spec = specs[name]
            target = self._hubspot_target_model(spec)
            record = target._hubspot_association_targets(value)
            if record._name == self.odoo_id._name:
                record -= self.odoo_id
            if not record:
                result[name] = "" if spec.primary_only else base.get(name, "")
                continue
            binding = target._hubspot_of_records(self.company_id, record)
            if binding.hubspot_id:
                result[name] = binding.hubspot_id
                continue
            target._hubspot_send_needed(self.company_id, record)
            raise HubspotValueError(
                self.env._(
                    "%(record)s is not in HubSpot yet: this record is sent without its "
                    "%(type)s, which follows once it is linked.",
                    record=record.display_name,
                    type=target._hubspot_object_label.lower(),
                ),
                f"{target._hubspot_object_label.lower()}_not_linked",
                waiting=True,
            )
        return result

    def _hubspot2odoo_association(self, mapping, remote, payload):
        """The first target that is linked in Odoo; waiting while one is not yet."""
        specs = self._hubspot_association_specs()
        company = self.env.company
        for name in mapping.hubspot_properties:
            target_id = remote[name]
            if not target_id:
                continue
            target = self._hubspot_target_model(specs[name])
            record_id = target._hubspot_linked_record_ids(company, [target_id]).get(target_id)
            if not record_id:
                raise HubspotValueError(
                    self.env._(
                        "HubSpot %(type)s %(id)s is not in Odoo yet; %(field)s is set once it is.",
                        type=target._hubspot_object_label.lower(),
                        id=target_id,
                        field=self._odoo_model()._fields[mapping.odoo_field].string,
                    ),
                    f"{target._hubspot_object_label.lower()}_not_linked",
                    waiting=True,
                )
            if self.odoo_id._name == target._odoo_model()._name and record_id == self.odoo_id.id:
                raise HubspotValueError(
                    self.env._("HubSpot associates this record with itself."),
                    "circular_association",
                )
            return {mapping.odoo_field: record_id}
        if any(specs[name].primary_only for name in mapping.hubspot_properties):
            return {mapping.odoo_field: False}
        return {}

    # ------------------------------------------------------------------
    # Export: write associations
    # ------------------------------------------------------------------

    def _hubspot_push_associations(self, company, client, pushed):
        """Write the associations of the ``(binding, plan)`` pairs HubSpot accepted.

        A new target is written with its declared types (primary label included);
        an emptied primary association loses its label only.
        """
        for spec in self._hubspot_association_specs().values():
            add, unlabel = [], []
            for binding, plan in pushed:
                if spec.prop not in plan["push"]:
                    continue
                new, old = plan["push"][spec.prop], plan["snapshot"].get(spec.prop)
                if new:
                    add.append((binding.hubspot_id, new))
                elif old and spec.primary_type_id:
                    unlabel.append((binding.hubspot_id, old))
            from_type = self._hubspot_object_type
            if add and spec.primary_type_id:
                types = [spec.primary_type_id, spec.type_id]
                client.batch_create_associations(from_type, spec.to_type, add, types)
            elif add:
                client.batch_associate_default(from_type, spec.to_type, add)
            if unlabel:
                client.batch_archive_association_labels(
                    from_type, spec.to_type, unlabel, [spec.primary_type_id]
                )

    @api.model
    def _hubspot_send_needed(self, company, records):
        """Send ``records`` of this type because a record being sent is associated with them."""
        if not self._hubspot_sent_when_needed or not self._hubspot_sync_enabled(company):
            return
        self._hubspot_ensure(company, records)
        queue = self.env["hubspot.sync.queue"].sudo()
        queue._enqueue(company, "push", self._hubspot_object_type, res_ids=records.ids)
        queue._trigger_job()

    @api.model
    def _hubspot_needed_by_associations(self, company, records):
        """The ``records`` of this type that a record synced in ``company`` is associated with."""
        needed = records.browse()
        if not records:
            return needed
        for source in self._hubspot_types().values():
            fields_by_prop = source._hubspot_association_fields()
            for prop, spec in source._hubspot_field_association_specs().items():
                if spec.to_type != self._hubspot_object_type:
                    continue
                field = fields_by_prop[prop]
                sources = (
                    source.sudo()
                    .search(
                        [("company_id", "=", company.id)]
                        + self._hubspot_association_domain(f"odoo_id.{field}", records)
                    )
                    .odoo_id
                )
                needed |= self._hubspot_association_targets(sources.mapped(field)) & records
        return needed

    # ------------------------------------------------------------------
    # Links settle what waits
    # ------------------------------------------------------------------

    def _hubspot_after_link(self):
        """Records associated with the bindings ``self`` just linked take them up now."""
        for company in self.company_id:
            targets = self.filtered(lambda b, company=company: b.company_id == company)
            for source in self._hubspot_types().values():
                for spec in source._hubspot_field_association_specs().values():
                    if spec.to_type == self._hubspot_object_type:
                        source._hubspot_targets_linked(company, spec, targets)

    @api.model
    def _hubspot_after_run(self, company):
        """Take up targets linked while records waited for them, once this run committed.

        The link's own event fires in a transaction that cannot see records marked
        waiting by a run still open: a run of this type looks again for its records'
        targets, and a run of a target type for the records of the types pointing to it.
        """
        for source in self._hubspot_types().values():
            specs = source._hubspot_association_specs().values()
            if source._name == self._name or any(
                spec.to_type == self._hubspot_object_type for spec in specs
            ):
                source._hubspot_take_up_linked_targets(company)

    @api.model
    def _hubspot_take_up_linked_targets(self, company):
        specs = self._hubspot_field_association_specs()
        if not specs:
            return
        waiting = self._hubspot_waiting_bindings(company)
        fields_by_prop = self._hubspot_association_fields()
        for prop, spec in specs.items():
            target = self._hubspot_target_model(spec)
            ids = {b.waiting[prop][0] for b in waiting if prop in (b.waiting or {})}
            values = waiting.odoo_id.mapped(fields_by_prop[prop])
            targets = target.union(
                *target._hubspot_linked(company, ids).values()
            ) | target._hubspot_of_records(
                company, target._hubspot_association_targets(values)
            ).filtered("hubspot_id")
            if targets:
                self._hubspot_targets_linked(company, spec, targets)

    @api.model
    def _hubspot_targets_linked(self, company, spec, targets):
        """Take up the target bindings just linked: as Odoo value, and as association to send."""
        ids = set(targets.mapped("hubspot_id"))
        self._hubspot_reevaluate_waiting(company, {spec.prop: ids})
        field = self._hubspot_association_fields()[spec.prop]
        target = self._hubspot_target_model(spec)
        unsent = (
            self.sudo()
            .search(
                [("company_id", "=", company.id), ("hubspot_id", "!=", False)]
                + target._hubspot_association_domain(f"odoo_id.{field}", targets.odoo_id)
            )
            .filtered(lambda b: (b.synced_values or {}).get(spec.prop) not in ids)
        )
        if unsent:
            queue = self.env["hubspot.sync.queue"].sudo()
            queue._enqueue(company, "push", self._hubspot_object_type, res_ids=unsent.odoo_id.ids)
            queue._trigger_job()


def _chosen_target(targets, spec):
    """The associated id an Odoo field takes: the primary one first, then the oldest."""
    targets = targets or {}
    primary = sorted((t for t, types in targets.items() if spec.primary_type_id in types), key=int)
    if primary or spec.primary_only:
        return primary[0] if primary else ""
    return min(targets, key=int) if targets else ""
