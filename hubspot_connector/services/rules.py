"""Field sync rules: which way a value travels, decided from three states.

``base`` is what both sides agreed on at the last sync (the stored snapshot),
``local`` is Odoo's value now and ``remote`` HubSpot's, all in HubSpot's string
representation. Pure Python, so every rule is tested without Odoo or HTTP.
"""

TO_ODOO = "to_odoo"
TO_HUBSPOT = "to_hubspot"

RULES = ("two_way", "hubspot", "odoo", "prefer_hubspot", "prefer_odoo", "none")


def is_blank(values):
    """True when every property of a mapping is empty."""
    return not any(values.values())


def decide(rule, base, local, remote, local_is_newer):
    """Return TO_ODOO, TO_HUBSPOT or None for one mapped field.

    ``base`` is None when the two records were never synced (first link). Then
    existing Odoo data is never overwritten unless HubSpot wins (SPEC C8); blanks
    are filled from the other side. Afterwards a side that changed since ``base``
    wins; when both changed, HubSpot wins, Odoo wins, or, for two-way fields, the
    most recent change (``local_is_newer``, judged on stored timestamps).
    """
    if rule not in RULES:
        raise ValueError(f"unknown sync rule {rule!r}")
    if rule == "none" or local == remote:
        return None
    if rule == "prefer_hubspot":
        return TO_HUBSPOT if is_blank(remote) else TO_ODOO
    if rule == "prefer_odoo":
        return TO_ODOO if is_blank(local) else TO_HUBSPOT
    if base is None:
        if is_blank(remote):
            return TO_HUBSPOT
        if is_blank(local) or rule == "hubspot":
            return TO_ODOO
        return TO_HUBSPOT
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
