"""pytest-odoo imports Odoo's test framework before it sets test mode, and Odoo logs an
ERROR about that import; it is expected here, so only that one message is dropped."""

import logging

logging.getLogger("odoo.tests.common").addFilter(
    lambda record: "Importing test framework" not in record.getMessage()
)
