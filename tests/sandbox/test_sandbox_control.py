"""Control endpoints (stats, reset, seed) and the matching in-process methods."""


def test_stats_count_by_endpoint_with_ids_and_by_status(sandbox, http, http_for):
    created = http.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"]
    http.get(f"/crm/v3/objects/contacts/{created}")
    http.get("/crm/v3/objects/0-1/999")
    http.post("/crm/v3/objects/contacts/search", json={})
    http_for(sandbox, token=None).get("/crm/v3/owners")
    stats = http.get("/_sandbox/stats").json()
    assert stats["total"] == 5
    assert stats["by_endpoint"] == {
        "POST /crm/v3/objects/contacts": 1,
        "GET /crm/v3/objects/contacts/{id}": 2,
        "POST /crm/v3/objects/contacts/search": 1,
        "GET /crm/v3/owners": 1,
    }
    assert stats["by_status"] == {"201": 1, "200": 2, "404": 1, "401": 1}
    assert sandbox.stats() == stats


def test_association_endpoint_keys_keep_types_and_hide_ids(sandbox, http):
    http("PUT", "/crm/v4/objects/deals/1/associations/default/contacts/2")
    assert list(sandbox.stats()["by_endpoint"]) == [
        "PUT /crm/v4/objects/deals/{id}/associations/default/contacts/{id}"
    ]


def test_stats_reset_and_store_access_is_not_counted(sandbox, http):
    http.get("/crm/v3/owners")
    assert http.post("/_sandbox/stats/reset").json()["total"] == 0
    sandbox.store.create_object("contacts", {"email": "direct@example.com"})
    sandbox.store.get_object("contacts", "10001")
    assert sandbox.stats() == {"total": 0, "by_endpoint": {}, "by_status": {}}
    http.get("/crm/v3/owners")
    sandbox.reset_stats()
    assert sandbox.stats()["total"] == 0


def test_reset_endpoint_gives_a_fresh_portal(sandbox, http):
    sandbox.store.create_object("contacts", {"email": "gone@example.com"})
    sandbox.store.add_owner("extra@example.com", "Ex", "Tra")
    assert http.post("/_sandbox/reset").status_code == 200
    assert sandbox.store.count("contacts") == 0
    assert len(http.get("/crm/v3/owners").json()["results"]) == 3


def test_seed_endpoint_with_a_seed_dict(sandbox, http):
    seed = {
        "owners": [{"id": "900", "email": "o@example.com", "firstName": "O", "lastName": "W"}],
        "contacts": [
            {
                "id": "501",
                "properties": {"email": "s@example.com", "hubspot_owner_id": "900"},
                "createdAt": "2023-05-01T10:00:00.000Z",
                "updatedAt": "2023-06-01T10:00:00.000Z",
            },
            {"id": "502", "properties": {"email": "gone@example.com"}, "archived": True},
        ],
        "deals": [{"id": "601", "properties": {"dealname": "Seeded", "dealstage": "closedlost"}}],
        "associations": [
            {"from_type": "deals", "from_id": "601", "to_type": "contacts", "to_id": "501"}
        ],
    }
    counts = http.post("/_sandbox/seed", json=seed).json()
    assert counts["contacts"] == 2 and counts["deals"] == 1 and counts["associations"] == 1
    contact = http.get("/crm/v3/objects/contacts/501?associations=deals").json()
    assert contact["createdAt"] == "2023-05-01T10:00:00.000Z"
    assert contact["updatedAt"] == "2023-06-01T10:00:00.000Z"
    assert contact["associations"]["deals"]["results"][0]["id"] == "601"
    assert http.get("/crm/v3/objects/contacts/502").status_code == 404
    assert http.get("/crm/v3/objects/contacts/502?archived=true").json()["archived"] is True
    # ids given in the seed are never handed out again
    fresh = http.post("/crm/v3/objects/contacts", json={"properties": {}}).json()["id"]
    assert int(fresh) > 601


def test_seed_endpoint_generates_demo_data(sandbox, http):
    body = {"generate": {"contacts": 50, "deals": 10, "seed": 3}}
    counts = http.post("/_sandbox/seed", json=body).json()
    assert counts["contacts"] == 50 and counts["deals"] == 10
    assert sandbox.store.count("deals") == 10


def test_bad_seed_is_400_and_unknown_control_route_404(http):
    bad = http.post("/_sandbox/seed", json={"contacts": [{"properties": {"nope": "1"}}]})
    assert bad.status_code == 400 and "nope" in bad.json()["message"]
    assert http.get("/_sandbox/nothing").status_code == 404
