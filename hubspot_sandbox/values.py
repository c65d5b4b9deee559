"""Property values: HubSpot's string encoding, write validation and search comparison.

HubSpot sends and receives every property value as a string. Datetimes are written as ISO-8601
or epoch milliseconds and read back as ISO-8601 UTC with milliseconds; ``date`` properties must
be midnight UTC; numbers, booleans and enumerations are strings too.
"""

import math
import re
import time
from datetime import date, datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DAY_MS = 86_400_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidValue(ValueError):
    """A value HubSpot would reject; ``code`` is HubSpot's error code for it."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def now_ms():
    """Current time in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def iso(ms):
    """Epoch milliseconds as HubSpot prints them: ``2024-01-17T19:55:04.281Z``."""
    seconds, millis = divmod(ms, 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z"


def parse_timestamp(value):
    """Epoch milliseconds from epoch-ms digits, an ISO-8601 datetime or a ``YYYY-MM-DD`` date."""
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return (parsed - _EPOCH) // timedelta(milliseconds=1)


def to_ms(value):
    """Epoch milliseconds from a datetime, a date, a number or a timestamp string (None stays)."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return (value - _EPOCH) // timedelta(milliseconds=1)
    if isinstance(value, date):
        return (value - _EPOCH.date()).days * _DAY_MS
    if isinstance(value, float):
        return int(value)
    return parse_timestamp(value)


def as_text(value):
    """A JSON value as HubSpot stores it: a string, booleans lower-case, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize(definition, value, options):
    """The stored form of ``value`` for a property, or ``InvalidValue``.

    ``options`` are the allowed enumeration values (None: not checked). An empty string clears
    the property and is always valid.
    """
    text = as_text(value)
    if text == "":
        return ""
    name, kind = definition["name"], definition["type"]
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InvalidValue("INVALID_NUMBER", f'"{text}" is not a valid number for {name}')
        return text.strip()
    if kind in ("datetime", "date"):
        try:
            ms = parse_timestamp(text)
        except ValueError:
            raise InvalidValue(
                "INVALID_DATE", f'"{text}" is not a valid {kind} for {name}'
            ) from None
        if kind == "datetime":
            return iso(ms)
        if ms % _DAY_MS:
            raise InvalidValue("INVALID_DATE", f"{text} is at {iso(ms)[11:-1]} UTC, not midnight!")
        return iso(ms)[:10]
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise InvalidValue("INVALID_BOOLEAN", f'"{text}" is not a valid boolean for {name}')
        return text.lower()
    if kind == "enumeration" and options is not None:
        chosen = text.split(";") if definition["fieldType"] == "checkbox" else [text]
        for choice in chosen:
            if choice not in options:
                raise InvalidValue(
                    "INVALID_OPTION",
                    f"{choice} was not one of the allowed options: [{', '.join(options)}]",
                )
    if name == "email" and not _EMAIL.match(text.strip()):
        raise InvalidValue("INVALID_EMAIL", f"Email address {text} is invalid")
    return text


def comparable(kind, text):
    """A key that orders and compares stored values of a property type the way search does.

    Numbers compare numerically, dates by instant, enumerations exactly (HubSpot matches them
    case-sensitively) and the rest case-insensitively. Returns None for values that cannot be
    interpreted (they then match no range filter).
    """
    if text is None or text == "":
        return None
    if kind == "enumeration":
        return text
    try:
        if kind == "number":
            return float(text)
        if kind in ("datetime", "date"):
            return parse_timestamp(text)
    except ValueError:
        return None
    return text.lower()


def unique_key(value):
    """How unique values (e-mail, unique custom properties) are compared: trimmed, any case."""
    return value.strip().lower()
