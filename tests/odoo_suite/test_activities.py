"""HubSpot activities <-> chatter and scheduled activities, through Odoo's cron runner."""

import json
from datetime import datetime, timedelta

from markupsafe import Markup

from odoo import fields

from .common import TOKEN
from .test_companies import CompanyCase
from .test_scheduler import CRONS

CRONS.setdefault("notes", "ir_cron_hubspot_sync_notes")

UPSERT = "/crm/v3/objects/notes/batch/upsert"


class NoteCase(CompanyCase):
    def setUp(self):
        super().setUp()
        self.company.hubspot_sync_notes = True
        self.seller = self.sandbox.store.add_owner("sales@example.com", "Sally", "Seller")
        self.fetch_metadata()
        self.note_subtype = self.env.ref("mail.mt_note")

    def hs_activity(self, kind, properties, owner=None, **associations):
        """An activity of ``kind`` made in HubSpot, associated with ``contacts=[...]``,
        ``deals=[...]``..."""
        if owner:
            properties = dict(properties, hubspot_owner_id=owner["id"])
        activity = self.sandbox.store.create_object(kind, properties)
        for to_type, records in associations.items():
            for record in records:
                self.sandbox.store.associate(kind, activity["id"], to_type, record["id"])
        return activity

    def hs_note(self, body, when=None, owner=None, **associations):
        when = when or datetime(2026, 3, 2, 9, 30, 15)
        properties = {"hs_note_body": body, "hs_timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        return self.hs_activity("notes", properties, owner, **associations)

    def pull_notes(self, scan=False):
        if scan:
            self.job_state("notes").archived_scan_at = False
        self.make_due("notes")
        self.run_cron("notes")

    def edit_in_hubspot(self, hs_note, body):
        """A later edit of the note's body in HubSpot."""
        self.sandbox.store.update_object(
            "notes",
            hs_note["id"],
            {"hs_note_body": body},
            modified_at=datetime.utcnow() + timedelta(seconds=5),
        )

    def message_of(self, hs_note):
        binding = self.env["hubspot.note.binding"].search(
            [("company_id", "=", self.company.id), ("hubspot_id", "=", hs_note["id"])]
        )
        return binding.odoo_id

    def notes_on(self, record):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("subtype_id", "=", self.note_subtype.id),
            ]
        )

    def hs_body(self, note_id):
        return self.hs_get("notes", note_id)["properties"]["hs_note_body"]

    def associated_ids(self, note_id, to_type):
        return self.associated("notes", note_id, to_type)

    def synced_contact(self, email="ada@example.com", **properties):
        contact = self.hs_contact(email=email, firstname="Ada", **properties)
        self.sync("contacts")
        return contact, self.partner_of(contact)


class TestNotesFromHubspot(NoteCase):
    def test_a_note_on_a_synced_contact_is_logged_in_its_chatter_without_notifying(self):
        contact, partner = self.synced_contact()
        partner.message_subscribe(partner_ids=self.manager.partner_id.ids)
        note = self.hs_note(
            "<p>Called about <b>renewal</b></p>", owner=self.seller, contacts=[contact]
        )
        self.pull_notes()
        message = self.message_of(note)
        self.assertEqual((message.model, message.res_id), ("res.partner", partner.id))
        self.assertEqual(message.subtype_id, self.note_subtype)
        self.assertEqual(message.message_type, "comment")
        self.assertIn("<b>renewal</b>", message.body)
        self.assertEqual(message.date, datetime(2026, 3, 2, 9, 30, 15))
        self.assertEqual(message.author_id, self.salesman.partner_id)
        self.assertFalse(message.notification_ids)  # logged: no follower notified
        self.pull_notes()  # read again: no second message, nothing sent back
        self.assertEqual(self.notes_on(partner), message)
        self.assertFalse(self.env["hubspot.sync.queue"].search([("object_type", "=", "notes")]))

    def test_a_note_on_a_contact_and_a_deal_is_on_the_opportunity_and_keeps_its_contact(self):
        contact, partner = self.synced_contact()
        deal = self.hs_deal(dealname="Renewal", contact_id=contact["id"])
        self.sync("deals")
        lead = self.lead_of(deal)
        note = self.hs_note("Both", contacts=[contact], deals=[deal])
        self.pull_notes()
        message = self.message_of(note)
        self.assertEqual((message.model, message.res_id), ("crm.lead", lead.id))
        self.assertFalse(self.notes_on(partner))
        # An edit in Odoo leaves HubSpot's associations as they were.
        lead._message_update_content(message, "<p>Both, edited</p>")
        self.sync("queue")
        self.assertIn("Both, edited", self.hs_body(note["id"]))
        self.assertEqual(self.associated_ids(note["id"], "contacts"), {contact["id"]})
        self.assertEqual(self.associated_ids(note["id"], "deals"), {deal["id"]})

    def test_a_note_edited_on_both_sides_between_two_runs_takes_the_latest_and_journals(self):
        contact, partner = self.synced_contact()
        note = self.hs_note("<p>First</p>", contacts=[contact])
        self.pull_notes()
        message = self.message_of(note)
        partner._message_update_content(message, "<p>Odoo's edit</p>")
        self.edit_in_hubspot(note, "<p>HubSpot's edit</p>")
        self.pull_notes()
        self.sync("queue")
        self.assertIn("HubSpot's edit", message.body)
        self.assertEqual(self.hs_body(note["id"]), "<p>HubSpot's edit</p>")
        self.assertTrue(self.journal(message, "odoo_overwritten"))

    def test_a_note_associated_with_a_synced_contact_a_week_later_is_found(self):
        contact, partner = self.synced_contact()
        note = self.hs_note("Loose note")
        self.pull_notes()
        self.assertFalse(self.message_of(note))  # on nothing synced: left out
        # Associating it moves no last-modified date: a search would never see it again.
        self.sandbox.store.associate("notes", note["id"], "contacts", contact["id"])
        self.sandbox.reset_stats()
        self.pull_notes(scan=True)
        self.assertEqual(self.message_of(note).res_id, partner.id)
        self.assertEqual(
            self.requests_to("POST", "/crm/v4/associations/contacts/notes/batch/read"), 1
        )

    def test_a_note_on_a_contact_outside_the_scope_and_a_synced_one_is_on_the_synced_one(self):
        contact, partner = self.synced_contact()
        # HubSpot lists the lower id first; that contact is not synced.
        outsider = self.sandbox.store.create_object(
            "contacts", {"email": "out@example.com"}, object_id=1
        )
        note = self.hs_note("Both contacts", contacts=[outsider, contact])
        self.pull_notes()
        self.assertEqual(self.message_of(note).res_id, partner.id)
        self.assertEqual(self.associated_ids(note["id"], "contacts"), {"1", contact["id"]})

    def test_a_first_import_of_many_notes_reads_their_associations_from_the_records_side(self):
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 2)
        ada, ada_partner = self.synced_contact()
        bob, bob_partner = self.synced_contact("bob@example.com")
        earlier = datetime.utcnow() - timedelta(days=2)
        notes = [self.hs_note(f"Note {n}", contacts=[(ada, bob)[n % 2]]) for n in range(12)]
        for note in notes:
            self.sandbox.store.update_object("notes", note["id"], {}, modified_at=earlier)
        self.sandbox.reset_stats()
        self.pull_notes()
        self.assertEqual(len(self.notes_on(ada_partner)), 6)
        self.assertEqual(len(self.notes_on(bob_partner)), 6)
        # Six pages of two: the first page's first association read already cost as much
        # as reading the two synced contacts once from their side.
        per_page = sum(
            self.requests_to("POST", f"/crm/v4/associations/notes/{kind}/batch/read")
            for kind in ("deals", "contacts", "companies")
        )
        self.assertEqual(per_page, 1)
        self.assertEqual(
            self.requests_to("POST", "/crm/v4/associations/contacts/notes/batch/read"), 1
        )
        # A note made since that read is read page by page again.
        late = self.hs_note("Late", contacts=[bob])
        self.pull_notes()
        self.assertEqual(self.message_of(late).res_id, bob_partner.id)

    def test_a_note_no_longer_on_a_synced_record_is_listed_on_the_partner_it_was_on(self):
        contact, partner = self.synced_contact()
        note = self.hs_note("Was on Ada", contacts=[contact])
        self.pull_notes()
        self.sandbox.store.dissociate("notes", note["id"], "contacts", contact["id"])
        self.edit_in_hubspot(note, "Now on nobody")
        self.pull_notes()
        issue = self.env["hubspot.sync.issue"].search(
            [("object_type", "=", "notes"), ("hubspot_id", "=", note["id"])]
        )
        self.assertEqual(issue.problem, "not_on_synced_record")
        self.assertEqual(issue.partner_id, partner)  # opened from Sync Health: the partner
        self.assertIn("synced contact, company or deal", issue.what_to_do)
        self.assertEqual(self.message_of(note).res_id, partner.id)  # left where it was
        opened = issue.action_open_record()
        self.assertEqual((opened["res_model"], opened["res_id"]), ("res.partner", partner.id))
        # Associated again (HubSpot reports no change for that): Retry reads it again.
        self.sandbox.store.associate("notes", note["id"], "contacts", contact["id"], bump=False)
        issue.action_retry()
        self.sync("queue")
        self.assertEqual(issue.state, "done")
        self.assertIn("Now on nobody", self.message_of(note).body)

    def test_a_note_of_an_archived_owner_is_authored_by_that_owners_user(self):
        contact, _partner = self.synced_contact()
        owner = self.sandbox.store.add_owner(self.manager.email, "Big", "Boss")
        self.sandbox.store.archive_owner(owner["id"])
        note = self.hs_note("From the old days", owner=owner, contacts=[contact])
        self.pull_notes()
        self.assertEqual(self.message_of(note).author_id, self.manager.partner_id)

    def test_hostile_notes_are_cleaned_and_a_refused_one_fails_alone(self):
        contact, partner = self.synced_contact()
        bodies = {
            "script": "<script>alert(1)</script><p>x\x00y</p>",
            "rtl": "<p>\u0645\u0631\u062d\u0628\u0627 \U0001f44b</p>",
            "fine": "<p>Fine</p>",
        }
        notes = {key: self.hs_note(body, contacts=[contact]) for key, body in bodies.items()}
        self.pull_notes()
        messages = {key: self.message_of(note) for key, note in notes.items()}
        self.assertNotIn("<script", messages["script"].body)
        self.assertNotIn("\x00", messages["script"].body)
        self.assertIn("\U0001f44b", messages["rtl"].body)
        self.assertIn("Fine", messages["fine"].body)
        # From Odoo: a body over HubSpot's 65,536 characters is not sent, and says so; the
        # other notes go as they are.
        huge = partner.message_post(
            body=Markup("<p>%s</p>") % ("a" * 1_000_000),
            subtype_xmlid="mail.mt_note",
            message_type="comment",
        )
        small = partner.message_post(
            body=Markup("<p>Short</p>"), subtype_xmlid="mail.mt_note", message_type="comment"
        )
        self.sync("queue")
        binding = self.env["hubspot.note.binding"]
        self.assertEqual(
            self.hs_body(binding.search([("odoo_id", "=", small.id)]).hubspot_id), "<p>Short</p>"
        )
        cut = binding.search([("odoo_id", "=", huge.id)])
        self.assertEqual(cut.sync_state, "failing")
        self.assertIn("65536 characters", cut.last_error)
        self.assertNotIn("hs_note_body", self.hs_get("notes", cut.hubspot_id)["properties"])
        self.assertTrue(
            self.env["hubspot.sync.issue"].search(
                [("object_type", "=", "notes"), ("partner_id", "=", partner.id)]
            )
        )

    def test_notes_outside_the_scope_are_left_out(self):
        contact, _partner = self.synced_contact()
        stranger = self.hs_contact(email="stranger@example.com", firstname="Not Synced")
        self.company.hubspot_contacts_since = fields.Date.to_date("2026-01-01")
        old = self.hs_note("Too old", when=datetime(2025, 12, 31, 23, 0), contacts=[contact])
        elsewhere = self.hs_note("Not ours", contacts=[stranger])
        self.pull_notes()
        self.assertFalse(self.message_of(old))
        self.assertFalse(self.message_of(elsewhere))
        # A note logged in Odoo on a partner that is not synced stays in Odoo.
        untagged = self.env["res.partner"].create({"name": "Offline"})
        untagged.message_post(body="Private", subtype_xmlid="mail.mt_note", message_type="comment")
        self.sync("queue")
        self.assertEqual(self.sandbox.store.count("notes"), 2)

    def test_a_start_date_moved_back_takes_in_the_notes_it_left_out(self):
        contact, partner = self.synced_contact()
        self.company.hubspot_activities_since = fields.Date.to_date("2026-06-01")
        spring = self.hs_note("Spring", when=datetime(2026, 4, 1, 9, 0), contacts=[contact])
        # Last changed long before the next pass begins: no search finds it again.
        self.sandbox.store.update_object(
            "notes",
            spring["id"],
            {"hs_note_body": "Spring note"},
            modified_at=datetime.utcnow() - timedelta(hours=1),
        )
        self.pull_notes()
        self.assertFalse(self.message_of(spring))
        self.company.hubspot_activities_since = fields.Date.to_date("2026-01-01")
        self.pull_notes()
        self.assertEqual(self.message_of(spring).res_id, partner.id)

    def test_an_owner_who_is_no_user_is_named_then_becomes_the_author(self):
        contact, _partner = self.synced_contact()
        owner = self.sandbox.store.add_owner("later@example.com", "Late", "Comer")
        note = self.hs_note("Owned later", owner=owner, contacts=[contact])
        self.pull_notes()
        message = self.message_of(note)
        self.assertFalse(message.author_id)
        self.assertIn("Late Comer", message.email_from)
        user = self.env["res.users"].create(
            {"name": "Late Comer", "login": "later@example.com", "email": "later@example.com"}
        )
        self.sync("queue")
        self.assertEqual(message.author_id, user.partner_id)
        self.assertEqual(
            self.hs_get("notes", note["id"])["properties"]["hubspot_owner_id"], owner["id"]
        )

    def test_a_note_archived_in_hubspot_follows_the_deletion_policy(self):
        self.company.hubspot_delete_policy_hubspot2odoo = "archive"
        contact, _partner = self.synced_contact()
        note = self.hs_note("Going away", contacts=[contact])
        self.pull_notes()
        message = self.message_of(note)
        self.sandbox.store.archive_object("notes", note["id"])
        self.pull_notes(scan=True)
        self.assertFalse(message.body)

    def test_an_idle_note_job_costs_one_search(self):
        contact, _partner = self.synced_contact()
        self.hs_note("Once", contacts=[contact])
        self.pull_notes()
        self.sandbox.reset_stats()
        self.pull_notes()
        self.assertEqual(self.total_requests(), 1, self.sandbox.stats()["by_endpoint"])


class TestNotesFromOdoo(NoteCase):
    def test_a_note_logged_on_an_opportunity_reaches_its_deal_contact_and_company(self):
        acme = self.hs_company(name="Acme", domain="acme.example")
        contact = self.hs_contact(email="ada@acme.example", firstname="Ada")
        self.sandbox.store.associate(
            "contacts", contact["id"], "companies", acme["id"], primary=True
        )
        deal = self.hs_deal(dealname="Acme deal", contact_id=contact["id"])
        self.sandbox.store.associate("deals", deal["id"], "companies", acme["id"])
        self.sync()
        lead = self.lead_of(deal)
        message = lead.with_user(self.salesman).message_post(
            body=Markup("<p>Met the buyer</p>"),
            subtype_xmlid="mail.mt_note",
            message_type="comment",
        )
        self.sync("queue")
        binding = self.env["hubspot.note.binding"].search([("odoo_id", "=", message.id)])
        self.assertTrue(binding.hubspot_id)
        props = self.hs_get("notes", binding.hubspot_id)["properties"]
        self.assertEqual(props["hs_note_body"], "<p>Met the buyer</p>")
        self.assertEqual(props["hubspot_owner_id"], self.seller["id"])
        self.assertEqual(props["odoo_message_id"], binding._hubspot_odoo_key(message.id))
        self.assertEqual(self.associated_ids(binding.hubspot_id, "deals"), {deal["id"]})
        self.assertEqual(self.associated_ids(binding.hubspot_id, "contacts"), {contact["id"]})
        self.assertEqual(self.associated_ids(binding.hubspot_id, "companies"), {acme["id"]})
        # Read back by the next pull: no echo, no second message.
        self.pull_notes()
        self.assertEqual(self.notes_on(lead), message)
        self.assertEqual(self.sandbox.store.count("notes"), 1)

    def test_a_retry_after_a_lost_reply_makes_one_note(self):
        _contact, partner = self.synced_contact()
        message = partner.message_post(
            body="Only once", subtype_xmlid="mail.mt_note", message_type="comment"
        )
        self.sandbox.set_faults(
            rules=[{"method": "POST", "path": UPSERT, "kind": "drop_after", "count": 1}]
        )
        self.sync("queue")
        self.assertEqual(self.requests_to("POST", UPSERT), 2)
        self.assertEqual(self.sandbox.store.count("notes"), 1)
        binding = self.env["hubspot.note.binding"].search([("odoo_id", "=", message.id)])
        self.assertEqual(binding.sync_state, "synced")

    def test_a_note_deleted_in_odoo_follows_the_deletion_policy(self):
        self.company.hubspot_delete_policy_odoo2hubspot = "archive"
        _contact, partner = self.synced_contact()
        message = partner.message_post(
            body="Regret", subtype_xmlid="mail.mt_note", message_type="comment"
        )
        self.sync("queue")
        hubspot_id = (
            self.env["hubspot.note.binding"].search([("odoo_id", "=", message.id)]).hubspot_id
        )
        partner._message_update_content(message, "", attachment_ids=[])
        self.sync("queue")
        self.assertTrue(self.hs_get("notes", hubspot_id)["archived"])


CRONS.setdefault("tasks", "ir_cron_hubspot_sync_tasks")


class TaskCase(NoteCase):
    def setUp(self):
        super().setUp()
        self.company.hubspot_sync_tasks = True
        self.todo = self.env.ref("mail.mail_activity_data_todo")
        self.call = self.env.ref("mail.mail_activity_data_call")

    def hs_task(self, subject, due, owner=None, **associations):
        properties = {
            "hs_task_subject": subject,
            "hs_timestamp": due.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "hs_task_status": "NOT_STARTED",
            "hs_task_type": "CALL",
        }
        return self.hs_activity("tasks", properties, owner, **associations)

    def pull_tasks(self):
        self.make_due("tasks")
        self.run_cron("tasks")

    def activity_of(self, hs_task):
        return (
            self.env["hubspot.task.binding"]
            .search([("company_id", "=", self.company.id), ("hubspot_id", "=", hs_task["id"])])
            .odoo_id.with_context(active_test=False)
        )

    def task_props(self, task_id):
        return self.hs_get("tasks", task_id)["properties"]


class TestTasks(TaskCase):
    def test_a_task_becomes_an_activity_of_its_type_assigned_to_the_owners_user(self):
        contact, partner = self.synced_contact()
        task = self.hs_task(
            "Call back", datetime(2026, 3, 10, 15, 0), owner=self.seller, contacts=[contact]
        )
        self.sandbox.store.update_object("tasks", task["id"], {"hs_task_priority": "HIGH"})
        self.pull_tasks()
        activity = self.activity_of(task)
        self.assertEqual(activity.hubspot_priority, "HIGH")
        self.assertEqual((activity.res_model, activity.res_id), ("res.partner", partner.id))
        self.assertEqual(activity.summary, "Call back")
        self.assertEqual(activity.activity_type_id, self.call)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(str(activity.date_deadline), "2026-03-10")
        self.pull_tasks()
        self.assertFalse(self.env["hubspot.sync.queue"].search([("object_type", "=", "tasks")]))

    def test_completed_in_hubspot_is_done_in_odoo_with_its_chatter_message(self):
        contact, partner = self.synced_contact()
        task = self.hs_task("Send offer", datetime(2026, 3, 10, 15, 0), contacts=[contact])
        self.pull_tasks()
        activity = self.activity_of(task)
        self.sandbox.store.update_object("tasks", task["id"], {"hs_task_status": "COMPLETED"})
        self.pull_tasks()
        self.assertFalse(activity.active)
        done = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("mail_activity_type_id", "=", self.call.id),
            ]
        )
        self.assertTrue(done)
        self.assertFalse(partner.activity_ids.filtered("active"))

    def test_a_task_completed_in_odoo_while_its_due_date_changed_in_hubspot(self):
        contact, _partner = self.synced_contact()
        task = self.hs_task("Follow up", datetime(2026, 3, 10, 15, 0), contacts=[contact])
        self.pull_tasks()
        activity = self.activity_of(task)
        activity.with_user(self.salesman).action_feedback(feedback="Done on the phone")
        self.assertTrue(activity.exists())  # kept, archived: its binding outlives it
        self.assertFalse(activity.active)
        self.sandbox.store.update_object(
            "tasks",
            task["id"],
            {"hs_timestamp": "2026-03-17T15:00:00.000Z"},
            modified_at=datetime.utcnow() + timedelta(seconds=5),
        )
        self.pull_tasks()
        self.sync("queue")
        props = self.task_props(task["id"])
        self.assertEqual(props["hs_task_status"], "COMPLETED")
        self.assertTrue(props["hs_timestamp"].startswith("2026-03-17T15:00:00"))
        self.assertEqual(str(activity.date_deadline), "2026-03-17")
        self.assertFalse(activity.active)

    def test_an_activity_scheduled_in_odoo_becomes_a_task_and_its_rescheduling_follows(self):
        _contact, partner = self.synced_contact()
        activity = partner.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=fields.Date.to_date("2026-04-01"),
            summary="Ring Ada",
            user_id=self.salesman.id,
        )
        self.sync("queue")
        binding = self.env["hubspot.task.binding"].search([("odoo_id", "=", activity.id)])
        props = self.task_props(binding.hubspot_id)
        self.assertEqual(props["hs_task_subject"], "Ring Ada")
        self.assertEqual(props["hs_task_type"], "CALL")
        self.assertEqual(props["hubspot_owner_id"], self.seller["id"])
        self.assertTrue(props["hs_timestamp"].startswith("2026-04-01"))
        self.assertEqual(self.associated("tasks", binding.hubspot_id, "contacts"), {_contact["id"]})
        activity.write(
            {"date_deadline": fields.Date.to_date("2026-04-03"), "hubspot_priority": "LOW"}
        )
        self.sync("queue")
        props = self.task_props(binding.hubspot_id)
        self.assertTrue(props["hs_timestamp"].startswith("2026-04-03"))
        self.assertEqual(props["hs_task_priority"], "LOW")
        self.pull_tasks()  # read back: no second activity, no echo
        self.assertEqual(len(partner.activity_ids), 1)
        self.assertEqual(self.sandbox.store.count("tasks"), 1)

    def test_a_task_reopened_in_hubspot_comes_back_and_an_unknown_owner_waits(self):
        contact, _partner = self.synced_contact()
        owner = self.sandbox.store.add_owner("later@example.com", "Late", "Comer")
        task = self.hs_task("Later", datetime(2026, 3, 10, 15, 0), owner=owner, contacts=[contact])
        self.pull_tasks()
        activity = self.activity_of(task)
        self.assertEqual(activity.user_id, self.env.ref("base.user_root"))
        user = self.env["res.users"].create(
            {"name": "Late Comer", "login": "later@example.com", "email": "later@example.com"}
        )
        self.sync("queue")
        self.assertEqual(activity.user_id, user)
        activity.action_feedback()
        self.sync("queue")
        self.assertEqual(self.task_props(task["id"])["hs_task_status"], "COMPLETED")
        self.sandbox.store.update_object(
            "tasks",
            task["id"],
            {"hs_task_status": "NOT_STARTED"},
            modified_at=datetime.utcnow() + timedelta(seconds=5),
        )
        self.pull_tasks()
        self.assertTrue(activity.active)


CRONS.setdefault("calls", "ir_cron_hubspot_sync_calls")


class TestCalls(TaskCase):
    def setUp(self):
        super().setUp()
        self.company.hubspot_sync_calls = True

    def calls_on(self, record):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("mail_activity_type_id", "=", self.call.id),
            ]
        )

    def test_a_logged_call_is_shown_in_the_chatter_with_its_outcome(self):
        contact, partner = self.synced_contact()
        connected = next(
            key
            for key, label in self.sandbox.store.call_dispositions.items()
            if label == "Connected"
        )
        self.hs_activity(
            "calls",
            {
                "hs_timestamp": "2026-03-02T10:00:00.000Z",
                "hs_call_title": "Renewal call",
                "hs_call_direction": "OUTBOUND",
                "hs_call_duration": "125000",
                "hs_call_disposition": connected,
                "hs_call_status": "COMPLETED",
                "hs_call_body": "<p>Wants a quote</p>",
            },
            self.seller,
            contacts=[contact],
        )
        self.make_due("calls")
        self.run_cron("calls")
        message = self.calls_on(partner)
        self.assertEqual(len(message), 1)
        for text in ("Renewal call", "Outbound call", "2 min 05 s", "Connected", "Wants a quote"):
            self.assertIn(text, message.body)
        self.assertEqual(message.author_id, self.salesman.partner_id)
        self.assertFalse(message.notification_ids)
        self.assertFalse(self.notes_on(partner) - message)  # not taken for a note
        self.make_due("calls")
        self.run_cron("calls")
        self.assertEqual(self.calls_on(partner), message)
        self.assertEqual(self.sandbox.store.count("notes"), 0)

    def test_a_call_activity_done_in_odoo_is_logged_in_hubspot(self):
        contact, partner = self.synced_contact()
        self.company.hubspot_sync_tasks = False
        activity = partner.activity_schedule("mail.mail_activity_data_call", summary="Ring")
        activity.with_user(self.salesman).action_feedback(feedback="Reached her")
        self.sync("queue")
        message = self.calls_on(partner)
        binding = self.env["hubspot.call.binding"].search([("odoo_id", "=", message.id)])
        self.assertTrue(binding.hubspot_id)
        props = self.hs_get("calls", binding.hubspot_id)["properties"]
        self.assertEqual(props["hs_call_status"], "COMPLETED")
        self.assertIn("Reached her", props["hs_call_body"])
        self.assertEqual(props["hubspot_owner_id"], self.seller["id"])
        self.assertEqual(self.associated("calls", binding.hubspot_id, "contacts"), {contact["id"]})
        self.assertEqual(self.sandbox.store.count("notes"), 0)

    def test_a_call_done_before_its_task_reached_hubspot_is_one_logged_call(self):
        contact, partner = self.synced_contact()
        activity = partner.activity_schedule("mail.mail_activity_data_call", summary="Ring")
        activity.with_user(self.salesman).action_feedback(feedback="Reached her")
        self.sync("queue")
        self.assertEqual(self.sandbox.store.count("calls"), 1)
        self.assertEqual(self.sandbox.store.count("tasks"), 0)
        self.assertFalse(activity.exists())

    def test_a_call_task_done_in_odoo_is_completed_and_the_call_logged(self):
        contact, partner = self.synced_contact()
        activity = partner.activity_schedule("mail.mail_activity_data_call", summary="Ring")
        self.sync("queue")
        task = self.env["hubspot.task.binding"].search([("odoo_id", "=", activity.id)])
        self.assertEqual(
            self.hs_get("tasks", task.hubspot_id)["properties"]["hs_task_type"], "CALL"
        )
        activity.with_user(self.salesman).action_feedback(feedback="Reached her")
        self.sync("queue")
        self.assertEqual(
            self.hs_get("tasks", task.hubspot_id)["properties"]["hs_task_status"], "COMPLETED"
        )
        self.assertEqual(self.sandbox.store.count("calls"), 1)


CRONS.setdefault("emails", "ir_cron_hubspot_sync_emails")


class TestEmails(NoteCase):
    def setUp(self):
        super().setUp()
        self.company.hubspot_sync_emails = True

    def hs_email(self, contact, **properties):
        return self.hs_activity(
            "emails",
            dict(
                {
                    "hs_timestamp": "2026-03-02T10:00:00.000Z",
                    "hs_email_direction": "INCOMING_EMAIL",
                    "hs_email_subject": "Quote, please",
                    "hs_email_html": "<p>Could you send a quote?</p>",
                    "hs_email_headers": json.dumps(
                        {
                            "from": {"email": "ada@example.com", "firstName": "Ada"},
                            "to": [{"email": "sales@example.com"}],
                        }
                    ),
                },
                **properties,
            ),
            contacts=[contact],
        )

    def pull_emails(self):
        self.make_due("emails")
        self.run_cron("emails")

    def emails_on(self, record):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("message_type", "=", "email"),
            ]
        )

    def test_an_email_arrives_in_the_chatter_one_way(self):
        contact, partner = self.synced_contact()
        self.hs_email(contact)
        self.pull_emails()
        message = self.emails_on(partner)
        self.assertEqual(message.subject, "Quote, please")
        self.assertIn("Could you send a quote?", message.body)
        self.assertIn("Received", message.body)
        self.assertIn("ada@example.com", message.body)
        self.assertFalse(message.notification_ids)
        message.body = "<p>Edited in Odoo</p>"  # one way: nothing is sent
        self.sync("queue")
        self.assertEqual(
            self.hs_get("emails", self.hs_email_id(message))["properties"]["hs_email_html"],
            "<p>Could you send a quote?</p>",
        )
        self.assertEqual(self.sandbox.store.count("notes"), 0)

    def hs_email_id(self, message):
        return self.env["hubspot.email.binding"].search([("odoo_id", "=", message.id)]).hubspot_id

    def test_without_the_email_scope_the_content_is_said_to_be_hidden(self):
        contact, partner = self.synced_contact()
        self.sandbox.set_scopes(TOKEN, ["crm.objects.contacts.read"])
        self.addCleanup(self.sandbox.set_scopes, TOKEN, None)
        self.hs_email(contact)
        self.pull_emails()
        message = self.emails_on(partner)
        self.assertIn("sales-email-read", message.body)
        self.assertNotIn("REDACTED", message.body)
        self.assertTrue(self.company.hubspot_email_content_redacted)

    def test_odoo_emails_are_logged_in_hubspot_only_both_ways(self):
        contact, partner = self.synced_contact()

        def send(subject):
            return partner.with_user(self.salesman).message_post(
                body=Markup("<p>Please find the quote attached.</p>"),
                subject=subject,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=partner.ids,
            )

        send("Before")
        self.sync("queue")
        self.assertEqual(self.sandbox.store.count("emails"), 0)  # HubSpot to Odoo by default
        self.company.hubspot_email_direction = "both"
        message = send("Your quote")
        self.sync("queue")
        props = self.hs_get("emails", self.hs_email_id(message))["properties"]
        self.assertEqual(props["hs_email_subject"], "Your quote")
        self.assertEqual(props["hs_email_direction"], "EMAIL")
        self.assertIn("Please find the quote attached.", props["hs_email_html"])
        self.assertEqual(props["hs_email_from_email"], self.salesman.email_normalized)
        self.assertEqual(props["hs_email_to_email"], "ada@example.com")
        self.assertEqual(props["hubspot_owner_id"], self.seller["id"])
        self.assertEqual(
            self.associated("emails", self.hs_email_id(message), "contacts"), {contact["id"]}
        )
        # Read back: the same e-mail, its chatter entry untouched, nothing sent again.
        self.sandbox.reset_stats()
        self.pull_emails()
        self.sync("queue")
        self.assertEqual(self.sandbox.store.count("emails"), 1)
        self.assertEqual(message.body, Markup("<p>Please find the quote attached.</p>"))
        self.assertEqual(self.requests_to("POST", "/crm/v3/objects/emails/batch/update"), 0)


CRONS.setdefault("meetings", "ir_cron_hubspot_sync_meetings")


class TestMeetings(NoteCase):
    def setUp(self):
        super().setUp()
        self.company.hubspot_sync_meetings = True

    def pull_meetings(self):
        self.make_due("meetings")
        self.run_cron("meetings")

    def odoo_event(self, name, start, record, **values):
        """An hour's event planned in Odoo on ``record``."""
        return self.env["calendar.event"].create(
            {
                "name": name,
                "start": start,
                "stop": start + timedelta(hours=1),
                "res_model_id": self.env["ir.model"]._get_id(record._name),
                "res_id": record.id,
                **values,
            }
        )

    def event_of(self, hs_meeting):
        return (
            self.env["hubspot.meeting.binding"]
            .search([("company_id", "=", self.company.id), ("hubspot_id", "=", hs_meeting["id"])])
            .odoo_id
        )

    def test_every_synced_contact_of_a_meeting_attends_and_odoo_attendees_are_associated(self):
        ada, ada_partner = self.synced_contact()
        bob, bob_partner = self.synced_contact("bob@example.com")
        meeting = self.hs_activity(
            "meetings",
            {
                "hs_meeting_title": "Kick-off",
                "hs_timestamp": "2026-03-02T09:00:00.000Z",
                "hs_meeting_start_time": "2026-03-02T09:00:00.000Z",
                "hs_meeting_end_time": "2026-03-02T10:00:00.000Z",
            },
            contacts=[ada, bob],
        )
        self.pull_meetings()
        event = self.event_of(meeting)
        self.assertEqual((event.res_model, event.res_id), ("res.partner", ada_partner.id))
        self.assertEqual(event.partner_ids & (ada_partner | bob_partner), ada_partner | bob_partner)
        # An event planned in Odoo with both: the meeting is associated with both contacts.
        planned = self.odoo_event(
            "Review",
            datetime(2026, 4, 1, 9, 0),
            bob_partner,
            partner_ids=[(6, 0, (ada_partner | bob_partner).ids)],
        )
        self.sync("queue")
        hubspot_id = (
            self.env["hubspot.meeting.binding"].search([("odoo_id", "=", planned.id)]).hubspot_id
        )
        self.assertEqual(
            self.associated("meetings", hubspot_id, "contacts"), {ada["id"], bob["id"]}
        )

    def test_a_meeting_across_a_daylight_saving_change_keeps_its_exact_times(self):
        contact, partner = self.synced_contact()
        deal = self.hs_deal(dealname="Workshop deal", contact_id=contact["id"])
        self.sync("deals")
        # Berlin leaves winter time at 01:00 UTC on 2026-03-29: 01:30 to 04:30 local is 2 h.
        meeting = self.hs_activity(
            "meetings",
            {
                "hs_meeting_title": "Night workshop",
                "hs_meeting_start_time": "2026-03-29T00:30:00.000Z",
                "hs_meeting_end_time": "2026-03-29T02:30:00.000Z",
                "hs_meeting_location": "Berlin",
                "hs_meeting_outcome": "SCHEDULED",
            },
            self.seller,
            contacts=[contact],
            deals=[deal],
        )
        self.pull_meetings()
        event = self.event_of(meeting)
        self.assertEqual(event.start, datetime(2026, 3, 29, 0, 30))
        self.assertEqual(event.stop, datetime(2026, 3, 29, 2, 30))
        self.assertEqual(event.opportunity_id, self.lead_of(deal))
        self.assertEqual(event.user_id, self.salesman)
        self.assertIn(partner, event.partner_ids)
        self.assertEqual(event.hubspot_meeting_outcome, "SCHEDULED")
        self.assertFalse(self.env["mail.mail"].search([("model", "=", "calendar.event")]))
        self.sandbox.store.update_object(
            "meetings", meeting["id"], {"hs_meeting_outcome": "COMPLETED"}
        )
        self.pull_meetings()
        self.assertEqual(event.hubspot_meeting_outcome, "COMPLETED")
        # Moved in Odoo by an hour: HubSpot gets the same instants.
        event.write({"start": datetime(2026, 3, 29, 1, 30), "stop": datetime(2026, 3, 29, 3, 30)})
        self.sync("queue")
        props = self.hs_get("meetings", meeting["id"])["properties"]
        self.assertTrue(props["hs_meeting_start_time"].startswith("2026-03-29T01:30:00"))
        self.assertTrue(props["hs_meeting_end_time"].startswith("2026-03-29T03:30:00"))

    def test_an_event_on_an_opportunity_becomes_a_meeting_with_its_deal(self):
        contact, _partner = self.synced_contact()
        deal = self.hs_deal(dealname="Demo deal", contact_id=contact["id"])
        self.sync("deals")
        lead = self.lead_of(deal)
        event = self.odoo_event(
            "Demo",
            datetime(2026, 10, 25, 8, 0),
            lead,
            opportunity_id=lead.id,
            user_id=self.salesman.id,
        )
        self.sync("queue")
        binding = self.env["hubspot.meeting.binding"].search([("odoo_id", "=", event.id)])
        props = self.hs_get("meetings", binding.hubspot_id)["properties"]
        self.assertEqual(props["hs_meeting_title"], "Demo")
        self.assertTrue(props["hs_meeting_start_time"].startswith("2026-10-25T08:00:00"))
        self.assertEqual(props["hubspot_owner_id"], self.seller["id"])
        self.assertEqual(self.associated("meetings", binding.hubspot_id, "deals"), {deal["id"]})
        self.assertEqual(
            self.associated("meetings", binding.hubspot_id, "contacts"), {contact["id"]}
        )
        self.pull_meetings()
        self.assertEqual(self.sandbox.store.count("meetings"), 1)
        self.assertEqual(
            self.env["calendar.event"].search_count([("opportunity_id", "=", lead.id)]), 1
        )
