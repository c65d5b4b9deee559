"""A throwaway PostgreSQL database holding the rate budget table, for tests and benchmarks.

The server is ``$HUBSPOT_PG_HOST``/``_USER``/``_PASSWORD``: localhost/odoo/odoo by default,
as bin/test uses.
"""

import functools
import os
from contextlib import closing, contextmanager

import psycopg2
from psycopg2 import sql

from hubspot_connector.services.shared_pacing import create_table

SERVER = {
    "host": os.environ.get("HUBSPOT_PG_HOST", "localhost"),
    "user": os.environ.get("HUBSPOT_PG_USER", "odoo"),
    "password": os.environ.get("HUBSPOT_PG_PASSWORD", "odoo"),
}


@contextmanager
def budget_database(name):
    """Make database ``name`` afresh with the budget table and drop it after.

    Yields a function that opens a connection to it (picklable, for other processes).
    """
    database = sql.Identifier(name)
    with closing(psycopg2.connect(dbname="postgres", **SERVER)) as admin:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(database))
        try:
            connect = functools.partial(psycopg2.connect, dbname=name, **SERVER)
            with closing(connect()) as connection, connection.cursor() as cursor:
                create_table(cursor)
                connection.commit()
            yield connect
        finally:
            with admin.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(database))
