"""The corpus of malformed records, mixed among good ones, through the real jobs.

Every good record syncs; every bad one has its own entry (its record failing with a
message, or a Sync Health issue); no job raises and nothing logs a traceback or an error.
"""

import logging
import random

from . import corpus
from .test_deals import DealCase


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class TestCorpus(DealCase):
    def setUp(self):
        super().setUp()
        # Several pages per run: a bad record must not spoil its page.
        self.env["ir.config_parameter"].set_param("hubspot_connector.page_size", 25)
        self.logs = _Records()
        logging.getLogger().addHandler(self.logs)
        self.addCleanup(logging.getLogger().removeHandler, self.logs)

    def tearDown(self):
        tracebacks = [r.getMessage() for r in self.logs.records if r.exc_info]
        errors = [r.getMessage() for r in self.logs.records if r.levelno >= logging.ERROR]
        self.assertEqual((tracebacks, errors), ([], []))
        super().tearDown()

    # -- helpers ---------------------------------------------------------

    def raw_write(self, object_type, record_id, properties):
        """Values HubSpot's checks refuse today, as older imports left them in a portal."""
        store = self.sandbox.store
        with store.lock:
            store.table(object_type).records[int(record_id)].props.update(properties)

    def mixed(self, bad, good):
        cases = list(bad) + list(good)
        random.Random(7).shuffle(cases)
        return cases

    def seed_contacts(self, cases):
        made = []
        for index, case in enumerate(cases):
            properties = dict(case.properties)
            properties.setdefault("email", f"corpus{index}@example.com")
            contact = self.hs_contact(**properties)
            if isinstance(case, corpus.Bad) and case.raw:
                self.raw_write("contacts", contact["id"], case.raw)
            made.append((case, contact))
        return made

    def seed_deals(self, cases, contacts):
        made = []
        for case in cases:
            properties = dict(case.properties)
            contact = contacts.get(properties.pop("associate", None))
            deal = self.hs_deal(contact_id=contact and contact["id"], **properties)
            if isinstance(case, corpus.Bad) and case.raw:
                self.raw_write("deals", deal["id"], case.raw)
            made.append((case, deal))
        return made

    def assert_reported(self, case, record, hubspot_id):
        if case.issue:
            issue = self.env["hubspot.sync.issue"].search([("hubspot_id", "=", hubspot_id)])
            self.assertFalse(record)
            self.assertEqual((issue.state, issue.error_kind), ("open", case.kind))
            self.assertTrue(issue.message)
            return
        self.assert_flagged(record, case.kind)

    def assert_flagged(self, record, kind):
        if kind in corpus.WAITING_KINDS:
            self.assertEqual(
                (record.hubspot_sync_state, record.hubspot_error_kind), ("synced", False)
            )
            self.assertTrue(record.hubspot_note)
            return
        self.assertEqual((record.hubspot_sync_state, record.hubspot_error_kind), ("failing", kind))
        self.assertTrue(record.hubspot_last_error)

    def run_jobs(self):
        self.pull_contacts()
        self.pull_deals()
        self.process_queue()
        for object_type in ("contacts", "deals"):
            for job in ("pull", "push"):
                state = self.job_state(object_type, job)
                self.assertTrue(state.last_run_at, f"the {object_type} {job} job never ran")
                self.assertFalse(state.last_error)

    # -- HubSpot's records -------------------------------------------------

    def test_hubspot_corpus(self):
        store = self.sandbox.store
        store.add_property_option("contacts", "hs_lead_status", corpus.NEW_LEAD_STATUS, "VIP")
        store.add_property_option(
            "contacts", "lifecyclestage", corpus.NEW_LIFECYCLE_STAGE, "Champion"
        )
        store.add_owner("stranger@example.com", "Stranger", "Owner", corpus.STRANGER_OWNER_ID)
        self.company.hubspot_contacts_since = corpus.CONTACTS_SINCE
        # Partners the loose matching handed over to look-alike addresses.
        victim = self.env["res.partner"].create({"name": "Victim", "email": "victim@example.com"})
        decoy = self.env["res.partner"].create(
            {"name": "Decoy", "email": "attacker.z,victim2@example.com"}
        )
        self.assertEqual(decoy.email_normalized, "victim2@example.com")  # Odoo's first address
        victim2 = self.hs_contact(email="victim2@example.com", firstname="Real Victim")
        contacts = self.seed_contacts(self.mixed(corpus.BAD_CONTACTS, corpus.GOOD_CONTACTS))
        self.assertGreaterEqual(len(corpus.BAD_CONTACTS) + len(corpus.BAD_DEALS), 60)
        self.pull_contacts()
        # Made after the contacts job ran; the missing contact is too old to be imported.
        associated = {
            "good contact": contacts[[c for c, _ in contacts].index(corpus.GOOD_CONTACTS[0])][1],
            "missing contact": self.hs_contact(created_at="2010-01-01", email="old@example.com"),
        }
        deals = self.seed_deals(self.mixed(corpus.BAD_DEALS, corpus.GOOD_DEALS), associated)
        self.run_jobs()

        for case, contact in contacts:
            partner = self.partner_of(contact)
            with self.subTest(contact=case.label):
                if isinstance(case, corpus.Good):
                    props = contact["properties"]
                    name = " ".join(filter(None, (props.get("firstname"), props.get("lastname"))))
                    self.assertEqual(partner.name, name or props["email"])
                    self.assertEqual(partner.hubspot_sync_state, "synced")
                    continue
                self.assert_reported(case, partner, contact["id"])
                if case.kind == "invalid_email":
                    self.assertFalse(partner.email)  # never written into Odoo
        self.assertFalse(victim.hubspot_id or decoy.hubspot_id)
        self.assertNotEqual(self.partner_of(victim2), decoy)
        self.assertEqual(self.partner_of(victim2).hubspot_sync_state, "synced")

        for case, deal in deals:
            lead = self.lead_of(deal)
            with self.subTest(deal=case.label):
                if isinstance(case, corpus.Good):
                    self.assertEqual(lead.name, deal["properties"]["dealname"])
                    self.assertEqual(lead.hubspot_sync_state, "synced")
                    continue
                self.assert_reported(case, lead, deal["id"])
        linked = self.lead_of(deals[[c.label for c, _ in deals].index("with its contact")][1])
        self.assertEqual(linked.partner_id, self.partner_of(associated["good contact"]))

    # -- Odoo's records ------------------------------------------------------

    def test_odoo_corpus(self):
        self.assertGreaterEqual(len(corpus.BAD_PARTNERS) + len(corpus.BAD_LEADS), 20)
        cases = self.mixed(
            [(label, vals, kind) for label, vals, kind in corpus.BAD_PARTNERS],
            [(label, vals, None) for label, vals in corpus.GOOD_PARTNERS],
        )
        partners = [
            (label, kind, self.tagged_partner(**dict({"name": label}, **vals)))
            for label, vals, kind in cases
        ]
        references = {
            "untagged customer": self.env["res.partner"].create({"name": "Not in HubSpot"}),
            "stranger": self.env["res.users"].create(
                {"name": "No Owner", "login": "no-owner@example.com"}
            ),
            "odoo-only stage": self.env["crm.stage"].create(
                {"name": "Odoo only", "team_id": self.team.id}
            ),
        }
        leads = []
        for label, vals, kind in self.mixed(
            corpus.BAD_LEADS, [(label, vals, None) for label, vals in corpus.GOOD_LEADS]
        ):
            vals = {
                key: references[value].id if value in references else value
                for key, value in vals.items()
            }
            vals = dict(
                {
                    "name": label,
                    "type": "opportunity",
                    "team_id": self.team.id,
                    "user_id": self.seller.id,
                },
                **vals,
            )
            leads.append((label, kind, self.env["crm.lead"].create(vals)))
        self.run_jobs()

        for label, kind, record in partners + leads:
            with self.subTest(record=label):
                self.assertTrue(record.hubspot_id)  # the rest of the record synced
                if kind is None:
                    self.assertEqual(record.hubspot_sync_state, "synced")
                    continue
                self.assert_flagged(record, kind)
                if kind == "invalid_email":
                    contact = self.hs_get("contacts", record.hubspot_id)
                    self.assertNotIn("email", contact["properties"])
        self.assertEqual(self.sandbox.store.count("contacts"), len(partners))
        self.assertEqual(self.sandbox.store.count("deals"), len(leads))
