"""What is measured: one request shape per workload, found working by a probe before any load.

Workloads use the shapes in each adapter's README/tests and permissive credentials (any non-empty
Basic/Bearer passes). A workload whose endpoint is missing or answers wrongly is reported as
skipped with the probe's answer, so the harness runs against whatever routes exist.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .servers import Server

ACCESS_USER = "bench"
OPP_ENTITY = "8a8294174b7ecb28014b9699220015cc"
WPG_MERCHANT = "BENCHMERCHANT"
TENANTS = {"access": f"access:{ACCESS_USER}", "opp": f"opp:{OPP_ENTITY}", "wpg": f"wpg:{WPG_MERCHANT}"}

HAL = "application/vnd.worldpay.tokens-v3.hal+json"
ACCESS_HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{ACCESS_USER}:pw".encode()).decode(),
    "Accept": HAL,
    "Content-Type": HAL,
}
OPP_HEADERS = {"Authorization": "Bearer YmVuY2g=", "Content-Type": "application/x-www-form-urlencoded"}
WPG_HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{WPG_MERCHANT}:pw".encode()).decode(),
    "Content-Type": "text/xml",
}
ADMIN_HEADERS = {"Content-Type": "application/json"}

# No namespace: the 16-cards-per-namespace cap does not apply, so every request can add a card.
ACCESS_CREATE = json.dumps({
    "description": "Bench token",
    "paymentInstrument": {
        "type": "card/front",
        "cardHolderName": "Bench Shopper",
        "cardNumber": "{{PAN}}",
        "cardExpiryDate": {"month": 12, "year": 2035},
    },
    "merchant": {"entity": "default"},
}, separators=(",", ":"))
OPP_REGISTER = (f"entityId={OPP_ENTITY}&paymentBrand=VISA&card.number={{{{PAN}}}}&card.holder=Bench+Shopper"
                "&card.expiryMonth=12&card.expiryYear=2035&card.cvv=123")
OPP_PAY = f"entityId={OPP_ENTITY}&amount=10.00&currency=EUR&paymentType=DB"
_XML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE paymentService PUBLIC "-//Worldpay//DTD Worldpay '
             'PaymentService v1//EN" "http://dtd.worldpay.com/paymentService_v1.dtd">\n')
# Merchant scope (no shopper): no per-shopper cap, every request can add a card.
WPG_CREATE = (_XML_HEAD + f'<paymentService version="1.4" merchantCode="{WPG_MERCHANT}"><submit><paymentTokenCreate>'
              '<createToken tokenScope="merchant"><tokenEventReference>BENCH1</tokenEventReference>'
              '<tokenReason>bench</tokenReason></createToken><paymentInstrument><cardDetails>'
              '<cardNumber>{{PAN}}</cardNumber><expiryDate><date month="12" year="2035"/></expiryDate>'
              '<cardHolderName>Bench Shopper</cardHolderName></cardDetails></paymentInstrument>'
              '</paymentTokenCreate></submit></paymentService>')
# wpg.md §4.2: a direct order that also creates a token (merchant scope: no shopper, no cap).
WPG_ORDER_TOKEN = (_XML_HEAD + f'<paymentService version="1.4" merchantCode="{WPG_MERCHANT}"><submit>'
                   '<order orderCode="bench-{{PAN}}"><description>Bench order</description>'
                   '<amount value="1000" currencyCode="GBP" exponent="2"/><paymentDetails><CARD-SSL>'
                   '<cardNumber>{{PAN}}</cardNumber><expiryDate><date month="12" year="2035"/></expiryDate>'
                   '<cardHolderName>AUTHORISED</cardHolderName><cvc>123</cvc></CARD-SSL></paymentDetails>'
                   '<createToken tokenScope="merchant"><tokenEventReference>BENCH1</tokenEventReference>'
                   '<tokenReason>bench</tokenReason></createToken></order></submit></paymentService>')
WPG_INQUIRY = (_XML_HEAD + f'<paymentService version="1.4" merchantCode="{WPG_MERCHANT}"><inquiry>'
               '<paymentTokenInquiry tokenScope="merchant"><paymentTokenID>{token}</paymentTokenID>'
               '</paymentTokenInquiry></inquiry></paymentService>')


# The paths other helpers are building now (issues 15-17). Request shapes from the vendor documents
# and the adapters' own tests; while a route is missing the probe's 404 marks the workload skipped.
PAY_HEADERS = {"Authorization": ACCESS_HEADERS["Authorization"], "Content-Type": "application/json",
               "WP-Api-Version": "2024-06-01"}  # the vendor's Payments API client sends no Accept
# {{PAN}} also makes every transactionReference / orderCode unique (the Lua script fills each one).
ACCESS_PAY = json.dumps({  # access.md §12.2: Payments API 2024-06-01, "Stored - Worldpay Token (href)"
    "transactionReference": "bench-{{PAN}}",
    "merchant": {"entity": "default"},
    "instruction": {
        "method": "card", "paymentInstrument": {"type": "token", "href": "{href}"},
        "narrative": {"line1": "Bench Shop"}, "value": {"currency": "GBP", "amount": 250},
        "customerAgreement": {"type": "cardOnFile", "storedCardUsage": "subsequent"},
    },
}, separators=(",", ":"))
VT_MEDIA = "application/vnd.worldpay.verified-tokens-v3.hal+json"
VT_HEADERS = {"Authorization": ACCESS_HEADERS["Authorization"], "Accept": VT_MEDIA, "Content-Type": VT_MEDIA}
VT_CREATE = json.dumps({  # the Verified Tokens OpenAPI example: card/plain, verificationCurrency
    "paymentInstrument": {"type": "card/plain", "cardNumber": "{{PAN}}", "cardHolderName": "Bench Shopper",
                          "cardExpiryDate": {"month": 12, "year": 2035}, "cvc": "123"},
    "merchant": {"entity": "default"}, "verificationCurrency": "GBP", "narrative": {"line1": "Bench Shop"},
}, separators=(",", ":"))
# opp.md §13.1: the PAY.ON sample's demo account (a SEPA registration has no card to vary).
OPP_SEPA = (f"entityId={OPP_ENTITY}&paymentBrand=DIRECTDEBIT_SEPA&bankAccount.holder=Jane+Jones"
            "&bankAccount.iban=DE23100000001234567890&bankAccount.bic=MARKDEF1100&bankAccount.country=DE")


def luhn_pan(prefix_digits: str) -> str:
    total, double = 0, True
    for ch in reversed(prefix_digits):
        d = ord(ch) - 48
        if double:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        double = not double
    return prefix_digits + str((10 - total % 10) % 10)


_probe_counter = [0]


def probe_pan() -> str:
    """Fresh cards for probes and setup: a range the wrk script (4 + 14-digit counter) never uses."""
    _probe_counter[0] += 1
    return luhn_pan(f"49{_probe_counter[0]:013d}")


@dataclass
class Workload:
    name: str  # short key used in JSON
    label: str  # what the table shows
    route: str  # reference_app.ROUTES key answering the same route
    method: str
    path: str
    headers: dict
    body: str | None = None
    expect: int = 200
    xml_ok: str | None = None  # for XML (always HTTP 200): an element the success reply must hold
    prepare: Callable[[Server, Workload], None] | None = None  # fills path/body from live setup
    writes: bool = False  # stores something per request: also measured with --state and for 60 s
    skipped: str | None = None  # why it cannot run (probe answer)
    sample: dict = field(default_factory=dict)  # one real reply: {status, content_type, body}

    def problem(self, status: int, body: bytes) -> str | None:
        if status != self.expect:
            return f"HTTP {status} (expected {self.expect}): {body[:160]!r}"
        if self.xml_ok is not None and (b"<error" in body or self.xml_ok.encode() not in body):
            return f"XML reply without <{self.xml_ok}>: {body[:200]!r}"
        return None

    def probe(self, server: Server) -> None:
        """One real request (fresh PAN where the workload uses one); sets `skipped` on failure."""
        try:
            if self.prepare is not None:
                self.prepare(server, self)
            body = self.body.replace("{{PAN}}", probe_pan()) if self.body else None
            status, headers, reply = server.request(self.method, self.path, body, self.headers)
        except Exception as e:  # noqa: BLE001 - a missing adapter shows up in many ways
            self.skipped = f"setup failed: {e}"
            return
        self.skipped = self.problem(status, reply)
        if status == 404 and self.expect != 404:
            self.skipped = f"not in this build yet (404 on {self.method} {self.path or '/'})"
        if self.skipped is None:
            self.sample = {"status": status, "content_type": headers.get("content-type", "application/json"),
                           "body": reply.decode("utf-8", "replace")}


def _create_access_token(server: Server, pan: str) -> dict:
    status, _, reply = server.request("POST", "/tokens", ACCESS_CREATE.replace("{{PAN}}", pan), ACCESS_HEADERS)
    if status not in (200, 201):
        raise RuntimeError(f"POST /tokens answered {status}: {reply[:160]!r}")
    return json.loads(reply)


def _prepare_access_get(server: Server, w: Workload) -> None:
    token = _create_access_token(server, probe_pan())
    href = token["tokenPaymentInstrument"]["href"]
    w.path = "/" + href.split("://", 1)[-1].split("/", 1)[1]


def _prepare_access_match(server: Server, w: Workload) -> None:
    pan = probe_pan()
    _create_access_token(server, pan)
    w.body = ACCESS_CREATE.replace("{{PAN}}", pan)


def _prepare_access_pay(server: Server, w: Workload) -> None:
    href = _create_access_token(server, probe_pan())["tokenPaymentInstrument"]["href"]
    w.body = ACCESS_PAY.replace("{href}", href)


def _prepare_opp_pay(server: Server, w: Workload) -> None:
    status, _, reply = server.request("POST", "/v1/registrations", OPP_REGISTER.replace("{{PAN}}", probe_pan()),
                                      OPP_HEADERS)
    if status != 200:
        raise RuntimeError(f"POST /v1/registrations answered {status}: {reply[:160]!r}")
    w.path = f"/v1/registrations/{json.loads(reply)['id']}/payments"


def _prepare_wpg_inquiry(server: Server, w: Workload) -> None:
    status, _, reply = server.request("POST", "/jsp/merchant/xml/paymentService.jsp",
                                      WPG_CREATE.replace("{{PAN}}", probe_pan()), WPG_HEADERS)
    m = re.search(rb"<paymentTokenID>\s*([^<\s]+)\s*</paymentTokenID>", reply)
    if status != 200 or not m:
        raise RuntimeError(f"paymentTokenCreate answered {status}: {reply[:200]!r}")
    w.body = WPG_INQUIRY.replace("{token}", m.group(1).decode())


def all_workloads() -> list[Workload]:
    """In run order; reset last, because it returns the seeded tenants to the baseline."""
    xml = "/jsp/merchant/xml/paymentService.jsp"
    return [
        Workload("access_get", "Access GET /tokens/{id}", "access.get", "GET", "", ACCESS_HEADERS,
                 prepare=_prepare_access_get),
        Workload("access_create", "Access POST /tokens (new card, 201)", "access.create", "POST", "/tokens",
                 ACCESS_HEADERS, ACCESS_CREATE, expect=201, writes=True),
        Workload("access_match", "Access POST /tokens (match, 200)", "access.create", "POST", "/tokens",
                 ACCESS_HEADERS, prepare=_prepare_access_match),
        Workload("access_pay", "Access POST /api/payments (token href, 201)", "access.pay", "POST", "/api/payments",
                 PAY_HEADERS, expect=201, prepare=_prepare_access_pay, writes=True),
        Workload("access_verified", "Access POST /verifiedTokens/cardOnFile (new card, 201)", "access.verified",
                 "POST", "/verifiedTokens/cardOnFile", VT_HEADERS, VT_CREATE, expect=201, writes=True),
        Workload("opp_register", "OPP POST /v1/registrations", "opp.register", "POST", "/v1/registrations",
                 OPP_HEADERS, OPP_REGISTER, writes=True),
        Workload("opp_pay", "OPP POST /v1/registrations/{id}/payments", "opp.pay", "POST", "", OPP_HEADERS,
                 OPP_PAY, prepare=_prepare_opp_pay, writes=True),
        Workload("opp_sepa", "OPP POST /v1/registrations (SEPA direct debit)", "opp.register", "POST",
                 "/v1/registrations", OPP_HEADERS, OPP_SEPA, writes=True),
        Workload("wpg_inquiry", "XML paymentTokenInquiry", "wpg.xml", "POST", xml, WPG_HEADERS,
                 xml_ok="paymentTokenID", prepare=_prepare_wpg_inquiry),
        Workload("wpg_create", "XML paymentTokenCreate (new card)", "wpg.xml", "POST", xml, WPG_HEADERS,
                 WPG_CREATE, xml_ok="paymentTokenID", writes=True),
        Workload("wpg_order_token", "XML order with createToken (new card)", "wpg.xml", "POST", xml, WPG_HEADERS,
                 WPG_ORDER_TOKEN, xml_ok="paymentTokenID", writes=True),
        Workload("admin_reset", "POST /_sandbox/reset", "admin.reset", "POST", "/_sandbox/reset", ADMIN_HEADERS),
    ]
