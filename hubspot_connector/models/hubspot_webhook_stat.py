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
    """How many webhook events and requests came, by kind and company, and when.

    Append-only: HubSpot posts several requests at once, and a counter row that each of
    them updated would make them wait for, and fail on, each other. Each write adds rows;
    the daily clean-up sums the older ones into one per company and kind.
    """

    _name = "hubspot.webhook.stat"
    _description = "HubSpot Webhook Counter"
    _log_access = False

    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="cascade")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    count = fields.Integer(readonly=True)
    last_at = fields.Datetime(string="Last Counted", readonly=True)

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
        if pending:
            self._hubspot_insert(pending, fields.Datetime.now())

    @api.model
    def _hubspot_insert(self, counts, at):
        rows = SQL(", ").join(
            SQL("(%s, %s, %s, %s)", company_id or None, kind, number, at)
            for (company_id, kind), number in sorted(counts.items())
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO hubspot_webhook_stat (company_id, kind, count, last_at) VALUES %s",
                rows,
            )
        )
        self.invalidate_model()

    @api.autovacuum
    def _gc_sum_old_counts(self):
        """One row per company and kind for what is older than a day."""
        self.env.cr.execute(
            """
            DELETE FROM hubspot_webhook_stat
             WHERE last_at < (now() at time zone 'UTC') - interval '1 day'
         RETURNING COALESCE(company_id, 0), kind, count, last_at
            """
        )
        counts, last = Counter(), {}
        for company_id, kind, count, last_at in self.env.cr.fetchall():
            counts[company_id, kind] += count
            last[company_id, kind] = max(last.get((company_id, kind), last_at), last_at)
        for key, count in counts.items():
            self._hubspot_insert({key: count}, last[key])

    @api.model
    def _hubspot_last_at(self, company, kind):
        stat = self.sudo().search(
            [("company_id", "=", company.id), ("kind", "=", kind)], order="last_at desc", limit=1
        )
        return stat.last_at

    @api.model
    def _hubspot_totals(self, company):
        """``{kind: count}`` of ``company`` and of no company (refusals are nobody's)."""
        totals = dict.fromkeys(dict(KINDS), 0)
        for kind, count in self.sudo()._read_group(
            [("company_id", "in", [company.id, False])], ["kind"], ["count:sum"]
        ):
            totals[kind] += count
        return totals
