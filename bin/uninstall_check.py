"""Uninstall hubspot_connector from a database; fail on any WARNING or ERROR it logs.

Usage: python3 bin/uninstall_check.py ODOO_CONF DATABASE
"""

import logging
import sys

import odoo
from odoo.modules.registry import Registry


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


def main(conf, database):
    odoo.tools.config.parse_config(["-c", conf, "-d", database, "--log-level=warn"])
    collected = Collect()
    logging.getLogger().addHandler(collected)
    with Registry(database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.module.module"].search(
            [("name", "=", "hubspot_connector")]
        ).button_immediate_uninstall()
    with Registry(database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        state = env["ir.module.module"].search([("name", "=", "hubspot_connector")]).state
        leftovers = env["ir.model"].search_count([("model", "like", "hubspot.%")])
    print(f"hubspot_connector is {state}; {leftovers} hubspot.* models left")
    for line in collected.records:
        print("logged:", line)
    return 0 if state == "uninstalled" and not leftovers and not collected.records else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
