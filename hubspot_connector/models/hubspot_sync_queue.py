import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Seconds to wait before the next try of a failed entry, by attempt number.
RETRY_DELAYS = [60, 300, 900, 3600, 4 * 3600, 24 * 3600]
# How long re-reads due may wait for more to fill a batch while a stream of them comes.
GATHER_SECONDS = 2


class HubspotSyncQueue(models.Model):
    """Work waiting for the scheduled jobs.

    ``push`` entries send an Odoo record to HubSpot; ``fetch`` entries re-read a
    HubSpot record (a failed import, a merge, a webhook hint); ``archive``
    entries archive a HubSpot record whose Odoo record was archived or deleted.
    A partial unique index keeps one pending entry per target, so many edits of
    a record make one entry.
    """

    _name = "hubspot.sync.queue"
    _description = "HubSpot Sync Queue"
    _order = "next_attempt, id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    action = fields.Selection(
        [
            ("push", "Send to HubSpot"),
            ("fetch", "Read from HubSpot"),
            ("archive", "Archive in HubSpot"),
        ],
        required=True,
        readonly=True,
    )
    object_type = fields.Selection(
        selection="_selection_object_type", string="Object", required=True, readonly=True
    )
    res_id = fields.Integer(string="Odoo Record ID", readonly=True)
    hubspot_id = fields.Char(string="HubSpot ID", readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("failed", "Failed")], default="pending", required=True
    )
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    last_error = fields.Text(readonly=True)

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS hubspot_sync_queue_pending_uniq
                ON hubspot_sync_queue (company_id, action, object_type,
                                       COALESCE(res_id, 0), COALESCE(hubspot_id, ''))
            """
        )

    @api.model
    def _enqueue(self, company, action, object_type, res_ids=(), hubspot_ids=(), delay=0):
        """Queue work once per target; an entry already waiting is left as it is.

        Plain SQL with ON CONFLICT, because the write() that calls this runs for
        every edit and must neither duplicate entries nor race another worker.
        """
        targets = [(res_id, None) for res_id in res_ids] + [(None, hid) for hid in hubspot_ids]
        if not targets:
            return
        self.env.flush_all()
        now = fields.Datetime.now()
        due = now + timedelta(seconds=delay)
        rows = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s::int, %s::varchar, 'pending', 0, %s, %s, %s, %s, %s)",
                company.id,
                action,
                object_type,
                res_id,
                hubspot_id,
                due,
                self.env.uid,
                self.env.uid,
                now,
                now,
            )
            for res_id, hubspot_id in targets
        )
        # A failed entry is given a new chance by a new change; a pending one keeps
        # its place and its back-off. An entry a concurrent transaction just wrote makes
        # this one fail to serialize: Odoo runs the request or job again (and logs that),
        # so the statement's own error log would only be noise.
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO hubspot_sync_queue (company_id, action, object_type, res_id,
                    hubspot_id, state, attempts, next_attempt,
                    create_uid, write_uid, create_date, write_date)
                VALUES %s
                ON CONFLICT (company_id, action, object_type,
                             COALESCE(res_id, 0), COALESCE(hubspot_id, ''))
                DO UPDATE SET state = 'pending', attempts = 0, next_attempt = EXCLUDED.next_attempt
                        WHERE hubspot_sync_queue.state = 'failed'
                """,
                rows,
            ),
            log_exceptions=False,
        )
        self.invalidate_model()

    @api.model
    def _selection_object_type(self):
        return self.env["hubspot.binding"]._hubspot_type_selection()

    @api.model
    def _trigger_job(self):
        """Ask the scheduler to run the queue job soon, once per transaction.

        ``_trigger`` stores a row per call: an import of a thousand partners
        edited one by one must not leave a thousand of them.
        """
        if not self.env.cr.postcommit.data.get("hubspot_queue_triggered"):
            self.env.cr.postcommit.data["hubspot_queue_triggered"] = True
            self.env.ref("hubspot_connector.ir_cron_hubspot_process_queue").sudo()._trigger()

    @api.model
    def _hubspot_fetches_since(self, since, companies):
        """How many re-reads of ``companies`` were queued since ``since`` and wait, due."""
        return self.search_count(
            [
                ("company_id", "in", [company.id for company in companies]),
                ("action", "=", "fetch"),
                ("state", "=", "pending"),
                ("next_attempt", "<=", fields.Datetime.now()),
                ("create_date", ">=", since),
            ]
        )

    @api.model
    def _hubspot_gather(self, company, action, object_type, deadline):
        """Wait, ``GATHER_SECONDS`` at most, while some entries are due but not a full batch.

        A batch is a page: its reads of 100 and one read of their associations.
        Returns at once when none is due (the run is over) or a full batch is: a
        single change is never held back, a stream is read in full batches.
        """
        size = company._hubspot_page_size()
        until = min(deadline, time.monotonic() + GATHER_SECONDS)
        while time.monotonic() < until:
            # A new snapshot, to see the entries queued meanwhile.
            company._hubspot_commit()
            due = self.search_count(
                [
                    ("company_id", "=", company.id),
                    ("action", "=", action),
                    ("object_type", "=", object_type),
                    ("state", "=", "pending"),
                    ("next_attempt", "<=", fields.Datetime.now()),
                ],
                limit=size,
            )
            if not due or due == size:
                return
            time.sleep(0.1)

    @api.model
    def _claim(self, company, action, object_type, limit, exclude=()):
        """Lock and return due entries; entries locked by another worker are skipped."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT id FROM hubspot_sync_queue
             WHERE company_id = %s AND action = %s AND object_type = %s
               AND state = 'pending' AND next_attempt <= %s AND NOT id = ANY(%s)
             ORDER BY next_attempt, id
             LIMIT %s
               FOR NO KEY UPDATE SKIP LOCKED
            """,
            (company.id, action, object_type, fields.Datetime.now(), list(exclude), limit),
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _mark_failed(self, error):
        """Schedule the next try with a growing delay; give up after the last delay.

        The queue job is called back at the next try rather than at its next
        interval; an entry that gave up waits for Retry (or a new change).
        """
        now = fields.Datetime.now()
        next_tries = []
        for entry in self:
            attempts = entry.attempts + 1
            if attempts > len(RETRY_DELAYS):
                entry.write({"state": "failed", "attempts": attempts, "last_error": error})
                continue
            next_tries.append(now + timedelta(seconds=RETRY_DELAYS[attempts - 1]))
            entry.write({"attempts": attempts, "last_error": error, "next_attempt": next_tries[-1]})
        if next_tries:
            cron = self.env.ref("hubspot_connector.ir_cron_hubspot_process_queue").sudo()
            cron._trigger(at=min(next_tries))

    def action_retry(self):
        self.write({"state": "pending", "attempts": 0, "next_attempt": fields.Datetime.now()})
        self.env.ref("hubspot_connector.ir_cron_hubspot_process_queue").sudo()._trigger()
