from odoo import http
from odoo.http import request

from ..services.webhooks import WebhookRefused

WEBHOOK_PATH = "/hubspot/webhook"
# HubSpot's batches hold at most 100 events: no genuine one comes near this.
MAX_BODY_BYTES = 1024 * 1024


def webhook_url(env):
    """The address to paste into HubSpot's app settings."""
    return env["res.company"].get_base_url().rstrip("/") + WEBHOOK_PATH


class HubspotWebhookController(http.Controller):
    @http.route(
        WEBHOOK_PATH,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def hubspot_webhook(self):
        """HubSpot's CRM events: 401 without a word for a request not to trust, else 204.

        Odoo commits the request's transaction before it sends the answer: events
        HubSpot is told were received are queued for good, whatever happens next.
        """
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY_BYTES:
            return request.make_response("", status=413)
        # HubSpot signs the address it called; behind a proxy that may be the one shown
        # in the settings rather than the one this server sees.
        uris = [httprequest.url]
        shown = webhook_url(request.env)
        if httprequest.query_string:
            shown += "?" + httprequest.query_string.decode("latin-1")
        if shown not in uris:
            uris.append(shown)
        try:
            request.env["hubspot.webhook"].sudo()._hubspot_receive(
                httprequest.method, uris, httprequest.get_data(), httprequest.headers
            )
        except WebhookRefused:
            return request.make_response("", status=401)
        return request.make_response("", status=204)
