"""Token inquiry, per-field updates, conflicts, delete (seed 002, access.md §3.3, §4.4, §5-§7)."""

from __future__ import annotations

from access_helpers import card, path_of


def _links(api, **kw):
    body = api.post("/tokens", json=card(**kw)).json()
    return {k.split(":", 1)[1]: path_of(v["href"]) for k, v in body["_links"].items() if k != "curies"}


def test_get_token_has_network_link(api):
    """seed 002 "Retrieve the detail for this token": 200 with tokens:networkToken."""
    links = _links(api)
    r = api.get(links["token"])
    assert r.status_code == 200
    assert r.json()["_links"]["tokens:networkToken"]["href"] == api.base + "/tokens/network"
    assert _links(api) == links  # hrefs are stable per token and field


def test_put_each_field_link(api):
    """access.md §3.3: bare JSON string or object per field -> 204 without body."""
    links = _links(api)
    address = {"address1": "1 Test Street", "postalCode": "TE12 34ST", "city": "Testville", "countryCode": "TS"}
    for rel, value in [("description", "new description"), ("cardHolderName", "new name"),
                       ("schemeTransactionReference", "000000000000020005060720116005060"),
                       ("cardExpiryDate", {"month": 1, "year": 2050}), ("billingAddress", address)]:
        r = api.put(links[rel], json=value)
        assert r.status_code == 204 and r.content == b"", rel
    body = api.get(links["token"]).json()
    assert body["description"] == "new description"
    assert body["schemeTransactionReference"] == "000000000000020005060720116005060"
    pi = body["paymentInstrument"]
    assert (pi["cardHolderName"], pi["cardExpiryDate"], pi["billingAddress"]) == (
        "new name", {"month": 1, "year": 2050}, address)


def test_put_validation_and_wrong_methods(api):
    """access.md §6: invalid values -> 400 bodyDoesNotMatchSchema; GET on a field link / PUT on the
    token link -> 405 methodNotAllowed."""
    links = _links(api)
    r = api.put(links["cardExpiryDate"], json={"month": 0, "year": 2050})
    assert r.status_code == 400
    assert r.json()["validationErrors"][0]["jsonPath"] == "$.month"
    assert api.put(links["description"], json="a<b").status_code == 400
    assert api.put(links["description"], data=b"").json()["errorName"] == "bodyIsEmpty"
    assert api.get(links["description"]).status_code == 405
    assert api.put(links["token"], json="x").json()["errorName"] == "methodNotAllowed"
    assert api.patch(links["token"], json="x").status_code == 405


def test_update_limit_is_429(start_sandbox):
    """access.md §6: 50 updates in a rolling 30 days -> 429 maximumUpdatesExceeded (limit is an option)."""
    from access_helpers import session

    proc = start_sandbox("--option", "access.max_updates=3")
    with session(proc.url) as api:
        links = _links(api)
        for i in range(3):
            assert api.put(links["description"], json=f"d{i}").status_code == 204
        r = api.put(links["description"], json="d4")
        assert r.status_code == 429 and r.json()["errorName"] == "maximumUpdatesExceeded"
        assert api.get(links["token"]).json()["description"] == "d2"


def test_conflicts_link_get_and_put(api, sandbox):
    """access.md §4.4: GET conflicts = token + conflicts + field links; PUT applies them all -> 204;
    404 once resolved or expired."""
    links = _links(api)
    r = api.post("/tokens", json=card(holder="John Watson", month=6))
    conflicts = path_of(r.json()["_links"]["tokens:conflicts"]["href"])
    got = api.get(conflicts)
    assert got.status_code == 200
    assert got.json()["conflicts"]["paymentInstrument"]["cardHolderName"] == "John Watson"
    assert "tokens:cardHolderName" in got.json()["_links"]
    assert api.put(conflicts).status_code == 204
    pi = api.get(links["token"]).json()["paymentInstrument"]
    assert (pi["cardHolderName"], pi["cardExpiryDate"]["month"]) == ("John Watson", 6)
    assert api.get(conflicts).status_code == 404
    # a new conflict expires after 30 minutes (conflictsExpiryDateTime)
    r = api.post("/tokens", json=card(holder="Mycroft"))
    conflicts = path_of(r.json()["_links"]["tokens:conflicts"]["href"])
    sandbox.clock.advance("PT31M")
    r = api.get(conflicts)
    assert r.status_code == 404 and r.json()["errorName"] == "resourceNotFound"


def test_delete_then_404_everywhere_and_card_can_be_tokenised_again(api):
    """access.md §7: DELETE -> 204; every link 404 resourceNotFound; PAN can be tokenised again."""
    links = _links(api)
    r = api.delete(links["token"], headers={"Accept": None, "Content-Type": None})
    assert r.status_code == 204 and r.content == b""
    for rel, path in links.items():
        method = api.get if rel == "token" else api.put
        r = method(path, json="x")
        assert (r.status_code, r.json()["errorName"]) == (404, "resourceNotFound"), rel
    assert api.delete(links["token"]).status_code == 404
    assert api.post("/tokens", json=card()).status_code == 201


def test_unknown_paths_and_ids(api):
    """access.md §10.4: unknown path -> 404 endpointNotFound; undecodable id -> 404 resourceNotFound."""
    r = api.get("/tokens/a/b/c")
    assert (r.status_code, r.json()["errorName"]) == (404, "endpointNotFound")
    r = api.get("/tokens/eyJrIjoxLCJkIjoiQUFBQSJ9")
    assert (r.status_code, r.json()["errorName"]) == (404, "resourceNotFound")
    assert api.get("/tokens/network").status_code == 405


def test_root_discovery_and_lookup(api):
    """access.md §11.1 discovery; §5.1 lookup by tokenId / namespace (shape documented in README)."""
    root = api.get("/").json()["_links"]
    assert root["service:tokens"]["href"] == api.base + "/tokens"
    assert api.get("/tokens").json()["_links"]["tokens:tokens"]["href"] == api.base + "/tokens"
    t = api.post("/tokens", json=card(namespace="cust")).json()
    assert api.get("/tokens", params={"tokenId": t["tokenId"]}).json()["tokenId"] == t["tokenId"]
    assert api.get("/tokens", params={"tokenId": t["tokenId"], "namespace": "other"}).status_code == 404
    listed = api.get("/tokens", params={"namespace": "cust"}).json()["_embedded"]["tokens"]
    assert [x["tokenId"] for x in listed] == [t["tokenId"]]
    assert api.get("/tokens", params={"namespace": "nobody"}).json()["_embedded"]["tokens"] == []
    assert api.get("/tokens", params={"tokenId": "bad id"}).json()["errorName"] == "urlContainsInvalidValue"
