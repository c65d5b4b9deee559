"""Realistic demo data for the sandbox, as a seed dict.

German, English and French companies and contacts, addresses (ISO country codes), phones in
the formats people really type (E.164, national with spaces, "+49 (0)...", extensions), lead
statuses and lifecycle stages spread over HubSpot's defaults, create dates over three years,
a few contacts without e-mail and a few whose e-mail also appears, in another case or with
spaces, in another contact's ``hs_additional_emails`` (the duplicate trap a sync must not fall
into). Companies have a domain of their own, share one with another company (subsidiaries) or
have none; most contacts work at one, their primary company, and write from its domain.
Deals spread over the default pipeline and a "Partner pipeline" with numeric stage ids, each
with an amount, a close date and an owner, associated with a contact, its company (as the
deal's primary company) or both. With ``activities``, a timeline of notes, tasks, calls, meetings
and e-mails on the contacts, their deals and companies (``demo_activities``).

``python -m hubspot_sandbox.demo_data --contacts 5000 --deals 1000 --companies 500 --out demo.json``
"""

import argparse
import json
import random
import re
import sys
import unicodedata
from functools import cache
from itertools import accumulate

from .defaults import DEFAULT_OWNERS
from .demo_activities import timeline
from .values import iso, now_ms

YEAR_MS = 365 * 86_400_000
CONTACT_ID_START = 1_000_001
COMPANY_ID_START = 20_000_001
DEAL_ID_START = 50_000_001
# HubSpot's Primary association type ids: contact to company, deal to company.
CONTACT_PRIMARY_COMPANY = 1
DEAL_PRIMARY_COMPANY = 5
PARTNER_PIPELINE_ID = "75400001"
_DIGIT_RUNS = re.compile("#+")

NAMES = {
    "de": (
        "Anna Lukas Sophie Maximilian Marie Felix Lena Jonas Laura Paul Katharina Jürgen "
        "Sabine Thomas Andrea Stefan Birgit Klaus Monika Jörg Günther Ursula Björn Käthe".split(),
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Krüger Hartmann Lange "
        "Köhler Weiß".split(),
    ),
    "en": (
        "James Emma Oliver Charlotte William Amelia Harry Olivia George Sophia Jack Emily "
        "Michael Sarah David Jessica Thomas Grace Daniel Hannah".split(),
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Clarke O'Brien".split(),
    ),
    "fr": (
        "Camille Léa Louis Chloé Hugo Manon Gabriel Inès Jules Élodie Théo Amélie François "
        "Hélène Benoît Cécile Jérôme Aurélie".split(),
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefèvre Michel Garcia Fournier Girard Bonnet Lambert Rousseau".split(),
    ),
}
COMPANY_PATTERNS = {
    "de": ["{last} GmbH", "{last} & {other} AG", "{last} Logistik GmbH", "{city} Maschinenbau KG"],
    "en": ["{last} Ltd", "{last} & Sons", "{last} Consulting LLC", "{city} Analytics Inc."],
    "fr": ["{last} SARL", "{last} et Fils", "Groupe {last}", "{last} Conseil SAS"],
}
STREETS = {
    "de": ["Hauptstraße {n}", "Bahnhofstraße {n}", "Goethestraße {n}", "Lindenweg {n}"],
    "en": ["{n} High Street", "{n} Main Street", "{n} Church Road", "{n} Park Avenue"],
    "fr": ["{n} rue de la République", "{n} avenue Victor Hugo", "{n} rue du Moulin"],
}
# country: (language, calling code, trunk prefix, zip pattern, [(city, area code), ...],
#           mobile prefixes); "#" in a zip pattern is a digit.
COUNTRIES = {
    "DE": (
        "de",
        "49",
        "0",
        "#####",
        [
            ("Berlin", "30"),
            ("München", "89"),
            ("Hamburg", "40"),
            ("Köln", "221"),
            ("Frankfurt am Main", "69"),
            ("Stuttgart", "711"),
            ("Leipzig", "341"),
        ],
        ["151", "160", "170", "176"],
    ),
    "AT": (
        "de",
        "43",
        "0",
        "####",
        [("Wien", "1"), ("Graz", "316"), ("Linz", "732")],
        ["664", "676"],
    ),
    "CH": (
        "de",
        "41",
        "0",
        "####",
        [("Zürich", "44"), ("Bern", "31"), ("Basel", "61")],
        ["79", "78"],
    ),
    "FR": (
        "fr",
        "33",
        "0",
        "#####",
        [("Paris", "1"), ("Lyon", "4"), ("Marseille", "4"), ("Toulouse", "5"), ("Bordeaux", "5")],
        ["6", "7"],
    ),
    "BE": ("fr", "32", "0", "####", [("Bruxelles", "2"), ("Liège", "4")], ["470", "475"]),
    "GB": (
        "en",
        "44",
        "0",
        "SW1A #AA",
        [("London", "20"), ("Manchester", "161"), ("Birmingham", "121")],
        ["7700", "7911"],
    ),
    "IE": ("en", "353", "0", "D0# X2#5", [("Dublin", "1"), ("Cork", "21")], ["85", "87"]),
    "US": (
        "en",
        "1",
        "",
        "#####",
        [("New York", "212"), ("Chicago", "312"), ("Boston", "617"), ("San Francisco", "415")],
        ["917", "646"],
    ),
}
COUNTRY_WEIGHTS = {"DE": 40, "AT": 8, "CH": 7, "FR": 15, "BE": 4, "GB": 12, "IE": 3, "US": 11}
CURRENCY = {
    "DE": "EUR",
    "AT": "EUR",
    "CH": "CHF",
    "FR": "EUR",
    "BE": "EUR",
    "GB": "GBP",
    "IE": "EUR",
    "US": "USD",
}
JOB_TITLES = [
    "Geschäftsführer",
    "Einkaufsleiterin",
    "Head of Sales",
    "Office Manager",
    "CTO",
    "Directeur commercial",
    "Responsable achats",
    "Procurement Lead",
    "Buchhaltung",
    "",
]
LEAD_STATUSES = {
    "NEW": 20,
    "OPEN": 15,
    "IN_PROGRESS": 12,
    "OPEN_DEAL": 8,
    "UNQUALIFIED": 8,
    "ATTEMPTED_TO_CONTACT": 10,
    "CONNECTED": 10,
    "BAD_TIMING": 5,
    "": 12,
}
LIFECYCLE_STAGES = {
    "subscriber": 10,
    "lead": 33,
    "marketingqualifiedlead": 12,
    "salesqualifiedlead": 10,
    "opportunity": 10,
    "customer": 17,
    "evangelist": 3,
    "other": 5,
}
FREE_MAIL = ["mail.example", "post.example", "inbox.example"]
INDUSTRIES = {
    "COMPUTER_SOFTWARE": 15,
    "MACHINERY": 12,
    "LOGISTICS_AND_SUPPLY_CHAIN": 10,
    "MANAGEMENT_CONSULTING": 10,
    "RETAIL": 8,
    "ACCOUNTING": 6,
    "FOOD_BEVERAGES": 6,
    "CONSTRUCTION": 6,
    "FINANCIAL_SERVICES": 5,
    "": 22,
}
PRODUCTS = [
    "Jahreslizenz",
    "Wartungsvertrag",
    "Onboarding",
    "Consulting package",
    "Renewal",
    "Abonnement annuel",
    "Pilot project",
    "Rahmenvertrag",
]
EXTRA_OWNERS = [
    {
        "id": "41629782",
        "email": "david.wilson@example.com",
        "firstName": "David",
        "lastName": "Wilson",
    },
    {
        "id": "41629783",
        "email": "lea.hoffmann@example.com",
        "firstName": "Lea",
        "lastName": "Hoffmann",
    },
]
DEFAULT_STAGES = [
    ("appointmentscheduled", 20),
    ("qualifiedtobuy", 15),
    ("presentationscheduled", 12),
    ("decisionmakerboughtin", 10),
    ("contractsent", 8),
    ("closedwon", 20),
    ("closedlost", 15),
]
PARTNER_STAGES = [
    ("Lead received", "0.1", False),
    ("Qualified", "0.3", False),
    ("Proposal sent", "0.6", False),
    ("Negotiation", "0.8", False),
    ("Won", "1.0", True),
    ("Lost", "0.0", True),
]
CLOSED_LOST_REASONS = [
    "Budget",
    "Went with a competitor",
    "Kein Bedarf mehr",
    "Timing",
    "Prix trop élevé",
]


@cache
def _ascii(text):
    """Mailbox-safe form of a name: umlauts spelled out, accents dropped, no spaces."""
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum() or c in ".-")


def _weighted(rng, weights):
    """A function drawing one key of ``weights`` at random, by weight."""
    population = list(weights)
    cumulative = list(accumulate(weights.values()))
    return lambda: rng.choices(population, cum_weights=cumulative)[0]


def _digits(rng, pattern):
    """``pattern`` with each run of ``#`` replaced by random digits."""
    return _DIGIT_RUNS.sub(
        lambda run: f"{rng.randrange(10 ** len(run[0])):0{len(run[0])}d}", pattern
    )


# Digits of a national number (area code included) where the plan fixes it; the
# others (DE, AT) have variable lengths and get a seven-digit subscriber number.
_NATIONAL_LENGTH = {"1": 10, "33": 9, "44": 10, "41": 9, "32": 9, "31": 9, "34": 9}


def _phone(rng, code, trunk, area, with_extension):
    """One valid phone number, in one of the styles people type."""
    subscriber = _NATIONAL_LENGTH.get(code, len(area) + 7) - len(area)
    if code == "32" and not area.startswith("4"):
        subscriber -= 1  # Belgian landlines have eight digits, mobiles nine
    number = _digits(rng, "555" + "#" * 4) if code == "1" else _digits(rng, "#" * subscriber)
    head, tail = number[:3], number[3:]
    style = rng.randrange(4)
    if code == "1":
        text = [
            f"+1{area}{number}",
            f"({area}) {head}-{tail}",
            f"+1 {area}-{head}-{tail}",
            f"{area}.{head}.{tail}",
        ][style]
    else:
        text = [
            f"+{code}{area}{number}",
            f"{trunk}{area} {head} {tail}",
            f"+{code} ({trunk}){area} {number}",
            f"+{code} {area} {head} {tail}",
        ][style]
    if with_extension:
        text += rng.choice(
            [f" ext. {rng.randint(10, 99)}", f"-{rng.randint(10, 299)}", f" x{rng.randint(1, 99)}"]
        )
    return text


def _owners():
    return [dict(o) for o in DEFAULT_OWNERS + EXTRA_OWNERS]


def _partner_pipeline():
    stages = [
        {
            "id": str(int(PARTNER_PIPELINE_ID) + 1 + i),
            "label": label,
            "displayOrder": i,
            "metadata": {"probability": probability, "isClosed": "true" if closed else "false"},
        }
        for i, (label, probability, closed) in enumerate(PARTNER_STAGES)
    ]
    return {"id": PARTNER_PIPELINE_ID, "label": "Partner pipeline", "stages": stages}


def _timestamps(rng, now, span_ms):
    created = now - rng.randrange(span_ms)
    updated = created + rng.randrange(max(1, now - created))
    return created, updated


def generate(contacts=5000, deals=1000, companies=None, seed=42, now=None, activities=0):
    """A seed dict with ``contacts`` contacts, ``deals`` deals and ``companies`` companies
    (default: one per ten contacts), reproducible per ``seed``, and ``activities`` on them:
    a total split as a sales team logs them (``demo_activities.MIX``) or a dict of counts
    per kind (``{"notes": 10, "meetings": 5}``)."""
    rng = random.Random(seed)
    now = now_ms() if now is None else now
    owner_ids = [o["id"] for o in _owners()]
    country_of = _weighted(rng, COUNTRY_WEIGHTS)
    industry = _weighted(rng, INDUSTRIES)
    firms, domains = [], []
    for i in range(contacts // 10 if companies is None else companies):
        firm = _company(rng, COMPANY_ID_START + i, country_of(), industry(), owner_ids, domains)
        firms.append(_dated(rng, firm, now))
    lead_status = _weighted(rng, LEAD_STATUSES)
    lifecycle = _weighted(rng, LIFECYCLE_STAGES)
    used_emails = set()
    people, links, employer_of = [], [], {}
    for i in range(contacts):
        employer = rng.choice(firms) if firms and rng.random() < 0.85 else None
        country = employer["properties"]["country"] if employer else country_of()
        person = _contact(rng, CONTACT_ID_START + i, country, employer, used_emails, owner_ids)
        person["properties"].update(hs_lead_status=lead_status(), lifecyclestage=lifecycle())
        people.append(_dated(rng, person, now))
        if employer:
            employer_of[person["id"]] = employer
            links.append(_link("contacts", person, "companies", employer, CONTACT_PRIMARY_COMPANY))
    _share_emails(rng, people)
    pipeline = _partner_pipeline()
    deal_list, deals_of = [], {}
    default_stage = _weighted(rng, dict(DEFAULT_STAGES))
    for i in range(deals if people else 0):
        contact = rng.choice(people)
        deal = _deal(rng, DEAL_ID_START + i, contact, pipeline, default_stage, owner_ids, now)
        deal_list.append(deal)
        employer, roll = employer_of.get(contact["id"]), rng.random()
        if employer is None or roll < 0.6:
            links.append(_link("deals", deal, "contacts", contact))
            deals_of.setdefault(contact["id"], []).append(deal["id"])
        if employer is not None and roll >= 0.3:
            links.append(_link("deals", deal, "companies", employer, DEAL_PRIMARY_COMPANY))
    owners = _owners()
    logged, activity_links = timeline(rng, activities, people, owners, deals_of, employer_of, now)
    return {
        "owners": owners,
        "pipelines": [pipeline],
        "companies": firms,
        "contacts": people,
        "deals": deal_list,
        **logged,
        "associations": links + activity_links,
        # A European portal: deals in other currencies carry HubSpot's converted amount.
        "home_currency": "EUR",
        "exchange_rates": {"CHF": 0.94, "GBP": 0.86, "USD": 1.08},
    }


def _link(from_type, source, to_type, target, type_id=None):
    """A seed association entry; a Primary type id implies the unlabelled association."""
    link = {"from_type": from_type, "from_id": source["id"], "to_type": to_type}
    link["to_id"] = target["id"]
    if type_id is not None:
        link["types"] = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]
    return link


def _dated(rng, item, now):
    """``item`` with create and update dates over the last three years."""
    created, updated = _timestamps(rng, now, 3 * YEAR_MS)
    properties = {k: v for k, v in item["properties"].items() if v}
    return {**item, "properties": properties, "createdAt": iso(created), "updatedAt": iso(updated)}


def _address(rng, country):
    """Language, city, area code and the address properties of somewhere in ``country``."""
    language, _, _, zip_pattern, cities, _ = COUNTRIES[country]
    city, area = rng.choice(cities)
    street = rng.choice(STREETS[language]).format(n=rng.randint(1, 180))
    address = {"address": street, "city": city, "zip": _digits(rng, zip_pattern)}
    return language, city, area, {**address, "country": country}


def _company(rng, company_id, country, industry, owner_ids, domains):
    language, city, area, address = _address(rng, country)
    _, code, trunk, _, _, _ = COUNTRIES[country]
    lasts = NAMES[language][1]
    name = rng.choice(COMPANY_PATTERNS[language]).format(
        last=rng.choice(lasts), other=rng.choice(lasts), city=city
    )
    roll = rng.random()
    if roll < 0.1:
        domain = ""  # HubSpot companies need no domain
    elif roll < 0.2 and domains:
        domain = rng.choice(domains)  # a subsidiary on its group's domain
    else:
        domain = f"{_ascii(name.split(' ')[0])}-{_ascii(city)}.example"
        domains.append(domain)
    properties = {
        "name": name,
        "domain": domain,
        "website": f"https://www.{domain}" if domain else "",
        "phone": _phone(rng, code, trunk, area, False) if rng.random() < 0.9 else "",
        **address,
        "industry": industry,
        "numberofemployees": str(int(rng.lognormvariate(3.5, 1.2)) + 1),
        "hubspot_owner_id": rng.choice(owner_ids) if rng.random() < 0.7 else "",
    }
    return {"id": str(company_id), "properties": properties}


def _contact(rng, contact_id, country, employer, used_emails, owner_ids):
    language, _, area, address = _address(rng, country)
    _, code, trunk, _, _, mobiles = COUNTRIES[country]
    firsts, lasts = NAMES[language]
    first, last = rng.choice(firsts), rng.choice(lasts)
    firm = employer["properties"] if employer else {}
    properties = {
        "firstname": first,
        "lastname": last,
        "company": firm.get("name", ""),
        "jobtitle": rng.choice(JOB_TITLES) if firm else "",
        **address,
        "phone": _phone(rng, code, trunk, area, rng.random() < 0.1) if rng.random() < 0.85 else "",
        "mobilephone": (
            _phone(rng, code, trunk, rng.choice(mobiles), False) if rng.random() < 0.4 else ""
        ),
        "website": firm.get("website", ""),
        "hubspot_owner_id": rng.choice(owner_ids) if rng.random() < 0.7 else "",
    }
    domain = firm.get("domain") or rng.choice(FREE_MAIL)
    if rng.random() >= 0.04:
        properties["email"] = _unique_email(f"{_ascii(first)}.{_ascii(last)}", domain, used_emails)
    return {"id": str(contact_id), "properties": properties}


def _unique_email(local, domain, used):
    email, n = f"{local}@{domain}", 1
    while email in used:
        n += 1
        email = f"{local}{n}@{domain}"
    used.add(email)
    return email


def _share_emails(rng, people):
    """Put ~2 % of primary e-mails, re-cased or padded, into another contact's extra e-mails."""
    with_email = [p for p in people if "email" in p["properties"]]
    for _ in range(len(with_email) // 50 if len(with_email) > 1 else 0):
        source, target = rng.sample(with_email, 2)
        email = source["properties"]["email"]
        variant = rng.choice([email.upper(), email.title(), f" {email} ", f" {email.capitalize()}"])
        extra = target["properties"].get("hs_additional_emails")
        target["properties"]["hs_additional_emails"] = f"{extra};{variant}" if extra else variant


def _deal(rng, deal_id, contact, pipeline, default_stage, owner_ids, now):
    created, updated = _timestamps(rng, now, 3 * YEAR_MS)
    if rng.random() < 0.3:
        stage = rng.choice(pipeline["stages"])
        pipeline_id, stage_id = pipeline["id"], stage["id"]
        closed = stage["metadata"]["isClosed"] == "true"
        lost = closed and stage["metadata"]["probability"] == "0.0"
    else:
        pipeline_id, stage_id = "default", default_stage()
        closed, lost = stage_id.startswith("closed"), stage_id == "closedlost"
    close = (
        updated - rng.randrange(30 * 86_400_000) if closed else now + rng.randrange(YEAR_MS // 2)
    )
    person = contact["properties"]
    label = person.get("company") or f"{person['firstname']} {person['lastname']}"
    properties = {
        "dealname": f"{label} – {rng.choice(PRODUCTS)}",
        "amount": f"{round(rng.lognormvariate(9, 1), -1):.2f}",
        "closedate": iso(max(created, close)),
        "pipeline": pipeline_id,
        "dealstage": stage_id,
        "hubspot_owner_id": rng.choice(owner_ids),
        "deal_currency_code": CURRENCY[person["country"]],
        "dealtype": rng.choice(["newbusiness", "existingbusiness"]),
    }
    if lost:
        properties["closed_lost_reason"] = rng.choice(CLOSED_LOST_REASONS)
    return {
        "id": str(deal_id),
        "properties": properties,
        "createdAt": iso(created),
        "updatedAt": iso(updated),
    }


def main(argv=None):
    """Write a generated seed file (or print it to stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--deals", type=int, default=1000)
    parser.add_argument("--companies", type=int, help="default: one per ten contacts")
    parser.add_argument("--activities", type=int, default=0, help="notes, tasks, calls...")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    data = generate(
        args.contacts, args.deals, args.companies, args.seed, activities=args.activities
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
    else:
        json.dump(data, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
