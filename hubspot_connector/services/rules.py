"""Field sync rules: which way a value travels, decided from three states.

``base`` is what both sides agreed on at the last sync (the stored snapshot),
``local`` is Odoo's value now and ``remote`` HubSpot's, all in HubSpot's string
representation. Pure Python, so every rule is tested without Odoo or HTTP.
"""

TO_ODOO = "to_odoo"
TO_HUBSPOT = "to_hubspot"
# Both sides hold a value, they differ and nothing says which one is right: a
# person chooses, meanwhile each side keeps its own.
DIFFERS = "differs"

RULES = ("two_way", "hubspot", "odoo", "prefer_hubspot", "prefer_odoo", "none")
FIRST_LINK = ("ask", "odoo", "hubspot")


def is_blank(values):
    """True when every property of a mapping is empty."""
    return not any(values.values())


def decide(rule, base, local, remote, local_is_newer, first_link="ask"):
    """Return TO_ODOO, TO_HUBSPOT, DIFFERS or None for one mapped field.

    ``base`` is None when the two records were never synced (first link). Then
    neither side is overwritten: blanks are filled from the other side, and
    values that differ are left for a person (DIFFERS) unless the rule names a
    winner (HubSpot wins, Odoo wins) or ``first_link`` does for two-way fields
    ("odoo" or "hubspot"; "ask" by default). Afterwards a side that changed since ``base``
    wins; when both changed, HubSpot wins, Odoo wins, or, for two-way fields, the
    most recent change (``local_is_newer``, judged on stored timestamps).
    """
    if rule not in RULES:
        raise ValueError(f"unknown sync rule {rule!r}")
    if first_link not in FIRST_LINK:
        raise ValueError(f"unknown first-link choice {first_link!r}")
    if rule == "none" or local == remote:
        return None
    if rule == "prefer_hubspot":
        return TO_HUBSPOT if is_blank(remote) else TO_ODOO
    if rule == "prefer_odoo":
        return TO_ODOO if is_blank(local) else TO_HUBSPOT
    if base is None:
        if is_blank(remote):
            return TO_HUBSPOT
        if is_blank(local):
            return TO_ODOO
        winner = rule if rule in ("hubspot", "odoo") else first_link
        return {"hubspot": TO_ODOO, "odoo": TO_HUBSPOT}.get(winner, DIFFERS)
    local_changed = local != base
    remote_changed = remote != base
    if local_changed and remote_changed:
        if rule == "hubspot":
            return TO_ODOO
        if rule == "odoo":
            return TO_HUBSPOT
        return TO_HUBSPOT if local_is_newer else TO_ODOO
    if remote_changed:
        return TO_ODOO
    if local_changed:
        return TO_HUBSPOT
    return None
