"""The main job of the demo: a first sync of a fresh Odoo database with the sandbox.

Usage: python3 bin/demo_sync.py ODOO_CONF DATABASE SANDBOX_URL SEED_FILE [WEBHOOK_SECRET]
Sets the company up as an administrator would (token, API URL), adds the Odoo-side
data a real company has (users, partners that already exist, some twice, new tagged
partners and opportunities), runs the three scheduled jobs and prints what happened.
"""

import json
import sys
from collections import Counter

import requests

import odoo
from odoo.modules.registry import Registry


def prepare_company(env, seed):
    """A German company (the sandbox's portal is in euros) with users for the HubSpot owners."""
    euro = env.ref("base.EUR")
    euro.active = True
    env.company.write({"currency_id": euro.id, "country_id": env.ref("base.de").id})
    for owner in seed["owners"]:
        if not env["res.users"].search_count([("login", "=", owner["email"])]):
            env["res.users"].create(
                {
                    "name": f"{owner['firstName']} {owner['lastName']}",
                    "login": owner["email"],
                    "email": owner["email"],
                    "groups_id": [(4, env.ref("sales_team.group_sale_salesman").id)],
                }
            )


def prepare_odoo_side(env, seed):
    """A German company with users for the HubSpot owners, and its own partners and deals."""
    prepare_company(env, seed)
    emails = [c["properties"]["email"] for c in seed["contacts"] if c["properties"].get("email")]
    Partner = env["res.partner"]
    for email in emails[:10]:  # known already: linked by e-mail at the first sync
        Partner.create({"name": f"Known {email.split('@')[0]}", "email": email})
    for email in emails[10:15]:  # known twice: the sync must not pick one
        Partner.create(
            [{"name": f"Twin {n} {email.split('@')[0]}", "email": email} for n in (1, 2)]
        )
    tag = env.ref("hubspot_connector.partner_category_hubspot")
    new_partners = Partner.create(
        [
            {
                "name": f"Odoo Customer {n}",
                "email": f"odoo.customer{n}@example.org",
                "phone": f"030 555 01{n:02d}",
                "country_id": env.ref("base.de").id,
                "category_id": [(4, tag.id)],
            }
            for n in range(20)
        ]
    )
    team = env["hubspot.pipeline"].search([("hubspot_id", "=", "default")]).team_id
    env["crm.lead"].create(
        [
            {
                "name": f"Odoo opportunity {n}",
                "type": "opportunity",
                "team_id": team.id,
                "partner_id": new_partners[n].id,
                "expected_revenue": 1000 * (n + 1),
                "user_id": False,
            }
            for n in range(5)
        ]
    )


def run_jobs(env):
    runner = env["hubspot.job.runner"]
    for object_type in env["hubspot.binding"]._hubspot_types():
        runner._cron_hubspot_pull(object_type)
    runner._cron_hubspot_push()


def summary(env, sandbox_stats, seed):
    Partner = env["res.partner"].with_context(active_test=False)
    Lead = env["crm.lead"].with_context(active_test=False)
    links = env["hubspot.sync.journal"].search([("event", "=", "link_created")])
    issues = env["hubspot.sync.issue"].search([("state", "=", "open")])
    linked_partners = Partner.search([("hubspot_id", "!=", False)])
    companies = linked_partners.filtered("is_company")
    partners = linked_partners - companies
    leads = Lead.search([("hubspot_id", "!=", False)])

    def linked(model, note, records=None):
        """How many records of ``model`` (of ``records`` when given) were linked so."""
        return len(
            links.filtered(
                lambda j: (
                    j.res_model == model
                    and j.note == note
                    and (records is None or j.res_id in records.ids)
                )
            )
        )

    won = leads.filtered(lambda lead: lead.active and lead.stage_id.is_won)
    lost = leads.filtered(lambda lead: not lead.active)
    reviews = issues.filtered(lambda i: i.problem == "ambiguous_match")
    left_out = issues.filtered(lambda i: i.problem == "pipeline_without_team")
    other_currency = leads.filtered(
        lambda lead: lead.hubspot_currency_id and lead.hubspot_currency_id != lead.company_currency
    )
    rows = [
        ("Companies", None),
        ("company partners linked to HubSpot", len(companies)),
        (
            "  linked to an existing company partner",
            linked("res.partner", "First link by domain or name."),
        ),
        ("  created in HubSpot from Odoo", linked("res.partner", "Created in HubSpot.", companies)),
        ("  contacts under them", Partner.search_count([("parent_id", "in", companies.ids)])),
        ("Contacts", None),
        ("partners linked to HubSpot", len(partners)),
        ("  created from HubSpot", linked("res.partner", "Created from HubSpot.", partners)),
        ("  linked to an existing partner", linked("res.partner", "First link by e-mail.")),
        ("  created in HubSpot from Odoo", linked("res.partner", "Created in HubSpot.", partners)),
        ("sync states", sync_states(partners)),
        ("needs review (e-mail shared)", len(reviews)),
        ("Deals", None),
        ("opportunities linked to HubSpot", len(leads)),
        ("  won / lost / open", f"{len(won)} / {len(lost)} / {len(leads - won - lost)}"),
        ("  created in HubSpot from Odoo", linked("crm.lead", "Created in HubSpot.")),
        ("  with a customer", len(leads.filtered("partner_id"))),
        ("  whose customer is a company", len(leads.filtered("partner_id.is_company"))),
        ("  amount converted from another currency", len(other_currency)),
        ("left out: their pipeline has no sales team", sum(left_out.mapped("held_count"))),
    ]
    rows += activity_rows(env)
    status = sandbox_stats["by_status"]
    rows += [
        ("Requests to HubSpot", f"{sandbox_stats['total']} (429: {status.get('429', 0)})"),
    ]
    rows += [(f"  {endpoint}", n) for endpoint, n in sorted(sandbox_stats["by_endpoint"].items())]
    lines = [
        "",
        "=== HubSpot sync: what happened ===",
        f"The sandbox held {len(seed.get('companies', []))} companies, "
        f"{len(seed['contacts'])} contacts, {len(seed['deals'])} deals, "
        f"{sum(len(seed.get(t, [])) for t in ACTIVITY_SEED_KEYS)} activities "
        f"and {len(seed['owners'])} owners.",
    ]
    for label, value in rows:
        lines.append(f"\n{label}" if value is None else f"  {label:58} {value}")
    lines += needs_a_person(issues)
    return "\n".join(lines)


# The seed's lists of activities (the sandbox's activity object types).
ACTIVITY_SEED_KEYS = ("notes", "tasks", "calls", "meetings", "emails")


def activity_rows(env):
    """The other object types (activities): how many are linked, where they landed."""
    rows = []
    for binding in env["hubspot.binding"]._hubspot_types().values():
        if binding._odoo_model()._name in ("res.partner", "crm.lead"):
            continue
        if not rows:
            rows.append(("Activities", None))
        linked = binding.sudo().search_count([("hubspot_id", "!=", False)])
        rows.append((f"{binding._hubspot_object_label.lower()}s linked to HubSpot", linked))
    return rows


def sync_states(records):
    """``409 in sync, 6 failing``: the states as the partner form names them."""
    labels = dict(records._fields["hubspot_sync_state"]._description_selection(records.env))
    counts = Counter(records.mapped("hubspot_sync_state"))
    return ", ".join(f"{count} {labels[state].lower()}" for state, count in counts.most_common())


def needs_a_person(issues):
    """Sync Health in words: each problem, how many, and the next step."""
    if not issues:
        return ["", "Nothing needs a person: every record is in sync."]
    lines = [
        "",
        "What needs a person (CRM > Configuration > HubSpot > Sync Health, one row per problem)",
    ]
    labels = dict(issues._fields["problem"]._description_selection(issues.env))
    by_problem = Counter(issues.mapped("problem"))
    for problem, count in by_problem.most_common():
        rows = issues.filtered(lambda i, problem=problem: i.problem == problem)
        lines.append(f"  {labels[problem]}: {count} row{'s' if count > 1 else ''}")
        for row in rows.filtered("held_count"):
            lines.append(f"    {row.name}: {row.held_count} deals left out of Odoo")
        lines.append(f"    Next step: {rows[0].what_to_do}")
    return lines


def main(conf, database, sandbox_url, seed_file, webhook_secret=None):
    with open(seed_file, encoding="utf-8") as handle:
        seed = json.load(handle)
    odoo.tools.config.parse_config(["-c", conf, "-d", database, "--log-level=warn"])
    with Registry(database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        company.write(
            {
                "hubspot_access_token": "demo-token",
                "hubspot_api_url": sandbox_url,
                "hubspot_webhook_secret": webhook_secret or False,
            }
        )
        # Every object type on, activities included (they are off by default).
        types = env["hubspot.binding"]._hubspot_types().values()
        company.write({b._hubspot_enabled_field: True for b in types if b._hubspot_enabled_field})
        company._hubspot_verify_and_start()  # what saving the settings does
        prepare_odoo_side(env, seed)
        cr.commit()
        run_jobs(env)
        run_jobs(env)  # the next scheduled runs: pushes what the first pull queued
        stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
        print(summary(env, stats, seed))
        cr.commit()


if __name__ == "__main__":
    main(*sys.argv[1:6])
