"""Cursors and last runs moved from res.company to hubspot.job.state.

The old columns are read once and dropped, so the next run resumes where the
previous version stopped instead of importing every record again. The old
cursor was the last change read, the overlap taken off when searching; the new
one has the overlap taken off already.

The token is now sent only to the API URL it was verified against. A company
whose token 18.0.1.0.0 had verified was verified against its current URL (a
change of token or URL cleared the check): that URL is the verified one, so the
jobs go on after the upgrade instead of waiting for someone to test the
connection again.
"""


def migrate(cr, version):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'res_company'
           AND column_name IN ('hubspot_contacts_cursor', 'hubspot_deals_cursor')
        """
    )
    columns = cr.fetchall()
    cr.execute(
        "SELECT value FROM ir_config_parameter WHERE key = %s",
        ("hubspot_connector.cursor_overlap_seconds",),
    )
    row = cr.fetchone()
    overlap = int(row[0]) if row and row[0] else 300
    for (column,) in columns:
        object_type = column.split("_")[1]
        cr.execute(
            f"""
            INSERT INTO hubspot_job_state (company_id, object_type, job, cursor, archived_scan_at,
                                           create_date, write_date)
            SELECT id, %s, 'pull', {column} - make_interval(secs => %s), now() at time zone 'UTC',
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM res_company
             WHERE {column} IS NOT NULL
            ON CONFLICT (company_id, object_type, job) DO UPDATE SET cursor = EXCLUDED.cursor
            """,  # noqa: S608 - the column comes from the catalog query above
            (object_type, overlap),
        )
        cr.execute(f"ALTER TABLE res_company DROP COLUMN {column}")
    cr.execute("ALTER TABLE res_company DROP COLUMN IF EXISTS hubspot_run_log")
    cr.execute(
        """
        UPDATE res_company
           SET hubspot_verified_api_url = COALESCE(NULLIF(hubspot_api_url, ''), %s)
         WHERE hubspot_token_verified AND hubspot_verified_api_url IS NULL
        """,
        ("https://api.hubapi.com",),
    )
