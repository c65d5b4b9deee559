"""The demo's summary is written for a person: plain words and a next step per problem."""

import importlib.util
from pathlib import Path

from .test_deals import DealCase

DEMO_SYNC = Path(__file__).resolve().parents[2] / "bin" / "demo_sync.py"


def demo_sync():
    spec = importlib.util.spec_from_file_location("demo_sync", DEMO_SYNC)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestDemoSummary(DealCase):
    def test_summary_names_each_problem_and_its_next_step(self):
        self.deals_without_team("A", "B", "C")
        self.partners_sharing_an_email()
        self.hs_contact(email="same@example.com")
        self.hs_contact(email="fine@example.com", firstname="Fine")
        self.pull_contacts()
        self.pull_deals()
        seed = {"contacts": [], "deals": [], "owners": []}
        text = demo_sync().summary(self.env, self.sandbox.stats(), seed)
        self.assertIn("left out: their pipeline has no sales team", text)
        self.assertRegex(text, r"left out: their pipeline has no sales team\s+3\n")
        section = text.split("What needs a person")[1]
        self.assertIn("Pipeline without sales team: 1 row\n", section)
        self.assertIn("Pipeline Partner pipeline: 3 deals left out of Odoo", section)
        self.assertIn("Next step: Open the pipeline and choose the sales team", section)
        self.assertIn("Several possible matches: 1 row\n", section)
        self.assertIn("Next step: Open the row, compare the candidates", section)
        self.assertRegex(text, r"sync states\s+1 in sync\n")
        self.assertRegex(text, r"\nActivities\n(  \S.*\n)*  notes linked to HubSpot\s+0\n")
        self.assertNotIn("pipeline_without_team", text)
        self.assertNotIn("ambiguous_match", text)
