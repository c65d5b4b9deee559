"""Before the models load: make room for the bindings and key work by object type.

The link columns of partners and opportunities keep their data under other names
(the public fields come back as company-dependent columns), and the queue and
the field rules name the HubSpot object type instead of the Odoo model.
"""

# The old column of each public field, renamed for the post-migration to read.
PUBLIC_COLUMNS = ("hubspot_id", "hubspot_sync_state", "hubspot_error_kind")
# Partner fields that became company-dependent (one value per portal).
PER_PORTAL_COLUMNS = ("hubspot_lead_status", "hubspot_lifecycle_stage")
OBJECT_TYPES = {"res.partner": "contacts", "crm.lead": "deals"}


def _has_column(cr, table, column):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        (table, column),
    )
    return bool(cr.fetchone())


def _key_by_object_type(cr, table, column):
    if not _has_column(cr, table, column):
        return
    cr.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{column}" TO object_type')
    for model, object_type in OBJECT_TYPES.items():
        cr.execute(
            f'UPDATE "{table}" SET object_type = %s WHERE object_type = %s', (object_type, model)
        )


def migrate(cr, version):
    for table in ("res_partner", "crm_lead"):
        for column in PUBLIC_COLUMNS:
            if _has_column(cr, table, column):
                cr.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{column}" TO "{column}_v11"')
    for column in PER_PORTAL_COLUMNS:
        if _has_column(cr, "res_partner", column):
            cr.execute(f'ALTER TABLE res_partner RENAME COLUMN "{column}" TO "{column}_v11"')
    _key_by_object_type(cr, "hubspot_sync_queue", "res_model")
    _key_by_object_type(cr, "hubspot_field_mapping", "model_name")
    cr.execute(
        "ALTER TABLE hubspot_field_mapping "
        "DROP CONSTRAINT IF EXISTS hubspot_field_mapping_model_property_uniq"
    )
    cr.execute(
        "DELETE FROM ir_model_constraint WHERE name = 'hubspot_field_mapping_model_property_uniq'"
    )
