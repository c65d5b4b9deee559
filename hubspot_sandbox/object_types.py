"""CRM object types and everything that differs between them.

The store is generic: what makes a contact a contact (its unique e-mail, a merge giving it a
new id, the e-mails a merge keeps), a deal a deal (properties computed from its stage, the
amount in the company currency, stages that must belong to the pipeline) or a company a
company (counts of its associations) is declared here, on its ``ObjectType``, together with
the HUBSPOT_DEFINED association types between them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from . import defaults
from .defaults import OWNER_PROPERTY
from .values import unique_key

CATEGORY = "HUBSPOT_DEFINED"
PRIMARY_LABEL = "Primary"


@dataclass(frozen=True, eq=False)
class ObjectType:
    """One CRM object type: static facts and the hooks the store calls for it."""

    name: str  # plural path name, e.g. "contacts"
    type_id: str  # e.g. "0-1"
    singular: str  # e.g. "contact", used in association type names
    modified_property: str  # the last-modified property of this type
    default_properties: tuple  # returned when a request names none
    searchable_properties: tuple  # searched by the free-text ``query``
    group: str  # property group of its standard properties
    own_properties: Callable  # () -> its standard property definitions (common ones added)
    # Read-only properties computed on read, never stored: name -> (store, table, record) -> str.
    computed: dict = field(default_factory=dict)
    # The computed properties that follow the record's associations: an association change
    # that changes one of them bumps the record's last-modified date, as in HubSpot.
    association_properties: tuple = ()
    # Enumerations whose options come from the portal: name -> (store) -> [(value, label)].
    options: dict = field(default_factory=dict)
    unique_properties: tuple = ()  # built-in unique properties (custom ones come on top)
    conflict_message: str = ""  # the 409 for a taken built-in unique value; "{id}" = holder
    check: Callable = None  # (store, record, changes, problems): extra write validation
    merge_gives_new_id: bool = False  # else the primary keeps its id
    merge_properties: Callable = None  # (primary, other) -> extra values of the survivor
    has_pipelines: bool = False
    privacy_deletion: bool = False  # a GDPR delete exists (and its privacyDeletion event)

    def properties(self):
        """The property definitions of a new portal."""
        common = defaults.common_properties(self.group, self.modified_property)
        return [*self.own_properties(), *common]

    def option_source(self, name):
        """Where the options of an enumeration come from, if the portal supplies them."""
        return self.options.get(name) or SHARED_OPTIONS.get(name)


@dataclass(frozen=True)
class AssociationType:
    """The HUBSPOT_DEFINED association types of one direction between two object types."""

    from_type: str
    to_type: str
    type_id: int  # the unlabelled association
    primary_type_id: int = None  # the "Primary" label, where the pair has one
    # The type whose records have at most one primary record of the other type.
    primary_holder: str = None

    def type_ids(self):
        return {self.type_id, self.primary_type_id} - {None}

    def spec(self, primary=False):
        """One entry of ``associationTypes`` in a v4 read."""
        if primary:
            return {"category": CATEGORY, "typeId": self.primary_type_id, "label": PRIMARY_LABEL}
        return {"category": CATEGORY, "typeId": self.type_id, "label": None}


# ---------------------------------------------------------------------------- behaviours


def _owners(store):
    return [(o["id"], f"{o['firstName']} {o['lastName']}") for o in store.owners.values()]


SHARED_OPTIONS = {OWNER_PROPERTY: _owners}


def _stage(store, record):
    return store.stages.get((record.props.get("pipeline"), record.props.get("dealstage")))


def _stage_probability(store, table, record):
    stage = _stage(store, record)
    return stage and stage["metadata"]["probability"]


def _is_closed(store, table, record):
    stage = _stage(store, record)
    return stage and stage["metadata"]["isClosed"]


def _is_closed_won(store, table, record):
    stage = _stage(store, record)
    if stage is None:
        return None
    won = stage["metadata"]["isClosed"] == "true" and float(stage["metadata"]["probability"]) >= 1
    return "true" if won else "false"


def _home_amount(store, table, record):
    """The deal amount in the company currency, at the portal's exchange rate."""
    amount = record.props.get("amount")
    currency = record.props.get("deal_currency_code") or store.home_currency
    if amount is None or currency == store.home_currency:
        return amount
    rate = store.exchange_rates.get(currency)
    return None if rate is None else f"{float(amount) / rate:g}"


def _check_deal_stage(store, record, changes, problems):
    """A deal's stage must belong to its pipeline; new deals default to ``default``."""
    current = record.props if record is not None else {}
    if record is None and not changes.get("pipeline"):
        changes["pipeline"] = "default"
    if "pipeline" not in changes and "dealstage" not in changes:
        return
    if any(name in ("pipeline", "dealstage") for name, _, _ in problems):
        return
    pipeline = changes.get("pipeline", current.get("pipeline"))
    stage = changes.get("dealstage", current.get("dealstage"))
    if stage and (pipeline, stage) not in store.stages:
        message = f"{stage} is not a valid deal stage of pipeline {pipeline}"
        problems.append(("dealstage", "INVALID_OPTION", message))


def _pipelines(store):
    return [(p["id"], p["label"]) for p in store.pipelines.values()]


def _stages(store):
    return [(s["id"], s["label"]) for p in store.pipelines.values() for s in p["stages"]]


def _association_count(other):
    def count(store, table, record):
        return str(len(store.linked(table, record, store.tables[other])))

    return count


def _primary_company(store, table, record):
    company = store.primary_of(table, record, store.tables[COMPANIES.name])
    return None if company is None else str(company)


def _merged_emails(primary, other):
    """The merged contact keeps every e-mail but its own as an additional one."""
    emails = []
    for record in (primary, other):
        emails += record.props.get("hs_additional_emails", "").split(";")
    emails.append(other.props.get("email", ""))
    kept = primary.props.get("email") or other.props.get("email", "")
    seen = {unique_key(kept)}
    result = []
    for email in filter(None, (e.strip() for e in emails)):
        if unique_key(email) not in seen:
            seen.add(unique_key(email))
            result.append(email)
    return {"hs_additional_emails": ";".join(result)}


# ---------------------------------------------------------------------------- the types

CONTACTS = ObjectType(
    name="contacts",
    type_id="0-1",
    singular="contact",
    modified_property="lastmodifieddate",
    default_properties=(
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    searchable_properties=(
        "firstname",
        "lastname",
        "email",
        "phone",
        "hs_additional_emails",
        "fax",
        "mobilephone",
        "company",
    ),
    group="contactinformation",
    own_properties=defaults.contact_properties,
    computed={"associatedcompanyid": _primary_company},
    association_properties=("associatedcompanyid",),
    unique_properties=("email",),
    conflict_message="Contact already exists. Existing ID: {id}",
    merge_gives_new_id=True,
    merge_properties=_merged_emails,
    privacy_deletion=True,
)
COMPANIES = ObjectType(
    name="companies",
    type_id="0-2",
    singular="company",
    modified_property="hs_lastmodifieddate",
    default_properties=("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
    searchable_properties=("name", "domain", "website", "phone"),
    group="companyinformation",
    own_properties=defaults.company_properties,
    computed={
        "num_associated_contacts": _association_count("contacts"),
        "num_associated_deals": _association_count("deals"),
    },
    association_properties=("num_associated_contacts", "num_associated_deals"),
)
DEALS = ObjectType(
    name="deals",
    type_id="0-3",
    singular="deal",
    modified_property="hs_lastmodifieddate",
    default_properties=(
        "dealname",
        "amount",
        "closedate",
        "pipeline",
        "dealstage",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    ),
    searchable_properties=("dealname", "pipeline", "dealstage", "description", "dealtype"),
    group="dealinformation",
    own_properties=defaults.deal_properties,
    computed={
        "hs_deal_stage_probability": _stage_probability,
        "hs_is_closed": _is_closed,
        "hs_is_closed_won": _is_closed_won,
        "amount_in_home_currency": _home_amount,
        "num_associated_contacts": _association_count("contacts"),
    },
    association_properties=("num_associated_contacts",),
    options={"pipeline": _pipelines, "dealstage": _stages},
    check=_check_deal_stage,
    has_pipelines=True,
)
OBJECT_TYPES = (CONTACTS, COMPANIES, DEALS)
OBJECT_TYPE_ALIASES = {
    alias: t.name for t in OBJECT_TYPES for alias in (t.name, t.singular, t.type_id)
}

# HubSpot's HUBSPOT_DEFINED type ids, per direction: a contact has at most one primary
# company and so has a deal; contacts and deals have no primary.
ASSOCIATION_TYPES = {
    (a.from_type, a.to_type): a
    for a in (
        AssociationType("contacts", "companies", 279, 1, "contacts"),
        AssociationType("companies", "contacts", 280, 2, "contacts"),
        AssociationType("deals", "companies", 341, 5, "deals"),
        AssociationType("companies", "deals", 342, 6, "deals"),
        AssociationType("contacts", "deals", 4),
        AssociationType("deals", "contacts", 3),
    )
}
