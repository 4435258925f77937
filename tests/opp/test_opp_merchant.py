"""Issue 16 items 1 and 5: a merchant's channels share registrations; authentication failures on
demand; the legacy userId/password parameters. Docs: opp.md §3, §13.3, §13.6."""

from __future__ import annotations

import base64

import requests
from opp_support import BEARER, CARD, ENTITY, PAYMENT, SUCCESS, Opp, assert_envelope

RECURRING = "8a8294174b7ecb28014b9699220015ce"  # the merchant's recurring (MIT) entity
OTHER = "8a8294174b7ecb28014b96992200ffff"


def test_a_token_made_on_one_entity_pays_on_another_entity_of_the_merchant(opp, http):
    """opp.md §13.3: tokenise on the 3-D Secure entity, charge renewals on the recurring entity
    with the same Bearer token; the token stays with the entity that made it."""
    token = opp.register()["id"]
    recurring = Opp(http, RECURRING)
    r = recurring.post(f"/v1/registrations/{token}/payments", {
        **PAYMENT, "standingInstruction.mode": "REPEATED", "standingInstruction.type": "RECURRING",
        "standingInstruction.source": "MIT"})
    assert r.status_code == 200 and SUCCESS.match(r.json()["result"]["code"]), r.text
    assert r.json()["registrationId"] == token and r.json()["ndc"].startswith(RECURRING + "_")
    assert SUCCESS.match(recurring.get(f"/v1/registrations/{token}").json()["result"]["code"])
    tenants = opp.state()["tenants"]
    made, charged = tenants[f"opp:{ENTITY}"], tenants[f"opp:{RECURRING}"]
    assert [t["id"] for t in made["tokens"]] == [token] and charged["tokens"] == []
    assert [p["id"] for p in charged["payments"]] == [r.json()["id"]]
    assert made["data"]["merchant"] == charged["data"]["merchant"]
    # another merchant (another Bearer token) does not know it
    stranger = Opp(http, OTHER, bearer="someone-else")
    assert stranger.post(f"/v1/registrations/{token}/payments", PAYMENT).json()["result"]["code"] == "100.150.200"
    # the recurring entity may deregister it; then every entity sees it deregistered
    assert recurring.delete(f"/v1/registrations/{token}").status_code == 200
    assert opp.get(f"/v1/registrations/{token}").json()["result"]["code"] == "100.150.202"


def test_reset_of_the_owning_entity_removes_the_token_for_the_whole_merchant(opp, http):
    """Merchant-wide state lives in the owning tenant: POST /_sandbox/reset?tenant=opp:<owner>."""
    token = opp.register()["id"]
    recurring = Opp(http, RECURRING)
    assert recurring.get(f"/v1/registrations/{token}").status_code == 200
    assert http.post("/_sandbox/reset", params={"tenant": f"opp:{ENTITY}"}).status_code == 200
    assert recurring.get(f"/v1/registrations/{token}").json()["result"]["code"] == "100.150.200"


def test_referencing_a_payment_from_another_channel_is_700_400_700(opp, http):
    """opp.md §13.3: 700.400.700 initial and referencing channel-ids do not match; another
    merchant's id stays unknown (700.400.520)."""
    paid = opp.post("/v1/payments", {**CARD, **PAYMENT}).json()["id"]
    r = Opp(http, RECURRING).post(f"/v1/payments/{paid}", {"paymentType": "RF", "amount": "1.00", "currency": "EUR"})
    assert r.status_code == 400 and r.json()["result"]["code"] == "700.400.700"
    r = Opp(http, OTHER, bearer="someone-else").post(f"/v1/payments/{paid}", {"paymentType": "RF", "amount": "1.00",
                                                                               "currency": "EUR"})
    assert r.json()["result"]["code"] == "700.400.520"


def test_cross_channel_references_option_allows_a_moto_entity(start_sandbox):
    """opp.md §13.3 (VR pay 'multichannel'): with opp.cross_channel_references=true a MOTO entity of
    the merchant refunds a payment made on the main entity."""
    sb = start_sandbox("--option", "opp.cross_channel_references=true")
    with requests.Session() as s:
        paid = s.post(f"{sb.url}/v1/payments", data={"entityId": ENTITY, **CARD, **PAYMENT}, headers=BEARER,
                      timeout=10).json()["id"]
        r = s.post(f"{sb.url}/v1/payments/{paid}", data={"entityId": RECURRING, "paymentType": "RF",
                                                         "amount": "2.00", "currency": "EUR"}, headers=BEARER, timeout=10)
        assert r.status_code == 200 and r.json()["referencedId"] == paid
        assert s.get(f"{sb.url}/v1/payments/{paid}", params={"entityId": ENTITY}, headers=BEARER,
                     timeout=10).json()["id"] == paid


def test_strict_credentials_one_credential_is_one_merchant(start_sandbox, tmp_path):
    """--credentials: the entities listed under one credential form one merchant (opp.md §13.3)."""
    creds = tmp_path / "creds.yaml"
    creds.write_text(f"opp:\n  - {{bearer: shop, entities: [{ENTITY}, {RECURRING}]}}\n"
                     f"  - {{bearer: other, entities: [{OTHER}]}}\n")
    sb = start_sandbox("--credentials", str(creds))

    def call(method, path, bearer, entity, **data):
        return requests.request(method, f"{sb.url}{path}", data={"entityId": entity, **data},
                                headers={"Authorization": f"Bearer {bearer}"}, timeout=10)

    token = call("POST", "/v1/registrations", "shop", ENTITY, **CARD).json()["id"]
    assert SUCCESS.match(call("POST", f"/v1/registrations/{token}/payments", "shop", RECURRING,
                              **PAYMENT).json()["result"]["code"])
    assert call("POST", f"/v1/registrations/{token}/payments", "other", OTHER,
                **PAYMENT).json()["result"]["code"] == "100.150.200"
    # exact matching: a magic value is just an unknown token there
    r = call("POST", "/v1/registrations", "OPP-AUTH-800.900.301", ENTITY, **CARD)
    assert r.status_code == 401 and r.json()["result"]["code"] == "800.900.300"


def test_magic_bearer_values_answer_authentication_codes(opp, http):
    """opp.md §13.6: 800.900.300 is HTTP 401 with WWW-Authenticate; the others on demand; nothing stored."""
    for code, status in (("800.900.300", 401), ("800.900.301", 403), ("800.900.201", 400), ("500.100.201", 400)):
        r = Opp(http, bearer=f"OPP-AUTH-{code}").post("/v1/registrations", CARD)
        assert (r.status_code, r.json()["result"]["code"]) == (status, code)
        assert_envelope(r.json())
        assert ("WWW-Authenticate" in r.headers) is (status == 401)
    assert opp.state()["tenants"] == {}


def test_legacy_user_id_and_password_parameters(opp, http):
    """opp.md §3: authentication.userId/password/entityId (deprecated) in the body of a POST and the
    query of a GET; they are the Bearer token base64(userId|password), so the same merchant."""
    legacy = {"authentication.userId": "8a8294174b7ecb28014b9699220015cc", "authentication.password": "sy6KJsT8"}
    r = http.post("/v1/registrations", data={**legacy, "authentication.entityId": ENTITY, **CARD})
    assert r.status_code == 200 and SUCCESS.match(r.json()["result"]["code"]), r.text
    token = r.json()["id"]
    r = http.get(f"/v1/registrations/{token}", params={**legacy, "authentication.entityId": ENTITY})
    assert r.status_code == 200
    bearer = base64.b64encode(b"8a8294174b7ecb28014b9699220015cc|sy6KJsT8").decode()
    assert Opp(http, RECURRING, bearer=bearer).get(f"/v1/registrations/{token}").status_code == 200
    half = http.post("/v1/registrations", data={"authentication.password": "x", "entityId": ENTITY, **CARD})
    assert (half.status_code, half.json()["result"]["code"]) == (403, "100.300.600")


def test_malformed_entity_id_is_refused(opp, http):
    """opp.md §3: entityId is AN32; anything else is a parameter error, nothing stored."""
    for bad in ("8a82-9417", "x" * 33, "ent_1"):
        r = Opp(http, bad).post("/v1/registrations", CARD)
        assert r.status_code == 400 and r.json()["result"]["parameterErrors"][0]["name"] == "entityId"
    assert opp.state()["tenants"] == {}


def test_credentials_file_takes_a_legacy_user_id_and_password(start_sandbox, tmp_path):
    """opp.md §3: a --credentials row {userId, password} is the token base64(userId|password)."""
    creds = tmp_path / "creds.yaml"
    creds.write_text(f"opp:\n  - {{userId: u1, password: p1, entities: [{ENTITY}]}}\n")
    sb = start_sandbox("--credentials", str(creds))
    legacy = {"authentication.userId": "u1", "authentication.password": "p1", "entityId": ENTITY}
    assert requests.post(f"{sb.url}/v1/registrations", data={**legacy, **CARD}, timeout=10).status_code == 200
    bearer = {"Authorization": "Bearer " + base64.b64encode(b"u1|p1").decode()}
    assert requests.post(f"{sb.url}/v1/registrations", data={"entityId": ENTITY, **CARD}, headers=bearer,
                         timeout=10).status_code == 200
    wrong = requests.post(f"{sb.url}/v1/registrations", data={**legacy, "authentication.password": "x", **CARD},
                          timeout=10)
    assert wrong.status_code == 401 and wrong.json()["result"]["code"] == "800.900.300"
