"""Which way a value travels: every sync rule against base, Odoo and HubSpot."""

import pytest

from hubspot_connector.services.rules import DIFFERS, TO_HUBSPOT, TO_ODOO, decide


def v(value):
    return {"phone": value}


@pytest.mark.parametrize(
    ("rule", "base", "local", "remote", "local_is_newer", "expected"),
    [
        # first link: fill blanks both ways, a difference waits for a person
        ("two_way", None, v(""), v("1"), False, TO_ODOO),
        ("two_way", None, v("1"), v(""), False, TO_HUBSPOT),
        ("two_way", None, v("1"), v("2"), True, DIFFERS),
        ("prefer_hubspot", None, v("1"), v("2"), False, TO_ODOO),
        ("hubspot", None, v("1"), v("2"), False, TO_ODOO),
        ("odoo", None, v("1"), v("2"), True, TO_HUBSPOT),
        # one side changed since the last sync
        ("two_way", v("1"), v("1"), v("2"), False, TO_ODOO),
        ("two_way", v("1"), v("2"), v("1"), False, TO_HUBSPOT),
        ("hubspot", v("1"), v("2"), v("1"), False, TO_HUBSPOT),  # Odoo's lead status goes out
        ("odoo", v("1"), v("1"), v("2"), False, TO_ODOO),
        # both changed: the rule, or the most recent change for two-way fields
        ("two_way", v("1"), v("2"), v("3"), True, TO_HUBSPOT),
        ("two_way", v("1"), v("2"), v("3"), False, TO_ODOO),
        ("hubspot", v("1"), v("2"), v("3"), True, TO_ODOO),
        ("odoo", v("1"), v("2"), v("3"), False, TO_HUBSPOT),
        # unless blank
        ("prefer_hubspot", v("1"), v("2"), v(""), False, TO_HUBSPOT),
        ("prefer_hubspot", v("1"), v("2"), v("3"), True, TO_ODOO),
        ("prefer_odoo", v("1"), v(""), v("3"), True, TO_ODOO),
        ("prefer_odoo", v("1"), v("2"), v("3"), False, TO_HUBSPOT),
        # nothing to do
        ("none", v("1"), v("2"), v("3"), True, None),
        ("two_way", v("1"), v("2"), v("2"), True, None),
    ],
)
def test_decide(rule, base, local, remote, local_is_newer, expected):
    assert decide(rule, base, local, remote, local_is_newer) == expected


@pytest.mark.parametrize(
    ("rule", "first_link", "expected"),
    [
        ("two_way", "ask", DIFFERS),
        ("two_way", "odoo", TO_HUBSPOT),
        ("two_way", "hubspot", TO_ODOO),
        # a rule that names a winner decides the first link too
        ("hubspot", "odoo", TO_ODOO),
        ("odoo", "hubspot", TO_HUBSPOT),
    ],
)
def test_first_link_setting_decides_a_difference(rule, first_link, expected):
    assert decide(rule, None, v("1"), v("2"), False, first_link) == expected


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown sync rule"):
        decide("sometimes", None, v("1"), v("2"), False)
    with pytest.raises(ValueError, match="unknown first-link choice"):
        decide("two_way", None, v("1"), v("2"), False, "coin")
