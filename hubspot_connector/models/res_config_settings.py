from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..controllers.main import webhook_url
from ..services.exceptions import HubspotError, HubspotUnverifiedUrl
from .hubspot_common import notification


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    hubspot_access_token = fields.Char(
        related="company_id.hubspot_access_token", readonly=False, groups="base.group_system"
    )
    hubspot_api_url = fields.Char(
        related="company_id.hubspot_api_url", readonly=False, groups="base.group_system"
    )
    hubspot_portal_id = fields.Char(related="company_id.hubspot_portal_id", readonly=False)
    hubspot_webhook_secret = fields.Char(
        related="company_id.hubspot_webhook_secret", readonly=False, groups="base.group_system"
    )
    hubspot_webhook_url = fields.Char(
        string="Webhook Target URL", compute="_compute_hubspot_webhook"
    )
    hubspot_webhook_last_event_at = fields.Datetime(
        string="Last Webhook Event", compute="_compute_hubspot_webhook"
    )
    hubspot_webhook_counts = fields.Char(
        string="Webhook Events", compute="_compute_hubspot_webhook"
    )
    hubspot_sync_contacts = fields.Boolean(
        related="company_id.hubspot_sync_contacts", readonly=False
    )
    hubspot_contacts_since = fields.Date(
        related="company_id.hubspot_contacts_since", readonly=False
    )
    hubspot_lead_status_ids = fields.Many2many(
        related="company_id.hubspot_lead_status_ids", readonly=False
    )
    hubspot_sync_deals = fields.Boolean(related="company_id.hubspot_sync_deals", readonly=False)
    hubspot_sync_companies = fields.Boolean(
        related="company_id.hubspot_sync_companies", readonly=False
    )
    hubspot_sync_notes = fields.Boolean(related="company_id.hubspot_sync_notes", readonly=False)
    hubspot_sync_tasks = fields.Boolean(related="company_id.hubspot_sync_tasks", readonly=False)
    hubspot_sync_calls = fields.Boolean(related="company_id.hubspot_sync_calls", readonly=False)
    hubspot_sync_meetings = fields.Boolean(
        related="company_id.hubspot_sync_meetings", readonly=False
    )
    hubspot_sync_emails = fields.Boolean(related="company_id.hubspot_sync_emails", readonly=False)
    hubspot_email_direction = fields.Selection(
        related="company_id.hubspot_email_direction", readonly=False
    )
    hubspot_email_content_redacted = fields.Boolean(
        related="company_id.hubspot_email_content_redacted"
    )
    hubspot_activities_since = fields.Date(
        related="company_id.hubspot_activities_since", readonly=False
    )
    hubspot_partner_category_id = fields.Many2one(
        related="company_id.hubspot_partner_category_id", readonly=False
    )
    hubspot_stage_mapping_mode = fields.Selection(
        related="company_id.hubspot_stage_mapping_mode", readonly=False
    )
    hubspot_delete_policy_hubspot2odoo = fields.Selection(
        related="company_id.hubspot_delete_policy_hubspot2odoo", readonly=False
    )
    hubspot_delete_policy_odoo2hubspot = fields.Selection(
        related="company_id.hubspot_delete_policy_odoo2hubspot", readonly=False
    )
    hubspot_default_pipeline_id = fields.Many2one(
        "hubspot.pipeline",
        string="HubSpot Pipeline",
        compute="_compute_hubspot_default_pipeline_id",
        inverse="_inverse_hubspot_default_pipeline_id",
        domain="[('company_id', '=', company_id)]",
        help="The HubSpot pipeline whose deals sync with the opportunities of the sales team.",
    )
    # One inverse for both: the form saves them together, and the pipeline's team must
    # be decided from both values (an inverse of one alone read the other as empty and
    # cleared the team at every button of the page).
    hubspot_default_team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        compute="_compute_hubspot_default_pipeline_id",
        inverse="_inverse_hubspot_default_pipeline_id",
        readonly=False,
        domain="[('company_id', 'in', (company_id, False))]",
    )
    hubspot_sync_paused = fields.Boolean(related="company_id.hubspot_sync_paused", readonly=False)
    hubspot_archived_scan_hours = fields.Integer(
        string="Archived Records Scan (hours)",
        config_parameter="hubspot_connector.archived_scan_hours",
        default=24,
        help="How often the jobs list the records archived in HubSpot for the deletion "
        "policy; each listing costs a request per 100 archived records.",
    )
    hubspot_token_verified = fields.Boolean(related="company_id.hubspot_token_verified")
    hubspot_status = fields.Text(compute="_compute_hubspot_health")
    hubspot_connection_problem = fields.Char(compute="_compute_hubspot_health")
    hubspot_review_count = fields.Integer(compute="_compute_hubspot_health")
    hubspot_failing_count = fields.Integer(compute="_compute_hubspot_health")
    hubspot_queue_count = fields.Integer(compute="_compute_hubspot_health")
    hubspot_overview = fields.Html(compute="_compute_hubspot_health", sanitize=False)

    @api.depends("company_id")
    def _compute_hubspot_health(self):
        """Sync health at a glance: last runs and what waits for a person."""
        for settings in self:
            company = settings.company_id
            issues = self.env["hubspot.sync.issue"].search(
                [("company_id", "=", company.id), ("state", "=", "open")]
            )
            settings.hubspot_status = company._hubspot_status_lines()
            settings.hubspot_connection_problem = False
            if company.sudo().hubspot_access_token:
                try:
                    company._hubspot_check_url()
                except HubspotUnverifiedUrl as error:
                    settings.hubspot_connection_problem = company._hubspot_error_message(error)
            settings.hubspot_review_count = len(issues.filtered(lambda i: i.kind == "review"))
            settings.hubspot_failing_count = len(issues.filtered(lambda i: i.kind == "failed"))
            settings.hubspot_queue_count = self.env["hubspot.sync.queue"].search_count(
                [("company_id", "=", company.id)]
            )
            settings.hubspot_overview = settings._hubspot_overview_html()

    def _hubspot_overview_html(self):
        """Sync Health at a glance: open problems by kind and by object type, and today's
        HubSpot requests against the portal's daily limit."""
        company = self.company_id
        overview = self.env["hubspot.sync.issue"]._hubspot_overview(company)
        parts = []
        for title, rows in (
            (self.env._("By problem"), overview["problem"]),
            (self.env._("By object"), overview["object_type"]),
        ):
            if rows:
                items = Markup("").join(
                    Markup("<li>%s: <b>%s</b></li>") % (label, count) for label, count in rows
                )
                parts.append(Markup("<div>%s</div><ul class='mb-1'>%s</ul>") % (title, items))
        if not parts:
            parts.append(Markup("<div>%s</div>") % self.env._("Nothing needs a person."))
        usage = company._hubspot_daily_usage()
        if usage:
            used, limit, seen_at = usage
            parts.append(
                Markup("<div>%s</div>")
                % self.env._(
                    "HubSpot requests today: %(used)s of %(limit)s (%(percent)s%%), "
                    "as of %(time)s.",
                    used=f"{used:,}",
                    limit=f"{limit:,}",
                    percent=round(100 * used / limit, 1) if limit else 0,
                    time=format_datetime(self.env, seen_at, dt_format="short"),
                )
            )
        return Markup("").join(parts)

    @api.depends("company_id")
    def _compute_hubspot_webhook(self):
        stats = self.env["hubspot.webhook.stat"]
        for settings in self:
            company = settings.company_id
            totals = stats._hubspot_totals(company)
            settings.hubspot_webhook_url = webhook_url(self.env)
            settings.hubspot_webhook_last_event_at = stats._hubspot_last_at(company, "accepted")
            settings.hubspot_webhook_counts = self.env._(
                "%(accepted)s events taken, %(unknown_portal)s of unknown portals, "
                "%(ignored)s not synced; %(refused)s requests refused, %(replayed)s replayed, "
                "%(malformed)s unreadable",
                **totals,
            )

    @api.depends("company_id")
    def _compute_hubspot_default_pipeline_id(self):
        for settings in self:
            pipeline = self.env["hubspot.pipeline"].search(
                [("company_id", "=", settings.company_id.id), ("team_id", "!=", False)], limit=1
            )
            settings.hubspot_default_pipeline_id = pipeline
            settings.hubspot_default_team_id = pipeline.team_id

    def _inverse_hubspot_default_pipeline_id(self):
        for settings in self:
            pipeline = settings.hubspot_default_pipeline_id
            if pipeline and pipeline.team_id != settings.hubspot_default_team_id:
                self.env["hubspot.pipeline"].search(
                    [
                        ("company_id", "=", settings.company_id.id),
                        ("team_id", "=", settings.hubspot_default_team_id.id),
                    ]
                ).team_id = False
                pipeline.team_id = settings.hubspot_default_team_id

    def set_values(self):
        result = super().set_values()
        company = self.company_id
        if company.sudo().hubspot_access_token and not company.hubspot_token_verified:
            # Saving a new token verifies it and starts the sync; a token
            # that does not work is refused with HubSpot's reason.
            try:
                company._hubspot_verify_and_start()
            except HubspotError as error:
                raise UserError(company._hubspot_error_message(error)) from error
        return result

    def action_hubspot_test_connection(self):
        """Check the saved token against HubSpot and say plainly what happened."""
        self.ensure_one()
        company = self.company_id
        if not company.sudo().hubspot_access_token:
            return self._hubspot_notify(
                "danger", self.env._("Enter the access token of your HubSpot private app first.")
            )
        try:
            company._hubspot_verify_and_start()
        except HubspotError as error:
            return self._hubspot_notify("danger", company._hubspot_error_message(error))
        return self._hubspot_notify(
            "success", self.env._("HubSpot access token saved and verified."), reload=True
        )

    def action_hubspot_fetch_options(self):
        """Fetch pipelines, deal stages and lead-status options now."""
        self.ensure_one()
        kind, message = self.company_id._hubspot_fetch_metadata_message()
        return self._hubspot_notify(kind, message, reload=kind == "success")

    def action_hubspot_sync_contacts_now(self):
        return self._hubspot_sync_now("ir_cron_hubspot_sync_contacts")

    def action_hubspot_sync_companies_now(self):
        return self._hubspot_sync_now("ir_cron_hubspot_sync_companies")

    def action_hubspot_sync_deals_now(self):
        return self._hubspot_sync_now("ir_cron_hubspot_sync_deals")

    def action_hubspot_send_changes_now(self):
        return self._hubspot_sync_now("ir_cron_hubspot_process_queue")

    def _hubspot_sync_now(self, cron_xmlid):
        self.ensure_one()
        company = self.company_id
        if company.hubspot_sync_paused:
            return self._hubspot_notify(
                "warning", self.env._("The HubSpot sync is paused: resume it first.")
            )
        # The job serves every company unless it only finishes another's work;
        # it writes its own state rows, never one a person is editing.
        self.env.ref(f"hubspot_connector.{cron_xmlid}").sudo()._trigger()
        return self._hubspot_notify(
            "info", self.env._("The job starts within a minute; its result shows under Last Runs.")
        )

    def _hubspot_notify(self, kind, message, reload=False):
        """``reload`` reads the page again once a button changed what it shows (the
        pipeline's sales team, the portal id), so no field shows stale or empty."""
        return notification(self.env, message, kind, reload=reload)
