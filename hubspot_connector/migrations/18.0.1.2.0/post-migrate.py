"""After the models load: every link, snapshot and sync state becomes a binding.

Nothing is read from HubSpot and nothing is sent: the bindings hold exactly what
the records held, so the next run finds every version already synced. A record
with a sync state but no link yet (waiting to be created in HubSpot) is bound in
its own company's portal, or in the first portal when it has no company. A
partner's lead status and lifecycle stage become those of the portal it is
linked in.
"""

BINDINGS = (
    ("res_partner", "hubspot_contact_binding"),
    ("crm_lead", "hubspot_deal_binding"),
)
OLD_COLUMNS = (
    "hubspot_id_v11",
    "hubspot_sync_state_v11",
    "hubspot_error_kind_v11",
    "hubspot_company_id",
    "hubspot_last_sync",
    "hubspot_last_error",
    "hubspot_updated_at",
    "hubspot_changed_at",
    "hubspot_synced_values",
    "hubspot_note",
    "hubspot_waiting",
)


# Binding field: the column of the previous releases that held it (18.0.1.0.0 had no
# note nor waiting values).
FIELDS = {
    "hubspot_id": "hubspot_id_v11",
    "sync_state": "hubspot_sync_state_v11",
    "last_sync": "hubspot_last_sync",
    "last_error": "hubspot_last_error",
    "error_kind": "hubspot_error_kind_v11",
    "hubspot_updated_at": "hubspot_updated_at",
    "odoo_changed_at": "hubspot_changed_at",
    "synced_values": "hubspot_synced_values",
    "note": "hubspot_note",
    "waiting": "hubspot_waiting",
}


def _columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    cr.execute(
        "SELECT min(id) FROM res_company WHERE hubspot_access_token IS NOT NULL "
        "OR hubspot_portal_id IS NOT NULL"
    )
    first_portal = cr.fetchone()[0]
    for table, binding in BINDINGS:
        columns = _columns(cr, table)
        if "hubspot_id_v11" not in columns:
            continue
        sources = ", ".join(
            f"r.{column}" if column in columns else "NULL" for column in FIELDS.values()
        )
        company = "COALESCE(r.hubspot_company_id, r.company_id, %s)"
        cr.execute(
            f"""
            INSERT INTO {binding} (company_id, odoo_id, {", ".join(FIELDS)},
                                   create_uid, write_uid, create_date, write_date)
            SELECT {company}, r.id, {sources}, 1, 1,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM {table} r
             WHERE (r.hubspot_id_v11 IS NOT NULL OR r.hubspot_sync_state_v11 IS NOT NULL)
               AND {company} IS NOT NULL
            """,
            (first_portal, first_portal),
        )
        cr.execute(
            f"""
            UPDATE {table} r
               SET hubspot_id = jsonb_build_object(b.company_id::text, b.hubspot_id),
                   hubspot_sync_state = jsonb_build_object(b.company_id::text, b.sync_state),
                   hubspot_error_kind = jsonb_build_object(b.company_id::text, b.error_kind)
              FROM {binding} b
             WHERE b.odoo_id = r.id
            """
        )
        for column in OLD_COLUMNS:
            cr.execute(f'ALTER TABLE {table} DROP COLUMN IF EXISTS "{column}" CASCADE')
    # Lead status and lifecycle stage: the value of the portal the partner is linked in.
    partner_columns = _columns(cr, "res_partner")
    for column in ("hubspot_lead_status", "hubspot_lifecycle_stage"):
        if f"{column}_v11" not in partner_columns:
            continue
        cr.execute(
            f"""
            UPDATE res_partner p
               SET {column} = jsonb_build_object(
                       COALESCE(b.company_id, p.company_id, %s)::text, p.{column}_v11)
              FROM res_partner r
              LEFT JOIN hubspot_contact_binding b ON b.odoo_id = r.id
             WHERE r.id = p.id AND p.{column}_v11 IS NOT NULL
               AND COALESCE(b.company_id, p.company_id, %s) IS NOT NULL
            """,
            (first_portal, first_portal),
        )
        cr.execute(f'ALTER TABLE res_partner DROP COLUMN "{column}_v11"')
