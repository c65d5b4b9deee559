"""The steps of the upgrade test that run inside Odoo, each in a process of its own.

    python3 odoo_steps.py CONF DATABASE STEP '{"json": "arguments"}'

The same script drives a previous release and the checkout (a Python process can hold
only one version of the addon), so it uses only what every tested release has: the
company's HubSpot settings, ``_hubspot_verify_and_start`` (what saving the settings
does), the scheduled jobs and the public fields; where releases name a thing
differently (18.0.1.2.0 keeps links per portal in bindings and keys the queue by object
type), a step asks the model which field it has. What a step returns is printed on the
last line of stdout as JSON.
"""

import json
import sys
from datetime import timedelta

import requests

import odoo
from odoo.modules.registry import Registry

# The scheduled jobs, run through their server actions: whatever each release calls.
JOBS = (
    "ir_cron_hubspot_sync_contacts",
    "ir_cron_hubspot_sync_deals",
    "ir_cron_hubspot_process_queue",
)
TOKEN = "pat-na1-00000000-1111-2222-3333-444444444444"


def run_job(env, xmlid):
    env.ref(f"hubspot_connector.{xmlid}").ir_actions_server_id.run()


def transaction(registry, work):
    """``work(env)`` in a transaction of its own, committed, as a cron worker runs a job."""
    with registry.cursor() as cr:
        result = work(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))
        cr.commit()
        return result


# ----------------------------------------------------------------------
# setup: companies, portals and the data a real company has on both sides
# ----------------------------------------------------------------------


def setup(registry, portals, params):
    """Each portal gets a company (the main company first) set up as an administrator would."""
    transaction(registry, lambda env: _set_params(env, params))
    companies = []
    for index, portal in enumerate(portals):
        companies.append(transaction(registry, lambda env, i=index, p=portal: _company(env, i, p)))
    for company_id, portal in zip(companies, portals, strict=True):
        transaction(registry, lambda env, c=company_id, p=portal: _odoo_side(env, c, p))
    return {"companies": companies, "shared_partner_id": transaction(registry, _shared_partner)}


def _shared_partner(env):
    """A tagged partner of no company, made in Odoo: from 18.0.1.2.0 on (bindings, one per
    portal) it is sent to every portal and linked in each; before, a record had one link
    only, and no such partner is made."""
    if "hubspot.contact.binding" not in env:
        return None
    tag = env.ref("hubspot_connector.partner_category_hubspot")
    partner = env["res.partner"].create(
        {
            "name": "Shared Customer",
            "email": "shared.customer@odoo.example.org",
            "company_id": False,
            "category_id": [(4, tag.id)],
        }
    )
    return partner.id


def _set_params(env, params):
    for key, value in params.items():
        env["ir.config_parameter"].set_param(key, value)


def _company(env, index, portal):
    """The main company for the first portal, a new one for each other; its team and users."""
    euro = env.ref("base.EUR")
    euro.active = True
    germany = env.ref("base.de")
    if index == 0:
        company = env.company
        company.write({"currency_id": euro.id, "country_id": germany.id})
    else:
        company = env["res.company"].create(
            {"name": portal["company"], "currency_id": euro.id, "country_id": germany.id}
        )
        # Its own sales team, which its default pipeline is mapped to.
        env["crm.team"].create({"name": f"{portal['company']} Sales", "company_id": company.id})
    env.user.company_ids |= company
    salesman = env.ref("sales_team.group_sale_salesman")
    for owner in portal["seed"]["owners"]:
        user = env["res.users"].search([("login", "=", owner["email"])])
        if not user:
            user = env["res.users"].create(
                {
                    "name": f"{owner['firstName']} {owner['lastName']}",
                    "login": owner["email"],
                    "email": owner["email"],
                    "company_id": company.id,
                    "groups_id": [(4, salesman.id)],
                }
            )
        user.company_ids |= company
    company.write({"hubspot_access_token": TOKEN, "hubspot_api_url": portal["url"]})
    company._hubspot_verify_and_start()
    return company.id


def _odoo_side(env, company_id, portal):
    """Partners Odoo knows already (some twice), new tagged partners and opportunities."""
    company = env["res.company"].browse(company_id)
    emails = [c["properties"].get("email") for c in portal["seed"]["contacts"]]
    emails = [email for email in emails if email]
    Partner = env["res.partner"].with_company(company)
    own = {"company_id": company.id}
    for email in emails[:4]:  # linked by e-mail at the first sync
        Partner.create(dict(own, name=f"Known {email.split('@')[0]}", email=email))
    for email in emails[4:6]:  # the same e-mail twice: a person must choose (an open issue)
        Partner.create(
            [dict(own, name=f"Twin {n} {email.split('@')[0]}", email=email) for n in (1, 2)]
        )
    tag = env.ref("hubspot_connector.partner_category_hubspot")
    tagged = Partner.create(
        [
            dict(
                own,
                name=f"{company.name} Customer {n}",
                email=f"customer{n}.{company.id}@odoo.example.org",
                phone=f"030 555 01{n:02d}",
                country_id=env.ref("base.de").id,
                category_id=[(4, tag.id)],
            )
            for n in range(portal["tagged"])
        ]
    )
    team = (
        env["hubspot.pipeline"]
        .search([("company_id", "=", company.id), ("hubspot_id", "=", "default")])
        .team_id
    )
    env["crm.lead"].with_company(company).create(
        [
            {
                "name": f"{company.name} opportunity {n}",
                "type": "opportunity",
                "team_id": team.id,
                "company_id": company.id,
                "partner_id": tagged[n].id,
                "expected_revenue": 1000 * (n + 1),
                "user_id": False,
            }
            for n in range(portal["opportunities"])
        ]
    )


# ----------------------------------------------------------------------
# runs of the scheduled jobs
# ----------------------------------------------------------------------


def run(registry, rounds=1, until_idle=False, portals=()):
    """Run the three jobs ``rounds`` times, each job committed in its own transaction.

    ``until_idle``: stop after the first round that sends no write to any portal and
    asks exactly what the round before asked (the sync has settled); fails when that
    never happens within ``rounds``.
    """
    previous = None
    for number in range(1, rounds + 1):
        before = [_stats(url) for url in portals]
        for job in JOBS:
            transaction(registry, lambda env, j=job: run_job(env, j))
        if not until_idle:
            continue
        asked = [
            _difference(_stats(url), stats) for url, stats in zip(portals, before, strict=True)
        ]
        writes = [
            endpoint for by_endpoint in asked for endpoint in by_endpoint if is_write(endpoint)
        ]
        if not writes and asked == previous:
            return {"rounds": number}
        previous = asked
    if until_idle:
        raise SystemExit(f"the sync did not settle in {rounds} rounds; last round asked {previous}")
    return {"rounds": rounds}


def is_write(endpoint):
    """Whether a request (``"POST /crm/v3/objects/contacts/batch/update"``) changes HubSpot."""
    method, path = endpoint.split(" ", 1)
    if method == "POST":
        return not path.endswith(("/search", "/batch/read"))
    return method != "GET"


def _stats(url):
    return requests.get(f"{url}/_sandbox/stats", timeout=10).json()["by_endpoint"]


def _difference(after, before):
    return {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}


# ----------------------------------------------------------------------
# state a person leaves behind: an edit HubSpot refused, waiting in the queue
# ----------------------------------------------------------------------


def refused_edit(registry, company_id, url, backoff_hours):
    """Edit a linked tagged partner; HubSpot refuses the push (a 500 once, no retry).

    The queue entry is then waiting for its next try; the test cannot wait for the
    back-off, so the entry's next try is put ``backoff_hours`` ahead, as after a few
    failed tries: a run before then leaves it alone (the idle runs stay idle).
    """
    rule = {"method": "POST", "path": "/crm/v3/objects/contacts/batch/update", "kind": "500"}
    requests.post(f"{url}/_sandbox/faults", json={"rules": [dict(rule, count=1)]}, timeout=10)

    def edit(env):
        company = env["res.company"].browse(company_id)
        tag = env.ref("hubspot_connector.partner_category_hubspot")
        Partner = env["res.partner"].with_company(company)
        if "hubspot_company_id" in Partner._fields:  # up to 18.0.1.1.0: one portal a record
            linked = [("hubspot_company_id", "=", company.id)]
        else:  # 18.0.1.2.0 on: the public HubSpot id shows the current company's portal's
            linked = [("hubspot_id", "!=", False)]
        partner = Partner.search(
            [*linked, ("category_id", "in", tag.ids), ("email", "=like", "customer%")],
            order="id",
            limit=1,
        )
        if not partner:
            raise SystemExit(f"no linked tagged partner of company {company_id} to edit")
        partner.function = "Head of Refused Edits"
        return partner.id

    def push(env):
        env["ir.config_parameter"].set_param("hubspot_connector.max_tries", 1)
        run_job(env, "ir_cron_hubspot_process_queue")

    def back_off(env, partner_id):
        env["ir.config_parameter"].set_param("hubspot_connector.max_tries", False)
        Queue = env["hubspot.sync.queue"]
        if "object_type" in Queue._fields:  # 18.0.1.2.0 on: the queue names the object type
            kind = ("object_type", "=", "contacts")
        else:
            kind = ("res_model", "=", "res.partner")
        entries = Queue.search([kind, ("res_id", "=", partner_id)])
        if not entries or not all(entries.mapped("attempts")):
            raise SystemExit(f"HubSpot's refusal left no failed try in the queue: {entries}")
        later = odoo.fields.Datetime.now() + timedelta(hours=backoff_hours)
        entries.write({"next_attempt": later})
        return entries.ids

    partner_id = transaction(registry, edit)
    transaction(registry, push)
    requests.post(f"{url}/_sandbox/faults", json={}, timeout=10)
    entry_ids = transaction(registry, lambda env: back_off(env, partner_id))
    return {"partner_id": partner_id, "queue_ids": entry_ids}


def prepare(registry, portals, params, rounds):
    """What the test leaves in a previous release's database before upgrading it.

    The companies and their data (from 18.0.1.2.0 on, a partner shared by both
    portals), synced until idle; an edit HubSpot refused, waiting in the queue of the
    first company; synced until idle again.
    """
    urls = [portal["url"] for portal in portals]
    made = setup(registry, portals, params)
    companies = made["companies"]
    run(registry, rounds, until_idle=True, portals=urls)
    refused = refused_edit(registry, companies[0], urls[0], backoff_hours=4)
    run(registry, rounds, until_idle=True, portals=urls)
    return dict(refused, **made)


STEPS = {"prepare": prepare, "run": run}


def main(conf, database, step, arguments="{}"):
    odoo.tools.config.parse_config(
        ["-c", conf, "-d", database, "--log-level=warn"], setup_logging=True
    )
    result = STEPS[step](Registry(database), **json.loads(arguments))
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
