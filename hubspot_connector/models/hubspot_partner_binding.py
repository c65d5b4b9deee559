from odoo import Command, api, models, tools

from ..services import cleaning
from .hubspot_common import IMPORT_CONTEXT, HubspotValueError


class HubspotPartnerBinding(models.AbstractModel):
    """What the types synced with partners share: the contacts tag, phones, addresses.

    Contacts and companies both sync with ``res.partner``; a partner linked to
    either joins the portal's contacts tag, and both convert phone numbers,
    countries and states the same way.
    """

    _name = "hubspot.partner.binding"
    _description = "HubSpot Partner Binding"

    def _link_to(self, hubspot_id, note):
        """A partner linked to a HubSpot contact joins the contacts tag."""
        result = super()._link_to(hubspot_id, note)
        category = self.company_id.hubspot_partner_category_id
        partner = self.odoo_id
        if category and category not in partner.category_id:
            partner.with_context(**IMPORT_CONTEXT).sudo().category_id = [Command.link(category.id)]
        return result

    def _hubspot_placeholder_name(self, hubspot_id=None):
        label = self._hubspot_object_label
        return self.env._(
            "HubSpot %(type)s %(id)s", type=label.lower(), id=hubspot_id or self.hubspot_id
        )

    @api.model
    def _hubspot_tag_vals(self, company):
        """Values that put a partner made from HubSpot into the contacts tag."""
        category = company.hubspot_partner_category_id
        return {"category_id": [(4, category.id)]} if category else {}

    def _hubspot_phone_region(self, payload=None):
        """Country code that national phone numbers are read in."""
        code = payload and (payload["properties"].get("country") or "").strip().upper()
        if code and len(code) == 2:
            return code
        return (self.odoo_id.country_id or self.env.company.country_id).code or None

    def _hubspot_format_phone(self, value, region):
        """E.164 when the number parses for the known country, else an error."""
        if not value:
            return ""
        try:
            return cleaning.format_phone(value, region)
        except cleaning.CleaningError as error:
            message = (
                self.env._("Unparsable phone number %(phone)r.", phone=value)
                if str(error) == "unparsable"
                else self.env._("Impossible phone number %(phone)r.", phone=value)
            )
            raise HubspotValueError(message, "invalid_phone") from None

    def _odoo2hubspot_phone(self, mapping, base):
        value = self.odoo_id[mapping.odoo_field] or ""
        try:
            value = self._hubspot_format_phone(value, self._hubspot_phone_region())
        except HubspotValueError:
            value = value.strip()
        return {mapping.hubspot_properties[0]: value}

    def _normalize_hubspot_phone(self, mapping, values, payload):
        region = self._hubspot_phone_region(payload)
        normalized = {}
        for name, value in values.items():
            try:
                normalized[name] = self._hubspot_format_phone(value, region)
            except HubspotValueError:
                normalized[name] = value
        return normalized

    def _hubspot2odoo_phone(self, mapping, remote, payload):
        value = remote[mapping.hubspot_properties[0]]
        return {
            mapping.odoo_field: self._hubspot_format_phone(
                value, self._hubspot_phone_region(payload)
            )
            or False
        }

    def _odoo2hubspot_country(self, mapping, base):
        return {mapping.hubspot_properties[0]: self.odoo_id.country_id.code or ""}

    def _normalize_hubspot_country(self, mapping, values, payload):
        return {name: value.upper() if len(value) == 2 else value for name, value in values.items()}

    def _hubspot2odoo_country(self, mapping, remote, payload):
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

    def _odoo2hubspot_state(self, mapping, base):
        return {mapping.hubspot_properties[0]: self.odoo_id.state_id.name or ""}

    def _hubspot2odoo_state(self, mapping, remote, payload):
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
