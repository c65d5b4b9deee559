from odoo import api, fields, models

from ..services import cleaning
from .hubspot_common import HubspotAssociation, HubspotValueError, hubspot_datetime


class HubspotContactBinding(models.Model):
    """A HubSpot contact and the partner it syncs with."""

    _name = "hubspot.contact.binding"
    _inherit = ["hubspot.binding", "hubspot.partner.binding"]
    _description = "HubSpot Contact Binding"
    _hubspot_object_type = "contacts"
    _hubspot_object_label = "Contact"
    _hubspot_objects_label = "Contacts"
    _hubspot_type_id = "0-1"
    _hubspot_event_prefix = "contact"
    _hubspot_modified_property = "lastmodifieddate"
    _hubspot_enabled_field = "hubspot_sync_contacts"
    _hubspot_sequence = 10
    _hubspot_converters = {
        "email": "E-mail",
        "phone": "Phone number",
        "person_name": "First and last name",
        "company_name": "Company name",
        "country": "Country (ISO code)",
        "state": "State",
    }
    # A contact's primary company is the partner's parent.
    _hubspot_associations = (
        HubspotAssociation("companies", 279, primary_type_id=1, primary_only=True),
    )
    _hubspot_odoo_id_property = "odoo_partner_id"
    _hubspot_odoo_id_label = "Odoo contact ID"
    _hubspot_property_group = "contactinformation"

    odoo_id = fields.Many2one(
        "res.partner", string="Partner", required=True, readonly=True, ondelete="cascade"
    )

    # ------------------------------------------------------------------
    # Scope and matching
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_fits(self, records):
        return records.filtered(lambda partner: not partner.is_company)

    @api.model
    def _hubspot_association_targets(self, values):
        """A person is a contact; a company partner is not."""
        return self._hubspot_fits(values)

    def _hubspot_derived_in_odoo(self, mapping):
        """An address field of a person that holds its company's value, as Odoo copies it
        to the people of a company: HubSpot's own address of the contact is not replaced
        with it, and a person's own address (or HubSpot's) syncs as any value."""
        partner = self.odoo_id
        parent = partner.parent_id
        address = partner._address_fields()
        return bool(
            mapping.odoo_field in address
            and partner.type == "contact"
            and any(parent[name] for name in address)  # Odoo copies a company's address
            and partner[mapping.odoo_field] == parent[mapping.odoo_field]
        )

    @api.model
    def _hubspot_push_scope(self, company, records):
        """Persons of the company (or shared) with its contacts tag, not archived, and not
        another portal's alone; a company partner only while it is linked as a contact
        here (a link made before companies were synced stays)."""
        category = company.hubspot_partner_category_id
        no_company = self.env["res.company"]
        candidates = records.filtered(
            lambda p: (
                category in p.category_id and p.active and p.company_id in (company, no_company)
            )
        )
        companies = candidates.filtered("is_company")
        if companies:
            kept = self._hubspot_of_records(company, companies).filtered("hubspot_id").odoo_id
            candidates -= companies - kept
        return candidates - self._hubspot_linked_elsewhere(company, candidates)

    @api.model
    def _hubspot_scope_fields(self):
        return {"category_id", "active", "is_company"}

    @api.model
    def _hubspot_accept_new(self, payload, company):
        """The start date and the lead-status filter decide what is imported."""
        props = payload["properties"]
        since = company.hubspot_contacts_since
        created = hubspot_datetime(props.get("createdate") or payload.get("createdAt"))
        if since and created and created.date() < since:
            return "created_before_start_date"
        statuses = company.hubspot_lead_status_ids.mapped("value")
        if statuses and props.get("hs_lead_status") not in statuses:
            return "lead_status_filtered"
        return None

    @api.model
    def _hubspot_email(self, value):
        """The one valid address in ``value``, or None: anything else matches nothing."""
        try:
            return cleaning.parse_email(value) if value else None
        except cleaning.CleaningError:
            return None

    @api.model
    def _hubspot_partners_by_email(self, emails, company):
        """``{address: partners}`` of the company whose e-mail is exactly that one address.

        Odoo's ``email_normalized`` takes the first address of a list: a partner
        with "x,victim@example.com" must not pass for victim@example.com.
        """
        emails = {email for email in emails if email}
        if not emails:
            return {}
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("email_normalized", "in", list(emails)),
                    ("company_id", "in", (company.id, False)),
                ]
            )
        )
        by_email = {}
        for partner in partners:
            email = self._hubspot_email(partner.email)
            if email == partner.email_normalized:
                by_email[email] = by_email.get(email, partners.browse()) | partner
        return by_email

    @api.model
    def _hubspot_find_matches(self, payloads, company):
        """First link by e-mail only when exactly one partner has it.

        One query per page; only a valid single address is matched. A partner
        already linked to another HubSpot contact is no free match: a duplicate
        never takes over a link (links are sticky), it goes to review with the other candidates.
        """
        emails = {}
        for payload in payloads:
            email = self._hubspot_email(payload["properties"].get("email"))
            if email:
                emails[payload["id"]] = email
        by_email = self._hubspot_partners_by_email(emails.values(), company)
        found = self.env["res.partner"].union(*by_email.values())
        taken = self._hubspot_of_records(company, found).filtered("hubspot_id").odoo_id
        matches = {}
        for hubspot_id, email in emails.items():
            found = by_email.get(email, taken.browse())
            if len(found) == 1 and found not in taken:
                matches[hubspot_id] = (found, taken.browse())
            elif found:
                matches[hubspot_id] = (taken.browse(), found)
        return matches

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        props = payload["properties"]
        name = " ".join(
            part
            for part in (props.get("firstname"), props.get("lastname"))
            if part and part.strip()
        )
        return dict(
            self._hubspot_tag_vals(company),
            name=name.strip()
            or self._hubspot_email(props.get("email"))
            or self._hubspot_placeholder_name(payload["id"]),
        )

    @api.model
    def _hubspot_fetch_metadata(self, company, client):
        """The portal's lead statuses and lifecycle stages."""
        counts = {}
        for model, key in (
            ("hubspot.lead.status", "statuses"),
            ("hubspot.lifecycle.stage", "lifecycle"),
        ):
            options = self.env[model]
            counts[key] = options._update_from_hubspot(
                client.get_property(self._hubspot_object_type, options._hubspot_property), company
            )
        return counts

    @api.model
    def _hubspot_first_link_note(self):
        return self.env._("First link by e-mail.")

    @api.model
    def _hubspot_payload_label(self, payload):
        props = payload["properties"]
        name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
        return name or props.get("email") or payload["id"]

    def _hubspot_push_error(self, plan, error, company):
        """A 409 on create links to the existing contact only if one partner has its e-mail."""
        existing_id = getattr(error, "existing_id", None)
        if not existing_id:
            return False
        holder = self._hubspot_linked(company, [existing_id]).get(existing_id)
        partner = self.odoo_id
        email = self._hubspot_email(partner.email)
        others = len(self._hubspot_partners_by_email([email], company).get(email, ()))
        if holder or others > 1:
            self._hubspot_set_state("review")
            self._hubspot_report_review(
                company,
                {"id": existing_id, "properties": {"email": partner.email}},
                "ambiguous_match",
                self.env._(
                    "HubSpot already has a contact with %(email)s, and %(count)s Odoo "
                    "partners claim it: choose which one is linked.",
                    email=partner.email,
                    count=others + (1 if holder else 0),
                ),
                partner | (holder.odoo_id if holder else partner.browse()),
            )
            return True
        self._link_to(existing_id, self.env._("Linked to the existing HubSpot contact (409)."))
        self.env["hubspot.sync.queue"].sudo()._enqueue(
            company, "fetch", self._hubspot_object_type, hubspot_ids=[existing_id]
        )
        return True

    # ------------------------------------------------------------------
    # Converters: _odoo2hubspot_<converter> and _hubspot2odoo_<converter>
    # ------------------------------------------------------------------

    # An invalid address on either side is reported on the record and syncs in neither
    # direction: it is not written into Odoo's e-mail, and Odoo's does not replace it in
    # HubSpot (nor HubSpot's Odoo's), until someone corrects it. The other fields sync.

    def _hubspot_check_email(self, value, side):
        """The normalized address in ``value`` (read on ``side``), or a field-level error."""
        if not value:
            return ""
        try:
            return cleaning.parse_email(value)
        except cleaning.CleaningError as error:
            raise HubspotValueError(
                self.env._(
                    "Invalid e-mail address %(email)r in %(side)s (%(reason)s): it is not synced.",
                    email=value[:300],
                    side=side,
                    reason=error,
                ),
                "invalid_email",
            ) from None

    def _odoo2hubspot_email(self, mapping, base):
        email = self.odoo_id.email
        return {mapping.hubspot_properties[0]: self._hubspot_check_email(email, "Odoo")}

    def _normalize_hubspot_email(self, mapping, values, payload):
        return {name: self._hubspot_check_email(value, "HubSpot") for name, value in values.items()}

    def _hubspot2odoo_email(self, mapping, remote, payload):
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] or False}

    def _odoo2hubspot_person_name(self, mapping, base):
        """Split the name, unless it is still what the last sync made of it (round trip).

        A contact without a name got the e-mail or its id as name (a partner needs
        one): that placeholder is not a name to send back.
        """
        first, last = mapping.hubspot_properties
        partner = self.odoo_id
        name = (partner.name or "").strip()
        joined = " ".join(v for v in (base.get(first), base.get(last)) if v)
        placeholders = {partner.email or "", self._hubspot_placeholder_name()}
        if name == joined or (not joined and name in placeholders):
            return {first: base.get(first, ""), last: base.get(last, "")}
        if partner.is_company or " " not in name:
            return {first: "", last: name}
        given, _sep, family = name.rpartition(" ")
        return {first: given, last: family}

    def _hubspot2odoo_person_name(self, mapping, remote, payload):
        name = " ".join(v for v in remote.values() if v)
        return {mapping.odoo_field: name} if name else {}

    def _odoo2hubspot_company_name(self, mapping, base):
        partner = self.odoo_id
        return {mapping.hubspot_properties[0]: partner.parent_id.name or partner.company_name or ""}

    def _hubspot2odoo_company_name(self, mapping, remote, payload):
        if self.odoo_id.parent_id:
            return {}
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] or False}
