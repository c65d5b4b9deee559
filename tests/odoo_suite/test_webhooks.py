"""Webhooks through Odoo's HTTP server: signed requests from "HubSpot", the queue job run
by ir.cron's runner, and what users see afterwards (records, requests to HubSpot).

The changes are made in the sandbox, which reports each one; the tests turn those
reports into HubSpot's webhook payloads, sign them with the app's client secret and
post them to the endpoint, as HubSpot does.
"""

import json
import time
from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import HttpCase
from odoo.tools import mute_logger

from odoo.addons.hubspot_connector.models import hubspot_sync_queue, hubspot_webhook_stat
from odoo.addons.hubspot_connector.services.webhooks import signature_v3

from hubspot_sandbox.defaults import PORTAL_ID

from .common import HubspotCase

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
PATH = "/hubspot/webhook"
PREFIXES = {"contacts": "contact", "companies": "company", "deals": "deal"}
QUEUE_CRON = "hubspot_connector.ir_cron_hubspot_process_queue"
CONTACT_READS = ("POST", "/crm/v3/objects/contacts/batch/read")


def webhook_items(changes, portal_id=PORTAL_ID):
    """HubSpot's webhook events (legacy shape) for the sandbox's change reports."""
    items = []
    for change in changes:
        prefix = PREFIXES[change["objectType"]]
        base = {
            "subscriptionId": 1,
            "portalId": portal_id,
            "appId": 4242,
            "occurredAt": change["occurredAt"],
            "attemptNumber": 0,
            "objectId": change["objectId"],
            "changeSource": "CRM_UI",
        }
        kind = change["kind"]
        if kind == "propertyChange":
            items += [
                dict(base, subscriptionType=f"{prefix}.propertyChange", propertyName=name,
                     propertyValue=value)
                for name, value in change["properties"].items()
            ]  # fmt: skip
            continue
        item = dict(base, subscriptionType=f"{prefix}.{kind}")
        if kind == "merge":
            item.update(
                primaryObjectId=change["primaryObjectId"],
                mergedObjectIds=change["mergedObjectIds"],
                newObjectId=change["newObjectId"],
                numberOfPropertiesMoved=1,
            )
        elif kind == "associationChange":
            item.update(
                associationType=f"{prefix}_TO_{PREFIXES[change['toObjectType']]}".upper(),
                fromObjectId=change["fromObjectId"],
                toObjectId=change["toObjectId"],
                associationRemoved=change["associationRemoved"],
                isPrimaryAssociation=change["isPrimaryAssociation"],
            )
        items.append(item)
    for number, item in enumerate(items, 1):
        item["eventId"] = number
    return items


class WebhookCase(HubspotCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"hubspot_webhook_secret": SECRET, "hubspot_portal_id": str(PORTAL_ID)})

    def setUp(self):
        super().setUp()
        hubspot_webhook_stat._PENDING.clear()
        hubspot_webhook_stat._FLUSHED_AT.clear()
        self.changes = []
        self.sandbox.store.add_listener(self.changes.append)

    # -- HubSpot's side ------------------------------------------------

    def post(self, body, secret=SECRET, timestamp=None, headers=None):
        """POST ``body`` (events, or raw text) to the endpoint, signed as HubSpot signs."""
        if not isinstance(body, str):
            body = json.dumps(body)
        url = self.base_url() + PATH
        timestamp = timestamp or int(time.time() * 1000)
        signed = {
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": signature_v3(secret, "POST", url, body, timestamp),
            "X-HubSpot-Request-Timestamp": str(timestamp),
        }
        return self.url_open(url, data=body.encode(), headers=dict(signed, **(headers or {})))

    def send_changes(self, **options):
        """Send what changed in the sandbox since the last call, in one batch."""
        items = webhook_items(self.changes, **options)
        self.changes.clear()
        response = self.post(items)
        self.assertEqual(response.status_code, 204)
        return response

    # -- Odoo's side ---------------------------------------------------

    def run_queue_job(self):
        """One run of the queue job by ir.cron's runner (the class is in test mode)."""
        cron = self.env.ref(QUEUE_CRON)
        job = dict(cron.read(load=None)[0], done=0, remaining=0, timed_out_counter=0)
        self.env.flush_all()
        # Closed at once: an open test cursor holds the lock the HTTP requests wait for.
        with self.registry.cursor() as cron_cr:
            self.registry["ir.cron"]._process_job(self.registry.db_name, cron_cr, job)
        self.env.invalidate_all()

    def queued(self, object_type="contacts"):
        return set(
            self.env["hubspot.sync.queue"]
            .search(
                [
                    ("company_id", "=", self.company.id),
                    ("action", "=", "fetch"),
                    ("object_type", "=", object_type),
                ]
            )
            .mapped("hubspot_id")
        )

    def counts(self):
        self.env.invalidate_all()
        return self.env["hubspot.webhook.stat"]._hubspot_totals(self.company)

    def linked_contact(self, **properties):
        """A contact made in HubSpot and already synced with its partner."""
        contact = self.hs_contact(**properties)
        self.pull_contacts()
        self.changes.clear()
        self.sandbox.reset_stats()
        return contact


class TestAcceptedEvents(WebhookCase):
    def test_a_change_in_hubspot_is_in_odoo_once_the_triggered_job_ran(self):
        contact = self.linked_contact(email="ada@example.com", firstname="Ada")
        self.sandbox.store.update_object("contacts", contact["id"], {"firstname": "Augusta"})
        self.send_changes()
        # Answered, queued, the job asked for at once, and HubSpot not called yet.
        self.assertEqual(self.queued(), {contact["id"]})
        cron = self.env.ref(QUEUE_CRON)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.assertEqual(self.total_requests(), 0)
        self.run_queue_job()
        self.assertEqual(self.partner_of(contact).name, "Augusta")
        self.assertEqual(self.requests_to(*CONTACT_READS), 1)
        self.assertFalse(self.queued())
        self.assertEqual(self.counts()["accepted"], 1)
        self.assertTrue(self.env["hubspot.webhook.stat"]._hubspot_last_at(self.company, "accepted"))

    def test_a_new_contact_is_created_and_a_new_one_out_of_scope_is_not(self):
        ada = self.hs_contact(email="ada@example.com", firstname="Ada")
        self.send_changes()
        self.run_queue_job()
        self.assertEqual(self.partner_of(ada).name, "Ada")
        # Contacts created before the date set are left out, by webhook as by the pull.
        self.company.hubspot_contacts_since = date.today() + timedelta(days=1)
        grace = self.hs_contact(email="grace@example.com", firstname="Grace")
        self.send_changes()
        self.run_queue_job()
        self.assertFalse(self.partner_of(grace))

    def test_many_events_of_three_objects_cost_one_read(self):
        contacts = [self.linked_contact(email=f"c{n}@example.com") for n in range(3)]
        self.sandbox.reset_stats()
        for number in range(34):
            for contact in contacts:
                self.sandbox.store.update_object(
                    "contacts", contact["id"], {"firstname": f"Name {number}"}
                )
        items = webhook_items(self.changes)[:100]
        self.assertEqual(len(items), 100)
        self.assertEqual(self.post(items).status_code, 204)
        self.run_queue_job()
        self.assertEqual(self.requests_to(*CONTACT_READS), 1)
        for contact in contacts:
            self.assertEqual(self.partner_of(contact).name, "Name 33")

    def test_a_queued_read_asks_hubspot_for_100_objects_at_a_time(self):
        contacts = [
            self.hs_contact(email=f"bulk{n}@example.com", firstname=f"Bulk {n}") for n in range(250)
        ]
        items = webhook_items(self.changes)
        for start in range(0, len(items), 100):
            self.assertEqual(self.post(items[start : start + 100]).status_code, 204)
        self.assertEqual(len(self.queued()), 250)
        self.run_queue_job()
        self.assertEqual(self.requests_to(*CONTACT_READS), 3)
        self.assertEqual(len(self.partner_of_all(contacts)), 250)

    def partner_of_all(self, contacts):
        return self.env["res.partner"].search([("hubspot_id", "in", [c["id"] for c in contacts])])

    def test_an_event_older_than_the_version_synced_reads_nothing(self):
        contact = self.hs_contact(email="ada@example.com", firstname="Ada")
        self.sandbox.store.update_object("contacts", contact["id"], {"firstname": "Augusta"})
        first_change = webhook_items(self.changes)
        self.pull_contacts()
        self.sandbox.reset_stats()
        # HubSpot's events come in any order: a change the pull already brought.
        for item in first_change:
            item["occurredAt"] -= 5000
        self.assertEqual(self.post(first_change).status_code, 204)
        self.assertFalse(self.queued())
        self.run_queue_job()
        self.assertEqual(self.total_requests(), 0)
        self.assertEqual(self.partner_of(contact).name, "Augusta")

    def test_generic_events_of_a_deal_update_its_opportunity(self):
        self.fetch_metadata()
        deal = self.hs_deal(dealname="Big deal", amount="100")
        self.pull_deals()
        self.changes.clear()
        self.sandbox.store.update_object("deals", deal["id"], {"dealname": "Bigger deal"})
        items = webhook_items(self.changes)
        for item in items:
            item["subscriptionType"] = "object.propertyChange"
            item["objectTypeId"] = "0-3"
        self.assertEqual(self.post(items).status_code, 204)
        self.assertEqual(self.queued("deals"), {deal["id"]})
        self.run_queue_job()
        self.assertEqual(self.lead_of(deal).name, "Bigger deal")

    def test_generic_events_of_a_note_create_edit_and_delete_its_chatter_note(self):
        self.company.write(
            {"hubspot_sync_notes": True, "hubspot_delete_policy_hubspot2odoo": "archive"}
        )
        self.fetch_metadata()
        contact = self.linked_contact(email="ada@example.com", firstname="Ada")
        partner = self.partner_of(contact)
        note = self.sandbox.store.create_object(
            "notes",
            {"hs_note_body": "<p>Met at the fair</p>", "hs_timestamp": "2026-03-02T09:00:00Z"},
        )
        self.sandbox.store.associate("notes", note["id"], "contacts", contact["id"])

        def event(kind):
            # HubSpot has no legacy subscriptions for activities: generic ones, by type id.
            return {
                "eventId": 1,
                "subscriptionId": 7,
                "portalId": PORTAL_ID,
                "appId": 4242,
                "occurredAt": int(time.time() * 1000),
                "attemptNumber": 0,
                "subscriptionType": f"object.{kind}",
                "objectTypeId": "0-46",
                "objectId": int(note["id"]),
                "changeSource": "CRM_UI",
            }

        def message():
            binding = self.env["hubspot.note.binding"].search([("hubspot_id", "=", note["id"])])
            return binding.odoo_id

        self.assertEqual(self.post([event("creation")]).status_code, 204)
        self.assertEqual(self.queued("notes"), {note["id"]})
        self.run_queue_job()
        self.assertEqual((message().model, message().res_id), ("res.partner", partner.id))
        self.assertIn("Met at the fair", message().body)
        time.sleep(0.01)  # the edit is later than the version synced, to the millisecond
        self.sandbox.store.update_object("notes", note["id"], {"hs_note_body": "<p>Met twice</p>"})
        self.post([event("propertyChange")])
        self.run_queue_job()
        self.assertIn("Met twice", message().body)
        self.sandbox.store.archive_object("notes", note["id"])
        self.post([event("deletion")])
        self.run_queue_job()
        self.assertFalse(message().body)

    def test_events_of_a_type_not_synced_are_dropped(self):
        self.company.hubspot_sync_companies = False
        self.sandbox.store.create_object("companies", {"name": "Acme", "domain": "acme.com"})
        self.send_changes()
        self.assertFalse(self.queued("companies"))
        self.assertEqual(self.counts()["accepted"], 1)

    def test_events_queued_are_committed_before_the_answer(self):
        """What Odoo answered 2xx for is in the queue table, not in a worker's memory: a
        restart between the answer and the job loses nothing."""
        contact = self.linked_contact(email="ada@example.com", firstname="Ada")
        self.sandbox.store.update_object("contacts", contact["id"], {"firstname": "Augusta"})
        self.send_changes()
        self.env.invalidate_all()
        self.env.cr.execute(
            "SELECT hubspot_id FROM hubspot_sync_queue WHERE action = 'fetch' AND company_id = %s",
            (self.company.id,),
        )
        self.assertEqual(self.env.cr.fetchall(), [(contact["id"],)])
        self.run_queue_job()
        self.assertEqual(self.partner_of(contact).name, "Augusta")

    def test_an_event_queued_while_the_job_runs_is_read_by_that_run(self):
        """ir.cron drops a call made in the second a run began: the run sees the event."""
        contact = self.linked_contact(email="ada@example.com", firstname="Ada")
        runner = type(self.env["hubspot.job.runner"])
        push = runner._hubspot_push

        def push_then_receive(job_runner, binding, *args):
            summary = push(job_runner, binding, *args)
            if binding._hubspot_object_type == "deals" and not self.changes:
                # Contacts are done with in this run when the event arrives; the test
                # cursor is the job's now, so the event goes past the HTTP layer.
                store.update_object("contacts", contact["id"], {"firstname": "Augusta"})
                body = json.dumps(webhook_items(self.changes))
                job_runner.env["hubspot.webhook"]._hubspot_take_events(self.company, body)
            return summary

        store = self.sandbox.store
        with patch.object(runner, "_hubspot_push", push_then_receive):
            self.run_queue_job()
        self.assertFalse(self.queued())
        self.assertEqual(self.partner_of(contact).name, "Augusta")


class TestRemovalsMergesAssociations(WebhookCase):
    def test_a_deletion_follows_the_deletion_policy(self):
        for policy, active in (("never", True), ("archive", False)):
            with self.subTest(policy=policy):
                self.company.hubspot_delete_policy_hubspot2odoo = policy
                contact = self.linked_contact(email=f"{policy}@example.com", firstname=policy)
                partner = self.partner_of(contact)
                self.sandbox.store.archive_object("contacts", contact["id"])
                self.send_changes()
                self.run_queue_job()
                self.assertEqual(partner.active, active)
                self.assertEqual(
                    partner.with_context(active_test=False).hubspot_sync_state, "excluded"
                )

    def test_a_restore_after_a_deletion_brings_the_record_back_in_sync(self):
        contact = self.linked_contact(email="ada@example.com", firstname="Ada")
        self.sandbox.store.archive_object("contacts", contact["id"])
        self.send_changes()
        self.run_queue_job()
        self.assertEqual(self.partner_of(contact).hubspot_sync_state, "excluded")
        self.sandbox.store.restore_object("contacts", contact["id"])
        self.send_changes()
        self.run_queue_job()
        self.assertEqual(self.partner_of(contact).hubspot_sync_state, "synced")

    def test_a_deletion_of_an_object_odoo_never_had_reads_nothing(self):
        contact = self.hs_contact(email="ada@example.com")
        self.sandbox.store.archive_object("contacts", contact["id"])
        self.changes[:] = [c for c in self.changes if c["kind"] == "deletion"]
        self.send_changes()
        self.assertFalse(self.queued())

    def test_a_merge_in_hubspot_keeps_one_link_on_the_survivor(self):
        ada = self.linked_contact(email="ada@example.com", firstname="Ada")
        other = self.linked_contact(email="ada.l@example.com", firstname="Ada L")
        ada_partner, other_partner = self.partner_of(ada), self.partner_of(other)
        survivor = self.sandbox.store.merge_objects("contacts", ada["id"], other["id"])
        self.send_changes()
        self.run_queue_job()
        # The primary's partner follows the survivor; the other is kept, for review.
        self.assertEqual(self.partner_of(survivor), ada_partner)
        self.assertTrue(other_partner.exists())
        self.assertEqual(other_partner.hubspot_sync_state, "review")
        self.assertEqual(self.requests_to(*CONTACT_READS), 1)

    def test_an_association_change_moves_the_partner_under_its_company(self):
        acme = self.sandbox.store.create_object("companies", {"name": "Acme", "domain": "acme.com"})
        self.env["hubspot.job.runner"]._cron_hubspot_pull("companies")
        contact = self.linked_contact(email="ada@acme.com", firstname="Ada")
        self.assertFalse(self.partner_of(contact).parent_id)
        self.sandbox.store.associate(
            "contacts", contact["id"], "companies", acme["id"], primary=True
        )
        self.send_changes()
        self.run_queue_job()
        company_partner = self.env["res.partner"].search([("hubspot_id", "=", acme["id"])])
        self.assertEqual(self.partner_of(contact).parent_id, company_partner)


class TestRefused(WebhookCase):
    def assert_refused(self, response):
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.content, b"")

    def test_a_forged_signature_or_a_wrong_secret_is_refused_and_nothing_queued(self):
        self.hs_contact(email="ada@example.com")
        items = webhook_items(self.changes)
        self.assert_refused(self.post(items, secret="not-the-secret"))
        self.assert_refused(self.post(items, headers={"X-HubSpot-Signature-v3": "Zm9yZ2Vk"}))
        self.assert_refused(self.url_open(self.base_url() + PATH, data=json.dumps(items)))
        self.assertFalse(self.queued())

    def test_stale_and_future_timestamps_are_refused(self):
        self.hs_contact(email="ada@example.com")
        items = webhook_items(self.changes)
        now = int(time.time() * 1000)
        self.assert_refused(self.post(items, timestamp=now - 301_000))
        self.assert_refused(self.post(items, timestamp=now + 120_000))
        self.assertFalse(self.queued())

    def test_a_replayed_request_is_refused(self):
        contact = self.hs_contact(email="ada@example.com", firstname="Ada")
        body = json.dumps(webhook_items(self.changes))
        timestamp = int(time.time() * 1000)
        self.assertEqual(self.post(body, timestamp=timestamp).status_code, 204)
        self.run_queue_job()
        self.assertTrue(self.partner_of(contact))
        self.assert_refused(self.post(body, timestamp=timestamp))
        self.assertFalse(self.queued())
        hubspot_webhook_stat.FLUSH_SECONDS = 0
        self.addCleanup(setattr, hubspot_webhook_stat, "FLUSH_SECONDS", 60)
        self.assertEqual(self.counts()["replayed"], 0)  # counted in memory
        self.post("[]", secret="forged")  # the next count writes every count due
        self.assertEqual(self.counts()["replayed"], 1)

    def test_a_flood_of_invalid_requests_writes_nothing(self):
        self.hs_contact(email="ada@example.com")
        items = json.dumps(webhook_items(self.changes))

        def rows_written():
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_xact_user_tables"
            )
            return self.env.cr.fetchone()[0]

        before = rows_written()
        for number in range(50):
            self.assert_refused(self.post(items, secret=f"guess {number}"))
        self.assertEqual(rows_written(), before)
        self.assertEqual(self.counts()["refused"], 0)
        # The count is written with the next write: here an accepted request's.
        self.send_changes()
        self.assertGreater(rows_written(), before)
        self.assertEqual(self.counts()["refused"], 50)


class TestRouting(WebhookCase):
    def test_events_of_an_unknown_portal_are_ignored_and_counted(self):
        self.hs_contact(email="ada@example.com")
        self.send_changes(portal_id=999)
        self.assertFalse(self.queued())
        self.assertEqual(self.counts()["unknown_portal"], 1)

    def test_companies_sharing_a_secret_take_the_events_of_their_own_portal(self):
        other = self.env["res.company"].create(
            {"name": "Other portal", "hubspot_webhook_secret": SECRET, "hubspot_portal_id": "999"}
        )
        ada = self.hs_contact(email="ada@example.com")
        items = webhook_items(self.changes)
        grace = self.hs_contact(email="grace@example.com")
        items += webhook_items(self.changes[1:], portal_id=999)
        self.assertEqual(self.post(items).status_code, 204)
        self.assertEqual(self.queued(), {ada["id"]})
        queue = self.env["hubspot.sync.queue"].search([("company_id", "=", other.id)])
        self.assertEqual(queue.mapped("hubspot_id"), [grace["id"]])

    def test_a_company_with_another_secret_gets_no_event_of_a_portal_signed_for(self):
        self.env["res.company"].create(
            {"name": "Other app", "hubspot_webhook_secret": "other", "hubspot_portal_id": "999"}
        )
        self.hs_contact(email="ada@example.com")
        self.send_changes(portal_id=999)
        self.assertFalse(self.env["hubspot.sync.queue"].search([]))
        self.assertEqual(self.counts()["unknown_portal"], 1)

    def test_a_signed_batch_that_is_no_batch_is_acknowledged_and_logged(self):
        self.hs_contact(email="ada@example.com")
        too_many = webhook_items(self.changes) * 101
        for body in ("{not json", json.dumps(too_many)):
            with self.assertLogs("odoo.addons.hubspot_connector.models.hubspot_webhook") as logs:
                self.assertEqual(self.post(body).status_code, 204)
            self.assertIn("acknowledged unread", logs.output[0])
        self.assertFalse(self.queued())
        self.assertEqual(self.counts()["malformed"], 2)


class TestSettings(WebhookCase):
    def test_the_connection_test_fills_the_portal_id(self):
        self.company.write({"hubspot_portal_id": False, "hubspot_token_verified": False})
        self.company._hubspot_verify_and_start()
        self.assertEqual(self.company.hubspot_portal_id, str(PORTAL_ID))

    def test_the_secret_is_for_administrators_only(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.company.with_user(self.manager).read(["hubspot_webhook_secret"])
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.hubspot_webhook_url, self.base_url() + PATH)

    def test_neutralizing_clears_the_secret(self):
        self.env.flush_all()
        for query in get_neutralization_queries(["hubspot_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.company.hubspot_webhook_secret)


class TestGathering(HubspotCase):
    """Under a stream of events the queue job reads full batches; a single one waits not."""

    def gather_seconds(self):
        queue = self.env["hubspot.sync.queue"]
        started = time.monotonic()
        queue._hubspot_gather(self.company, "fetch", "contacts", time.monotonic() + 60)
        return time.monotonic() - started

    def enqueue(self, count):
        self.env["hubspot.sync.queue"]._enqueue(
            self.company, "fetch", "contacts", hubspot_ids=[str(1000 + n) for n in range(count)]
        )

    def test_nothing_due_or_a_full_batch_due_is_not_waited_for(self):
        self.assertLess(self.gather_seconds(), 0.1)
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 20)
        self.enqueue(20)
        self.assertLess(self.gather_seconds(), 0.1)

    def test_a_partial_batch_waits_a_little_for_more(self):
        self.enqueue(3)
        with patch.object(hubspot_sync_queue, "GATHER_SECONDS", 0.5):
            self.assertGreaterEqual(self.gather_seconds(), 0.5)
