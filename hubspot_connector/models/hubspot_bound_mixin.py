from contextlib import contextmanager

from odoo import api, fields, models
from odoo.osv.expression import NEGATIVE_TERM_OPERATORS
from odoo.tools import SQL

from .hubspot_common import SYNC_STATES, notification

# The public fields, and the binding fields they show.
PUBLIC_FIELDS = {
    "hubspot_id": "hubspot_id",
    "hubspot_sync_state": "sync_state",
    "hubspot_error_kind": "error_kind",
}
# Context key: ``{binding model: record ids}`` changed inside a create, noted when it ends.
DEFERRED_CHANGES = "hubspot_deferred_changes"


class HubspotBoundMixin(models.AbstractModel):
    """The Odoo side of HubSpot bindings: what users see, and the changes to send.

    The HubSpot id, sync state and error kind are company-dependent fields: the binding of
    the current company's portal writes them, and list views read, search and
    group them on the record's own row. The rest is read from that binding.
    """

    _name = "hubspot.bound.mixin"
    _description = "Synced with HubSpot"

    hubspot_id = fields.Char(
        string="HubSpot ID", company_dependent=True, copy=False, readonly=True, tracking=False
    )
    hubspot_sync_state = fields.Selection(
        SYNC_STATES, string="HubSpot Sync", company_dependent=True, copy=False, readonly=True
    )
    hubspot_error_kind = fields.Char(
        string="HubSpot Error Kind", company_dependent=True, copy=False, readonly=True
    )
    hubspot_last_error = fields.Text(string="HubSpot Error", compute="_compute_hubspot_binding")
    hubspot_last_sync = fields.Datetime(
        string="Last HubSpot Sync", compute="_compute_hubspot_binding"
    )
    hubspot_updated_at = fields.Datetime(
        string="Last Change in HubSpot",
        compute="_compute_hubspot_binding",
        help="HubSpot's last-modified time of the version last synced.",
    )
    hubspot_note = fields.Text(
        string="HubSpot Note",
        compute="_compute_hubspot_binding",
        help="What the sync waits for in Odoo (a user, a stage mapping, a linked contact).",
    )
    hubspot_changed_at = fields.Datetime(
        string="Last Synced Change in Odoo", compute="_compute_hubspot_binding"
    )
    hubspot_url = fields.Char(string="Open in HubSpot", compute="_compute_hubspot_binding")
    hubspot_issue_message = fields.Text(
        string="HubSpot Issue", compute="_compute_hubspot_issue_message"
    )

    @api.depends("hubspot_id", "hubspot_sync_state")
    @api.depends_context("company")
    def _compute_hubspot_binding(self):
        bindings = self._hubspot_shown_bindings(self.env.company)
        for record in self:
            binding = bindings.get(record.id)
            record.hubspot_last_error = binding and binding.last_error
            record.hubspot_last_sync = binding and binding.last_sync
            record.hubspot_updated_at = binding and binding.hubspot_updated_at
            record.hubspot_note = binding and binding.note
            record.hubspot_changed_at = binding and binding.odoo_changed_at
            record.hubspot_url = binding and binding._hubspot_url()

    @api.depends("hubspot_sync_state")
    @api.depends_context("company")
    def _compute_hubspot_issue_message(self):
        issues = {issue.res_id: issue.message for issue in self._hubspot_open_issues().sudo()}
        for record in self:
            record.hubspot_issue_message = issues.get(record.id, False)

    def _hubspot_open_issues(self):
        """The open Sync Health rows of these records in the current company's portal."""
        return self.env["hubspot.sync.issue"].search(
            [
                ("company_id", "=", self.env.company.id),
                (
                    "object_type",
                    "in",
                    [b._hubspot_object_type for b in self._hubspot_types_of_model()],
                ),
                ("res_id", "in", self.ids),
                ("state", "=", "open"),
            ]
        )

    def action_hubspot_open_issues(self):
        """Sync Health, on the rows of these records."""
        issues = self._hubspot_open_issues()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hubspot_connector.hubspot_sync_issue_action"
        )
        if len(issues) == 1:
            action.update(res_id=issues.id, view_mode="form", views=[(False, "form")])
        else:
            action["domain"] = [("id", "in", issues.ids)]
        return action

    def _condition_to_sql(self, alias, fname, operator, value, query):
        """Search the public fields through the bindings, whose columns are indexed."""
        binding_field = PUBLIC_FIELDS.get(fname)
        if not binding_field or operator in ("any", "not any"):
            return super()._condition_to_sql(alias, fname, operator, value, query)
        values = value if isinstance(value, (list, tuple)) else [value]
        # A record without a binding holds False: does the condition take it?
        takes_empty = (operator in NEGATIVE_TERM_OPERATORS) != (
            operator in ("=", "!=", "in", "not in") and False in values
        )
        condition = [(binding_field, operator, value)]
        if takes_empty:
            condition = ["!", *condition]
        subselects = [
            SQL(
                "%s %s %s",
                SQL.identifier(alias, "id"),
                SQL("NOT IN") if takes_empty else SQL("IN"),
                binding.sudo()
                ._search([("company_id", "=", self.env.company.id), *condition])
                .subselect("odoo_id"),
            )
            for binding in self._hubspot_public_types()
        ]
        return SQL("(%s)", SQL(" AND " if takes_empty else " OR ").join(subselects))

    @api.model
    def _hubspot_public_types(self):
        """The binding models whose link a record of this model may show."""
        return [binding for binding in self._hubspot_types_of_model() if binding._hubspot_public]

    def _hubspot_shown_bindings(self, company):
        """``{record id: binding}``: the binding each record shows in ``company``'s portal.

        The binding of a type that fits the record first (a company partner shows
        its company binding), another one while it has none.
        """
        fitting, others = {}, {}
        for binding_model in self._hubspot_public_types():
            fits = binding_model._hubspot_fits(self)
            for binding in binding_model._hubspot_of_records(company, self):
                chosen = fitting if binding.odoo_id in fits else others
                chosen.setdefault(binding.odoo_id.id, binding)
        return {**others, **fitting}

    def _hubspot_binding(self, company=None):
        """The binding ``self`` shows in the portal of ``company`` (the current one by default)."""
        self.ensure_one()
        company = company or self.env.company
        binding = self._hubspot_shown_bindings(company).get(self.id)
        return binding or self._hubspot_public_types()[0].browse()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not self.env.context.get("hubspot_import"):
            records._hubspot_note_changed()
        return records

    @contextmanager
    def _hubspot_changes_noted_once(self):
        """Yield ``self`` collecting the changes made meanwhile; note them once, at the end.

        Odoo's create writes the new records again, one by one (addresses, commercial
        fields, a company's first contact): noting each write alone would cost a binding
        lookup and a queue entry per record. A model's create runs inside this.
        """
        context = self.env.context
        if context.get("hubspot_import") or context.get(DEFERRED_CHANGES) is not None:
            yield self
            return
        changed = {}
        yield self.with_context(**{DEFERRED_CHANGES: changed})
        for name, ids in changed.items():
            binding_model = self.env[name]
            binding_model._hubspot_note_odoo_change(
                binding_model._odoo_model().browse(ids).exists()
            )

    def _hubspot_note_changed(self, binding_models=None):
        """Note these records changed for ``binding_models`` (all types of the model)."""
        changed = self.env.context.get(DEFERRED_CHANGES)
        if binding_models is None:
            binding_models = self._hubspot_types_of_model()
        for binding_model in binding_models:
            if changed is None:
                binding_model._hubspot_note_odoo_change(self)
            else:
                changed.setdefault(binding_model._name, set()).update(self.ids)

    def write(self, vals):
        if self.env.context.get("hubspot_import"):
            return super().write(vals)
        binding_models = self._hubspot_types_of_model()
        if vals.get("active") is False:
            for binding_model in binding_models:
                if binding_model._hubspot_archive_is_removal:
                    binding_model._hubspot_note_odoo_removal(self, self.env._("Archived"))
        result = super().write(vals)
        self._hubspot_note_changed(
            [b for b in binding_models if b._hubspot_tracked_fields().intersection(vals)]
        )
        return result

    def unlink(self):
        if not self.env.context.get("hubspot_import"):
            for binding_model in self._hubspot_types_of_model():
                binding_model._hubspot_note_odoo_removal(self, self.env._("Deleted"))
        return super().unlink()

    @api.model
    def _hubspot_types_of_model(self):
        """The binding models of every HubSpot object type this Odoo model syncs as."""
        return self.env["hubspot.binding"]._hubspot_binding_models(self._name)

    def _hubspot_merge_keeping_links(self, merge, survivor=None):
        """Run ``merge()``, which merges the records ``self`` into one, keeping their links.

        ``merge()`` returns the survivor when it is not known beforehand. The survivor
        keeps its own links, or takes those of a merged record; any other link is
        listed for review, to be merged in HubSpot too. Links are taken off first:
        the deletion of the merged records is no deletion to send, and Odoo moving
        their references onto the survivor must not make two bindings of it.
        """
        links = []
        merged = self - survivor if survivor else self
        for binding_model in self._hubspot_types_of_model():
            bindings = binding_model.sudo().search([("odoo_id", "in", merged.ids)])
            linked = bindings.filtered("hubspot_id")
            links += [
                (binding_model, b.odoo_id.id, b.odoo_id.display_name, b.company_id, b.hubspot_id)
                for b in linked
            ]
            linked._drop_link(self.env._("Merged in Odoo."))
            bindings.unlink()
        survivor = merge() or survivor
        # The survivor's own links first: it keeps them.
        links.sort(key=lambda link: link[1] != survivor.id)
        for binding_model, _record_id, name, company, hubspot_id in links:
            binding = binding_model._hubspot_ensure(company, survivor)
            if not binding.hubspot_id:
                binding._link_to(
                    hubspot_id, self.env._("Kept by the merge of %(name)s.", name=name)
                )
                continue
            label = binding_model._hubspot_object_label.lower()
            self.env["hubspot.sync.issue"]._report(
                company,
                binding_model._hubspot_object_type,
                hubspot_id,
                "review",
                "merged_in_odoo",
                self.env._(
                    "%(name)s, linked to this HubSpot %(type)s, was merged in Odoo into "
                    "%(survivor)s, which stays linked to HubSpot %(type)s %(kept)s. Merge "
                    "them in HubSpot too.",
                    name=name,
                    type=label,
                    survivor=survivor.display_name,
                    kept=binding.hubspot_id,
                ),
                candidate_partner_ids=[(6, 0, survivor.ids)]
                if survivor._name == "res.partner"
                else False,
            )
        return survivor

    def action_hubspot_retry(self):
        """Sync these records again now: read HubSpot's version, then send Odoo's."""
        for binding_model in self._hubspot_types_of_model():
            binding_model._hubspot_retry(self)
        return notification(
            self.env,
            self.env._(
                "%(count)s record(s) will be read from HubSpot and sent again at the next run "
                "of the queue job, started now.",
                count=len(self),
            ),
            reload=True,
        )
