import functools
import logging
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg2

from odoo import api, fields, models, sql_db

from ..services import HubspotClient
from ..services.exceptions import (
    HubspotAuthError,
    HubspotError,
    HubspotNetworkError,
    HubspotNotFound,
    HubspotScopeError,
    HubspotUnverifiedUrl,
)
from ..services.shared_pacing import SharedBudget, portal_key

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.hubapi.com"
_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()
DELETE_POLICIES = [("never", "Never delete"), ("archive", "Archive and unlink")]

# Settings read through ir.config_parameter, with their defaults.
PARAM_TIME_BUDGET = ("hubspot_connector.job_time_budget", 60)
# Records imported per transaction: five searches of 200, one v4 association read of 1,000.
PARAM_PAGE_SIZE = ("hubspot_connector.page_size", 1000)
PARAM_OVERLAP = ("hubspot_connector.cursor_overlap_seconds", 300)
PARAM_RATE_LIMIT = ("hubspot_connector.requests_per_10s", 100)
PARAM_TIMEOUT = ("hubspot_connector.request_timeout", 30)
PARAM_MAX_TRIES = ("hubspot_connector.max_tries", 6)
PARAM_ARCHIVED_SCAN_HOURS = ("hubspot_connector.archived_scan_hours", 24)


class ResCompany(models.Model):
    """Each company syncs with one HubSpot portal: its connection and settings live here."""

    _inherit = "res.company"

    hubspot_access_token = fields.Char(
        string="HubSpot Access Token", groups="base.group_system", copy=False
    )
    hubspot_token_verified = fields.Boolean(copy=False, readonly=True)
    # Whoever may change the URL may send the token anywhere: administrators only.
    hubspot_api_url = fields.Char(
        string="HubSpot API URL", default=DEFAULT_API_URL, groups="base.group_system"
    )
    hubspot_verified_api_url = fields.Char(
        string="Verified HubSpot API URL",
        copy=False,
        readonly=True,
        groups="base.group_system",
        help="The API URL the access token was last verified against; the only one it is sent to.",
    )
    hubspot_portal_id = fields.Char(
        string="HubSpot Portal ID",
        help="The HubSpot account (hub) id, filled by the connection test; webhook events "
        "are routed to the company of their portal.",
    )
    # Whoever knows it can make Odoo believe anything happened in HubSpot.
    hubspot_webhook_secret = fields.Char(
        string="HubSpot Client Secret", groups="base.group_system", copy=False
    )
    hubspot_home_currency = fields.Char(
        string="HubSpot Company Currency",
        readonly=True,
        help="The portal's company currency, read from HubSpot with the pipelines. When it "
        "is this company's currency, HubSpot's converted deal amounts are used; otherwise "
        "deal amounts in other currencies are converted with Odoo's rates.",
    )
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
    hubspot_sync_companies = fields.Boolean(
        string="Sync HubSpot Companies",
        default=True,
        help="HubSpot companies sync with company partners, and contacts and opportunities "
        "with the companies they are associated with.",
    )
    hubspot_sync_deals = fields.Boolean(string="Sync HubSpot Deals", default=True)
    hubspot_sync_notes = fields.Boolean(
        string="Sync HubSpot Notes",
        help="HubSpot notes on synced records become internal notes in the chatter, and "
        "internal notes logged on synced partners and opportunities become HubSpot notes.",
    )
    hubspot_sync_tasks = fields.Boolean(
        string="Sync HubSpot Tasks",
        help="HubSpot tasks on synced records become scheduled activities, and activities "
        "scheduled on synced partners and opportunities become HubSpot tasks; done on "
        "either side completes the other.",
    )
    hubspot_sync_calls = fields.Boolean(
        string="Sync HubSpot Calls",
        help="Calls logged in HubSpot on synced records appear in the chatter, and a Call "
        "activity marked done on a synced partner or opportunity is logged in HubSpot.",
    )
    hubspot_sync_meetings = fields.Boolean(
        string="Sync HubSpot Meetings",
        help="HubSpot meetings on synced records become calendar events, and events on "
        "synced partners and opportunities become HubSpot meetings.",
    )
    hubspot_sync_emails = fields.Boolean(
        string="Sync HubSpot E-mails",
        help="E-mails logged in HubSpot on synced records appear in the chatter; Odoo's own "
        "e-mails travel too when the e-mail direction says both ways.",
    )
    hubspot_email_direction = fields.Selection(
        [("hubspot2odoo", "HubSpot to Odoo"), ("both", "Both ways")],
        string="E-mail Direction",
        required=True,
        default="hubspot2odoo",
        help="Both ways: e-mails sent and received in the chatter of synced partners and "
        "opportunities are logged in HubSpot too. Off by default: HubSpot may log them "
        "already through its own e-mail integration (connected inbox, BCC address), and a "
        "second copy is a duplicate.",
    )
    hubspot_email_content_redacted = fields.Boolean(
        readonly=True,
        help="HubSpot hid the content of e-mails: the private app lacks the "
        "sales-email-read scope.",
    )
    hubspot_activities_since = fields.Date(
        string="Activities Since",
        help="Notes dated and tasks due before this day are not synced. Empty: the "
        "contacts' start date.",
    )
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
    hubspot_sync_paused = fields.Boolean(
        string="Pause HubSpot Sync",
        help="The scheduled jobs leave this company alone until the sync is resumed; "
        "changes made meanwhile are sent and read afterwards.",
    )
    hubspot_job_state_ids = fields.One2many("hubspot.job.state", "company_id", readonly=True)

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
                super(ResCompany, changed).write(
                    {"hubspot_token_verified": False, "hubspot_verified_api_url": False}
                )
        result = super().write(vals)
        restarted = [
            object_type
            for object_type, binding in self.env["hubspot.binding"]._hubspot_types().items()
            if set(binding._hubspot_start_date_fields) & vals.keys()
        ]
        if restarted:
            # The next pull reads these types from the start once: a start date moved
            # back takes in what it left out.
            self.env["hubspot.job.state"].sudo().search(
                [
                    ("company_id", "in", self.ids),
                    ("object_type", "in", restarted),
                    ("job", "=", "pull"),
                ]
            ).write({"cursor": False, "resume_point": False, "pass_started_at": False})
        return result

    # ------------------------------------------------------------------
    # Connection and metadata
    # ------------------------------------------------------------------

    def _hubspot_verify_and_start(self):
        """Verify the token; the first time it works, fetch metadata and start the jobs."""
        self.ensure_one()
        # A person waits for the answer: fail fast rather than retry for minutes.
        types = list(self.env["hubspot.binding"]._hubspot_types())
        client = self._hubspot_client(verifying=True, max_tries=2, backoff_max=2.0)
        client.check_connection(types)
        company = self.sudo()
        company.hubspot_verified_api_url = company.hubspot_api_url or DEFAULT_API_URL
        self._hubspot_read_portal_id(client)
        if self.hubspot_token_verified:
            return
        company.hubspot_token_verified = True
        self._hubspot_fetch_metadata()
        # Every object type's job, whichever addon brings it.
        for cron in (
            self.env["ir.cron"].sudo().search([("model_id.model", "=", "hubspot.job.runner")])
        ):
            cron._trigger()

    def _hubspot_fetch_metadata(self):
        """Read what each object type needs from HubSpot: owners, options, pipelines, stages."""
        self.ensure_one()
        client = self._hubspot_client()
        counts = self.env["hubspot.owner"]._hubspot_refresh(self, client)
        for binding_model in self.env["hubspot.binding"]._hubspot_types().values():
            counts.update(binding_model._hubspot_fetch_metadata(self, client))
        self._hubspot_reevaluate_waiting()
        return counts

    def _hubspot_read_portal_id(self, client):
        """Take the portal id from HubSpot's account details: webhook events name their
        portal, and "Open in HubSpot" links need it. An app that may not read the details
        leaves the id as a person set it."""
        try:
            portal_id = client.get_account_details().get("portalId")
        except (HubspotNotFound, HubspotScopeError):
            return
        if portal_id and str(portal_id) != self.hubspot_portal_id:
            self.sudo().hubspot_portal_id = str(portal_id)

    def _hubspot_fetch_metadata_message(self):
        """Fetch what each object type needs and say what came: ``(kind, message)``."""
        self.ensure_one()
        try:
            counts = self._hubspot_fetch_metadata()
        except HubspotError as error:
            return "danger", self._hubspot_error_message(error)
        return "success", self.env._(
            "Fetched %(pipelines)s pipelines with %(stages)s stages, "
            "%(statuses)s lead statuses and %(lifecycle)s lifecycle stages.",
            **counts,
        )

    def _hubspot_reevaluate_waiting(self):
        """Take up records and new HubSpot objects waiting for a change in Odoo."""
        self.ensure_one()
        for binding_model in self.env["hubspot.binding"]._hubspot_types().values():
            binding_model._hubspot_reevaluate_waiting(self)
        self.env["hubspot.sync.issue"].sudo().search(
            [
                ("company_id", "=", self.id),
                ("state", "=", "open"),
                ("kind", "=", "review"),
                ("error_kind", "in", ["unmapped_stage", "unknown_stage", "unknown_option"]),
            ]
        )._retry()

    def _hubspot_error_message(self, error):
        """What an administrator should read for a HubSpot error."""
        url = self.sudo().hubspot_api_url or DEFAULT_API_URL
        if isinstance(error, HubspotUnverifiedUrl):
            return self.env._(
                "The access token is only sent to the API URL it was verified against, and "
                "%(url)s was not: test the connection in the HubSpot settings.",
                url=url,
            )
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

    def _hubspot_client(self, verifying=False, **options):
        """The HTTP client of this company's portal; the only place that reads the token.

        The token only goes to the API URL it was last verified against; only a
        connection test (``verifying``) sends it to a new one.
        """
        self.ensure_one()
        company = self.sudo()
        api_url = company.hubspot_api_url or DEFAULT_API_URL
        if not verifying:
            self._hubspot_check_url()
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

    def _hubspot_daily_usage(self):
        """``(requests today, daily limit, as of)`` of the portal, from HubSpot's last
        answer today (UTC, as its budget resets); None before any answer today. The
        budget is shared by the clients of every process: it counts every job's requests.
        """
        self.ensure_one()
        if not self.sudo().hubspot_access_token:
            return None
        try:
            usage = self._hubspot_client().daily_usage()
        except HubspotError:
            return None  # an unverified URL: nothing was sent there
        if not usage or usage[2].date() != datetime.now(timezone.utc).date():
            return None
        limit, remaining, seen_at = usage
        return limit - remaining, limit, seen_at.replace(tzinfo=None)

    def _hubspot_check_url(self):
        """Raise when the API URL is not the one the token was last verified against."""
        company = self.sudo()
        api_url = company.hubspot_api_url or DEFAULT_API_URL
        if api_url != company.hubspot_verified_api_url:
            raise HubspotUnverifiedUrl(
                f"The access token was not verified against {api_url}: test the connection."
            )

    def _hubspot_app_url(self):
        """Web app address matching the API URL (a sandbox serves both)."""
        api_url = self.sudo().hubspot_api_url or DEFAULT_API_URL
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

    def _hubspot_archived_scan_due(self, state):
        """Listing every archived HubSpot record costs a request per 100: daily by default."""
        hours = self._hubspot_param(PARAM_ARCHIVED_SCAN_HOURS)
        return not state.archived_scan_at or (
            state.archived_scan_at <= fields.Datetime.now() - timedelta(hours=hours)
        )

    def _hubspot_deadline(self):
        return time.monotonic() + self._hubspot_param(PARAM_TIME_BUDGET)

    def _hubspot_out_of_time(self, deadline):
        return time.monotonic() >= deadline

    def _hubspot_commit(self):
        """Make a finished batch durable, so that a later failure cannot undo it.

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

    # ------------------------------------------------------------------
    # Jobs (run by hubspot.job.runner)
    # ------------------------------------------------------------------

    def _hubspot_status_lines(self):
        """The last runs, in words, for the settings page."""
        states = self.sudo().hubspot_job_state_ids.filtered("last_run_at")
        return "\n".join(state._status_line() for state in states)
