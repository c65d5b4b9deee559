"""Values made safe at the boundary: text, numbers, dates and e-mail addresses."""

import pytest

from hubspot_connector.services.cleaning import (
    INDEXED_TEXT_LIMIT,
    REPLACEMENT,
    CleaningError,
    clean_text,
    parse_datetime,
    parse_email,
    parse_number,
)


@pytest.mark.parametrize(
    "value", ["Ada Lovelace", "Zürich 🏔", "שלום עולם", "<b>Bold</b> & Co", "multi\nline\ttab"]
)
def test_good_text_is_kept_as_it_is(value):
    assert clean_text(value) == (value, [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nul\x00byte", f"nul{REPLACEMENT}byte"),
        ("bell\x07 and escape\x1b", f"bell{REPLACEMENT} and escape{REPLACEMENT}"),
        ("delete\x7f c1\x85", f"delete{REPLACEMENT} c1{REPLACEMENT}"),
        ("lone \ud800 surrogate", f"lone {REPLACEMENT} surrogate"),
        ("low \udfff surrogate", f"low {REPLACEMENT} surrogate"),
    ],
)
def test_unusable_characters_are_replaced_and_reported(value, expected):
    text, problems = clean_text(value)
    assert text == expected
    assert len(problems) == 1
    text.encode("utf-8")  # what PostgreSQL and JSON need


def test_windows_line_ends_are_no_problem():
    assert clean_text("a\r\nb\rc") == ("a\nb\nc", [])


def test_single_line_fields_get_spaces_for_line_breaks_and_tabs():
    text, problems = clean_text("first\nsecond\tthird", multiline=False)
    assert text == "first second third"
    assert problems == ["2 line break(s) or tab(s) replaced by spaces"]


def test_long_text_is_cut_to_the_limit_and_the_cut_is_reported():
    text, problems = clean_text("é" * 10_000, INDEXED_TEXT_LIMIT)
    assert len(text) == INDEXED_TEXT_LIMIT
    assert problems == [f"cut from 10000 to {INDEXED_TEXT_LIMIT} characters"]
    # Well under PostgreSQL's 2,704-byte btree row, even for 4-byte characters.
    assert len(("😀" * INDEXED_TEXT_LIMIT).encode()) < 2704 / 2


@pytest.mark.parametrize(
    ("value", "minimum", "expected"),
    [("12.5", 0, 12.5), ("0", 0, 0.0), ("-3", -10, -3.0), (" 7 ", 0, 7.0), (99, 0, 99.0)],
)
def test_numbers_within_range_parse(value, minimum, expected):
    assert parse_number(value, minimum) == expected


@pytest.mark.parametrize(
    ("value", "minimum"),
    [
        ("1e309", 0),
        ("-1e309", None),
        ("inf", 0),
        ("NaN", 0),
        ("1e15", 0),
        ("-0.01", 0),
        ("twelve", 0),
        ("", 0),
        (None, 0),
    ],
)
def test_absurd_numbers_are_refused(value, minimum):
    with pytest.raises(CleaningError):
        parse_number(value, minimum if minimum is not None else -1e15)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", "2024-03-01 00:00:00"),
        ("2019-12-07T16:50:06.678Z", "2019-12-07 16:50:06.678000"),
        ("2019-12-07T18:50:06+02:00", "2019-12-07 16:50:06"),
        ("1572480000000", "2019-10-31 00:00:00"),
    ],
)
def test_hubspot_dates_parse_to_naive_utc(value, expected):
    assert str(parse_datetime(value)) == expected


@pytest.mark.parametrize(
    "value", ["tomorrow", "2024-13-45", "31/12/2024", "99999999999999999", "", "2024-02-30"]
)
def test_unparsable_dates_are_refused(value):
    with pytest.raises(CleaningError):
        parse_datetime(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"),
        ("Ada <ada@example.com>", "ada@example.com"),
        ('"Lovelace, Ada" <ada@example.com>', "ada@example.com"),
        ("first+tag@mail.example.co.uk", "first+tag@mail.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("müller@bücher.de", "müller@bücher.de"),
        ("user@xn--bcher-kva.de", "user@xn--bcher-kva.de"),
    ],
)
def test_valid_addresses_are_normalized_as_odoo_does(value, expected):
    assert parse_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "attacker.x,victim@example.com",
        "a@example.com; b@example.com",
        "user@@example.com",
        "<script>alert(1)</script>@example.com",
        "<script>@example.com",
        "no-at-sign.example.com",
        "@example.com",
        "user@",
        "user@localhost",
        "user@example.",
        "user@.example.com",
        "user@-example.com",
        "user@example.123",
        "user@example.c",
        ".user@example.com",
        "us..er@example.com",
        "us er@example.com",
        '"quoted"@example.com',
        "nul\x00@example.com",
        f"nul{REPLACEMENT}@example.com",
        "user@exa_mple.com",
        "x" * 65 + "@example.com",
        "user@" + "a" * 64 + ".com",
        "Name <a@example.com> <b@example.com>",
    ],
)
def test_anything_but_one_valid_address_is_refused(value):
    with pytest.raises(CleaningError):
        parse_email(value)
