"""Deals and pipelines through the SDK: stages, computed closed flags, pipeline validation."""

import pytest
from hubspot.crm.deals import ApiException, SimplePublicObjectInput
from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealCreate

from .conftest import modified_since

DEFAULT_STAGES = [
    ("appointmentscheduled", "0.2", "false"),
    ("qualifiedtobuy", "0.4", "false"),
    ("presentationscheduled", "0.6", "false"),
    ("decisionmakerboughtin", "0.8", "false"),
    ("contractsent", "0.9", "false"),
    ("closedwon", "1.0", "true"),
    ("closedlost", "0.0", "true"),
]


def create_deal(client, **properties):
    return client.crm.deals.basic_api.create(DealCreate(properties=properties))


def test_default_pipeline_and_its_stages(client):
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert [p.id for p in pipelines] == ["default"]
    pipeline = client.crm.pipelines.pipelines_api.get_by_id("deals", "default")
    assert pipeline.label == "Sales Pipeline"
    assert pipeline.created_at.timestamp() == 0
    stages = [(s.id, s.metadata["probability"], s.metadata["isClosed"]) for s in pipeline.stages]
    assert stages == DEFAULT_STAGES
    listed = client.crm.pipelines.pipeline_stages_api.get_all("deals", "default").results
    assert [s.id for s in listed] == [s[0] for s in DEFAULT_STAGES]


def test_custom_pipeline_has_numeric_stage_ids(client, sandbox):
    added = sandbox.store.add_pipeline(
        "Partner pipeline",
        [
            {"label": "Lead", "metadata": {"probability": "0.1", "isClosed": "false"}},
            {"label": "Won", "metadata": {"probability": "1.0", "isClosed": "true"}},
        ],
    )
    pipeline = client.crm.pipelines.pipelines_api.get_by_id("deals", added["id"])
    assert all(s.id.isdigit() for s in pipeline.stages)
    won = client.crm.pipelines.pipeline_stages_api.get_by_id(
        "deals", added["id"], pipeline.stages[1].id
    )
    assert won.metadata == {"probability": "1.0", "isClosed": "true"}


def test_deal_create_defaults_pipeline_and_computes_closed_flags(client):
    deal = create_deal(client, dealname="Rahmenvertrag", amount="1500.00", dealstage="closedwon")
    assert deal.properties["pipeline"] == "default"
    assert deal.properties["hs_is_closed"] == "true"
    assert deal.properties["hs_is_closed_won"] == "true"
    assert deal.properties["hs_deal_stage_probability"] == "1.0"
    fetched = client.crm.deals.basic_api.get_by_id(deal.id)
    assert set(fetched.properties) == {
        "dealname",
        "amount",
        "closedate",
        "pipeline",
        "dealstage",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }


def test_stage_must_belong_to_the_pipeline(client, sandbox):
    custom = sandbox.store.add_pipeline("Other", [{"label": "Only", "metadata": {}}])
    with pytest.raises(ApiException) as error:
        create_deal(client, dealname="x", pipeline=custom["id"], dealstage="closedwon")
    assert error.value.status == 400
    assert "dealstage" in error.value.body
    deal = create_deal(
        client, dealname="x", pipeline=custom["id"], dealstage=custom["stages"][0]["id"]
    )
    with pytest.raises(ApiException):  # moving pipeline without a valid stage
        client.crm.deals.basic_api.update(
            deal.id, SimplePublicObjectInput(properties={"pipeline": "default"})
        )


def test_unknown_stage_is_invalid_option(client):
    with pytest.raises(ApiException) as error:
        create_deal(client, dealname="x", dealstage="nope")
    assert error.value.status == 400 and "INVALID_OPTION" in error.value.body


def test_read_only_computed_property_cannot_be_written(client):
    with pytest.raises(ApiException) as error:
        create_deal(client, dealname="x", hs_is_closed="true")
    assert error.value.status == 400 and "READ_ONLY_VALUE" in error.value.body


def test_deal_search_by_hs_lastmodifieddate(client, sandbox):
    first = sandbox.store.create_object("deals", {"dealname": "A"})
    sandbox.store.update_object("deals", first["id"], {}, modified_at=1_700_000_000_000)
    second = sandbox.store.create_object("deals", {"dealname": "B"})
    request = modified_since("hs_lastmodifieddate", 1_700_000_000_000, "GT")
    result = client.crm.deals.search_api.do_search(request)
    assert [r.id for r in result.results] == [second["id"]]


def test_closedate_accepts_epoch_ms_and_reads_back_iso(client):
    deal = create_deal(client, dealname="x", closedate="1735689600000")
    assert deal.properties["closedate"] == "2025-01-01T00:00:00.000Z"


def test_amount_in_home_currency_follows_the_portal_rates(client, sandbox):
    sandbox.store.seed({"exchange_rates": {"EUR": 0.8}})
    names = ["amount_in_home_currency"]
    in_eur = create_deal(client, amount="100", deal_currency_code="EUR")
    in_usd = create_deal(client, amount="50", deal_currency_code="USD")
    in_chf = create_deal(client, amount="10", deal_currency_code="CHF")
    read = client.crm.deals.basic_api.get_by_id
    assert read(in_eur.id, properties=names).properties["amount_in_home_currency"] == "125"
    assert read(in_usd.id, properties=names).properties["amount_in_home_currency"] == "50"
    assert read(in_chf.id, properties=names).properties["amount_in_home_currency"] is None
    with pytest.raises(ApiException) as refused:
        client.crm.deals.basic_api.update(
            in_eur.id, SimplePublicObjectInput(properties={"amount_in_home_currency": "1"})
        )
    assert refused.value.status == 400


def test_account_details_give_the_company_currency(sandbox, http):
    sandbox.store.seed({"home_currency": "EUR", "exchange_rates": {"USD": 1.1}})
    details = http.get("/account-info/v3/details").json()
    assert details["portalId"] == 24587913
    assert details["companyCurrency"] == "EUR"
    assert details["additionalCurrencies"] == ["USD"]
