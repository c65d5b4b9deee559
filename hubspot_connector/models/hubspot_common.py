"""Values the sync's modules share: record states, the import context, one value error,
and the declaration of an association."""

from dataclasses import dataclass

import psycopg2

from odoo.exceptions import UserError

from ..services import cleaning
from ..services.exceptions import HubspotError

SYNC_STATES = [
    ("pending", "Waiting for sync"),
    ("synced", "In sync"),
    ("excluded", "Excluded"),
    ("failing", "Failing"),
    ("review", "Needs review"),
]

# Snapshot key of HubSpot's exact last-modified time of the version synced (to the
# millisecond: a Datetime field keeps seconds only).
VERSION_KEY = "updatedAt"

# Context key set on every write the sync makes, so that an import is never
# queued to be pushed back (no echo).
IMPORT_CONTEXT = {"hubspot_import": True, "tracking_disable": True}

# Payload key of the field-level notes on values cleaned when a page came in.
CLEANED_KEY = "odoo_cleaned_values"
# Payload key of every associated id read, by target type (a property holds one).
TARGETS_KEY = "odoo_associated_ids"

# Mapped "properties" under this prefix are associations, not HubSpot properties.
ASSOCIATION_PREFIX = "associations."


@dataclass(frozen=True)
class HubspotAssociation:
    """An association an object type syncs with an Odoo field, declared by the type.

    A field mapping names it as the pseudo-property ``associations.<to_type>``
    with the ``association`` converter; the target is resolved through the
    binding of the type it points to. ``type_id`` is HubSpot's unlabelled
    association type from this type to ``to_type``. With ``primary_type_id``
    the association is written with HubSpot's primary label too, and read
    primary first; ``primary_only`` makes the Odoo field the primary association
    itself: only a primary target counts, and an empty field removes the label
    (other associations stay). Without it, an empty field leaves HubSpot's
    associations as they are.
    """

    to_type: str
    type_id: int
    primary_type_id: int = None
    primary_only: bool = False

    @property
    def prop(self):
        return ASSOCIATION_PREFIX + self.to_type


# What bad data can raise while one record is converted or written (database errors
# at flush included); other exceptions are bugs, isolated too but logged with a traceback.
RECORD_ERRORS = (HubspotError, ValueError, OverflowError, UserError, psycopg2.Error)

# Longest error text kept on a record or an issue.
MESSAGE_LIMIT = 2000


def error_text(error):
    """The text of an error, safe to store and short enough to read."""
    return cleaning.clean_text(str(error) or type(error).__name__, MESSAGE_LIMIT)[0]


def hubspot_datetime(value):
    """A HubSpot timestamp as naive UTC, or None when there is none."""
    return cleaning.parse_datetime(value) if value else None


class HubspotValueError(ValueError):
    """A single value cannot be converted; the field is skipped, the record syncs."""

    def __init__(self, message, kind="invalid_value", waiting=False, blocking=False, fallback=None):
        super().__init__(message)
        self.kind = kind
        # True when a new record must not be created without this value (a deal
        # without its stage would land in a guessed one).
        self.blocking = blocking
        # True when nothing is wrong but Odoo lacks something a person adds (a
        # user for the deal owner, a stage mapping, a linked contact): the record
        # is not failing, it shows a note, and it is evaluated again when that
        # change happens in Odoo, never on a timer.
        self.waiting = waiting
        # Odoo values to write meanwhile (an unknown owner leaves no salesperson).
        self.fallback = fallback or {}


def notification(env, message, kind="success", reload=False):
    """The client action that shows a person what a button did; ``reload`` shows the
    changed records afterwards."""
    params = {
        "title": env._("HubSpot"),
        "message": message,
        "type": kind,
        "sticky": kind == "danger",
    }
    if reload:
        params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}


def add_counts(totals, stats):
    """Add a batch's counts by outcome to a run's."""
    for key, count in stats.items():
        totals[key] = totals.get(key, 0) + count


def run_cached(env, key, compute):
    """``compute()``, once per run when a job runs (its ``RunCache``), every time otherwise."""
    cache = env.context.get("hubspot_run")
    return cache.get(key, compute) if cache else compute()


class RunCache:
    """What one run of a job looks up again and again (users, pipelines, links), once.

    Lives in the context of the records a job works on; holds plain values and
    ids, never records, so it survives the cache invalidation after each commit.
    """

    def __init__(self, client):
        self.client = client
        self._values = {}

    def get(self, key, compute):
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]
