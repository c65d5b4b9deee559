"""Values crossing between HubSpot and Odoo, made safe before either side stores them.

HubSpot accepts text that PostgreSQL refuses (a NUL byte, a lone UTF-16 surrogate), text
longer than an indexed Odoo column can hold, numbers that are no amount (``1e309`` reads as
infinity), e-mail values that are no single address and phone numbers that parse nowhere.
Each function here either returns a value both sides can store, saying what it changed, or
raises :class:`CleaningError` with the reason. Pure Python, so every rule is tested without Odoo.
"""

import functools
import math
import re
from datetime import datetime, timezone

import phonenumbers

#: What replaces an unusable character: Unicode's own mark for one, visible to the reader,
#: and never part of a valid e-mail address (so cleaning never makes one valid).
REPLACEMENT = "\ufffd"
#: HubSpot's longest string property value.
TEXT_LIMIT = 65_536
#: Longest value for an Odoo Char column with an index. PostgreSQL refuses btree rows past
#: 2,704 bytes; 256 characters of 4 bytes each leave room for values composed from it (a
#: contact's "Company, Name").
INDEXED_TEXT_LIMIT = 256
#: Amounts at or beyond this are no sum anyone sells for, and floats lose the cents.
NUMBER_LIMIT = 1e15

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n]")
# RFC 5322 "atext": the characters of an unquoted local part, besides the dots between them.
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~")
# "Name <address>", with a plain or quoted display name.
_NAMED_ADDRESS = re.compile(r'\s*(?:"[^"\\]*"|[^"<>@,;]*?)\s*<([^<>]*)>\s*')


class CleaningError(ValueError):
    """A value that cannot be made valid: it must not be stored, the reason says why."""


def clean_text(value, max_length=TEXT_LIMIT, multiline=True):
    """Return ``(text, problems)``: text any database column takes, and what was changed.

    Control characters and lone surrogates become U+FFFD; tabs and line breaks are kept
    when ``multiline``, else they become spaces (a line break in a name is no name); text
    longer than ``max_length`` is cut. ``problems`` lists the changes in words, empty when
    the text was fine.
    """
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    problems = []
    text, count = _CONTROL.subn(REPLACEMENT, text)
    if count:
        problems.append(f"{count} control character(s) replaced")
    text, count = _SURROGATE.subn(REPLACEMENT, text)
    if count:
        problems.append(f"{count} invalid character(s) replaced")
    if not multiline:
        text, count = _LINE_BREAKS.subn(" ", text)
        if count:
            problems.append(f"{count} line break(s) or tab(s) replaced by spaces")
    if len(text) > max_length:
        problems.append(f"cut from {len(text)} to {max_length} characters")
        text = text[:max_length]
    return text, problems


def parse_number(value, minimum=-NUMBER_LIMIT):
    """A finite number within ``[minimum, NUMBER_LIMIT)`` from text or a number."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise CleaningError(f"{str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise CleaningError(f"{str(value)[:40]!r} is not a finite number")
    if number < minimum:
        raise CleaningError(f"{number:g} is below {minimum:g}")
    if number >= NUMBER_LIMIT:
        raise CleaningError(f"{number:g} is too large (the limit is {NUMBER_LIMIT:g})")
    return number


def parse_datetime(value):
    """HubSpot's datetime text (ISO-8601, a date, or epoch milliseconds) as naive UTC."""
    text = str(value).strip()
    try:
        if re.fullmatch(r"-?\d{1,15}", text):
            parsed = datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
        else:
            # Python 3.10 (Odoo 18's minimum) cannot parse a trailing "Z".
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: FURB162
    except (ValueError, OverflowError, OSError):
        raise CleaningError(f"{text[:40]!r} is not a date") from None
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


@functools.lru_cache(maxsize=4096)
def format_phone(value, region):
    """E.164 (with `` ext. N``) of a phone number read in ``region``; CleaningError if none.

    Memoised: an import formats each number twice (to compare, then to store).
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise CleaningError("unparsable") from error
    if not phonenumbers.is_possible_number(number):
        raise CleaningError("impossible")
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        formatted += f" ext. {number.extension}"
    return formatted


def parse_email(value):
    """The one e-mail address in ``value``, normalized as Odoo does, or CleaningError.

    Accepted: ``local@domain`` or ``Name <local@domain>``, with exactly one address; a
    local part of letters, digits and RFC 5322 symbols in dot-separated runs (quoted
    local parts are refused: neither side handles them); a domain of at least two
    dot-separated labels of letters, digits and inner hyphens, the last one not numeric.
    ASCII local parts and every domain are lower-cased, as Odoo's ``email_normalized``.
    """
    text = str(value).strip()
    named = _NAMED_ADDRESS.fullmatch(text)
    address = named.group(1).strip() if named else text
    if any(separator in address for separator in ",;") or address.count("@") > 1:
        raise CleaningError("more than one address")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise CleaningError("no local@domain address")
    if len(address) > 254 or len(local) > 64:
        raise CleaningError("too long for an address")
    if not all(run and all(_local_char(c) for c in run) for run in local.split(".")):
        raise CleaningError("invalid characters before the @")
    labels = domain.lower().split(".")
    if len(labels) < 2 or not all(_domain_label(label) for label in labels):
        raise CleaningError("invalid domain")
    if labels[-1].isdigit() or len(labels[-1]) < 2:
        raise CleaningError("invalid top-level domain")
    return f"{local.lower() if local.isascii() else local}@{'.'.join(labels)}"


def _local_char(char):
    return char.lower() in _ATEXT or (not char.isascii() and char.isalnum())


def _domain_label(label):
    return (
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(c.isalnum() or c == "-" for c in label)
    )
