import phonenumbers

from odoo import api, fields, models, tools

from ..services import cleaning
from .hubspot_sync_mixin import HubspotValueError, parse_hubspot_datetime


class ResPartner(models.Model):
    """HubSpot contacts <-> partners."""

    _name = "res.partner"
    _inherit = ["res.partner", "hubspot.sync.mixin"]
    _hubspot_object_type = "contacts"
    _hubspot_odoo_id_property = "odoo_partner_id"
    _hubspot_odoo_id_label = "Odoo contact ID"
    _hubspot_property_group = "contactinformation"

    hubspot_lead_status = fields.Selection(
        selection="_selection_hubspot_lead_status",
        string="HubSpot Lead Status",
        index=True,
        copy=False,
    )
    hubspot_lifecycle_stage = fields.Selection(
        selection="_selection_hubspot_lifecycle_stage",
        string="HubSpot Lifecycle Stage",
        index=True,
        copy=False,
    )

    @api.model
    def _selection_hubspot_lead_status(self):
        return self.env["hubspot.lead.status"]._selection()

    @api.model
    def _selection_hubspot_lifecycle_stage(self):
        return self.env["hubspot.lifecycle.stage"]._selection()

    # ------------------------------------------------------------------
    # Scope and matching
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_sync_enabled(self, company):
        return company.hubspot_sync_contacts

    def _hubspot_push_scope(self, company):
        """Partners with the company's contacts tag, and not archived."""
        category = company.hubspot_partner_category_id
        return self.filtered(
            lambda p: (
                category in p.category_id
                and p.active
                and p.hubspot_company_id in (company, self.env["res.company"])
                and p.company_id in (company, self.env["res.company"])
            )
        )

    def _hubspot_scope_fields(self):
        return {"category_id", "active"}

    @api.model
    def _hubspot_extra_properties(self):
        return super()._hubspot_extra_properties() + ["hs_additional_emails"]

    @api.model
    def _hubspot_accept_new(self, payload, company):
        """The start date and the lead-status filter decide what is imported."""
        props = payload["properties"]
        since = company.hubspot_contacts_since
        created = parse_hubspot_datetime(props.get("createdate") or payload.get("createdAt"))
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
        partners = self.with_context(active_test=False).search(
            [
                ("email_normalized", "in", list(emails)),
                ("company_id", "in", (company.id, False)),
            ]
        )
        by_email = {}
        for partner in partners:
            email = self._hubspot_email(partner.email)
            if email == partner.email_normalized:
                by_email[email] = by_email.get(email, self.browse()) | partner
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
        matches = {}
        for hubspot_id, email in emails.items():
            found = by_email.get(email, self.browse())
            if len(found) == 1 and not found.hubspot_id:
                matches[hubspot_id] = (found, self.browse())
            elif found:
                matches[hubspot_id] = (self.browse(), found)
        return matches

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        props = payload["properties"]
        name = " ".join(
            part
            for part in (props.get("firstname"), props.get("lastname"))
            if part and part.strip()
        )
        vals = {
            "name": name.strip()
            or self._hubspot_email(props.get("email"))
            or self._hubspot_placeholder_name(payload["id"])
        }
        if company.hubspot_partner_category_id:
            vals["category_id"] = [(4, company.hubspot_partner_category_id.id)]
        return vals

    def _hubspot_link(self, company, hubspot_id, note):
        """A partner linked to a HubSpot contact joins the contacts tag."""
        result = super()._hubspot_link(company, hubspot_id, note)
        category = company.hubspot_partner_category_id
        if category and category not in self.category_id:
            self.with_context(hubspot_import=True).sudo().category_id = [(4, category.id)]
        return result

    def _hubspot_after_link(self, company):
        """Deals waiting for these contacts, on either side, take them up now."""
        result = super()._hubspot_after_link(company)
        self.env["crm.lead"]._hubspot_contacts_linked(company, self)
        return result

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
        email = self._hubspot_email(self.email)
        others = len(self._hubspot_partners_by_email([email], company).get(email, ()))
        if holder or others > 1:
            self._hubspot_set_state("review")
            self._hubspot_report_review(
                company,
                {"id": existing_id, "properties": {"email": self.email}},
                "ambiguous_match",
                self.env._(
                    "HubSpot already has a contact with %(email)s, and %(count)s Odoo "
                    "partners claim it: choose which one is linked.",
                    email=self.email,
                    count=others + (1 if holder else 0),
                ),
                self | (holder or self.browse()),
            )
            return True
        self._hubspot_link(
            company, existing_id, self.env._("Linked to the existing HubSpot contact (409).")
        )
        self.env["hubspot.sync.queue"].sudo()._enqueue(
            company, "fetch", self._name, hubspot_ids=[existing_id]
        )
        return True

    # ------------------------------------------------------------------
    # Converters: _hubspot_read_<converter> (Odoo to HubSpot) and
    # _hubspot_write_<converter> (HubSpot to Odoo)
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

    def _hubspot_read_email(self, mapping, base):
        return {mapping.hubspot_properties[0]: self._hubspot_check_email(self.email, "Odoo")}

    def _hubspot_normalize_email(self, mapping, values, payload):
        return {name: self._hubspot_check_email(value, "HubSpot") for name, value in values.items()}

    def _hubspot_write_email(self, mapping, remote, payload):
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] or False}

    def _hubspot_phone_region(self, payload=None):
        """Country code that national phone numbers are read in."""
        code = payload and (payload["properties"].get("country") or "").strip().upper()
        if code and len(code) == 2:
            return code
        return (self.country_id or self.env.company.country_id).code or None

    def _hubspot_format_phone(self, value, region):
        """E.164 when the number parses for the known country, else an error."""
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException as error:
            raise HubspotValueError(
                self.env._("Unparsable phone number %(phone)r.", phone=value), "invalid_phone"
            ) from error
        if not phonenumbers.is_possible_number(number):
            raise HubspotValueError(
                self.env._("Impossible phone number %(phone)r.", phone=value), "invalid_phone"
            )
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if number.extension:
            formatted += f" ext. {number.extension}"
        return formatted

    def _hubspot_read_phone(self, mapping, base):
        value = self[mapping.odoo_field] or ""
        try:
            value = self._hubspot_format_phone(value, self._hubspot_phone_region())
        except HubspotValueError:
            value = value.strip()
        return {mapping.hubspot_properties[0]: value}

    def _hubspot_normalize_phone(self, mapping, values, payload):
        region = self._hubspot_phone_region(payload)
        normalized = {}
        for name, value in values.items():
            try:
                normalized[name] = self._hubspot_format_phone(value, region)
            except HubspotValueError:
                normalized[name] = value
        return normalized

    def _hubspot_write_phone(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        return {
            mapping.odoo_field: self._hubspot_format_phone(
                value, self._hubspot_phone_region(payload)
            )
            or False
        }

    def _hubspot_read_person_name(self, mapping, base):
        """Split the name, unless it is still what the last sync made of it (round trip).

        A contact without a name got the e-mail or its id as name (a partner needs
        one): that placeholder is not a name to send back.
        """
        first, last = mapping.hubspot_properties
        name = (self.name or "").strip()
        joined = " ".join(v for v in (base.get(first), base.get(last)) if v)
        placeholders = {self.email or "", self._hubspot_placeholder_name()}
        if name == joined or (not joined and name in placeholders):
            return {first: base.get(first, ""), last: base.get(last, "")}
        if self.is_company or " " not in name:
            return {first: "", last: name}
        given, _sep, family = name.rpartition(" ")
        return {first: given, last: family}

    def _hubspot_placeholder_name(self, hubspot_id=None):
        return self.env._("HubSpot contact %(id)s", id=hubspot_id or self.hubspot_id)

    def _hubspot_write_person_name(self, mapping, remote, payload):
        name = " ".join(v for v in remote.values() if v)
        return {mapping.odoo_field: name} if name else {}

    def _hubspot_read_company_name(self, mapping, base):
        return {mapping.hubspot_properties[0]: self.parent_id.name or self.company_name or ""}

    def _hubspot_write_company_name(self, mapping, remote, payload):
        if self.parent_id:
            return {}
        return {mapping.odoo_field: remote[mapping.hubspot_properties[0]] or False}

    def _hubspot_read_country(self, mapping, base):
        return {mapping.hubspot_properties[0]: self.country_id.code or ""}

    def _hubspot_normalize_country(self, mapping, values, payload):
        return {name: value.upper() if len(value) == 2 else value for name, value in values.items()}

    def _hubspot_write_country(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        if not value:
            return {mapping.odoo_field: False}
        country = self._hubspot_country_ids().get(value.lower())
        if not country:
            raise HubspotValueError(
                self.env._("Unknown country %(country)r.", country=value), "unknown_country"
            )
        return {mapping.odoo_field: country}

    @api.model
    @tools.ormcache("self.env.lang")
    def _hubspot_country_ids(self):
        """Country ids by lower-case ISO code and name: asked for every imported contact."""
        ids = {}
        # All of them (about 250), once per language: the cache serves every contact.
        for country in self.env["res.country"].sudo().search([]):  # pylint: disable=no-search-all
            ids[country.name.lower()] = country.id
            ids[country.code.lower()] = country.id
        return ids

    def _hubspot_read_state(self, mapping, base):
        return {mapping.hubspot_properties[0]: self.state_id.name or ""}

    def _hubspot_write_state(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        if not value:
            return {mapping.odoo_field: False}
        domain = ["|", ("code", "=ilike", value), ("name", "=ilike", value)]
        country_code = (payload["properties"].get("country") or "").strip()
        if country_code:
            domain += [
                "|",
                ("country_id.code", "=ilike", country_code),
                ("country_id.name", "=ilike", country_code),
            ]
        state = self.env["res.country.state"].search(domain, limit=1)
        if not state:
            raise HubspotValueError(
                self.env._("Unknown state %(state)r.", state=value), "unknown_state"
            )
        return {mapping.odoo_field: state.id}
