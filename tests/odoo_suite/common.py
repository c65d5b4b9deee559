"""Shared base of the Odoo suite: real Odoo, real PostgreSQL, a real HubSpot sandbox.

pytest-odoo collects these classes outside the addon, where Odoo's test
metaclass does not set ``test_tags`` and ``test_module``: the base class does.
Odoo's tests block outbound HTTP except to localhost, where the sandbox runs.
"""

from odoo.tests import TransactionCase, new_test_user

from hubspot_sandbox import SandboxServer

TOKEN = "pat-na1-00000000-1111-2222-3333-444444444444"


class HubspotCase(TransactionCase):
    test_tags = {"standard", "at_install"}
    test_module = "hubspot_connector"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.sandbox = SandboxServer(host="127.0.0.1", port=0).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.company = cls.env.company
        # The sandbox's ceiling (HubSpot Professional); the default is Starter's 100.
        cls.env["ir.config_parameter"].set_param("hubspot_connector.requests_per_10s", 190)
        cls.category = cls.env.ref("hubspot_connector.partner_category_hubspot")
        cls.company.write(
            {
                "hubspot_access_token": TOKEN,
                "hubspot_api_url": cls.sandbox.url,
                "hubspot_token_verified": True,
                "hubspot_verified_api_url": cls.sandbox.url,
            }
        )
        cls.salesman = new_test_user(
            cls.env,
            "hs_salesman",
            groups="sales_team.group_sale_salesman",
            email="sales@example.com",
        )
        cls.manager = new_test_user(
            cls.env, "hs_manager", groups="sales_team.group_sale_manager", email="boss@example.com"
        )

    def setUp(self):
        super().setUp()
        self.sandbox.reset()
        self.sandbox.reset_stats()
        self.sandbox.set_faults(rate=0.0)

    # -- HubSpot side ---------------------------------------------------

    def hs_contact(self, created_at=None, **properties):
        """A contact made directly in the sandbox (as a HubSpot user would)."""
        return self.sandbox.store.create_object("contacts", properties, created_at=created_at)

    def hs_get(self, object_type, object_id):
        return self.sandbox.store.get_object(object_type, object_id)

    # -- jobs --------------------------------------------------------------

    def hs_deal(self, contact_id=None, **properties):
        properties.setdefault("pipeline", "default")
        properties.setdefault("dealstage", "appointmentscheduled")
        deal = self.sandbox.store.create_object("deals", properties)
        if contact_id:
            self.sandbox.store.associate("deals", deal["id"], "contacts", contact_id)
        return deal

    def fetch_metadata(self):
        self.company._hubspot_fetch_metadata()

    def pull_deals(self):
        self.env["hubspot.job.runner"]._cron_hubspot_pull("deals")

    def lead_of(self, deal):
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("hubspot_id", "=", deal["id"])])
        )

    def pull_contacts(self):
        self.env["hubspot.job.runner"]._cron_hubspot_pull("contacts")

    def job_state(self, object_type, job="pull"):
        """The job state a run left, if any: reading it must not make it."""
        return self.env["hubspot.job.state"].search(
            [
                ("company_id", "=", self.company.id),
                ("object_type", "=", object_type),
                ("job", "=", job),
            ]
        )

    def process_queue(self):
        self.env["hubspot.job.runner"]._cron_hubspot_push()

    def run_killed(self, job):
        """Run ``job``, which a patched step kills (KeyboardInterrupt, as a kill -9 ends a
        worker), then do what the crash does to its transaction: back to the last commit."""
        # Not assertRaises: Odoo's rolls back to a savepoint of its own, which would
        # also drop the job's commit points.
        try:
            job()
        except KeyboardInterrupt:
            pass
        else:
            self.fail("the job should have died")
        self.company._hubspot_rollback()

    def partner_of(self, contact):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("hubspot_id", "=", contact["id"])])
        )

    def partners_sharing_an_email(self, email="same@example.com"):
        """Partners "Same 0" and "Same 1" share an e-mail: its HubSpot contact needs a person."""
        return self.env["res.partner"].create(
            [{"name": f"Same {n}", "email": email} for n in range(2)]
        )

    def tagged_partner(self, **vals):
        return self.env["res.partner"].create(dict(vals, category_id=[(4, self.category.id)]))

    def journal(self, record, event):
        return self.env["hubspot.sync.journal"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id), ("event", "=", event)]
        )

    def requests_to(self, method, path):
        """How many requests of this endpoint reached the sandbox since the test began."""
        return self.sandbox.stats()["by_endpoint"].get(f"{method} {path}", 0)

    def total_requests(self):
        return self.sandbox.stats()["total"]
