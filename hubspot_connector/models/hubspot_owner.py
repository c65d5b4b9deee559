from odoo import api, fields, models

# Context key of the writes that matching makes: they are no choice of a person.
MATCHING_CONTEXT = {"hubspot_owner_matching": True}


class HubspotOwner(models.Model):
    """A HubSpot owner of one portal, and the Odoo user who stands for them.

    Every object type reads owners through this table: a run asks HubSpot only
    when an owner id it does not know appears. Archived owners are kept, since
    they still own records. The user is matched by e-mail; one a person chose
    (``user_locked``) stays until they clear that mark. Users are never created.
    """

    _name = "hubspot.owner"
    _description = "HubSpot Owner"
    _order = "company_id, archived, name, id"
    _rec_name = "name"

    company_id = fields.Many2one(
        "res.company", string="Portal", required=True, readonly=True, index=True, ondelete="cascade"
    )
    hubspot_id = fields.Char(string="HubSpot Owner ID", required=True, readonly=True)
    hubspot_user_id = fields.Char(
        string="HubSpot User ID",
        readonly=True,
        help="The HubSpot user of the owner, also when that user was deactivated.",
    )
    email = fields.Char(readonly=True)
    name = fields.Char(readonly=True)
    archived = fields.Boolean(string="Archived in HubSpot", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Odoo User",
        help="The Odoo user of this owner. Matched by e-mail unless chosen here by hand.",
    )
    user_locked = fields.Boolean(
        string="Chosen by Hand",
        help="The user was chosen by a person: e-mail matching leaves it. Clear to match again.",
    )

    _sql_constraints = [
        (
            "hubspot_id_company_uniq",
            "unique(company_id, hubspot_id)",
            "This HubSpot owner is already known for this company.",
        ),
    ]

    def write(self, vals):
        matching = self.env.context.get("hubspot_owner_matching")
        if "user_id" in vals and not matching:
            vals = dict({"user_locked": True}, **vals)
        result = super().write(vals)
        if not matching and {"user_id", "user_locked"} & vals.keys():
            self._hubspot_match()  # those a person handed back to matching
            self._hubspot_wake(self.company_id)
        return result

    # ------------------------------------------------------------------
    # Reading HubSpot's owners
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_refresh(self, company, client):
        """Read the portal's owners, active and archived, into the table; return counts."""
        read = [(owner, False) for owner in client.iter_owners()]
        read += [(owner, True) for owner in client.iter_owners(archived=True)]
        existing = {
            owner.hubspot_id: owner
            for owner in self.sudo().search([("company_id", "=", company.id)])
        }
        new_rows, changed = [], self.browse()
        for data, archived in read:
            name = " ".join(filter(None, (data.get("firstName"), data.get("lastName"))))
            user_id = data.get("userIdIncludingInactive") or data.get("userId")
            vals = {
                "email": (data.get("email") or "").strip().lower() or False,
                "name": name or data.get("email") or str(data["id"]),
                "hubspot_user_id": str(user_id) if user_id else False,
                "archived": archived,
            }
            owner = existing.get(str(data["id"]))
            if owner is None:
                new_rows.append(dict(vals, company_id=company.id, hubspot_id=str(data["id"])))
            elif any(owner[key] != value for key, value in vals.items()):
                owner.with_context(**MATCHING_CONTEXT).write(vals)
                changed |= owner
        created = self.sudo().with_context(**MATCHING_CONTEXT).create(new_rows)
        if (created | changed)._hubspot_match():
            self._hubspot_wake(company)
        return {"owners": len(read)}

    # ------------------------------------------------------------------
    # Matching Odoo users
    # ------------------------------------------------------------------

    def _hubspot_match(self):
        """Give each owner the active Odoo user with their e-mail (login, else e-mail).

        Returns the owners whose user changed.
        """
        owners = self.filtered(lambda o: not o.user_locked)
        emails = [email for email in owners.mapped("email") if email]
        by_email = {}
        if emails:
            users = (
                self.env["res.users"]
                .sudo()
                .search(["|", ("login", "in", emails), ("email", "in", emails)])
            )
            by_email = {(user.email or "").lower(): user.id for user in users if user.email}
            by_email.update({(user.login or "").lower(): user.id for user in users})
        changed = self.browse()
        for owner in owners:
            user = by_email.get(owner.email or "", False)
            if owner.user_id.id != user:
                owner.sudo().with_context(**MATCHING_CONTEXT).write({"user_id": user})
                changed |= owner
        return changed

    @api.model
    def _hubspot_rematch_all(self):
        """Match every owner again after Odoo users changed; wake what waited for one."""
        changed = self.sudo().search([("user_locked", "=", False)])._hubspot_match()
        self._hubspot_wake(changed.company_id)

    @api.model
    def _hubspot_wake(self, companies):
        """Records of every type waiting for an owner's user are taken up again."""
        types = self.env["hubspot.binding"]._hubspot_types().values()
        for company in companies.sudo().filtered("hubspot_access_token"):
            for binding_model in types:
                owners = binding_model._hubspot_owner_properties()
                if owners:
                    binding_model._hubspot_reevaluate_waiting(company, dict.fromkeys(owners))

    @api.model
    def _hubspot_map(self, company):
        """``{"users": {owner id: (user id, e-mail, name)}, "owners": {user id: owner id}}``.

        A user with several owners is sent as their active one.
        """
        users, owners = {}, {}
        rows = self.sudo().search([("company_id", "=", company.id)], order="archived desc, id")
        for owner in rows:
            users[owner.hubspot_id] = (owner.user_id.id, owner.email or "", owner.name or "")
            if owner.user_id:
                owners[owner.user_id.id] = owner.hubspot_id
        return {"users": users, "owners": owners}
