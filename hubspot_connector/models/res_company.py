import functools
import logging
import threading
import time
import zlib
from contextlib import contextmanager
from datetime import timedelta

import psycopg2

from odoo import api, fields, models, sql_db

from ..services import HubspotClient
from ..services.exceptions import (
    HubspotAuthError,
    HubspotError,
    HubspotNetworkError,
    HubspotNotFound,
    HubspotScopeError,
)
from ..services.shared_pacing import SharedBudget, portal_key

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.hubapi.com"
_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()
DELETE_POLICIES = [("never", "Never delete"), ("archive", "Archive and unlink")]

# Settings read through ir.config_parameter, with their defaults.
PARAM_TIME_BUDGET = ("hubspot_connector.job_time_budget", 60)
PARAM_PAGE_SIZE = ("hubspot_connector.page_size", 200)
PARAM_OVERLAP = ("hubspot_connector.cursor_overlap_seconds", 300)
PARAM_RATE_LIMIT = ("hubspot_connector.requests_per_10s", 100)
PARAM_TIMEOUT = ("hubspot_connector.request_timeout", 30)
PARAM_MAX_TRIES = ("hubspot_connector.max_tries", 6)
PARAM_RETRY_DELAY = ("hubspot_connector.retry_delay_seconds", 600)


class ResCompany(models.Model):
    """Each company syncs with one HubSpot portal; its settings and cursors live here."""

    _inherit = "res.company"

    hubspot_access_token = fields.Char(
        string="HubSpot Access Token", groups="base.group_system", copy=False
    )
    hubspot_token_verified = fields.Boolean(copy=False, readonly=True)
    hubspot_api_url = fields.Char(string="HubSpot API URL", default=DEFAULT_API_URL)
    hubspot_portal_id = fields.Char(string="HubSpot Portal ID")
    hubspot_sync_contacts = fields.Boolean(string="Sync HubSpot Contacts", default=True)
    hubspot_contacts_since = fields.Date(
        string="Import Contacts Created Since",
        help="HubSpot contacts created before this date are not imported. Empty: all.",
    )
    hubspot_lead_status_ids = fields.Many2many(
        "hubspot.lead.status",
        string="Import Lead Statuses",
        help="Only HubSpot contacts with one of these lead statuses are imported. Empty: all.",
    )
    hubspot_sync_deals = fields.Boolean(string="Sync HubSpot Deals", default=True)
    hubspot_partner_category_id = fields.Many2one(
        "res.partner.category",
        string="HubSpot Contacts Tag",
        default=lambda self: self.env.ref(
            "hubspot_connector.partner_category_hubspot", raise_if_not_found=False
        ),
        help="Imported contacts get this tag; partners with it are sent to HubSpot.",
    )
    hubspot_stage_mapping_mode = fields.Selection(
        [("automatic", "Automatic: HubSpot stages 1:1"), ("custom", "Custom mapping")],
        string="Stage Mapping",
        default="automatic",
        required=True,
    )
    hubspot_delete_policy_hubspot2odoo = fields.Selection(
        DELETE_POLICIES,
        string="When Deleted in HubSpot",
        default="never",
        required=True,
    )
    hubspot_delete_policy_odoo2hubspot = fields.Selection(
        DELETE_POLICIES,
        string="When Archived or Deleted in Odoo",
        default="never",
        required=True,
    )
    hubspot_contacts_cursor = fields.Datetime(copy=False, readonly=True)
    hubspot_deals_cursor = fields.Datetime(copy=False, readonly=True)
    hubspot_run_log = fields.Json(
        copy=False, readonly=True, help="Outcome of the last run of each job, by object type."
    )

    def write(self, vals):
        if "hubspot_access_token" in vals or "hubspot_api_url" in vals:
            changed = self.sudo().filtered(
                lambda c: (
                    c.hubspot_access_token
                    != vals.get("hubspot_access_token", c.hubspot_access_token)
                    or c.hubspot_api_url != vals.get("hubspot_api_url", c.hubspot_api_url)
                )
            )
            if changed:
                super(ResCompany, changed).write({"hubspot_token_verified": False})
        return super().write(vals)

    # ------------------------------------------------------------------
    # Connection and metadata
    # ------------------------------------------------------------------

    def _hubspot_verify_and_start(self):
        """Verify the token; the first time it works, fetch metadata and start the jobs (S2)."""
        self.ensure_one()
        # A person waits for the answer: fail fast rather than retry for minutes.
        self._hubspot_client(max_tries=2, backoff_max=2.0).check_connection()
        if self.hubspot_token_verified:
            return
        self.sudo().hubspot_token_verified = True
        self._hubspot_fetch_metadata()
        for xmlid in ("ir_cron_hubspot_sync_deals", "ir_cron_hubspot_sync_contacts"):
            self.env.ref(f"hubspot_connector.{xmlid}").sudo()._trigger()

    def _hubspot_fetch_metadata(self):
        """Read pipelines, stages, lead statuses and lifecycle stages from HubSpot (S5)."""
        self.ensure_one()
        client = self._hubspot_client()
        counts = {}
        for model, key in (
            ("hubspot.lead.status", "statuses"),
            ("hubspot.lifecycle.stage", "lifecycle"),
        ):
            options = self.env[model]
            counts[key] = options._update_from_hubspot(
                client.get_property("contacts", options._hubspot_property)
            )
        pipelines = (
            self.env["hubspot.pipeline"]
            .sudo()
            ._update_from_hubspot(client.get_pipelines("deals"), self)
        )
        self.env["crm.lead"].sudo()._hubspot_setup_pipelines(pipelines, self)
        counts["pipelines"] = len(pipelines)
        counts["stages"] = len(pipelines.stage_mapping_ids)
        return counts

    def _hubspot_error_message(self, error):
        """What an administrator should read for a HubSpot error."""
        url = self.hubspot_api_url or DEFAULT_API_URL
        if isinstance(error, HubspotAuthError):
            return self.env._(
                "HubSpot rejected the access token. Copy the token of your HubSpot "
                "private app again (Settings > Integrations > Private Apps) and check "
                "that the app is still active."
            )
        if isinstance(error, HubspotScopeError):
            return self.env._(
                "The HubSpot private app lacks permissions (scopes): %(scopes)s. Add them "
                "in HubSpot and save the token again.",
                scopes=", ".join(error.required_scopes) or str(error),
            )
        if isinstance(error, HubspotNetworkError):
            return self.env._(
                "HubSpot cannot be reached at %(url)s: %(error)s", url=url, error=str(error)
            )
        if isinstance(error, HubspotNotFound):
            return self.env._(
                "%(url)s does not answer like HubSpot's API: check the API URL.", url=url
            )
        return self.env._("HubSpot answered with an error: %(error)s", error=str(error))

    # ------------------------------------------------------------------
    # Client and run parameters
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_companies(self):
        """Companies with a HubSpot token, i.e. those the jobs work for."""
        return self.sudo().search([("hubspot_access_token", "!=", False)])

    def _hubspot_client(self, **options):
        """The HTTP client of this company's portal; the only place that reads the token."""
        self.ensure_one()
        company = self.sudo()
        options = dict(
            {
                "requests_per_interval": self._hubspot_param(PARAM_RATE_LIMIT),
                "timeout": self._hubspot_param(PARAM_TIMEOUT),
                "max_tries": self._hubspot_param(PARAM_MAX_TRIES),
                # HubSpot allows 5 searches per second per account: keep a margin.
                "searches_per_second": 4,
            },
            **options,
        )
        api_url = company.hubspot_api_url or DEFAULT_API_URL
        token = company.hubspot_access_token
        portal = portal_key(token, api_url)
        dbname = self.env.cr.dbname
        # HubSpot's limits are per account: the pacing windows live in the database, shared
        # by every process and client of the portal. The client is kept per process all the
        # same, for its HTTP session and the budget's connection.
        key = (dbname, portal, tuple(sorted(options.items())))
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                _dbname, connection_info = sql_db.connection_info_for(dbname)
                connect = functools.partial(psycopg2.connect, **connection_info)
                budget = SharedBudget(connect, portal)
                _CLIENTS[key] = HubspotClient(token, api_url, limiters=budget, **options)
            return _CLIENTS[key]

    def _hubspot_app_url(self):
        """Web app address matching the API URL (a sandbox serves both)."""
        api_url = self.hubspot_api_url or DEFAULT_API_URL
        return "https://app.hubspot.com" if api_url == DEFAULT_API_URL else api_url.rstrip("/")

    @api.model
    def _hubspot_param(self, param):
        key, default = param
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        return int(value) if value else default

    def _hubspot_page_size(self):
        return self._hubspot_param(PARAM_PAGE_SIZE)

    def _hubspot_cursor_overlap(self):
        return timedelta(seconds=self._hubspot_param(PARAM_OVERLAP))

    def _hubspot_retry_delay(self):
        return self._hubspot_param(PARAM_RETRY_DELAY)

    def _hubspot_deadline(self):
        return time.monotonic() + self._hubspot_param(PARAM_TIME_BUDGET)

    def _hubspot_out_of_time(self, deadline):
        return time.monotonic() >= deadline

    def _hubspot_commit(self):
        """Make a finished batch durable, so that a later failure cannot undo it (S6).

        Tests run inside one transaction that must not be committed: there a
        savepoint marks the commit point instead, so a failure still loses only
        the work after it.
        """
        if getattr(threading.current_thread(), "testing", False):
            self.env.flush_all()
            self.env.cr.execute("SAVEPOINT hubspot_commit")
        else:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        # A long job must not keep every record it touched in memory.
        self.env.invalidate_all()

    def _hubspot_rollback(self):
        """Drop the work done since the last commit point."""
        if getattr(threading.current_thread(), "testing", False):
            self.env.cr.execute("ROLLBACK TO SAVEPOINT hubspot_commit")
        else:
            self.env.cr.rollback()
        self.env.invalidate_all(flush=False)

    @contextmanager
    def _hubspot_lock(self, job):
        """Hold a session-level advisory lock so two runs of a job never overlap.

        Session-level, not transaction-level, because the job commits after each
        batch; yields False when another run holds the lock.
        """
        key = (zlib.crc32(f"hubspot_connector.{job}".encode()) & 0x7FFFFFFF, self.id)
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        acquired = self.env.cr.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", key)

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------

    @api.model
    def _cron_hubspot_sync_contacts(self):
        """Scheduled job: import HubSpot contacts changed since the last run."""
        self._hubspot_run("contacts", "res.partner", ("pull",))

    @api.model
    def _cron_hubspot_sync_deals(self):
        """Scheduled job: import HubSpot deals changed since the last run."""
        self._hubspot_run("deals", "crm.lead", ("pull",))

    @api.model
    def _cron_hubspot_process_queue(self):
        """Scheduled job: send queued Odoo changes, after reading HubSpot's (pull first)."""
        for object_type, model in (("contacts", "res.partner"), ("deals", "crm.lead")):
            self._hubspot_run(object_type, model, ("fetch", "push", "archive"))

    @api.model
    def _hubspot_run(self, object_type, model, steps):
        """Run ``steps`` of one object type for every company with HubSpot."""
        for company in self._hubspot_companies():
            records = self.env[model].with_company(company)
            if not records._hubspot_sync_enabled(company):
                continue
            with company._hubspot_lock(object_type) as acquired:
                if not acquired:
                    _logger.info(
                        "HubSpot %s sync already running for %s", object_type, company.name
                    )
                    continue
                company._hubspot_run_steps(records, steps)

    def _hubspot_run_steps(self, records, steps):
        """One company's run: each step within the time budget, failures logged, not raised."""
        self.ensure_one()
        deadline = self._hubspot_deadline()
        client = self._hubspot_client()
        records = records._hubspot_prepare_run(self, client)
        summary = {}
        self._hubspot_commit()
        try:
            if "pull" in steps or self[f"hubspot_{records._hubspot_object_type}_cursor"]:
                # Pull before push: a HubSpot change newer than a queued Odoo change
                # must be seen before that change is sent.
                stats, _finished = records._hubspot_pull(
                    self, client, deadline, scan_archived="pull" in steps
                )
                summary["pulled"] = stats
            if "fetch" in steps:
                summary["fetched"] = records._hubspot_fetch_queued(self, client, deadline)
            if "push" in steps:
                summary["pushed"] = records._hubspot_push_queued(self, client, deadline)
            if "archive" in steps:
                summary["archived"] = records._hubspot_archive_queued(self, client, deadline)
        except HubspotError as error:
            self._hubspot_rollback()
            _logger.warning("HubSpot %s sync of %s stopped: %s", records._name, self.name, error)
            summary["error"] = str(error)
        log = dict(self.hubspot_run_log or {})
        log[records._hubspot_object_type] = {
            "at": fields.Datetime.to_string(fields.Datetime.now()),
            "steps": summary,
        }
        self.sudo().hubspot_run_log = log
        self._hubspot_commit()
        return summary

    def _hubspot_status_lines(self):
        """The last runs, in words, for the settings page."""
        lines = []
        for object_type, run in sorted((self.hubspot_run_log or {}).items()):
            steps = []
            for step, stats in run["steps"].items():
                if step == "error":
                    steps.append(self.env._("stopped: %(error)s", error=stats))
                    continue
                counts = ", ".join(f"{count} {what}" for what, count in stats.items() if count)
                steps.append(f"{step} {counts or '-'}")
            lines.append(f"{object_type.title()} ({run['at']} UTC): {'; '.join(steps)}")
        return "\n".join(lines)
