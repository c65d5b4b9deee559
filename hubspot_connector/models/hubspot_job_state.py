import logging
import zlib
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_datetime

from odoo.addons.base.models.ir_cron import _intervalTypes

_logger = logging.getLogger(__name__)

JOBS = [
    ("pull", "Read HubSpot changes"),
    ("push", "Send Odoo changes"),
]
# What a run's steps and counts mean, as people say it (a step that says nothing more
# than its job has no label).
RUN_STEP_LABELS = {
    "pulled": "",
    "archived_scan": "archived in HubSpot:",
    "fetched": "read again:",
    "pushed": "sent:",
    "archived": "archived in HubSpot:",
}
RUN_COUNT_LABELS = {"review": "to review", "failed": "failing"}
# First key of the session advisory locks taken on job states.
LOCK_CLASS = zlib.crc32(b"hubspot_connector.job_state") & 0x7FFFFFFF


class HubspotJobState(models.Model):
    """Where one job of one company stands for one object type.

    One row per (company, object type, job) holds that job's cursor, last run
    and lock, so that any two jobs write rows of their own and may run at the
    same time; the company record itself is never written by a job.
    """

    _name = "hubspot.job.state"
    _description = "HubSpot Job State"
    _order = "company_id, object_type, job"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, ondelete="cascade", index=True
    )
    object_type = fields.Char(required=True, readonly=True)
    job = fields.Selection(JOBS, required=True, readonly=True)
    cursor = fields.Datetime(
        readonly=True,
        help="Every HubSpot change made before this time has been imported (pull job).",
    )
    resume_point = fields.Json(
        readonly=True,
        help="Where a pass stopped at its time budget: the last modification time read "
        "(epoch ms) and the ids read at that time, to resume exactly there.",
    )
    pass_started_at = fields.Datetime(
        readonly=True, help="When the pass that is not finished yet began."
    )
    more_to_do = fields.Boolean(
        readonly=True, help="The last run stopped at its time budget with work left."
    )
    archived_scan_at = fields.Datetime(
        string="Last Archived Scan",
        readonly=True,
        help="When HubSpot's archived records were last listed for the deletion policy.",
    )
    last_run_at = fields.Datetime(readonly=True)
    last_summary = fields.Json(readonly=True, help="Counts of the last run, by step.")
    last_error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "company_object_job_uniq",
            "unique(company_id, object_type, job)",
            "One state per company, object type and job.",
        ),
    ]

    @api.model
    def _get(self, company, object_type, job):
        """The state row, created on first use.

        Two runs creating the same row at once: the second waits for the first
        and raises a serialization failure, which its caller retries afresh.
        """
        self.env.cr.execute(
            """
            INSERT INTO hubspot_job_state (company_id, object_type, job,
                                           create_uid, write_uid, create_date, write_date)
            VALUES (%s, %s, %s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')
            ON CONFLICT (company_id, object_type, job) DO NOTHING
            """,
            (company.id, object_type, job, self.env.uid, self.env.uid),
            log_exceptions=False,
        )
        return self.sudo().search(
            [("company_id", "=", company.id), ("object_type", "=", object_type), ("job", "=", job)]
        )

    def _is_due(self, cron):
        """Whether an extra run of the job, made because some company had work
        left, serves this company too: only when it has work left itself or is
        due anyway, so one big portal costs the others nothing.
        """
        self.ensure_one()
        if self.more_to_do or not self.last_run_at:
            return True
        interval = _intervalTypes[cron.interval_type](cron.interval_number)
        # A minute's slack: the scheduler's next call is never exactly on time.
        return self.last_run_at <= fields.Datetime.now() - interval + timedelta(minutes=1)

    @contextmanager
    def _lock(self):
        """Hold a session advisory lock so that two runs of one job never overlap.

        Session-level because the job commits after each batch. Yields False
        when another run holds it. A failed run rolls back before unlocking:
        an aborted transaction would refuse the unlock, leave the lock held on
        a pooled connection and hide the first error.
        """
        self.ensure_one()
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, self.id))
        acquired = cr.fetchone()[0]
        try:
            yield acquired
        except BaseException:
            if acquired:
                self.company_id._hubspot_rollback()
            raise
        finally:
            if acquired:
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, self.id))

    def _stop_pass_at(self, page, modified_ms, pass_start):
        """Remember the exact point a pass reached, after a committed page."""
        self.ensure_one()
        last = max(modified_ms(payload) for payload in page)
        read = {payload["id"] for payload in page if modified_ms(payload) == last}
        if (self.resume_point or {}).get("ms") == last:
            read.update(self.resume_point["ids"])
        self.write(
            {"resume_point": {"ms": last, "ids": sorted(read)}, "pass_started_at": pass_start}
        )

    def _finish_pass(self, safe_until):
        """A pass read everything: every change made before ``safe_until`` is in."""
        self.ensure_one()
        cursor = max(self.cursor, safe_until) if self.cursor else safe_until
        self.write({"cursor": cursor, "resume_point": False, "pass_started_at": False})

    def _record_run(self, summary, error=False, more_to_do=False):
        self.ensure_one()
        self.write(
            {
                "last_run_at": fields.Datetime.now(),
                "last_summary": summary,
                "last_error": error,
                "more_to_do": more_to_do,
            }
        )

    def _status_line(self):
        """The last run, in words, for the settings page: the object type and job as
        people name them, the time in the user's time zone, and what each step did."""
        self.ensure_one()
        steps = []
        for step, stats in (self.last_summary or {}).items():
            counts = ", ".join(
                f"{count:,} {RUN_COUNT_LABELS.get(what, what.replace('_', ' '))}"
                for what, count in (stats or {}).items()
                if count
            )
            if counts:
                label = RUN_STEP_LABELS.get(step, step.replace("_", " "))
                steps.append(f"{label} {counts}" if label else counts)
        if self.last_error:
            steps.append(self.env._("stopped: %(error)s", error=self.last_error))
        binding_model = self.env["hubspot.binding"]._hubspot_types().get(self.object_type)
        return self.env._(
            "%(objects)s: %(job)s (%(when)s): %(did)s",
            objects=(binding_model._hubspot_objects_label or binding_model._hubspot_object_label)
            if binding_model is not None
            else self.object_type,
            job=dict(self._fields["job"]._description_selection(self.env))[self.job],
            when=format_datetime(self.env, self.last_run_at, dt_format="medium"),
            did="; ".join(steps) or self.env._("nothing to do"),
        )
