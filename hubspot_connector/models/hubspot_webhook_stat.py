import threading
import time
from collections import Counter

from odoo import api, fields, models
from odoo.tools import SQL

# Counts of requests refused are kept in memory and written at most this often: a flood
# of forged requests must not cost a database write each.
FLUSH_SECONDS = 60
_PENDING = {}  # database name: Counter of (company id or 0, kind)
_FLUSHED_AT = {}  # database name: time.monotonic() of the last write
_LOCK = threading.Lock()

KINDS = [
    ("accepted", "Events accepted"),
    ("unknown_portal", "Events of unknown portals"),
    ("ignored", "Events not synced"),
    ("malformed", "Batches not readable"),
    ("refused", "Requests refused"),
    ("replayed", "Requests replayed"),
]


class HubspotWebhookStat(models.Model):
    """How many webhook events and requests came, by kind and company, and when last."""

    _name = "hubspot.webhook.stat"
    _description = "HubSpot Webhook Counter"
    _log_access = False

    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="cascade")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    count = fields.Integer(readonly=True)
    last_at = fields.Datetime(string="Last Counted", readonly=True)

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS hubspot_webhook_stat_uniq
                ON hubspot_webhook_stat (COALESCE(company_id, 0), kind)
            """
        )

    @api.model
    def _hubspot_count(self, counts, write_now=False):
        """Add ``counts`` (``{(company id or 0, kind): number}``); written now with
        ``write_now``, else once a minute at most.

        What waits in memory is written with the next write of this process, or lost
        with it: only the requests refused wait there, and a count is all they cost.
        """
        dbname = self.env.cr.dbname
        with _LOCK:
            pending = _PENDING.setdefault(dbname, Counter())
            pending.update(counts)
            since = time.monotonic() - _FLUSHED_AT.setdefault(dbname, time.monotonic())
            if not write_now and since < FLUSH_SECONDS:
                return
            pending = +_PENDING.pop(dbname)  # without the kinds counted zero times
            _FLUSHED_AT[dbname] = time.monotonic()
        if not pending:
            return
        now = fields.Datetime.now()
        rows = SQL(", ").join(
            SQL("(%s, %s, %s, %s)", company_id or None, kind, number, now)
            for (company_id, kind), number in sorted(pending.items())
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO hubspot_webhook_stat (company_id, kind, count, last_at)
                VALUES %s
                ON CONFLICT (COALESCE(company_id, 0), kind)
                DO UPDATE SET count = hubspot_webhook_stat.count + EXCLUDED.count,
                              last_at = EXCLUDED.last_at
                """,
                rows,
            )
        )
        self.invalidate_model()

    @api.model
    def _hubspot_last_at(self, company, kind):
        return self.sudo().search([("company_id", "=", company.id), ("kind", "=", kind)]).last_at

    @api.model
    def _hubspot_totals(self, company):
        """``{kind: count}`` of ``company`` and of no company (refusals are nobody's)."""
        totals = dict.fromkeys(dict(KINDS), 0)
        for stat in self.sudo().search([("company_id", "in", [company.id, False])]):
            totals[stat.kind] += stat.count
        return totals
