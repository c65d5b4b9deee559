import re
from collections import Counter

from odoo import api, fields, models
from odoo.tools import SQL


def normalized_domain(value):
    """The host of a website or domain: lower-case, no scheme, no ``www.``, no path."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", (value or "").strip().lower())
    host = re.split(r"[/?#:]", host, maxsplit=1)[0].strip(".")
    return host.removeprefix("www.")


def normalized_name(value):
    return " ".join((value or "").lower().split())


class HubspotCompanyBinding(models.Model):
    """A HubSpot company and the company partner it syncs with."""

    _name = "hubspot.company.binding"
    _inherit = ["hubspot.binding", "hubspot.partner.binding"]
    _description = "HubSpot Company Binding"
    _hubspot_object_type = "companies"
    _hubspot_object_label = "Company"
    _hubspot_objects_label = "Companies"
    _hubspot_type_id = "0-2"
    _hubspot_event_prefix = "company"
    _hubspot_modified_property = "hs_lastmodifieddate"
    _hubspot_enabled_field = "hubspot_sync_companies"
    # Before contacts and deals, which are associated with companies.
    _hubspot_sequence = 5
    _hubspot_converters = {
        "domain": "Domain (website host)",
        "industry": "Industry",
        "phone": "Phone number",
        "country": "Country (ISO code)",
        "state": "State",
    }
    # A company partner a contact or an opportunity being sent works for is sent too.
    _hubspot_sent_when_needed = True
    _hubspot_odoo_id_property = "odoo_company_id"
    _hubspot_odoo_id_label = "Odoo company ID"
    _hubspot_property_group = "companyinformation"

    odoo_id = fields.Many2one(
        "res.partner", string="Company", required=True, readonly=True, ondelete="cascade"
    )

    # ------------------------------------------------------------------
    # What a company is in Odoo
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_fits(self, records):
        return records.filtered("is_company")

    @api.model
    def _hubspot_association_targets(self, values):
        """The company a partner is, or works for."""
        return self._hubspot_fits(values.commercial_partner_id)

    @api.model
    def _hubspot_association_domain(self, path, records):
        return [(f"{path}.commercial_partner_id", "in", records.ids)]

    @api.model
    def _hubspot_push_scope(self, company, records):
        """Company partners of the company (or shared), not archived, that carry the contacts
        tag or that a synced contact or opportunity is associated with; not those linked as
        a contact here (before companies were synced) nor another portal's alone."""
        category = company.hubspot_partner_category_id
        no_company = self.env["res.company"]
        candidates = records.filtered(
            lambda p: p.is_company and p.active and p.company_id in (company, no_company)
        )
        tagged = candidates.filtered(lambda p: category in p.category_id)
        candidates = tagged | self._hubspot_needed_by_associations(company, candidates - tagged)
        for other in self._hubspot_other_public_types():
            candidates -= (
                other._hubspot_of_records(company, candidates).filtered("hubspot_id").odoo_id
            )
        return candidates - self._hubspot_linked_elsewhere(company, candidates)

    @api.model
    def _hubspot_scope_fields(self):
        return {"category_id", "active", "is_company"}

    # ------------------------------------------------------------------
    # First link: by domain, else by exact name
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_find_matches(self, payloads, company):
        """First link by normalised domain, else by exact normalised name, only when exactly
        one candidate exists on each side.

        Two HubSpot companies of one page with the same key, several partners with
        it, or a partner already linked to another company: a person decides.
        One query per page.
        """
        keys = {}
        for payload in payloads:
            props = payload["properties"]
            keys[payload["id"]] = (
                normalized_domain(props.get("domain") or props.get("website")),
                normalized_name(props.get("name")),
            )
        domains = {domain for domain, _name in keys.values() if domain}
        names = {name for _domain, name in keys.values() if name}
        if not (domains or names):
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM res_partner
                    WHERE is_company AND (company_id = %s OR company_id IS NULL)
                      AND (lower(regexp_replace(btrim(name), '[[:space:]]+', ' ', 'g')) = ANY(%s)
                           OR website ILIKE ANY(%s))""",
                company.id,
                list(names),
                ["%" + re.sub(r"([%_\\])", r"\\\1", domain) + "%" for domain in domains],
            )
        )
        partners = self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())
        by_key = {}
        for partner in partners:
            for key in (
                ("domain", normalized_domain(partner.website)),
                ("name", normalized_name(partner.name)),
            ):
                if key[1]:
                    by_key[key] = by_key.get(key, partners.browse()) | partner
        chosen = {}
        for hubspot_id, (domain, name) in keys.items():
            if domain and ("domain", domain) in by_key:
                chosen[hubspot_id] = ("domain", domain)
            elif name and ("name", name) in by_key:
                chosen[hubspot_id] = ("name", name)
        counts = Counter(chosen.values())
        taken = self._hubspot_of_records(company, partners).filtered("hubspot_id").odoo_id
        matches = {}
        for hubspot_id, key in chosen.items():
            candidates = by_key[key]
            if len(candidates) == 1 and counts[key] == 1 and candidates not in taken:
                matches[hubspot_id] = (candidates, partners.browse())
            else:
                matches[hubspot_id] = (partners.browse(), candidates)
        return matches

    @api.model
    def _hubspot_create_defaults(self, payload, company):
        props = payload["properties"]
        name = (props.get("name") or "").strip() or normalized_domain(props.get("domain"))
        return dict(
            self._hubspot_tag_vals(company),
            is_company=True,
            name=name or self._hubspot_placeholder_name(payload["id"]),
        )

    @api.model
    def _hubspot_first_link_note(self):
        return self.env._("First link by domain or name.")

    @api.model
    def _hubspot_payload_label(self, payload):
        props = payload["properties"]
        return props.get("name") or props.get("domain") or payload["id"]

    # ------------------------------------------------------------------
    # Converters
    # ------------------------------------------------------------------

    def _odoo2hubspot_domain(self, mapping, base):
        return {mapping.hubspot_properties[0]: normalized_domain(self.odoo_id[mapping.odoo_field])}

    def _normalize_hubspot_domain(self, mapping, values, payload):
        return {name: normalized_domain(value) for name, value in values.items()}

    def _hubspot2odoo_domain(self, mapping, remote, payload):
        domain = remote[mapping.hubspot_properties[0]]
        return {mapping.odoo_field: f"https://{domain}" if domain else False}

    @api.model
    def _hubspot_industry_options(self):
        """``{normalised label: value}`` of HubSpot's industries, read once per run if needed."""
        cache = self.env.context.get("hubspot_run")
        if not cache:
            return None

        def read():
            definition = cache.client.get_property(self._hubspot_object_type, "industry")
            return {
                normalized_name(option.get("label")): option["value"]
                for option in definition.get("options") or ()
            }

        return cache.get("industry_options", read)

    def _odoo2hubspot_industry(self, mapping, base):
        """The HubSpot industry named like the partner's; HubSpot's own stays otherwise."""
        name = mapping.hubspot_properties[0]
        industry = self.odoo_id[mapping.odoo_field]
        options = self._hubspot_industry_options()
        if options is None or not industry:
            return {name: base.get(name, "")}
        value = options.get(normalized_name(industry.name)) or options.get(
            normalized_name(industry.full_name)
        )
        return {name: value or base.get(name, "")}

    def _hubspot2odoo_industry(self, mapping, remote, payload):
        """The partner industry named like HubSpot's; one Odoo lacks is kept in HubSpot only."""
        value = remote[mapping.hubspot_properties[0]]
        if not value:
            return {}

        def read():
            by_name = {}
            # A few dozen industries, once per run.
            for industry in self.env["res.partner.industry"].sudo().search([]):  # pylint: disable=no-search-all
                for name in (industry.name, industry.full_name):
                    by_name.setdefault(normalized_name(name), industry.id)
            return by_name

        industry = self._hubspot_cached("industries", read).get(
            normalized_name(value.replace("_", " "))
        )
        return {mapping.odoo_field: industry} if industry else {}
