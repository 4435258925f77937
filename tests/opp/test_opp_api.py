"""OPP Registrations: one HTTP test per behaviour, each naming the doc section it follows.

Docs: seed ../shared/seeds/000_5debcf6b81dcbf6e.txt and ../shared/reference/opp.md.
"""

from __future__ import annotations

import pytest
import requests
from opp_support import BEARER, CARD, ENTITY, HEX32, PAYMENT, SUCCESS, assert_envelope


def test_missing_or_bad_bearer_is_401_with_www_authenticate(opp, http):
    """opp.md §3 'Invalid/malformed Bearer token -> HTTP 401', §12.2."""
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        r = http.post("/v1/registrations", data={"entityId": ENTITY, **CARD}, headers=headers)
        assert r.status_code == 401
        assert r.json()["result"]["code"] == "800.900.300"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert_envelope(r.json())
    assert opp.state()["tenants"] == {}


def test_strict_credentials_reject_a_token_for_another_entity(start_sandbox, tmp_path):
    """opp.md §3: a token without rights for the entity is refused with 800.900.300 (401)."""
    creds = tmp_path / "creds.yaml"
    creds.write_text("opp:\n  - {bearer: good, entities: [" + ENTITY + "]}\n")
    sb = start_sandbox("--credentials", str(creds))
    ok = requests.post(f"{sb.url}/v1/registrations", data={"entityId": ENTITY, **CARD},
                       headers={"Authorization": "Bearer good"}, timeout=10)
    assert ok.status_code == 200
    for bearer, entity in (("good", "otherentity"), ("wrong", ENTITY)):
        r = requests.post(f"{sb.url}/v1/registrations", data={"entityId": entity, **CARD},
                          headers={"Authorization": f"Bearer {bearer}"}, timeout=10)
        assert r.status_code == 401 and r.json()["result"]["code"] == "800.900.300"


def test_standalone_registration_returns_token_and_card_block(opp):
    """Seed 'Standalone tokenization' step 1; opp.md E1 and §12.5 (token in id, no registrationId)."""
    body = opp.register(**{"customer.givenName": "Jane", "billing.city": "Berlin", "billing.country": "DE"})
    assert HEX32.match(body["id"]) and "registrationId" not in body and "paymentType" not in body
    assert body["card"] == {"bin": "420000", "last4Digits": "0000", "holder": "Jane Jones",
                            "expiryMonth": "05", "expiryYear": "2034", "binCountry": "DE"}
    assert body["customer"] == {"givenName": "Jane"} and body["billing"] == {"city": "Berlin", "country": "DE"}
    assert body["paymentBrand"] == "VISA" and body["result"]["code"] == "000.100.110"
    assert body["ndc"].startswith(ENTITY + "_")
    assert_envelope(body)


def test_legacy_entity_parameter_and_entity_in_query_of_a_post(opp, http):
    """opp.md §3: entity from `authentication.entityId`; §2: Peach puts entityId in the POST query."""
    r = http.post("/v1/registrations", data={"authentication.entityId": "legacyent", **CARD}, headers=BEARER)
    assert r.status_code == 200
    r = http.post("/v1/registrations?entityId=queryent", data=CARD, headers=BEARER)
    assert r.status_code == 200
    assert {"opp:legacyent", "opp:queryent"} <= set(opp.state()["tenants"])


def test_keys_sent_encoded_or_literally_and_empty_values_tolerated(opp, http):
    """opp.md §2: dot/bracket keys, sent percent-encoded or literally; blanks as real clients send."""
    raw = (f"entityId={ENTITY}&paymentBrand=VISA&card%2Enumber=4200000000000000&card.holder=Jane+Jones"
           "&card.expiryMonth=05&card.expiryYear=2034&card.cvv=123&billing.street2="
           "&customParameters%5BSHOPPER_pluginId%5D=python&customParameters[other_key]=x")
    r = http.post("/v1/registrations", data=raw, headers={**BEARER, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert r.json()["customParameters"] == {"SHOPPER_pluginId": "python", "other_key": "x"}
    assert "billing" not in r.json()


@pytest.mark.parametrize("raw, name", [
    (b"card.holder=J%FCrgen", "card.holder"),          # Latin-1 byte: not UTF-8
    (b"card.holder=A&card.holder=B", "card.holder"),   # given twice
])
def test_invalid_utf8_or_repeated_parameter_is_rejected(opp, http, raw, name):
    """DESIGN §6: ambiguous input is rejected (decoded by hand, not by aiohttp), nothing stored."""
    body = f"entityId={ENTITY}&paymentBrand=VISA&card.number=4200000000000000&card.expiryMonth=05&card.expiryYear=2034&card.cvv=123&".encode() + raw
    r = http.post("/v1/registrations", data=body, headers={**BEARER, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    assert r.json()["result"]["code"] == "200.300.404"
    assert [e["name"] for e in r.json()["result"]["parameterErrors"]] == [name]
    assert opp.state()["tenants"] == {}


def test_validation_lists_every_bad_parameter_and_changes_nothing(opp):
    """opp.md §6 'Validation error' and §12.8: HTTP 400, 200.300.404, all parameterErrors, no id."""
    before = opp.state()
    r = opp.post("/v1/payments", {"amount": "92.0", "currency": "eur", "paymentType": "RF",
                                  "paymentBrand": "NOPE", "card.number": "42x", "card.expiryMonth": "May"})
    assert r.status_code == 400
    body = r.json()
    assert body["result"]["code"] == "200.300.404" and "id" not in body
    names = {e["name"]: e for e in body["result"]["parameterErrors"]}
    assert set(names) == {"amount", "currency", "paymentType", "paymentBrand", "card.number", "card.expiryMonth"}
    assert names["amount"]["message"] == "must match ^[0-9]{1,12}(\\.[0-9]{2})?$"
    assert names["paymentType"]["message"] == "must be one of [PA, DB, CD, PA.CP]"
    assert names["amount"]["value"] == "92.0"
    assert opp.state()["tenants"] == before["tenants"]


def test_missing_card_and_amount_are_named(opp):
    """opp.md E11 note (recorded): 'card properties must be set', 'may not be empty'."""
    r = opp.post("/v1/payments", {"paymentType": "DB"})
    errors = {e["name"]: e["message"] for e in r.json()["result"]["parameterErrors"]}
    assert errors == {"amount": "may not be empty", "currency": "may not be empty",
                      "paymentBrand": "card properties must be set"}


@pytest.mark.parametrize("change, code", [
    ({"card.number": "4444444444444444"}, "100.100.101"),   # Luhn (opp.md §9 test cards)
    ({"card.number": "4200000000000001"}, "100.100.101"),
    ({"card.expiryYear": "2000"}, "100.100.303"),           # expired
    ({"card.cvv": None}, "100.100.600"),                    # missing CVV for VISA
    ({"card.cvv": "12"}, "100.100.601"),                    # short CVV
    ({"card.expiryMonth": "13"}, "100.100.201"),
    ({"card.expiryYear": "34"}, "100.100.301"),
    ({"paymentBrand": "MASTER"}, "100.100.700"),            # number/brand combination
])
@pytest.mark.parametrize("path, extra", [("/v1/registrations", {}), ("/v1/payments", PAYMENT)])
def test_card_checks_answer_their_codes_and_store_nothing(opp, path, extra, change, code):
    """opp.md §8.5 and §12.8 card checks, on E1 and E2; a failed store still echoes id (§6)."""
    data = {**CARD, **extra, **change}
    r = opp.post(path, {k: v for k, v in data.items() if v is not None})
    assert r.status_code == 400
    assert r.json()["result"]["code"] == code
    assert HEX32.match(r.json()["id"])
    assert not SUCCESS.match(code)
    assert opp.state()["tenants"] == {}


def test_payment_with_create_registration_returns_both_ids(opp):
    """Seed 'Tokenization during payment'; opp.md E2 and §12.5-6 (echoed fields)."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "createRegistration": "true",
                                  "merchantTransactionId": "order-1001", "descriptor": "Shop"})
    body = r.json()
    assert r.status_code == 200 and HEX32.match(body["id"]) and HEX32.match(body["registrationId"])
    assert body["id"] != body["registrationId"]
    assert (body["paymentType"], body["amount"], body["currency"]) == ("DB", "92.00", "EUR")
    assert body["merchantTransactionId"] == "order-1001" and body["descriptor"] == "Shop"
    assert opp.get(f"/v1/registrations/{body['registrationId']}").status_code == 200


def test_declined_payment_creates_no_registration(opp):
    """opp.md §10: only a successful payment creates a token; §9 forceResultCode forces a decline."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "createRegistration": "true",
                                  "customParameters[forceResultCode]": "800.100.151"})
    assert r.status_code == 400
    body = r.json()
    assert body["result"] == {"code": "800.100.151", "description": "transaction declined (invalid card)"}
    assert "registrationId" not in body
    assert body["customParameters"] == {"forceResultCode": "800.100.151"}
    tenant = opp.state()["tenants"][f"opp:{ENTITY}"]
    assert tenant["tokens"] == []
    assert [(p["id"], p["status"]) for p in tenant["payments"]] == [(body["id"], "REFUSED")]


def test_forced_success_code_is_answered_and_echoed(opp):
    """opp.md §9: customParameters[forceResultCode] overrides the outcome and is echoed."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "customParameters[forceResultCode]": "000.100.111"})
    assert r.status_code == 200 and r.json()["result"]["code"] == "000.100.111"
    assert r.json()["customParameters"]["forceResultCode"] == "000.100.111"
    bad = opp.post("/v1/payments", {**CARD, **PAYMENT, "customParameters[forceResultCode]": "800-1"})
    assert bad.json()["result"]["parameterErrors"][0]["name"] == "customParameters[forceResultCode]"


def test_zero_amount_account_verification(opp):
    """opp.md E2: PA with amount 0.00 is an account verification and can tokenise; a zero DB is refused."""
    r = opp.post("/v1/payments", {**CARD, "amount": "0.00", "currency": "EUR", "paymentType": "PA",
                                  "createRegistration": "true"})
    assert r.status_code == 200 and SUCCESS.match(r.json()["result"]["code"]) and r.json()["registrationId"]
    r = opp.post("/v1/payments", {**CARD, "amount": "0.00", "currency": "EUR", "paymentType": "DB"})
    assert r.status_code == 400 and r.json()["result"]["code"] == "100.550.300"


def test_test_mode_external_and_invalid(opp):
    """opp.md §9: testMode=EXTERNAL -> 000.100.112; an invalid testMode -> 100.300.101."""
    assert opp.register(testMode="EXTERNAL")["result"]["code"] == "000.100.112"
    assert opp.register(testMode="INTERNAL")["result"]["code"] == "000.100.110"
    r = opp.post("/v1/registrations", {**CARD, "testMode": "LIVE"})
    assert r.status_code == 400 and r.json()["result"]["code"] == "100.300.101"


def test_live_mode_success_code(start_sandbox):
    """opp.md §9/§12.4: live mode answers 000.000.000."""
    sb = start_sandbox("--mode", "live")
    r = requests.post(f"{sb.url}/v1/payments", data={"entityId": ENTITY, **CARD, **PAYMENT}, headers=BEARER, timeout=10)
    assert r.json()["result"]["code"] == "000.000.000"


def test_3ds_technical_error_card(opp):
    """opp.md §9: 4012001037461114 fails with 100.390.112 (Hyperswitch's expectation)."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "card.number": "4012001037461114", "createRegistration": "true"})
    assert r.status_code == 400 and r.json()["result"]["code"] == "100.390.112"
    assert opp.state()["tenants"][f"opp:{ENTITY}"]["tokens"] == []


def test_3ds_challenge_is_pending_then_completes(opp, http):
    """opp.md §9/§12.9: 3DS2_enrolled -> 000.200.000 with redirect; after the challenge the payment
    succeeds, the token exists and the shopper returns to shopperResultUrl with id and resourcePath."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "createRegistration": "true",
                                  "customParameters[3DS2_enrolled]": "true",
                                  "shopperResultUrl": "https://shop.example/return"})
    body = r.json()
    assert r.status_code == 200 and body["result"]["code"] == "000.200.000" and "registrationId" not in body
    back = http.get(body["redirect"]["url"], allow_redirects=False)
    assert back.status_code == 302
    assert back.headers["Location"] == (f"https://shop.example/return?id={body['id']}"
                                        f"&resourcePath=%2Fv1%2Fpayments%2F{body['id']}")
    done = opp.get(f"/v1/payments/{body['id']}").json()
    assert SUCCESS.match(done["result"]["code"]) and done["registrationId"]
    assert opp.get(f"/v1/registrations/{done['registrationId']}").status_code == 200


def test_3ds_frictionless_card_succeeds_with_eci(opp):
    """opp.md §9: 4200000000000091 is frictionless (ECI 05)."""
    r = opp.post("/v1/payments", {**CARD, **PAYMENT, "card.number": "4200000000000091"})
    assert r.status_code == 200 and r.json()["threeDSecure"]["eci"] == "05"


def test_registration_payment_uses_stored_card_without_cvv(opp):
    """Seed 'Payment with token'; opp.md E3 and §12.7 (no PAN, card.cvv optional, card block back)."""
    token = opp.register()["id"]
    r = opp.post(f"/v1/registrations/{token}/payments", {**PAYMENT, "standingInstruction.mode": "REPEATED",
                                                         "standingInstruction.type": "UNSCHEDULED",
                                                         "standingInstruction.source": "CIT"})
    body = r.json()
    assert r.status_code == 200 and SUCCESS.match(body["result"]["code"])
    assert body["registrationId"] == token and body["card"]["last4Digits"] == "0000"
    assert body["standingInstruction"] == {"mode": "REPEATED", "type": "UNSCHEDULED", "source": "CIT"}
    r = opp.post(f"/v1/registrations/{token}/payments", {**PAYMENT, "card.cvv": "1"})
    assert r.json()["result"]["code"] == "100.100.601"


def test_standing_instruction_is_validated(opp):
    """opp.md §5: mode INITIAL|REPEATED, type UNSCHEDULED|RECURRING|INSTALLMENT, source CIT|MIT."""
    token = opp.register()["id"]
    r = opp.post(f"/v1/registrations/{token}/payments", {**PAYMENT, "standingInstruction.mode": "ONCE",
                                                         "standingInstruction.type": "WEEKLY",
                                                         "standingInstruction.source": "MIT"})
    names = [e["name"] for e in r.json()["result"]["parameterErrors"]]
    assert names == ["standingInstruction.mode", "standingInstruction.type"]
    r = opp.post(f"/v1/registrations/{token}/payments", {**PAYMENT, "standingInstruction.mode": "INITIAL",
                                                         "standingInstruction.type": "RECURRING",
                                                         "standingInstruction.source": "MIT"})
    assert r.json()["result"]["parameterErrors"][0]["name"] == "standingInstruction.mode"


def test_get_registration(opp):
    """opp.md E4: the stored registration, same shape as the E1 answer."""
    created = opp.register(**{"customer.email": "jane@example.com"})
    r = opp.get(f"/v1/registrations/{created['id']}")
    body = r.json()
    assert r.status_code == 200
    assert {k: body[k] for k in ("id", "paymentBrand", "card", "customer")} == \
        {k: created[k] for k in ("id", "paymentBrand", "card", "customer")}
    assert body["buildNumber"] == created["buildNumber"]


@pytest.mark.parametrize("method", ["get", "delete", "pay"])
def test_malformed_and_unknown_registration_ids(opp, method):
    """opp.md §8.3: malformed id 100.150.101, unknown 100.150.200."""
    def call(rid):
        if method == "pay":
            return opp.post(f"/v1/registrations/{rid}/payments", PAYMENT)
        return getattr(opp, method)(f"/v1/registrations/{rid}")
    for rid, code in (("not-a-token", "100.150.101"), ("0" * 32, "100.150.200")):
        r = call(rid)
        assert r.status_code == 400 and r.json()["result"]["code"] == code
    assert opp.state()["tenants"] == {}


def test_delete_then_any_use_is_already_deregistered(opp):
    """Seed 'Token deletion'; opp.md E5 and §12.7: 100.150.202 after DR, DR twice 100.350.303."""
    token = opp.register()["id"]
    r = opp.delete(f"/v1/registrations/{token}")
    assert r.status_code == 200 and r.json()["result"]["code"] == "000.100.110" and HEX32.match(r.json()["id"])
    assert opp.get(f"/v1/registrations/{token}").json()["result"]["code"] == "100.150.202"
    assert opp.post(f"/v1/registrations/{token}/payments", PAYMENT).json()["result"]["code"] == "100.150.202"
    assert opp.delete(f"/v1/registrations/{token}").json()["result"]["code"] == "100.350.303"
    assert opp.post(f"/v1/registrations/{token}/extendlife").json()["result"]["code"] == "100.350.316"


def test_merchants_do_not_see_each_others_tokens(opp, http):
    """DESIGN §3 and opp.md §13.3: an entity of another merchant (another Bearer) does not know the token."""
    from opp_support import Opp

    token = opp.register()["id"]
    other = Opp(http, "anotherentity", bearer="another-merchant")
    assert other.get(f"/v1/registrations/{token}").json()["result"]["code"] == "100.150.200"


def test_capture_refund_and_reference_errors(opp):
    """opp.md E11-E13: CP/RF/RV on /v1/payments/{id}, reference errors 700.400.5x0, query."""
    pa = opp.post("/v1/payments", {**CARD, **PAYMENT, "paymentType": "PA"}).json()["id"]
    cp = opp.post(f"/v1/payments/{pa}", {"paymentType": "CP", "amount": "92.00", "currency": "EUR"})
    assert cp.status_code == 200 and cp.json()["referencedId"] == pa and SUCCESS.match(cp.json()["result"]["code"])
    again = opp.post(f"/v1/payments/{pa}", {"paymentType": "CP", "amount": "92.00", "currency": "EUR"})
    assert again.json()["result"]["code"] == "700.400.100"
    rf = opp.post(f"/v1/payments/{pa}", {"paymentType": "RF", "amount": "50.00", "currency": "EUR"})
    assert rf.status_code == 200 and rf.json()["amount"] == "50.00"
    too_much = opp.post(f"/v1/payments/{pa}", {"paymentType": "RF", "amount": "50.00", "currency": "EUR"})
    assert too_much.json()["result"]["code"] == "700.400.200"
    unknown = "f" * 32
    for kind, code in (("CP", "700.400.510"), ("RF", "700.400.520"), ("RV", "700.400.530")):
        r = opp.post(f"/v1/payments/{unknown}", {"paymentType": kind, "amount": "1.00", "currency": "EUR"})
        assert r.status_code == 400 and r.json()["result"]["code"] == code
    q = opp.get(f"/v1/query/{rf.json()['id']}")
    assert q.status_code == 200 and q.json()["paymentType"] == "RF"
    missing = opp.get(f"/v1/query/{unknown}")
    assert missing.status_code == 400 and missing.json()["result"]["code"] == "700.400.580"


def test_reversal_of_an_authorisation(opp):
    """opp.md E11: RV without amount reverses a PA; it cannot be captured afterwards."""
    pa = opp.post("/v1/payments", {**CARD, **PAYMENT, "paymentType": "PA"}).json()["id"]
    rv = opp.post(f"/v1/payments/{pa}", {"paymentType": "RV"})
    assert rv.status_code == 200 and rv.json()["amount"] == "92.00"
    cp = opp.post(f"/v1/payments/{pa}", {"paymentType": "CP", "amount": "1.00", "currency": "EUR"})
    assert cp.json()["result"]["code"] == "700.400.100"


def test_get_payment_and_query_return_the_transaction(opp):
    """opp.md E12/E13: GET /v1/payments/{id} and /v1/query/{id}."""
    paid = opp.post("/v1/payments", {**CARD, **PAYMENT}).json()
    for path in (f"/v1/payments/{paid['id']}", f"/v1/query/{paid['id']}"):
        body = opp.get(path).json()
        assert body["id"] == paid["id"] and body["result"] == paid["result"] and body["amount"] == "92.00"


def test_query_by_merchant_transaction_id(opp):
    """opp.md E13: GET /v1/query?entityId=…&merchantTransactionId=… finds this entity's transactions;
    none -> 700.400.580 (HTTP 400) as for an unknown id; the parameter is required."""
    first = opp.post("/v1/payments", {**CARD, **PAYMENT, "merchantTransactionId": "order-77"}).json()
    opp.post("/v1/payments", {**CARD, **PAYMENT, "merchantTransactionId": "order-78"})
    r = opp.get("/v1/query", merchantTransactionId="order-77")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["id"] for p in body["payments"]] == [first["id"]]
    assert body["payments"][0]["merchantTransactionId"] == "order-77"
    assert SUCCESS.match(body["result"]["code"])
    assert_envelope(body)
    missing = opp.get("/v1/query", merchantTransactionId="no-such-order")
    assert missing.status_code == 400 and missing.json()["result"]["code"] == "700.400.580"
    blank = opp.get("/v1/query")
    assert blank.status_code == 400 and blank.json()["result"]["code"] == "200.300.404"
    assert blank.json()["result"]["parameterErrors"][0]["name"] == "merchantTransactionId"


def test_result_codes_endpoint(opp, http):
    """opp.md E14: GET /v1/resultcodes lists code and description."""
    body = http.get("/v1/resultcodes").json()
    codes = {c["code"] for c in body["resultCodes"]}
    assert {"000.100.110", "100.150.202", "800.900.300"} <= codes


def test_unknown_route_answers_in_the_opp_envelope(http):
    """opp.md §12.3: every response, errors included, carries the envelope."""
    r = http.get("/v1/nothing-here", headers=BEARER)
    assert r.status_code == 404
    assert_envelope(r.json())
