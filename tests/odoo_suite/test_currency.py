"""Deal amounts in another currency: converted, never skipped, never pushed back converted."""

from .test_deals import DealCase


class TestDealCurrency(DealCase):
    def setUp(self):
        super().setUp()
        self.assertEqual(self.company.currency_id.name, "USD")
        self.eur = self.env.ref("base.EUR")
        # Odoo's rate: 0.5 euro per dollar, so 100 EUR are 200 USD.
        self.env["res.currency.rate"].create(
            {"currency_id": self.eur.id, "name": "2020-01-01", "rate": 0.5}
        )

    def test_odoo_rates_convert_and_the_deal_keeps_its_own_amount(self):
        self.sandbox.store.seed({"home_currency": "EUR"})
        self.fetch_metadata()
        self.assertEqual(self.company.hubspot_home_currency, "EUR")
        deal = self.hs_deal(
            dealname="Euro deal", amount="100", deal_currency_code="EUR", closedate="2025-06-30"
        )
        self.pull_deals()
        lead = self.lead_of(deal)
        self.assertEqual(lead.expected_revenue, 200)
        self.assertEqual((lead.hubspot_amount, lead.hubspot_currency_id), (100, self.eur))
        self.assertEqual(lead.hubspot_sync_state, "synced")

    def test_hubspot_home_currency_amount_is_used_when_it_is_ours(self):
        self.sandbox.store.seed({"exchange_rates": {"EUR": 0.8}})
        self.fetch_metadata()
        self.assertEqual(self.company.hubspot_home_currency, "USD")
        deal = self.hs_deal(dealname="Euro deal", amount="100", deal_currency_code="EUR")
        self.pull_deals()
        self.assertEqual(self.lead_of(deal).expected_revenue, 125)  # HubSpot's, not Odoo's 200

    def test_converted_amount_never_goes_back_only_an_edit_does(self):
        deal = self.hs_deal(dealname="Euro deal", amount="100", deal_currency_code="EUR")
        self.pull_deals()
        lead = self.lead_of(deal)
        self.assertEqual(lead.expected_revenue, 200)
        lead.name = "Euro deal renamed"
        self.process_queue()
        properties = self.hs_get("deals", deal["id"])["properties"]
        self.assertEqual(properties["dealname"], "Euro deal renamed")
        self.assertEqual((properties["amount"], properties["deal_currency_code"]), ("100", "EUR"))

        lead.expected_revenue = 300  # dollars: 150 euros at Odoo's rate
        self.process_queue()
        properties = self.hs_get("deals", deal["id"])["properties"]
        self.assertEqual(
            (properties["amount"], properties["deal_currency_code"]), ("150.00", "EUR")
        )
        self.assertEqual(lead.hubspot_amount, 150)

    def test_a_currency_without_rate_is_a_field_error(self):
        deal = self.hs_deal(dealname="Francs", amount="100", deal_currency_code="CHF")
        self.pull_deals()
        lead = self.lead_of(deal)
        self.assertEqual(lead.name, "Francs")
        self.assertEqual(lead.hubspot_error_kind, "no_currency_rate")

    def test_a_deal_made_in_odoo_says_it_is_in_the_company_currency(self):
        self.sandbox.store.seed({"home_currency": "EUR", "exchange_rates": {"USD": 1.1}})
        self.fetch_metadata()
        lead = self.env["crm.lead"].create(
            {
                "name": "Dollars",
                "type": "opportunity",
                "team_id": self.team.id,
                "expected_revenue": 500,
            }
        )
        self.process_queue()
        properties = self.hs_get("deals", lead.hubspot_id)["properties"]
        self.assertEqual(
            (properties["amount"], properties["deal_currency_code"]), ("500.00", "USD")
        )
