from datetime import timedelta

from odoo import api, fields, models

from ..services.webhooks import MAX_AGE_MS, MAX_SKEW_MS

# A signed request is refused once older than this anyway: its key may go then.
KEY_LIFETIME = timedelta(milliseconds=MAX_AGE_MS + MAX_SKEW_MS)


class HubspotWebhookReplay(models.Model):
    """The signed webhook requests accepted recently, so that none is accepted twice.

    A request's key is its timestamp and signature; it is kept as long as the
    request could still pass the signature's time window.
    """

    _name = "hubspot.webhook.replay"
    _description = "HubSpot Webhook Request Seen"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True, index=True)

    _sql_constraints = [("key_uniq", "unique(key)", "This webhook request was already seen.")]

    @api.model
    def _hubspot_first_time(self, key):
        """Remember ``key``; False when it was remembered already (a replay).

        One statement: two copies of a request arriving at once cannot both pass.
        """
        self.env.cr.execute(
            """
            INSERT INTO hubspot_webhook_replay (key, expires_at) VALUES (%s, %s)
            ON CONFLICT (key) DO NOTHING RETURNING id
            """,
            (key, fields.Datetime.now() + KEY_LIFETIME),
        )
        return bool(self.env.cr.fetchone())

    @api.autovacuum
    def _gc_expired(self):
        self.env.cr.execute(
            "DELETE FROM hubspot_webhook_replay WHERE expires_at < %s", (fields.Datetime.now(),)
        )
