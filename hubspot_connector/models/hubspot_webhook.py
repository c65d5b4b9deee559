import logging
from collections import Counter

from odoo import api, models

from ..services.webhooks import (
    WebhookMalformed,
    WebhookRefused,
    parse_events,
    plan_refetch,
    replay_key,
    verify_request,
)

_logger = logging.getLogger(__name__)


class HubspotWebhook(models.AbstractModel):
    """HubSpot's webhook requests: whether to trust one, and what its events leave to do.

    Events are hints, not data: an accepted event only queues its object to be read
    again by the queue job, which is started at once. Nothing here calls HubSpot, so
    HubSpot gets its answer well within its 5 seconds.
    """

    _name = "hubspot.webhook"
    _description = "HubSpot Webhooks"

    @api.model
    def _hubspot_receive(self, method, uris, body, headers):
        """Take a webhook request from HubSpot; raises ``WebhookRefused`` for one not to trust.

        ``uris`` are the addresses HubSpot may have signed: the one it called as this
        server sees it, and the one the settings show. A refused request writes nothing
        but a counter, and that rarely.
        """
        stats = self.env["hubspot.webhook.stat"]
        try:
            companies = self._hubspot_signed_by(method, uris, body, headers)
            if not self.env["hubspot.webhook.replay"]._hubspot_first_time(replay_key(headers)):
                raise WebhookRefused("replayed")
        except WebhookRefused as refusal:
            # Debug only: a flood of forged requests must not flood the log either.
            _logger.debug("HubSpot webhook request refused: %s", refusal.reason)
            kind = "replayed" if refusal.reason == "replayed" else "refused"
            stats._hubspot_count({(0, kind): 1})
            raise
        stats._hubspot_count(self._hubspot_take_events(companies, body), write_now=True)

    @api.model
    def _hubspot_signed_by(self, method, uris, body, headers):
        """The companies whose client secret signed the request; raises ``WebhookRefused``.

        Companies may share a secret (one app, several portals or companies): they are
        all returned, and each takes the events of its own portal only.
        """
        holders = {}
        companies = self.env["res.company"].sudo().search([("hubspot_webhook_secret", "!=", False)])
        for company in companies:
            secret = company.hubspot_webhook_secret
            holders[secret] = holders.get(secret, company.browse()) | company
        refusal = WebhookRefused("no_secret")
        for secret, holding in holders.items():
            for uri in uris:
                try:
                    verify_request(secret, method, uri, body, headers)
                except WebhookRefused as error:
                    # Keep the most telling reason: any other says more than a mismatch.
                    if refusal.reason in ("no_secret", "bad_signature"):
                        refusal = error
                    continue
                return holding
        raise refusal

    @api.model
    def _hubspot_take_events(self, companies, body):
        """Queue the objects a trusted batch names to be read again; returns the counts.

        Events go to the company of their portal (``companies`` signed the request)
        and to object types it syncs. Many events of one object make one read; an
        object already synced in a version newer than its events is not read at all.
        """
        counts = Counter()
        registry = self.env["hubspot.binding"]._hubspot_event_registry()
        try:
            events, ignored = parse_events(body, registry)
        except WebhookMalformed as error:
            # Answering an error would only make HubSpot send the same batch ten times.
            _logger.warning("HubSpot webhook batch acknowledged unread: %s", error.reason)
            counts[0, "malformed"] += 1
            return counts
        counts[0, "ignored"] += len(ignored)
        by_portal = {}
        for company in companies.filtered("hubspot_portal_id"):
            portal = company.hubspot_portal_id.strip()
            by_portal[portal] = by_portal.get(portal, company.browse()) | company
        for portal_id, number in Counter(event.portal_id for event in events).items():
            for company in by_portal.get(str(portal_id), ()):
                counts[company.id, "accepted"] += number
            if str(portal_id) not in by_portal:
                counts[0, "unknown_portal"] += number
        types = self.env["hubspot.binding"]._hubspot_types()
        queue = self.env["hubspot.sync.queue"].sudo()
        queued = False
        for (portal_id, object_type), work in plan_refetch(events).items():
            for company in by_portal.get(str(portal_id), ()):
                binding = types[object_type].with_company(company)
                if not binding._hubspot_sync_enabled(company):
                    continue
                ids = binding._hubspot_ids_to_reread(company, work.refetch, work.deleted)
                queue._enqueue(company, "fetch", object_type, hubspot_ids=ids)
                queued = queued or bool(ids)
        if queued:
            queue._trigger_job()
        return counts
