"""pytest-odoo imports Odoo's test framework before it sets test mode, and Odoo logs an
ERROR about that import; it is expected here, so only that one message is dropped.

With ``--odoo-http`` pytest-odoo serves HTTP on a random port: the configured one is
used instead, so that checkouts sharing a machine each keep to their own."""

import logging

import pytest_odoo

import odoo

logging.getLogger("odoo.tests.common").addFilter(
    lambda record: "Importing test framework" not in record.getMessage()
)
pytest_odoo._get_available_random_port = lambda: odoo.tools.config["http_port"]
