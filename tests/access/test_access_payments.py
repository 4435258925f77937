"""Paying with an Access token: Payments API 2024-06-01 (`/api/payments`), issue 17 item 1.

Sources (docs/access.md "Payments"): the vendor OpenAPI (../shared/reference/payments-2024-06-01.openapi.yaml where present, examples "Stored -
Worldpay Token (href)" and "(tokenId & namespace)", the `_actions` replies), the Try testing page
(magic cardholder names), seed 002 (a use extends the token's expiry). Every reply is validated
against that OpenAPI by payments_helpers.conform.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from access_helpers import card, load_fixture, path_of, session
from payments_helpers import payments_session, token_payment


def _tokenise(url: str, user: str = "shop1", **kw) -> dict:
    with session(url, user=user) as api:
        r = api.post("/tokens", json=card(**kw))
        assert r.status_code in (200, 201), r.text
        return r.json()


def _expiry(token: dict) -> datetime:
    return datetime.fromisoformat(token["tokenExpiryDateTime"].replace("Z", "+00:00"))


def test_tokenise_pay_settle_refund_and_the_use_extends_the_expiry(sandbox):
    """issue 17 "Done when": tokenise, pay with the token href, settle, refund; seed 002 "we
    extend the expiry ... after any use of the token" when under half of the lifetime is left."""
    sandbox.clock.freeze()
    token = _tokenise(sandbox.url, user="pay-journey", pan="5555555555554444")
    before = _expiry(token)
    sandbox.clock.advance("P4D")  # 3 of 7 days left: under half
    href = token["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-journey") as pay:
        r = pay.post("/api/payments", json=token_payment(href, amount=1000))
        assert r.status_code == 201, r.text
        auth = r.json()
        assert auth["outcome"] == "authorized"
        assert auth["paymentInstrument"]["lastFour"] == "4444"
        assert auth["paymentInstrument"]["cardBrand"] == "mastercard"
        assert set(auth["_actions"]) == {"cancelPayment", "settlePayment", "partiallySettlePayment", "reversePayment"}
        r = pay.post(path_of(auth["_actions"]["settlePayment"]["href"]))  # the vendor client sends no body
        assert (r.status_code, r.json()["outcome"]) == (202, "sentForSettlement")
        assert set(r.json()["_actions"]) == {"refundPayment", "partiallyRefundPayment", "reversePayment"}
        r = pay.post(path_of(r.json()["_actions"]["refundPayment"]["href"]))
        assert (r.status_code, r.json()["outcome"]) == (202, "sentForRefund")
        query = pay.get(path_of(auth["_links"]["self"]["href"])).json()
        assert query == {"lastEvent": "Sent for Refund", "_links": auth["_links"]}
    with session(sandbox.url, user="pay-journey") as api:
        after = _expiry(api.get(path_of(href)).json())
    assert (after - before).days == 7  # one lifetime added by the payment (the GET alone adds none now)
    sandbox.clock.unfreeze()


def test_partial_settlements_and_refunds(sandbox):
    """Vendor OpenAPI partialSettlements / partialRefunds: {reference, value}; amounts above what
    is left are refused (400 fieldHasInvalidValue, our choice: the vendor is silent)."""
    href = _tokenise(sandbox.url, user="pay-partial")["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-partial") as pay:
        auth = pay.post("/api/payments", json=token_payment(href, amount=1000)).json()
        partial = path_of(auth["_actions"]["partiallySettlePayment"]["href"])
        body = {"reference": "partial-settle-reference", "value": {"amount": 600, "currency": "GBP"},
                "sequence": {"number": 1, "total": 2}}
        r = pay.post(partial, json=body)
        assert r.status_code == 202 and r.json()["outcome"] == "sentForSettlement"
        assert set(r.json()["_actions"]) == {"refundPayment", "partiallyRefundPayment", "partiallySettlePayment",
                                             "cancelPayment", "reversePayment"}
        too_much = pay.post(partial, json={**body, "value": {"amount": 401, "currency": "GBP"}})
        assert too_much.status_code == 400
        assert too_much.json()["validationErrors"][0]["jsonPath"] == "$.value.amount"
        wrong = pay.post(partial, json={**body, "value": {"amount": 1, "currency": "EUR"}})
        assert wrong.json()["validationErrors"][0]["jsonPath"] == "$.value.currency"
        assert pay.post(partial, json={**body, "value": {"amount": 400, "currency": "GBP"}}).status_code == 202
        refund = path_of(r.json()["_actions"]["partiallyRefundPayment"]["href"])
        r = pay.post(refund, json={"reference": "partial-refund-reference", "value": {"amount": 10, "currency": "GBP"}})
        assert (r.status_code, r.json()["outcome"]) == (202, "sentForPartialRefund")
        assert set(r.json()["_actions"]) == {"partiallyRefundPayment"}
        missing = pay.post(refund, json={"value": {"amount": 10, "currency": "GBP"}})
        assert missing.status_code == 400 and missing.json()["validationErrors"][0]["jsonPath"] == "$.reference"


def test_cancel_and_reverse(sandbox):
    """Vendor OpenAPI cancellations / reversals: 202 sentForCancellation / sentForReversal; an
    action the state no longer offers answers 404 endpointNotFound (vendor silent; ours)."""
    href = _tokenise(sandbox.url, user="pay-cancel")["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-cancel") as pay:
        auth = pay.post("/api/payments", json=token_payment(href)).json()
        r = pay.post(path_of(auth["_actions"]["cancelPayment"]["href"]))
        assert (r.status_code, r.json()["outcome"]) == (202, "sentForCancellation")
        again = pay.post(path_of(auth["_actions"]["settlePayment"]["href"]))
        assert (again.status_code, again.json()["errorName"]) == (404, "endpointNotFound")
        assert pay.get(path_of(auth["_links"]["self"]["href"])).json()["lastEvent"] == "Sent for Cancellation"
        auth = pay.post("/api/payments", json=token_payment(href, settlement={"auto": True})).json()
        assert auth["outcome"] == "sentForSettlement"
        r = pay.post(path_of(auth["_actions"]["reversePayment"]["href"]))
        assert (r.status_code, r.json()["outcome"]) == (202, "sentForReversal")


def test_pay_by_token_id_and_namespace(sandbox):
    """Vendor example "Stored - Worldpay Token (tokenId & namespace)"; the namespace must match."""
    token = _tokenise(sandbox.url, user="pay-id", namespace="SHOPPER_ID_1234567890")
    with payments_session(sandbox.url, user="pay-id") as pay:
        r = pay.post("/api/payments", json=token_payment(token_id=token["tokenId"], namespace="SHOPPER_ID_1234567890"))
        assert r.status_code == 201 and r.json()["outcome"] == "authorized"
        r = pay.post("/api/payments", json=token_payment(token_id=token["tokenId"], namespace="someone-else"))
        assert r.status_code == 400
        assert r.json()["validationErrors"][0]["jsonPath"] == "$.instruction.paymentInstrument.namespace"


def test_magic_cardholder_names(sandbox):
    """Try testing page: the stored cardHolderName drives the outcome (REFUSED, REFUSED<n>, ERROR);
    any other name authorises."""
    with payments_session(sandbox.url, user="pay-magic") as pay:
        def outcome(holder: str, pan: str):
            href = _tokenise(sandbox.url, user="pay-magic", holder=holder, pan=pan)["tokenPaymentInstrument"]["href"]
            return pay.post("/api/payments", json=token_payment(href))
        r = outcome("REFUSED", "4444333322221111")
        assert r.status_code == 201
        body = r.json()
        assert (body["outcome"], body["refusalCode"], body["refusalDescription"]) == ("refused", "5", "REFUSED")
        assert "_actions" not in body and "_links" not in body
        r = outcome("REFUSED51", "5555555555554444")
        assert (r.json()["refusalCode"], r.json()["refusalDescription"]) == ("51", "LIMIT EXCEEDED")
        r = outcome("ERROR", "4917610000000000")
        assert (r.status_code, r.json()["errorName"]) == (500, "internalErrorOccurred")
        assert outcome("Bob", "343434343434343").json()["outcome"] == "authorized"


def test_expired_card_is_refused_by_the_issuer(sandbox):
    """Try magic REFUSED33 "CARD EXPIRED": a token whose card expiry has passed is refused with
    that outcome (the vendor documents no other; docs/access.md)."""
    href = _tokenise(sandbox.url, user="pay-expired", month=1, year=2020)["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-expired") as pay:
        body = pay.post("/api/payments", json=token_payment(href)).json()
    assert (body["outcome"], body["refusalCode"], body["refusalDescription"]) == ("refused", "33", "CARD EXPIRED")


def test_deleted_or_expired_token_is_refused(sandbox):
    """A deleted token (access.md §7) and an expired one (§8) cannot pay: 400 with
    fieldHasInvalidValue at the instrument's href (vendor silent on the name; docs/access.md)."""
    with session(sandbox.url, user="pay-gone") as api, payments_session(sandbox.url, user="pay-gone") as pay:
        href = api.post("/tokens", json=card()).json()["tokenPaymentInstrument"]["href"]
        assert api.delete(path_of(href)).status_code == 204
        r = pay.post("/api/payments", json=token_payment(href))
        assert r.status_code == 400
        assert r.json()["validationErrors"][0] == {
            "errorName": "fieldHasInvalidValue", "message": "The token does not exist, was deleted or expired",
            "jsonPath": "$.instruction.paymentInstrument.href"}
        short = api.post("/tokens", json=card(pan="5555555555554444",
                                              tokenExpiryDateTime="2099-01-01T00:00:00Z"))
        assert short.status_code == 400  # beyond the maximum: the expiry path is covered by the clock below
        href = api.post("/tokens", json=card(pan="5555555555554444")).json()["tokenPaymentInstrument"]["href"]
        sandbox.clock.freeze()
        sandbox.clock.advance("P8D")
        try:
            assert pay.post("/api/payments", json=token_payment(href)).status_code == 400
        finally:
            sandbox.clock.unfreeze()


def test_scheme_reference_is_bundled_with_the_token(sandbox):
    """Vendor OpenAPI customerAgreement.schemeReference: "If a Worldpay token was created as part of
    the first payment, this value is bundled with the token": later MITs reuse it, and the token
    shows it as its schemeTransactionReference."""
    token = _tokenise(sandbox.url, user="pay-mit")
    href = token["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-mit") as pay, session(sandbox.url, user="pay-mit") as api:
        first = pay.post("/api/payments", json=token_payment(href)).json()
        mit = token_payment(href, customerAgreement={"type": "unscheduled"}, channel=None)
        mit["instruction"].pop("channel")
        second = pay.post("/api/payments", json=mit).json()
        assert second["schemeReference"] == first["schemeReference"]
        assert api.get(path_of(href)).json()["schemeTransactionReference"] == first["schemeReference"]
        own = token_payment(href, customerAgreement={"type": "subscription", "storedCardUsage": "subsequent",
                                                     "schemeReference": "MCCOLXT1C0104"})
        assert pay.post("/api/payments", json=own).json()["schemeReference"] == "MCCOLXT1C0104"


def test_duplicate_transaction_reference_and_validation(sandbox):
    """transactionReference is unique per merchant (400 transactionHasAlreadyBeenProcessed); a bad
    body lists every violation (vendor 400 example)."""
    href = _tokenise(sandbox.url, user="pay-dup")["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-dup") as pay:
        assert pay.post("/api/payments", json=token_payment(href, ref="dup-1")).status_code == 201
        r = pay.post("/api/payments", json=token_payment(href, ref="dup-1"))
        assert (r.status_code, r.json()["errorName"]) == (400, "transactionHasAlreadyBeenProcessed")
        bad = token_payment(href)
        bad["merchant"]["entity"] = "x" * 33
        bad["instruction"]["narrative"] = {"line1": "has_underscore"}
        bad["instruction"]["paymentInstrument"]["narrative"] = "x"
        r = pay.post("/api/payments", json=bad)
        assert r.status_code == 400 and r.json()["errorName"] == "bodyDoesNotMatchSchema"
        assert {e["jsonPath"] for e in r.json()["validationErrors"]} == {
            "$.merchant.entity", "$.instruction.narrative.line1", "$.instruction.paymentInstrument.narrative"}


def test_payment_headers(sandbox):
    """Payments API 2024-06-01: WP-Api-Version is required (406 headerIsMissing, headerName) and a
    body must be application/json (415 headerHasInvalidValue)."""
    href = _tokenise(sandbox.url, user="pay-hdr")["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-hdr") as pay:
        r = pay.post("/api/payments", json=token_payment(href), headers={"WP-Api-Version": None})
        assert (r.status_code, r.json()["headerName"]) == (406, "WP-Api-Version")
        r = pay.post("/api/payments", json=token_payment(href), headers={"Content-Type": "text/plain"})
        assert (r.status_code, r.json()["errorName"], r.json()["headerName"]) == (
            415, "headerHasInvalidValue", "Content-Type")
        r = pay.post("/api/payments", json=token_payment(href), auth=("pay-hdr", ""))
        assert (r.status_code, r.json()["message"]) == (401, "Access to the requested resource has been denied.")


def test_payments_are_tenant_state(sandbox, http):
    """DESIGN §4.3: payments are tenant state like tokens: in the snapshot, the dashboard, the
    journal, and gone after a reset of the tenant."""
    href = _tokenise(sandbox.url, user="pay-state")["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-state") as pay:
        auth = pay.post("/api/payments", json=token_payment(href)).json()
        state = http.get("/_sandbox/state", params={"tenant": "access:pay-state"}).json()
        payments = state["tenants"]["access:pay-state"]["payments"]
        assert [p["id"] for p in payments] == [auth["paymentId"]]
        assert payments[0]["status"] == "AUTHORISED" and payments[0]["meta"]["api"] == "payments"
        dashboard = http.get("/_sandbox/dashboard.json", params={"tenant": "access:pay-state"}).json()
        assert dashboard["tenants"][0]["paymentCount"] == 1
        journal = http.get("/_sandbox/journal", params={"tenant": "access:pay-state"}).json()
        assert "authorizePayment" in str(journal)
        http.post("/_sandbox/reset", params={"tenant": "access:pay-state"})
        assert pay.get(path_of(auth["_links"]["self"]["href"])).status_code == 404


def test_fixture_seeded_payment_is_a_payment(sandbox, http):
    """DESIGN §5 fixtures: a payment seeded with a seeded token is built by the constructor the
    API uses and answers like one: its query shows the settled state and it can be refunded."""
    fixture = {"version": 1, "tenants": {"access:pay-fixture": {
        "tokens": [{"tokenId": "9902480679618049603", "namespace": "SHOPPER_ID_1234567890",
                    "paymentInstrument": {"cardNumber": "4444333322221111", "cardHolderName": "Sherlock Holmes",
                                          "cardExpiryDate": {"month": 5, "year": 2035}}}],
        "payments": [{"paymentId": "payI-seeded-0001", "tokenId": "9902480679618049603", "amount": 1500,
                      "currency": "GBP", "status": "CAPTURED"}],
    }}}
    r = load_fixture(http, fixture)
    assert r.status_code == 200, r.text
    try:
        with payments_session(sandbox.url, user="pay-fixture") as pay:
            query = pay.get("/api/payments/payI-seeded-0001").json()
            assert query["lastEvent"] == "Sent for Settlement"
            r = pay.post(path_of(query["_actions"]["refundPayment"]["href"]))
            assert (r.status_code, r.json()["outcome"]) == (202, "sentForRefund")
            r = pay.post("/api/payments", json=token_payment(token_id="9902480679618049603",
                                                              namespace="SHOPPER_ID_1234567890"))
            assert r.json()["outcome"] == "authorized"
        bad = {"version": 1, "tenants": {"access:pay-fixture2": {"payments": [{"tokenId": "123456789012345",
                                                                              "amount": 1}]}}}
        r = load_fixture(http, bad)
        assert r.status_code == 400 and "tokenId" in r.text
    finally:
        http.post("/_sandbox/reset")


def test_store_the_card_with_the_first_payment_then_pay_with_the_token(sandbox):
    """Vendor "Use a stored card": a first CIT with a plain card and tokenCreation answers the new
    `token` (the same token POST /tokens would make); the next payment uses it, and its scheme
    reference was bundled with the token."""
    first = token_payment()
    first["instruction"]["paymentInstrument"] = {
        "type": "plain", "cardNumber": "4444333322221111", "cardHolderName": "Sherlock Holmes",
        "expiryDate": {"month": 5, "year": 2035}, "cvc": "123"}
    first["instruction"]["customerAgreement"] = {"type": "cardOnFile", "storedCardUsage": "first"}
    first["instruction"]["tokenCreation"] = {"type": "worldpay", "namespace": "SHOPPER_1"}
    with payments_session(sandbox.url, user="pay-store") as pay, session(sandbox.url, user="pay-store") as api:
        r = pay.post("/api/payments", json=first)
        assert r.status_code == 201, r.text
        body = r.json()
        token = body["token"]
        assert token["cardNumber"] == "4444********1111" and token["schemeReference"] == body["schemeReference"]
        same = api.post("/tokens", json=card(namespace="SHOPPER_1"))
        assert (same.status_code, same.json()["tokenId"]) == (200, token["tokenId"])
        r = pay.post("/api/payments", json=token_payment(token["href"]))
        assert r.json()["outcome"] == "authorized" and r.json()["schemeReference"] == body["schemeReference"]
        plain_only = token_payment()
        plain_only["instruction"]["paymentInstrument"] = dict(first["instruction"]["paymentInstrument"],
                                                              cardNumber="5555555555554444")
        r = pay.post("/api/payments", json=plain_only)
        assert r.status_code == 201 and "token" not in r.json()
        wrong = token_payment(token["href"])
        wrong["instruction"]["tokenCreation"] = {"type": "worldpay"}
        r = pay.post("/api/payments", json=wrong)
        assert r.json()["validationErrors"][0]["jsonPath"] == "$.instruction.tokenCreation"


def test_replies_are_checked_against_the_payments_openapi():
    """Every Payments reply in these tests goes through payments_helpers.conform; without the
    vendor's OpenAPI in ../shared/reference their shapes are not checked, and this says so."""
    from payments_helpers import SPEC, _spec

    if not SPEC.exists():
        pytest.skip(f"vendor OpenAPI {SPEC} is not present: Payments reply shapes were NOT checked")
    assert _spec()["paths"]


def test_a_trailing_newline_does_not_pass_the_schema_patterns(sandbox):
    """Issue 14 §13 (the OpenAPI's `^...$` patterns are whole-value rules): Python's `$` also
    matched before a final newline, so `GBP\\n` or a reference ending in one passed validation."""
    href = _tokenise(sandbox.url, user="pay-nl")["tokenPaymentInstrument"]["href"]
    with payments_session(sandbox.url, user="pay-nl") as pay:
        for path, value in ((("instruction", "value", "currency"), "GBP\n"),
                            (("transactionReference",), "ref-1\n"),
                            (("merchant", "entity"), "default\n")):
            body = token_payment(href, ref="nl-1")
            node = body
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            r = pay.post("/api/payments", json=body)
            assert r.status_code == 400 and r.json()["errorName"] == "bodyDoesNotMatchSchema", (path, r.text)
            assert r.json()["validationErrors"][0]["jsonPath"] == "$." + ".".join(path), r.text
        assert pay.post("/api/payments", json=token_payment(href, ref="nl-1")).status_code == 201
