"""After the update: linked contacts get their companies, reading each contact once.

Companies are new: the first companies pull links them. Each linked contact is
then read again once through the queue (with its company association) a little
later, so that its company is most likely linked by then; a contact whose
company is not linked yet waits for that link and is read when it comes.
"""

from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields

# Time the first companies pull has before the contacts are read again.
CONTACTS_AFTER = timedelta(minutes=10)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    queue = env["hubspot.sync.queue"]
    contacts = env["hubspot.contact.binding"].search([("hubspot_id", "!=", False)])
    for company in contacts.company_id:
        linked = contacts.filtered(lambda b, company=company: b.company_id == company)
        queue._enqueue(
            company,
            "fetch",
            "contacts",
            hubspot_ids=linked.mapped("hubspot_id"),
            delay=int(CONTACTS_AFTER.total_seconds()),
        )
    env.ref("hubspot_connector.ir_cron_hubspot_sync_companies")._trigger()
    env.ref("hubspot_connector.ir_cron_hubspot_process_queue")._trigger(
        at=fields.Datetime.now() + CONTACTS_AFTER
    )
