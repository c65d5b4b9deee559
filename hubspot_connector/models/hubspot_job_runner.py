import logging
import time
from datetime import datetime, timezone
from functools import partial

from psycopg2.errors import TransactionRollbackError

from odoo import api, fields, models

from ..services.exceptions import HubspotError
from .hubspot_common import RunCache, add_counts

_logger = logging.getLogger(__name__)


class HubspotJobRunner(models.AbstractModel):
    """The scheduled jobs: which portal and object type runs, locks, time budget, progress.

    A pull job per object type reads what changed in HubSpot; the push job
    sends queued Odoo changes of every type (in the registry's order: contacts
    before the deals that link to them). Work is committed page by page, so a
    run that stops or dies loses only its current page.
    """

    _name = "hubspot.job.runner"
    _description = "HubSpot Jobs"

    @api.model
    def _cron_hubspot_pull(self, object_type):
        """Scheduled job: import the HubSpot objects of one type changed since the last run."""
        self._hubspot_run_job("pull", [object_type])

    @api.model
    def _cron_hubspot_push(self):
        """Scheduled job: send queued Odoo changes, and re-read queued HubSpot objects."""
        self._hubspot_run_job("push", list(self.env["hubspot.binding"]._hubspot_types()))

    @api.model
    def _hubspot_run_job(self, job, object_types):
        """One run of a job for every company it is due for; tells the scheduler the truth.

        Companies least recently served go first and each gets an equal share
        of what is left of the time budget, so one big portal never starves the
        others. The scheduler runs the job again at once only while a company
        stopped at its budget with work left (``remaining``); versions read
        again and found already synced are no work done.
        """
        company_model = self.env["res.company"]
        started = fields.Datetime.now()
        try:
            work = self._hubspot_job_work(job, object_types)
        except TransactionRollbackError:
            # Another run created the same state rows at the same moment: they exist now.
            company_model._hubspot_rollback()
            work = self._hubspot_job_work(job, object_types)
        company_model._hubspot_commit()
        cron = self.env["ir.cron"].browse(self.env.context.get("cron_id")).sudo()
        if cron and any(state.more_to_do for state, _binding in work):
            # A run the scheduler added because some company had work left: the
            # companies served within the interval wait for their next turn.
            work = [(state, binding) for state, binding in work if state._is_due(cron)]
        # Least recently served company first; within one, the registry's order of
        # object types (contacts before deals, which link to them): sort is stable.
        turn = {}
        for state, _binding in work:
            last = state.last_run_at or datetime.min
            turn[state.company_id] = min(turn.get(state.company_id, last), last)
        work.sort(key=lambda item: turn[item[0].company_id])
        deadline = company_model._hubspot_deadline()
        done = remaining = 0
        # One cache per company for the whole run: the types of one job share what
        # they look up (HubSpot's owners, Odoo's users), asked once, not once a type.
        caches = {}
        for index, (state, binding) in enumerate(work):
            share = (deadline - time.monotonic()) / (len(work) - index)
            work_done, finished = self._hubspot_run_state(
                state, binding, time.monotonic() + max(share, 0), caches
            )
            done += work_done
            remaining += not finished
        if job == "push" and not remaining:
            # The scheduler drops the calls for a job made in the second its run began
            # (ir.cron deletes the triggers older than the run): a webhook's call among
            # them would leave what it queued waiting for the next interval.
            remaining = self.env["hubspot.sync.queue"]._hubspot_fetches_since(
                started, [state.company_id for state, _binding in work]
            )
        # With nothing done the scheduler takes "remaining" for a job without progress.
        self.env["ir.cron"]._notify_progress(
            done=max(done, 1) if remaining else done, remaining=remaining
        )

    @api.model
    def _hubspot_job_work(self, job, object_types):
        """``(job state, binding model)`` of each company and object type the job serves."""
        types = self.env["hubspot.binding"]._hubspot_types()
        work = []
        companies = self.env["res.company"]._hubspot_companies()
        for company in companies.filtered(lambda c: not c.hubspot_sync_paused):
            for object_type in object_types:
                binding = types[object_type].with_company(company)
                if binding._hubspot_sync_enabled(company):
                    state = self.env["hubspot.job.state"]._get(company, object_type, job)
                    work.append((state, binding))
        return work

    @api.model
    def _hubspot_run_state(self, state, binding, deadline, caches):
        """One company's run of one job for one object type; returns ``(done, finished)``.

        ``caches`` holds the run cache of each company, shared by its object types.

        Failures are recorded on the job state and logged, never raised: the
        next company, and the next run, go on.
        """
        company = state.company_id
        with state._lock() as acquired:
            if not acquired:
                _logger.info(
                    "HubSpot %s %s job already running for %s",
                    state.object_type,
                    state.job,
                    company.name,
                )
                return 0, True
            # This transaction's snapshot may predate the previous holder's last commit:
            # writing its job state from there would fail as a concurrent update.
            company._hubspot_commit()
            error = False
            try:
                # Inside: a client refused (an unverified API URL) stops this run only.
                client = company._hubspot_client()
                cache = caches.setdefault(company.id, RunCache(client))
                binding = binding._hubspot_prepare_run(company, cache)
                if state.job == "pull":
                    summary, finished = self._hubspot_pull(
                        binding, company, client, state, deadline
                    )
                else:
                    summary, finished = self._hubspot_push(binding, company, client, deadline)
            except HubspotError as exc:
                company._hubspot_rollback()
                _logger.warning(
                    "HubSpot %s sync of %s stopped: %s", state.object_type, company.name, exc
                )
                summary, finished, error = {}, True, str(exc)
            except Exception as exc:  # noqa: BLE001 - one company's failure stops no other
                company._hubspot_rollback()
                _logger.exception("HubSpot %s sync of %s failed", state.object_type, company.name)
                summary, finished, error = {}, True, f"{type(exc).__name__}: {exc}"
            state._record_run(summary, error, more_to_do=not finished)
            company._hubspot_commit()
            binding._hubspot_after_run(company)
            company._hubspot_commit()
        done = sum(
            count
            for stats in summary.values()
            for outcome, count in stats.items()
            if outcome != "unchanged"
        )
        return done, finished

    # ------------------------------------------------------------------
    # Pull
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_pull(self, binding, company, client, state, deadline):
        """Import what changed in HubSpot since the job state's cursor, page by page.

        A pass reads from the cursor to the end, in as many runs as its time
        budget needs: each committed page records the exact point reached, so
        a run that stops or dies resumes there. HubSpot's search index lags
        behind its writes by up to the cursor overlap, so a finished pass moves
        the cursor only to its own start minus the overlap: the few versions
        read twice are skipped without a write, and an idle portal costs one
        search that finds nothing. Records archived in HubSpot never show in a
        search: they are listed at a slower cadence of their own. Returns
        ``(summary, finished)``.
        """
        first_pass = not state.cursor
        resume = state.resume_point or {}
        since_ms = resume.get("ms")
        if since_ms is None and state.cursor:
            since_ms = int(state.cursor.replace(tzinfo=timezone.utc).timestamp() * 1000)
        pass_start = state.pass_started_at or fields.Datetime.now()
        modified = binding._hubspot_modified_property
        totals = {}
        page = []
        objects = client.iter_modified_since(
            binding._hubspot_object_type,
            since_ms,
            binding._hubspot_properties(),
            modified_property=modified,
            read_at_since=resume.get("ids", ()),
        )
        finished = True
        for payload in objects:
            page.append(payload)
            if len(page) < company._hubspot_page_size():
                continue
            self._hubspot_pull_page(binding, page, company, client, totals)
            state._stop_pass_at(page, partial(client.modified_ms, modified), pass_start)
            company._hubspot_commit()
            page = []
            if company._hubspot_out_of_time(deadline):
                finished = False
                break
        if finished:
            if page:
                self._hubspot_pull_page(binding, page, company, client, totals)
            state._finish_pass(pass_start - company._hubspot_cursor_overlap())
            company._hubspot_commit()
        summary = {"pulled": totals}
        if finished and company._hubspot_archived_scan_due(state):
            if not first_pass:
                # Associations made later move no last-modified date: looked for at this
                # cadence (a first pass read every object already).
                summary["associated_scan"] = binding._hubspot_scan_associated(company, client)
            summary["archived_scan"] = self._hubspot_pull_archived(binding, company, client, state)
        return summary, finished

    @api.model
    def _hubspot_pull_page(self, binding, page, company, client, totals):
        binding._hubspot_enrich(page, company, client)
        add_counts(totals, binding._import_page(page, company))

    @api.model
    def _hubspot_pull_archived(self, binding, company, client, state):
        """Apply the deletion policy to records archived in HubSpot (searches skip those)."""
        seen = 0
        chunk = []
        for payload in client.iter_objects(
            binding._hubspot_object_type, ["hs_object_id"], archived=True
        ):
            chunk.append(payload["id"])
            if len(chunk) == company._hubspot_page_size():
                seen += binding._hubspot_handle_remote_removal(company, chunk)
                chunk = []
        if chunk:
            seen += binding._hubspot_handle_remote_removal(company, chunk)
        state.archived_scan_at = fields.Datetime.now()
        company._hubspot_commit()
        return {"archived_in_hubspot": seen}

    # ------------------------------------------------------------------
    # Push
    # ------------------------------------------------------------------

    @api.model
    def _hubspot_push(self, binding, company, client, deadline):
        """The queue job's work for one object type; returns ``(summary, finished)``."""
        summary = {
            "fetched": self._hubspot_fetch_queued(binding, company, client, deadline),
            "pushed": binding._hubspot_push_queued(company, client, deadline),
            "archived": binding._hubspot_archive_queued(company, client, deadline),
        }
        # Entries another worker holds are its work: only the time budget leaves work here.
        return summary, not company._hubspot_out_of_time(deadline)

    @api.model
    def _hubspot_fetch_queued(self, binding, company, client, deadline):
        """Re-read HubSpot objects queued for a retry, a merge or a webhook hint."""
        refetch = binding.with_context(hubspot_refetch=True)

        def process(entries):
            found, gone, unread = binding._hubspot_read_by_ids(entries.mapped("hubspot_id"), client)
            # Done with the entries first: a record that still fails queues a new one.
            for entry in entries.filtered(lambda e: e.hubspot_id in unread):
                entry._mark_failed(unread[entry.hubspot_id])
            entries.filtered(lambda e: e.hubspot_id not in unread).unlink()
            return refetch._hubspot_apply_read(found, gone, company, client)

        return binding._hubspot_drain(company, "fetch", deadline, process, gather=True)
