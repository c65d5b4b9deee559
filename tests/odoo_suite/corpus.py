"""Malformed records from both sides, to be mixed among good ones.

Each bad record names the error kind that must mark it: on its Odoo record (the record
syncs, that field is reported), or in Sync Health when no Odoo record may be made
(``issue``). Values HubSpot's own checks refuse today (a second @, a number that is not
finite, a date in words) still sit in portals filled by older imports: those are written
past the sandbox's checks (``raw``). Text that only looks odd (emoji, right-to-left
script, HTML) is good data and must sync unchanged.
"""

import random
from dataclasses import dataclass, field


def incompressible(length, seed=0):
    """Text PostgreSQL cannot compress into an index row: the worst case for a btree."""
    generator = random.Random(seed)
    return "".join(chr(generator.randint(0x4E00, 0x9FFF)) for _ in range(length))


LONG = incompressible(10_000)


@dataclass(frozen=True)
class Bad:
    label: str
    properties: dict
    kind: str
    raw: dict = field(default_factory=dict)
    issue: bool = False


@dataclass(frozen=True)
class Good:
    label: str
    properties: dict


# Nothing is wrong with these: the record syncs the rest and waits, with a note, for
# the change in Odoo that settles it (options fetched, a user, a link, a mapping).
WAITING_KINDS = {"unknown_option", "unknown_owner", "contact_not_linked", "unmapped_stage"}

# Options the portal has and Odoo was never told about.
NEW_LEAD_STATUS = "VIP"
NEW_LIFECYCLE_STAGE = "champion"
# Contacts created before this date are not imported.
CONTACTS_SINCE = "2020-01-01"
# A HubSpot user who is no Odoo user.
STRANGER_OWNER_ID = "4242"

BAD_CONTACTS = [
    # e-mail: anything but one valid address matches nothing and is not imported
    Bad("NUL in e-mail", {"email": "nul\x00@example.com", "firstname": "Nul"}, "invalid_email"),
    Bad("NUL after a partner's e-mail", {"email": "victim@example.com\x00"}, "invalid_email"),
    Bad("two addresses in one", {"email": "attacker.x,victim@example.com"}, "invalid_email"),
    Bad("double at", {}, "invalid_email", raw={"email": "user@@example.com"}),
    Bad("script tag", {"email": "<script>alert(1)</script>@example.com"}, "invalid_email"),
    Bad("angle brackets", {"email": "<script>@example.com"}, "invalid_email"),
    Bad("address list", {}, "invalid_email", raw={"email": "a@example.com; b@example.com"}),
    Bad("no at sign", {}, "invalid_email", raw={"email": "nobody.example.com"}),
    Bad("no dot in the domain", {}, "invalid_email", raw={"email": "user@localhost"}),
    Bad("leading dot", {"email": ".user@example.com"}, "invalid_email"),
    Bad("double dot", {"email": "us..er@example.com"}, "invalid_email"),
    Bad("hyphen-led domain", {"email": "user@-example.com"}, "invalid_email"),
    Bad("numeric top-level domain", {"email": "user@example.123"}, "invalid_email"),
    Bad("underscore in the domain", {"email": "user@exa_mple.com"}, "invalid_email"),
    Bad("trailing dot", {"email": "user@example.com."}, "invalid_email"),
    Bad("overlong address", {}, "invalid_email", raw={"email": "x" * 300 + "@example.com"}),
    Bad("quoted local part", {"email": '"quoted"@example.com'}, "invalid_email"),
    # text: cleaned, imported, reported
    Bad("NUL in first name", {"firstname": "Jo\x00hn"}, "cleaned_value"),
    Bad("NUL in last name", {"lastname": "Sm\x00ith"}, "cleaned_value"),
    Bad("bell in last name", {"lastname": "Ring\x07"}, "cleaned_value"),
    Bad("escape in company", {"company": "ACME\x1b[31m"}, "cleaned_value"),
    Bad("C1 control in job title", {"jobtitle": "Chief\x85Officer"}, "cleaned_value"),
    Bad("DEL in address", {"address": "Main\x7f Street 1"}, "cleaned_value"),
    Bad("NUL in city", {"city": "Ber\x00lin"}, "cleaned_value"),
    Bad("control in zip", {"zip": "10\x01115"}, "cleaned_value"),
    Bad("lone surrogate in first name", {"firstname": "Ann\ud800a"}, "cleaned_value"),
    Bad("lone surrogate in city", {"city": "Par\udfffis"}, "cleaned_value"),
    Bad("10,000-character first name", {"firstname": LONG}, "cleaned_value"),
    Bad("10,000-character last name", {"lastname": LONG[::-1]}, "cleaned_value"),
    Bad("10,000-character company", {"company": incompressible(10_000, 1)}, "cleaned_value"),
    Bad("line break in first name", {"firstname": "Two\nLines"}, "cleaned_value"),
    Bad("tab in last name", {"lastname": "Tab\tbed"}, "cleaned_value"),
    # phones, countries, states, options
    Bad("words for a phone", {"phone": "call me maybe"}, "invalid_phone"),
    Bad("too short a phone", {"phone": "+49 1"}, "invalid_phone"),
    Bad("unknown calling code", {"phone": "+999 1234 5678"}, "invalid_phone"),
    Bad("symbols for a mobile", {"mobilephone": "☎☎☎"}, "invalid_phone"),
    Bad("300-digit phone", {"phone": "1" * 300}, "invalid_phone"),
    Bad("unknown country", {"country": "Atlantis"}, "unknown_country"),
    Bad("NUL in country", {"country": "Ger\x00many"}, "unknown_country"),
    Bad("unknown state", {"country": "DE", "state": "Nowhere"}, "unknown_state"),
    Bad("unknown lead status", {"hs_lead_status": NEW_LEAD_STATUS}, "unknown_option"),
    Bad("unknown lifecycle stage", {"lifecyclestage": NEW_LIFECYCLE_STAGE}, "unknown_option"),
    Bad("NUL in lead status", {}, "cleaned_value", raw={"hs_lead_status": "NEW\x00"}),
]

GOOD_CONTACTS = [
    Good(f"plain {number}", {"firstname": f"Plain{number}", "lastname": "Person"})
    for number in range(15)
] + [
    Good("emoji", {"firstname": "Zoë 🦄", "lastname": "👨‍👩‍👧 Family"}),
    Good("Hebrew", {"firstname": "שרה", "lastname": "כהן"}),
    Good("Arabic", {"firstname": "محمد", "lastname": "العلي", "city": "دبي"}),
    Good("HTML in the name", {"firstname": "<b>Bold</b>", "lastname": "<script>x()</script>"}),
    Good("apostrophe", {"firstname": "Siobhán", "lastname": "O'Brien"}),
    Good("Japanese phone", {"lastname": "Tanaka", "phone": "+81 3-1234-5678"}),
    Good("British phone", {"lastname": "Smith", "phone": "+44 20 7946 0958"}),
    Good("French phone", {"lastname": "Dupont", "phone": "+33 1 23 45 67 89"}),
    Good("address", {"lastname": "Müller", "address": "Hauptstraße 5", "city": "Köln"}),
    Good("no name", {}),
]

BAD_DEALS = [
    Bad("infinite amount", {}, "invalid_amount", raw={"amount": "1e309"}),
    Bad("NaN amount", {}, "invalid_amount", raw={"amount": "NaN"}),
    Bad("Infinity amount", {}, "invalid_amount", raw={"amount": "Infinity"}),
    Bad("negative amount", {"amount": "-500"}, "invalid_amount"),
    Bad("absurd amount", {"amount": "1e300"}, "invalid_amount"),
    Bad("a quadrillion", {"amount": "1000000000000000"}, "invalid_amount"),
    Bad("text for an amount", {}, "invalid_amount", raw={"amount": "12abc"}),
    Bad("thousands separator", {}, "invalid_amount", raw={"amount": "1,000.50"}),
    Bad("close date in words", {}, "invalid_date", raw={"closedate": "tomorrow"}),
    Bad("month 13", {}, "invalid_date", raw={"closedate": "2024-13-45"}),
    Bad("beyond year 9999", {}, "invalid_date", raw={"closedate": "99999999999999999"}),
    Bad("zero date", {}, "invalid_date", raw={"closedate": "0000-00-00"}),
    Bad("NUL in name", {"dealname": "Big\x00Deal"}, "cleaned_value"),
    Bad("escape in name", {"dealname": "Deal\x1b"}, "cleaned_value"),
    Bad("10,000-character name", {"dealname": incompressible(10_000, 2)}, "cleaned_value"),
    Bad("lone surrogate in name", {"dealname": "Deal\ud83d"}, "cleaned_value"),
    Bad("line break in name", {"dealname": "Deal\nname"}, "cleaned_value"),
    Bad(
        "NUL in lost reason",
        {"dealstage": "closedlost", "closed_lost_reason": "Too\x00expensive"},
        "cleaned_value",
    ),
    Bad("owner who is no Odoo user", {"hubspot_owner_id": STRANGER_OWNER_ID}, "unknown_owner"),
    Bad("contact that is not in Odoo", {"associate": "missing contact"}, "contact_not_linked"),
    Bad("stage the pipeline lacks", {}, "unknown_stage", raw={"dealstage": "ghost"}, issue=True),
]

GOOD_DEALS = [
    Good(f"plain deal {number}", {"dealname": f"Deal {number}", "amount": f"{number}00.50"})
    for number in range(6)
] + [
    Good("no amount", {"dealname": "Free"}),
    Good("zero amount", {"dealname": "Zero", "amount": "0"}),
    Good("emoji name", {"dealname": "🚀 Launch", "closedate": "2030-01-31T00:00:00Z"}),
    Good("Arabic name", {"dealname": "صفقة كبيرة"}),
    Good("HTML name", {"dealname": "<i>Italic</i> deal"}),
    Good("with its contact", {"dealname": "Linked", "associate": "good contact"}),
]

# Odoo's side: (label, values, error kind). Values Odoo holds but HubSpot must not get.
BAD_PARTNERS = [
    ("control character in name", {"name": "Bad\x01Name"}, "invalid_value"),
    ("escape in name", {"name": "Esc\x1bape"}, "invalid_value"),
    ("DEL in name", {"name": "Del\x7fete"}, "invalid_value"),
    ("control character in city", {"city": "Ci\x02ty"}, "invalid_value"),
    ("control character in street", {"street": "Stre\x1fet 1"}, "invalid_value"),
    ("vertical tab in job position", {"function": "Boss\x0b"}, "invalid_value"),
    ("control character in company", {"company_name": "Co\x03rp"}, "invalid_value"),
    ("double at", {"email": "user@@example.com"}, "invalid_email"),
    ("two addresses", {"email": "attacker.y,victim@example.com"}, "invalid_email"),
    ("script tag", {"email": "<script>@example.com"}, "invalid_email"),
    ("no domain", {"email": "nobody@"}, "invalid_email"),
    ("no dot in the domain", {"email": "user@localhost"}, "invalid_email"),
    ("address list", {"email": "a@example.org, b@example.org"}, "invalid_email"),
]

GOOD_PARTNERS = [
    ("emoji", {"name": "Zoë 🦄 Unicorn"}),
    ("Hebrew", {"name": "שרה כהן"}),
    ("HTML", {"name": "<b>Bold</b> Partner"}),
    ("Japanese phone", {"name": "Taro Tanaka", "phone": "+81 3-1234-5678"}),
    ("named address", {"name": "Named Address", "email": "Named <named@example.com>"}),
]

# (label, values, error kind); the test adds the team and what must be made first.
BAD_LEADS = [
    ("negative revenue", {"expected_revenue": -100}, "invalid_amount"),
    ("absurd revenue", {"expected_revenue": 1e300}, "invalid_amount"),
    ("a quadrillion", {"expected_revenue": 1e15}, "invalid_amount"),
    ("control character in name", {"name": "Lead\x03"}, "invalid_value"),
    ("record separator in name", {"name": "Lead\x1e2"}, "invalid_value"),
    ("customer not in HubSpot", {"partner_id": "untagged customer"}, "contact_not_linked"),
    ("salesperson not in HubSpot", {"user_id": "stranger"}, "unknown_owner"),
    ("stage HubSpot does not have", {"stage_id": "odoo-only stage"}, "unmapped_stage"),
]

GOOD_LEADS = [
    ("plain", {"name": "Plain lead", "expected_revenue": 1200}),
    ("emoji", {"name": "🚀 Rocket", "expected_revenue": 0}),
    ("Arabic", {"name": "صفقة"}),
]
