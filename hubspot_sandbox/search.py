"""CRM search (``POST /crm/v3/objects/{type}/search``) over the store's indexes.

Implements HubSpot's request shape and limits (5 filter groups, 6 filters per group, 18 in all,
one sort, ``limit`` up to 200, 10,000 results reachable by paging, 3,000-character bodies).
When the sort property is indexed (``hs_object_id``, the create date or the last-modified date),
range filters on it narrow the scan to a slice of the index; a search made only of such filters
(the incremental sync case) costs O(log N + page).
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .errors import validation_error
from .object_types import ASSOCIATION_TYPES, OBJECT_TYPE_ALIASES
from .values import comparable, unique_key

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
RESULT_WINDOW = 10_000
MAX_BODY_CHARS = 3000
OPERATORS = {
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
RANGE_OPERATORS = {"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"}
TOKEN_SEPARATORS = str.maketrans({c: " " for c in ";,@\t\n"})
LOW, HIGH = float("-inf"), float("inf")


@dataclass
class Filter:
    """One parsed filter; ``low``/``high``/``values`` are already comparable keys."""

    name: str
    operator: str
    kind: str
    low: object = None
    high: object = None
    values: frozenset = frozenset()
    pattern: str = ""
    target: str = ""  # associated object type of an ``associations.*`` filter


@dataclass
class Query:
    """A parsed search request."""

    groups: list
    sort: str
    descending: bool
    after: int
    limit: int
    text_terms: list
    properties: list


def parse(table, body, raw_length):
    """Validate a search body against HubSpot's limits and parse it."""
    if raw_length > MAX_BODY_CHARS:
        raise validation_error(f"The request body may have at most {MAX_BODY_CHARS} characters")
    groups = body.get("filterGroups") or []
    if len(groups) > MAX_GROUPS:
        raise validation_error(
            f"Too many filter groups ({len(groups)}); the maximum is {MAX_GROUPS}"
        )
    parsed_groups = []
    for group in groups:
        filters = (group.get("filters") or []) if isinstance(group, dict) else None
        if filters is None:
            raise validation_error("Each filter group must be an object with filters")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(
                f"Too many filters in a group ({len(filters)}); the maximum is "
                f"{MAX_FILTERS_PER_GROUP}"
            )
        parsed_groups.append([_parse_filter(table, f) for f in filters])
    if sum(len(g) for g in parsed_groups) > MAX_FILTERS:
        raise validation_error(f"Too many filters; the maximum is {MAX_FILTERS} in all groups")
    sort, descending = _parse_sort(table, body.get("sorts") or [])
    return Query(
        groups=parsed_groups,
        sort=sort,
        descending=descending,
        after=_integer(body.get("after"), "after", 0),
        limit=_integer(body.get("limit"), "limit", 10, MAX_LIMIT),
        text_terms=str(body.get("query") or "").lower().split(),
        properties=[str(p) for p in body.get("properties") or []],
    )


def _integer(value, name, default, maximum=None):
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise validation_error(f"{name} must be formatted as an integer, got {value!r}") from None
    if number < 0 or (maximum is not None and number > maximum):
        raise validation_error(f"{name} must be between 0 and {maximum or 'any'}, got {number}")
    return number


def _parse_sort(table, sorts):
    """Accept both forms HubSpot clients use: ``[{"propertyName", "direction"}]`` and ``["-p"]``."""
    if len(sorts) > 1:
        raise validation_error("Only one sort is allowed")
    if not sorts:
        return "hs_object_id", False
    sort = sorts[0]
    if isinstance(sort, dict):
        name = sort.get("propertyName")
        descending = str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        name, descending = str(sort).lstrip("-"), str(sort).startswith("-")
    if name not in table.properties:
        raise validation_error(f"Cannot sort by unknown property {name}")
    return name, descending


def _parse_filter(table, raw):
    if not isinstance(raw, dict):
        raise validation_error("Each filter must be an object")
    name, operator = raw.get("propertyName"), str(raw.get("operator", "")).upper()
    if operator not in OPERATORS:
        raise validation_error(f"Unknown filter operator {operator}")
    if name and name.startswith("associations."):
        target = OBJECT_TYPE_ALIASES.get(name.split(".", 1)[1].lower())
        if operator not in ("EQ", "IN") or (table.name, target) not in ASSOCIATION_TYPES:
            raise validation_error(f"Filter {name} {operator} is not supported")
        values = frozenset(
            str(v) for v in (raw.get("values") if operator == "IN" else [raw.get("value")]) or []
        )
        return Filter(name, operator, "association", values=values, target=target)
    definition = table.properties.get(name)
    if definition is None:
        raise validation_error(
            f"There was a problem with the request: property {name} does not exist"
        )
    kind = definition["type"]
    parsed = Filter(name, operator, kind)
    if operator in RANGE_OPERATORS or operator == "NEQ":
        if raw.get("value") is None:
            raise validation_error(f"Operator {operator} on {name} needs a value")
        parsed.low = _operand(kind, raw["value"])
    if operator == "BETWEEN":
        if raw.get("highValue") is None:
            raise validation_error(f"Operator BETWEEN on {name} needs a highValue")
        parsed.high = _operand(kind, raw["highValue"])
    if operator in ("IN", "NOT_IN"):
        # HubSpot compares IN values on string properties verbatim: they must be lower-case.
        values = raw.get("values") or []
        keep = kind == "string"
        parsed.values = frozenset(str(v) if keep else _operand(kind, v) for v in values)
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        parsed.pattern = str(raw.get("value", "")).lower()
    return parsed


def _operand(kind, value):
    text = str(value)
    key = comparable(kind, text)
    if key is None:
        raise validation_error(f"{text!r} is not a valid {kind} filter value")
    return key


def run(store, table, query):
    """Execute a parsed search; returns ``(total, records, next_after or None)``."""
    if query.after >= RESULT_WINDOW:
        raise validation_error(
            f"Search results are limited to {RESULT_WINDOW} per query; cannot page beyond "
            f"{RESULT_WINDOW} (after={query.after}). Narrow the query, e.g. with a GT filter "
            "on the last value seen."
        )
    candidates = _pinned_candidates(table, query)
    if candidates is None and query.sort in table.index_names:
        ids = _indexed_matches(store, table, query)
    else:
        if candidates is None:
            candidates = (r for r in table.records.values() if r.archived_at is None)
        ids = _sorted_matches(store, table, query, candidates)
    total = len(ids)
    end = min(query.after + query.limit, RESULT_WINDOW, total)
    records = [table.records[i] for i in ids[query.after : end]]
    return total, records, end if end < total else None


class _IndexSlice:
    """Ids of ``index[start:stop]`` in sort order, materialized only for the requested page."""

    def __init__(self, index, start, stop, descending):
        self.index, self.start, self.stop, self.descending = index, start, stop, descending

    def __len__(self):
        return self.stop - self.start

    def __getitem__(self, page):
        first, last, _ = page.indices(len(self))
        if self.descending:
            first, last = self.stop - last, self.stop - first
            return [i for _, i in reversed(self.index[first:last])]
        return [i for _, i in self.index[self.start + first : self.start + last]]


def _indexed_matches(store, table, query):
    """Matching ids in sort order, scanning only the slice of the index the filters allow.

    A search made only of range filters on the sort property needs no scan at all.
    """
    index = table.live[query.sort]
    bounds = [_group_bounds(index, group, query.sort) for group in query.groups] or [
        (0, len(index))
    ]
    start, stop = min(b[0] for b in bounds), max(b[1] for b in bounds)
    only_bounds = not query.text_terms and (
        not query.groups
        or (
            len(query.groups) == 1
            and all(f.name == query.sort and f.operator in RANGE_OPERATORS for f in query.groups[0])
        )
    )
    window = _IndexSlice(index, start, stop, query.descending)
    if only_bounds:
        return window
    return [i for i in window[:] if _matches(store, table, table.records[i], query)]


def _group_bounds(index, group, sort):
    """The index positions a filter group can match, from its range filters on ``sort``."""
    start, stop = 0, len(index)
    for f in group:
        if f.name != sort or f.operator not in RANGE_OPERATORS:
            continue
        if f.operator in ("GT", "GTE", "EQ", "BETWEEN"):
            low = bisect_right(index, (f.low, HIGH)) if f.operator == "GT" else None
            start = max(start, low if low is not None else bisect_left(index, (f.low, LOW)))
        if f.operator in ("LT", "LTE", "EQ", "BETWEEN"):
            top = f.high if f.operator == "BETWEEN" else f.low
            high = bisect_left(index, (top, LOW)) if f.operator == "LT" else None
            stop = min(stop, high if high is not None else bisect_right(index, (top, HIGH)))
    return start, max(start, stop)


def _pinned_candidates(table, query):
    """The few live records a search can match when every group pins an id or unique value.

    E.g. "email EQ x" looks the e-mail up instead of scanning. None when a group pins nothing.
    """
    if not query.groups:
        return None
    ids = set()
    for group in query.groups:
        pinned = next((f for f in group if _pins(table, f)), None)
        if pinned is None:
            return None
        keys = pinned.values if pinned.operator == "IN" else [pinned.low]
        if pinned.name == "hs_object_id":
            ids.update(int(k) for k in keys if float(k).is_integer())
        else:
            owners = table.unique[pinned.name]
            ids.update(owners[k] for k in map(unique_key, map(str, keys)) if k in owners)
    records = (table.records.get(i) for i in ids)
    return [r for r in records if r is not None and r.archived_at is None]


def _pins(table, f):
    if f.operator not in ("EQ", "IN"):
        return False
    return f.name == "hs_object_id" or (f.name in table.unique and f.kind == "string")


def _sorted_matches(store, table, query, candidates):
    """Matching ids of ``candidates`` in sort order (empty values last), ties by id."""
    keyed = [
        (_sort_key(store, table, query.sort, r), r.id)
        for r in candidates
        if _matches(store, table, r, query)
    ]
    present = sorted((k for k in keyed if k[0] is not None), reverse=query.descending)
    absent = sorted(i for key, i in keyed if key is None)
    return [i for _, i in present] + absent


def _sort_key(store, table, name, record):
    if name in table.index_names:
        return table.index_keys(record)[table.index_names.index(name)][0]
    return comparable(table.properties[name]["type"], store.value(table, record, name))


def _matches(store, table, record, query):
    if query.text_terms and not _matches_text(store, table, record, query.text_terms):
        return False
    return not query.groups or any(
        all(_matches_filter(store, table, record, f) for f in group) for group in query.groups
    )


def _matches_text(store, table, record, terms):
    text = " ".join(
        store.value(table, record, name) or "" for name in table.type.searchable_properties
    ).lower()
    return all(term in text for term in terms)


def _matches_filter(store, table, record, f):
    if f.kind == "association":
        linked = store.linked(table, record, store.tables[f.target])
        return any(str(i) in f.values for i in linked)
    text = store.value(table, record, f.name)
    if f.operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return bool(text) == (f.operator == "HAS_PROPERTY")
    if f.operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        found = bool(text) and _contains_token(text.lower(), f.pattern)
        return found == (f.operator == "CONTAINS_TOKEN")
    if f.operator in ("IN", "NOT_IN"):
        key = text.lower() if text and f.kind == "string" else comparable(f.kind, text)
        return (key in f.values) == (f.operator == "IN")
    key = comparable(f.kind, text)
    if f.operator == "NEQ":
        return key != f.low
    if key is None:
        return False
    return {
        "EQ": lambda: key == f.low,
        "GT": lambda: key > f.low,
        "GTE": lambda: key >= f.low,
        "LT": lambda: key < f.low,
        "LTE": lambda: key <= f.low,
        "BETWEEN": lambda: f.low <= key <= f.high,
    }[f.operator]()


def _contains_token(text, pattern):
    """Whole value or any word of it matches the pattern (``*`` is a wildcard)."""
    if fnmatchcase(text, pattern):
        return True
    return any(fnmatchcase(token, pattern) for token in text.translate(TOKEN_SEPARATORS).split())
