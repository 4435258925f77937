"""Issue 16 item 3: non-card registrations -- SEPA direct debit and PayPal (opp.md §13.1, §10).

Seed "Token extension": registrations store card and non-card data; without a card expiry the
retention is 14 months after the last transaction, and extendlife applies too.
"""

from __future__ import annotations

from opp_support import PAYMENT, SUCCESS

SEPA = {"paymentBrand": "DIRECTDEBIT_SEPA", "bankAccount.iban": "DE23100000001234567890",
        "bankAccount.bic": "MARKDEF1100", "bankAccount.country": "DE", "bankAccount.holder": "Jane Jones",
        "bankAccount.mandate.id": "MANDATE0001", "bankAccount.mandate.dateOfSignature": "2025-01-15"}


def test_sepa_registration_echoes_account_and_mandate_and_pays(opp):
    """opp.md §13.1: bankAccount.* with the mandate, no card block; a DB with the token."""
    r = opp.post("/v1/registrations", SEPA)
    assert r.status_code == 200 and SUCCESS.match(r.json()["result"]["code"]), r.text
    body = r.json()
    assert "card" not in body and body["paymentBrand"] == "DIRECTDEBIT_SEPA"
    assert body["bankAccount"] == {"holder": "Jane Jones", "iban": "DE23100000001234567890", "bic": "MARKDEF1100",
                                   "country": "DE", "mandate": {"id": "MANDATE0001", "dateOfSignature": "2025-01-15"}}
    assert opp.get(f"/v1/registrations/{body['id']}").json()["bankAccount"] == body["bankAccount"]
    paid = opp.post(f"/v1/registrations/{body['id']}/payments", PAYMENT).json()
    assert SUCCESS.match(paid["result"]["code"]) and paid["bankAccount"]["iban"] == "DE23100000001234567890"
    assert "card" not in paid and "resultDetails" not in paid
    rf = opp.post(f"/v1/payments/{paid['id']}", {"paymentType": "RF", "amount": "10.00", "currency": "EUR"})
    assert rf.status_code == 200


def test_sepa_account_data_errors(opp):
    """opp.md §13.1: IBAN shape is a parameter error; wrong check digits 100.100.101; holder 100.100.40x."""
    shape = opp.post("/v1/registrations", {**SEPA, "bankAccount.iban": "DE23"})
    assert shape.json()["result"]["parameterErrors"][0]["name"] == "bankAccount.iban"
    for change, code in (({"bankAccount.iban": "DE24100000001234567890"}, "100.100.101"),
                         ({"bankAccount.holder": None}, "100.100.400"),
                         ({"bankAccount.holder": "Jo"}, "100.100.401"),
                         ({"bankAccount.country": "FR"}, "100.200.100")):
        data = {k: v for k, v in {**SEPA, **change}.items() if v is not None}
        r = opp.post("/v1/registrations", data)
        assert r.status_code == 400 and r.json()["result"]["code"] == code, (change, r.text)
    assert opp.state()["tenants"] == {}


def test_sepa_registration_lapses_14_months_after_its_last_transaction(opp):
    """Seed 'Token extension' / opp.md §10: no card expiry -> 14 months after the last transaction;
    a payment restarts the period; extendlife gives 24 months."""
    opp.clock(set="2030-01-15T00:00:00Z", freeze=True)
    token = opp.post("/v1/registrations", SEPA).json()["id"]
    opp.clock(set="2030-06-15T00:00:00Z")
    assert SUCCESS.match(opp.post(f"/v1/registrations/{token}/payments", PAYMENT).json()["result"]["code"])
    opp.clock(set="2031-08-14T23:00:00Z")  # 14 months after the payment, not after creation
    assert SUCCESS.match(opp.get(f"/v1/registrations/{token}").json()["result"]["code"])
    opp.clock(set="2031-08-15T00:00:00Z")
    assert opp.get(f"/v1/registrations/{token}").json()["result"]["code"] == "100.150.202"
    other = opp.post("/v1/registrations", SEPA).json()["id"]  # made 2031-08-15
    assert SUCCESS.match(opp.post(f"/v1/registrations/{other}/extendlife").json()["result"]["code"])
    opp.clock(set="2033-08-14T00:00:00Z")
    assert SUCCESS.match(opp.get(f"/v1/registrations/{other}").json()["result"]["code"])
    opp.clock(set="2033-08-15T00:00:00Z")
    assert opp.get(f"/v1/registrations/{other}").json()["result"]["code"] == "100.150.202"


def test_paypal_payment_is_pending_until_approved_then_registers(opp, http):
    """opp.md §13.1: PAYPAL + virtualAccount + shopperResultUrl -> 000.200.000 with a redirect
    (parameters list present); after approval the payment succeeds and createRegistration stores
    the virtual account; the registration pays without the shopper."""
    r = opp.post("/v1/payments", {**PAYMENT, "paymentBrand": "PAYPAL", "virtualAccount.accountId": "jane@example.com",
                                  "shopperResultUrl": "https://shop.example/back", "createRegistration": "true"})
    body = r.json()
    assert r.status_code == 200 and body["result"]["code"] == "000.200.000" and body["redirect"]["parameters"] == []
    assert body["virtualAccount"] == {"accountId": "jane@example.com"} and "registrationId" not in body
    back = http.get(body["redirect"]["url"], allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"].startswith("https://shop.example/back?id=")
    done = opp.get(f"/v1/payments/{body['id']}").json()
    assert SUCCESS.match(done["result"]["code"]) and "threeDSecure" not in done
    token = done["registrationId"]
    assert opp.get(f"/v1/registrations/{token}").json()["virtualAccount"] == {"accountId": "jane@example.com"}
    again = opp.post(f"/v1/registrations/{token}/payments", PAYMENT).json()
    assert SUCCESS.match(again["result"]["code"])


def test_paypal_approval_refused_is_cancelled_by_user(opp, http):
    """opp.md §8 catalogue: 100.396.101 Cancelled by user when the shopper does not approve."""
    body = opp.post("/v1/payments", {**PAYMENT, "paymentBrand": "PAYPAL", "virtualAccount.accountId": "jane"}).json()
    http.get(body["redirect"]["url"] + "?result=reject", allow_redirects=False)
    assert opp.get(f"/v1/payments/{body['id']}").json()["result"]["code"] == "100.396.101"


def test_non_card_registrations_survive_a_state_round_trip(opp):
    """DESIGN §4.3: GET /_sandbox/state is restorable with PUT, non-card registrations included
    (a SEPA or PayPal registration stores no card number, and the snapshot check must accept that)."""
    sepa = opp.post("/v1/registrations", SEPA).json()["id"]
    snap = opp.http.get("/_sandbox/state").json()
    r = opp.http.put("/_sandbox/state", json=snap)
    assert r.status_code == 200, r.text
    assert opp.get(f"/v1/registrations/{sepa}").json()["bankAccount"]["iban"] == SEPA["bankAccount.iban"]
    # A card token with no card number is still refused.
    tid, tenant = next(iter(snap["tenants"].items()))
    bad = {"version": 1, "tenants": {tid: {**tenant, "tokens": [{**tenant["tokens"][0], "meta": {}}]}}}
    assert opp.http.put("/_sandbox/state", json=bad).status_code == 400
