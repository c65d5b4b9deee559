"""Cursors and last runs moved from res.company to hubspot.job.state.

The old columns are read once and dropped, so the next run resumes where the
previous version stopped instead of importing every record again.
"""


def migrate(cr, version):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'res_company'
           AND column_name IN ('hubspot_contacts_cursor', 'hubspot_deals_cursor')
        """
    )
    for (column,) in cr.fetchall():
        object_type = column.split("_")[1]
        cr.execute(
            f"""
            INSERT INTO hubspot_job_state (company_id, object_type, job, cursor, archived_scan_at,
                                           create_date, write_date)
            SELECT id, %s, 'pull', {column}, now() at time zone 'UTC',
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM res_company
             WHERE {column} IS NOT NULL
            ON CONFLICT (company_id, object_type, job) DO UPDATE SET cursor = EXCLUDED.cursor
            """,  # noqa: S608 - the column comes from the catalog query above
            (object_type,),
        )
        cr.execute(f"ALTER TABLE res_company DROP COLUMN {column}")
    cr.execute("ALTER TABLE res_company DROP COLUMN IF EXISTS hubspot_run_log")
