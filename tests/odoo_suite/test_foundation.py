"""The frame: fields, security, jobs, settings, neutralization."""

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import Form
from odoo.tools import mute_logger

from hubspot_sandbox import SandboxServer

from .common import TOKEN, HubspotCase

CRON_INTERVALS = {
    "hubspot_connector.ir_cron_hubspot_process_queue": (10, "minutes"),
    "hubspot_connector.ir_cron_hubspot_sync_contacts": (60, "minutes"),
    "hubspot_connector.ir_cron_hubspot_sync_deals": (60, "minutes"),
}


class TestFoundation(HubspotCase):
    def test_binding_unique_both_ways_per_portal_and_shown_on_the_record(self):
        for model, binding_model, vals in (
            ("res.partner", "hubspot.contact.binding", {"name": "Ada"}),
            ("crm.lead", "hubspot.deal.binding", {"name": "Deal", "type": "opportunity"}),
        ):
            records = self.env[model]
            bindings = self.env[binding_model]
            first = records.create(dict(vals))
            bindings._hubspot_ensure(self.company, first)._link_to("101", "test")
            self.assertEqual(first.hubspot_id, "101")
            self.assertFalse(first.copy().hubspot_id, model)
            # A shared record may be linked in a second portal, under the same id.
            other_company = self.env["res.company"].create({"name": f"Other {model}"})
            bindings._hubspot_ensure(other_company, first)._link_to("101", "test")
            self.assertEqual(first.with_company(other_company).hubspot_id, "101")
            # One HubSpot object links to one Odoo record per portal, and the other way.
            duplicate = records.create(dict(vals))
            for odoo_id, hubspot_id in ((duplicate.id, "101"), (first.id, "102")):
                with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
                    with self.env.cr.savepoint():
                        bindings.create(
                            {
                                "company_id": self.company.id,
                                "odoo_id": odoo_id,
                                "hubspot_id": hubspot_id,
                            }
                        )
            # The public fields are searched and grouped on the record, per portal.
            found = records.with_context(active_test=False).search([("hubspot_id", "=", "101")])
            self.assertEqual(found, first)
            groups = records.with_context(active_test=False).read_group(
                [("id", "in", (first | duplicate).ids)],
                ["hubspot_sync_state"],
                ["hubspot_sync_state"],
            )
            self.assertEqual(
                {g["hubspot_sync_state"]: g["hubspot_sync_state_count"] for g in groups},
                {"pending": 1, False: 1},
            )

    def test_lead_status_and_lifecycle_show_labels_and_group(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Grace",
                "hubspot_lead_status": "IN_PROGRESS",
                "hubspot_lifecycle_stage": "salesqualifiedlead",
            }
        )
        field = partner._fields["hubspot_lead_status"]
        labels = dict(field._description_selection(self.env))
        self.assertEqual(labels[partner.hubspot_lead_status], "In Progress")
        groups = self.env["res.partner"].read_group(
            [("id", "=", partner.id)], ["hubspot_lifecycle_stage"], ["hubspot_lifecycle_stage"]
        )
        self.assertEqual(groups[0]["hubspot_lifecycle_stage"], "salesqualifiedlead")
        arch = self.env["res.partner"].get_views([(False, "search"), (False, "list")])["views"]
        self.assertIn("group_hubspot_lead_status", arch["search"]["arch"])
        self.assertIn('name="hubspot_lifecycle_stage"', arch["list"]["arch"])

    def test_open_in_hubspot_link_when_the_portal_is_known(self):
        partner = self.env["res.partner"].create({"name": "Linked"})
        self.env["hubspot.contact.binding"]._hubspot_ensure(self.company, partner)._link_to(
            "777", "test"
        )
        self.assertFalse(partner.hubspot_url)
        self.company.write(
            {"hubspot_portal_id": "123456", "hubspot_api_url": "https://api.hubapi.com"}
        )
        partner.invalidate_recordset(["hubspot_url"])
        self.assertEqual(
            partner.hubspot_url, "https://app.hubspot.com/contacts/123456/record/0-1/777"
        )

    def test_records_of_another_company_stay_hidden(self):
        other = self.env["res.company"].create({"name": "Other AG"})
        self.env["hubspot.sync.issue"]._report(other, "contacts", "1", "failed", "x", "elsewhere")
        self.env["hubspot.sync.issue"]._report(self.company, "contacts", "2", "failed", "x", "here")
        visible = self.env["hubspot.sync.issue"].with_user(self.manager).search([])
        self.assertEqual(visible.mapped("hubspot_id"), ["2"])

    def test_settings_are_per_company(self):
        other = self.env["res.company"].create({"name": "Other GmbH"})
        other.hubspot_sync_deals = False
        self.assertTrue(self.company.hubspot_sync_deals)
        self.assertEqual(other.hubspot_api_url, "https://api.hubapi.com")
        self.assertEqual(other.hubspot_partner_category_id, self.category)
        self.assertEqual(other.hubspot_stage_mapping_mode, "automatic")

    def test_salesperson_reads_hubspot_fields_but_not_the_token(self):
        partner = self.env["res.partner"].create({"name": "Linus", "hubspot_lead_status": "NEW"})
        as_salesman = partner.with_user(self.salesman)
        self.assertEqual(as_salesman.hubspot_lead_status, "NEW")
        self.assertEqual(as_salesman.hubspot_sync_state, False)
        with self.assertRaises(AccessError):
            self.company.with_user(self.salesman).hubspot_access_token  # noqa: B018
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.salesman).create({})
        with self.assertRaises(AccessError):
            self.company.with_user(self.manager).hubspot_access_token  # noqa: B018

    def test_sales_manager_edits_the_stage_mapping(self):
        pipeline = self.env["hubspot.pipeline"].create(
            {"name": "Sales", "hubspot_id": "default", "company_id": self.company.id}
        )
        mapping = self.env["hubspot.stage.mapping"].create(
            {"pipeline_id": pipeline.id, "hubspot_stage_id": "qualifiedtobuy", "name": "Qualified"}
        )
        stage = self.env["crm.stage"].create({"name": "Qualified"})
        mapping.with_user(self.manager).stage_id = stage
        self.assertEqual(mapping.stage_id, stage)
        with self.assertRaises(AccessError):
            mapping.with_user(self.salesman).stage_id = False

    def test_jobs_exist_active_with_their_intervals(self):
        for xmlid, (number, unit) in CRON_INTERVALS.items():
            cron = self.env.ref(xmlid)
            self.assertTrue(cron.active, xmlid)
            self.assertEqual((cron.interval_number, cron.interval_type), (number, unit), xmlid)
            method = cron.code.removeprefix("model.").partition("(")[0]
            self.assertTrue(callable(getattr(self.env[cron.model_id.model], method, None)), xmlid)

    def test_jobs_do_nothing_without_a_token(self):
        self.company.hubspot_access_token = False
        for xmlid in CRON_INTERVALS:
            self.env.ref(xmlid).method_direct_trigger()
        self.assertEqual(self.total_requests(), 0)

    def test_contacts_category_exists_and_is_the_default(self):
        self.assertEqual(self.category.name, "HubSpot")
        self.assertEqual(self.company.hubspot_partner_category_id, self.category)

    def test_settings_form_saves_and_a_new_token_starts_the_sync(self):
        self.company.write({"hubspot_access_token": False, "hubspot_token_verified": False})
        self.env["hubspot.lead.status"].search([]).unlink()
        with Form(self.env["res.config.settings"]) as form:
            form.hubspot_access_token = TOKEN
            form.hubspot_api_url = self.sandbox.url
            form.hubspot_sync_deals = False
            form.hubspot_stage_mapping_mode = "custom"
        form.save().execute()
        self.assertEqual(self.company.hubspot_access_token, TOKEN)
        self.assertFalse(self.company.hubspot_sync_deals)
        self.assertEqual(self.company.hubspot_stage_mapping_mode, "custom")
        self.assertTrue(self.company.hubspot_token_verified)
        # Stages and lead statuses were fetched at once.
        self.assertIn("NEW", self.env["hubspot.lead.status"].search([]).mapped("value"))
        pipeline = self.env["hubspot.pipeline"].search([("company_id", "=", self.company.id)])
        self.assertIn("closedwon", pipeline.stage_mapping_ids.mapped("hubspot_stage_id"))
        self.assertGreaterEqual(self.requests_to("GET", "/crm/v3/pipelines/deals"), 1)
        # ... and the contacts and deals jobs are due at once.
        for xmlid in ("ir_cron_hubspot_sync_contacts", "ir_cron_hubspot_sync_deals"):
            cron = self.env.ref(f"hubspot_connector.{xmlid}")
            self.assertTrue(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]))

    def test_connection_test_says_what_happened(self):
        settings = self.env["res.config.settings"].create({})
        success = settings.action_hubspot_test_connection()["params"]
        self.assertEqual(success["type"], "success")
        self.assertEqual(success["message"], "HubSpot access token saved and verified.")

        locked = SandboxServer(host="127.0.0.1", port=0, token="another-token").start()
        self.addCleanup(locked.stop)
        self.company.hubspot_api_url = locked.url
        refused = settings.action_hubspot_test_connection()["params"]
        self.assertEqual(refused["type"], "danger")
        self.assertIn("rejected the access token", refused["message"])
        self.assertNotIn(TOKEN, refused["message"])

        self.company.hubspot_api_url = "http://127.0.0.1:9"
        unreachable = settings.action_hubspot_test_connection()["params"]
        self.assertIn("cannot be reached at http://127.0.0.1:9", unreachable["message"])

        self.company.hubspot_access_token = False
        missing = settings.action_hubspot_test_connection()["params"]
        self.assertIn("Enter the access token", missing["message"])

    def test_saving_a_bad_token_is_refused_with_the_reason(self):
        self.company.write({"hubspot_access_token": False, "hubspot_token_verified": False})
        locked = SandboxServer(host="127.0.0.1", port=0, token="another-token").start()
        self.addCleanup(locked.stop)
        settings = self.env["res.config.settings"].create(
            {"hubspot_access_token": "wrong", "hubspot_api_url": locked.url}
        )
        with self.assertRaisesRegex(UserError, "rejected the access token"):
            settings.execute()

    def test_neutralize_clears_the_token_and_stops_the_jobs(self):
        for query in get_neutralization_queries(["hubspot_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.company.hubspot_access_token)
        for xmlid in CRON_INTERVALS:
            self.assertFalse(self.env.ref(xmlid).active, xmlid)
