from odoo import fields, models

from ..services.shared_pacing import TABLE, create_table


class HubspotRateBudget(models.Model):
    """The request budget of each HubSpot portal, shared by every Odoo process.

    The rows are read and written only by the HTTP client's pacing, on a connection of its
    own (see ``services/shared_pacing.py``); the model owns the table, so that it is made at
    install and dropped at uninstall. Its arrays of times have no ORM field.
    """

    _name = "hubspot.rate.budget"
    _description = "HubSpot Rate Budget"
    _table = TABLE
    _auto = False
    _log_access = False

    name = fields.Char(string="Portal and Limit", readonly=True)

    def init(self):
        create_table(self.env.cr)
