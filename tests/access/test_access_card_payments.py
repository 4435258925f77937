"""Card Payments v7 with an Access token (`card/token`), on the same payment engine as the Payments
API: CIT, MIT, the `cardPayments:*` action links and events. Every reply is validated against the
vendor's v7 OpenAPI (../shared/reference/card-payments-v7.openapi.yaml where present; a discriminated `oneOf`
is validated against the branch its discriminator names, as OpenAPI defines)."""

from __future__ import annotations

import re
import uuid
from functools import cache
from urllib.parse import urlsplit

import pytest
from access_helpers import REFERENCE, Http, card, path_of, session

# The vendor's published v7 OpenAPI is reference data: it is read from ../shared/reference when it
# is there (never copied into the project); without it the replies' shapes are not checked, and
# test_replies_are_checked_against_the_v7_openapi says so in the summary.
SPEC = REFERENCE / "card-payments-v7.openapi.yaml"
V7 = "application/vnd.worldpay.payments-v7+json"
CHECKED: list[tuple[str, int]] = []


@cache
def _spec() -> dict:
    import yaml

    return yaml.safe_load(SPEC.read_text())


def _template(path: str) -> str | None:
    if path.startswith("/cardPayments/"):
        return path
    m = re.fullmatch(r"(/payments/.+)/[^/]+", path)
    if m is None:
        return None
    base = m.group(1).replace("/settlements/full", "/settlements")  # the links' /full/ form
    return base + "/{linkData}"


def _schema(method: str, template: str, status: int) -> dict | None:
    op = (_spec()["paths"].get(template) or {}).get(method.lower()) or {}
    content = ((op.get("responses") or {}).get(str(status)) or {}).get("content") or {}
    return (content.get(V7) or {}).get("schema")


def conform(response, *args, **kwargs):
    template = _template(urlsplit(response.request.url).path)
    if template is None:
        return response
    assert response.headers["Content-Type"].startswith(V7)
    schema = _schema(response.request.method, template, response.status_code) if SPEC.exists() else None
    if schema is None:
        return response
    from jsonschema import Draft202012Validator

    body = response.json()
    if "discriminator" in schema and "oneOf" in schema:
        mapping = schema["discriminator"]["mapping"]
        schema = {"$ref": mapping[body[schema["discriminator"]["propertyName"]]]}
    errors = sorted(Draft202012Validator({**schema, "components": _spec()["components"]}).iter_errors(body), key=str)
    assert not errors, f"{template} {response.status_code}: {errors[0]}"
    CHECKED.append((template, response.status_code))
    return response


def v7_session(base: str, user: str) -> Http:
    s = Http(base)
    s.auth = (user, "pw")
    s.headers.update({"Content-Type": V7, "Accept": V7})
    s.hooks["response"].append(conform)
    return s


def cit(href: str, amount: int = 250, auto: bool = False, **instruction) -> dict:
    """The vendor's "Tokenized card payment authorization" example."""
    return {"transactionReference": f"Memory265-{uuid.uuid4().hex[:10]}", "merchant": {"entity": "default"},
            "channel": "ecom",
            "instruction": {"requestAutoSettlement": {"enabled": auto}, "narrative": {"line1": "MindPalace"},
                            "value": {"currency": "GBP", "amount": amount},
                            "paymentInstrument": {"type": "card/token", "href": href},
                            "customerAgreement": {"type": "cardOnFile", "storedCardUsage": "subsequent"},
                            **instruction}}


def _token(url: str, user: str, **kw) -> str:
    with session(url, user=user) as api:
        return api.post("/tokens", json=card(**kw)).json()["tokenPaymentInstrument"]["href"]


def test_cit_settle_refund_through_the_links(sandbox):
    """v7 OpenAPI: 201 authorized with cardPayments:cancel/settle/partialSettle/events links;
    settle 202 (refund, partialRefund, reverse, events); refund 202; events lastEvent."""
    href = _token(sandbox.url, "v7-journey")
    with v7_session(sandbox.url, "v7-journey") as v7:
        r = v7.post("/cardPayments/customerInitiatedTransactions", json=cit(href, amount=1000))
        assert r.status_code == 201, r.text
        auth = r.json()
        assert auth["outcome"] == "authorized" and auth["scheme"]["reference"]
        assert {"cardPayments:cancel", "cardPayments:settle", "cardPayments:partialSettle",
                "cardPayments:events"} <= set(auth["_links"])
        r = v7.post(path_of(auth["_links"]["cardPayments:partialSettle"]["href"]),
                    json={"reference": "partial-1", "value": {"amount": 400, "currency": "GBP"}})
        assert r.status_code == 202
        # partialSettle reply links (vendor): partialSettle, cancel, refund, partialRefund, reverse, events
        assert {"cardPayments:partialSettle", "cardPayments:cancel", "cardPayments:refund"} <= set(r.json()["_links"])
        assert v7.post(path_of(auth["_links"]["cardPayments:settle"]["href"])).status_code == 404  # not offered now
        r = v7.post(path_of(r.json()["_links"]["cardPayments:partialSettle"]["href"]),
                    json={"reference": "partial-2", "value": {"amount": 600, "currency": "GBP"}})
        assert r.status_code == 202 and "cardPayments:partialSettle" not in r.json()["_links"]
        r = v7.post(path_of(r.json()["_links"]["cardPayments:refund"]["href"]))
        assert r.status_code == 202
        events = v7.get(path_of(auth["_links"]["cardPayments:events"]["href"])).json()
        assert events["lastEvent"] == "Sent for Refund"


def test_mit_needs_an_agreement_and_reuses_the_scheme_reference(sandbox):
    """v7 OpenAPI merchantInitiatedTransaction: customerAgreement required, no cvc; the scheme
    reference of the first payment is bundled with the token and reused."""
    href = _token(sandbox.url, "v7-mit")
    with v7_session(sandbox.url, "v7-mit") as v7:
        first = v7.post("/cardPayments/customerInitiatedTransactions", json=cit(href)).json()
        mit = cit(href)
        del mit["channel"]
        mit["instruction"]["customerAgreement"] = {"type": "unscheduled"}
        r = v7.post("/cardPayments/merchantInitiatedTransactions", json=mit)
        assert r.status_code == 201 and r.json()["scheme"]["reference"] == first["scheme"]["reference"]
        del mit["instruction"]["customerAgreement"]
        mit["instruction"]["paymentInstrument"]["cvc"] = "123"
        r = v7.post("/cardPayments/merchantInitiatedTransactions", json=mit)
        assert r.status_code == 400
        assert {e["jsonPath"] for e in r.json()["validationErrors"]} == {
            "$.instruction.customerAgreement", "$.instruction.paymentInstrument.cvc"}


def test_auto_settlement_refusal_error_and_headers(sandbox):
    """v7: requestAutoSettlement gives "Sent for Settlement"; REFUSED51 is refused with code 51;
    ERROR is 500 internalServerError; a body that is not v7 JSON is 415 "Bad content type"."""
    with v7_session(sandbox.url, "v7-magic") as v7:
        r = v7.post("/cardPayments/customerInitiatedTransactions", json=cit(_token(sandbox.url, "v7-magic"), auto=True))
        assert r.json()["outcome"] == "Sent for Settlement" and "cardPayments:refund" in r.json()["_links"]
        refused = _token(sandbox.url, "v7-magic", holder="REFUSED51", pan="5555555555554444")
        body = v7.post("/cardPayments/customerInitiatedTransactions", json=cit(refused)).json()
        assert (body["outcome"], body["refusalCode"], body["refusalDescription"]) == ("refused", "51", "LIMIT EXCEEDED")
        error = _token(sandbox.url, "v7-magic", holder="ERROR", pan="4917610000000000")
        r = v7.post("/cardPayments/customerInitiatedTransactions", json=cit(error))
        assert (r.status_code, r.json()["errorName"]) == (500, "internalServerError")
        r = v7.post("/cardPayments/customerInitiatedTransactions", json=cit(error),
                    headers={"Content-Type": "application/json"})
        assert (r.status_code, r.json()["message"]) == (415, "Bad content type")


def test_links_of_one_api_do_not_reach_the_other(sandbox):
    """A v7 payment's id is not a Payments API link (and the reverse): 404 endpointNotFound."""
    href = _token(sandbox.url, "v7-cross")
    with v7_session(sandbox.url, "v7-cross") as v7:
        pid = v7.post("/cardPayments/customerInitiatedTransactions", json=cit(href)).json()["paymentId"]
        r = v7.get("/api/payments/" + pid, headers={"WP-Api-Version": "2024-06-01"})
        assert r.status_code == 404


def test_full_settle_on_either_path_cancel_and_reverse(sandbox):
    """The v7 settle link (`/payments/settlements/full/...`, links and docs) and the OpenAPI's own
    path (`/payments/settlements/{linkData}`) both settle; cancel and reversal answer 202 with
    the events link only."""
    href = _token(sandbox.url, "v7-actions")
    with v7_session(sandbox.url, "v7-actions") as v7:
        def authorize():
            return v7.post("/cardPayments/customerInitiatedTransactions", json=cit(href)).json()
        first = authorize()
        r = v7.post("/payments/settlements/" + first["paymentId"])
        assert r.status_code == 202 and "cardPayments:reverse" in r.json()["_links"]
        r = v7.post(path_of(r.json()["_links"]["cardPayments:reverse"]["href"]))
        assert r.status_code == 202 and set(r.json()["_links"]) == {"cardPayments:events", "curies"}
        second = authorize()
        r = v7.post(path_of(second["_links"]["cardPayments:settle"]["href"]))
        assert r.status_code == 202
        third = authorize()
        r = v7.post(path_of(third["_links"]["cardPayments:cancel"]["href"]))
        assert r.status_code == 202 and set(r.json()["_links"]) == {"cardPayments:events", "curies"}
        assert v7.get(path_of(third["_links"]["cardPayments:events"]["href"])).json()["lastEvent"] == \
            "Sent for Cancellation"


def test_replies_are_checked_against_the_v7_openapi():
    if not SPEC.exists():
        pytest.skip(f"vendor OpenAPI {SPEC} is not present: Card Payments v7 reply shapes were NOT checked")
    assert _spec()["paths"]
