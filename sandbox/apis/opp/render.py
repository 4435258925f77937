"""Every OPP JSON body, built from the domain's facts: the envelope (`result{code,description}`,
buildNumber, timestamp, ndc; opp.md §6), payments, registrations, checkouts, the result-code list.

Nothing here decides an outcome: the core stored the result code and the facts; this module only
chooses the vendor's key names and order.
"""

from __future__ import annotations

import functools
import time

from aiohttp import web

from ...core import jsontext
from ...core.opp.registrations import is_card
from ...core.opp.results import describe, success_code
from ...core.opp.transactions import result_code, token_card_facts
from ...core.payments import Payment
from ...core.tokens import Token

BUILD_NUMBER = "b3d2f5a0c1e4d7f6a9b8c7d6e5f4a3b2c1d0e9f8@2026-11-01 00:00:00 +0000"
CONTENT_TYPE = "application/json;charset=UTF-8"
CORS = {"Access-Control-Allow-Origin": "*"}


def timestamp(now: float | None = None) -> str:
    """`yyyy-MM-dd HH:mm:ss+0000` (opp.md §6)."""
    if now is None:
        now = time.time()
    if 0 <= now < 1e11:  # gmtime() drops the fraction; anything odd takes the plain path below
        return _second(int(now))
    return time.strftime("%Y-%m-%d %H:%M:%S+0000", time.gmtime(now))


@functools.lru_cache(maxsize=64)  # the replies of one (virtual) second all show the same text
def _second(second: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+0000", time.gmtime(second))


def envelope(code: str, description: str | None, ndc: str, now: float | None = None, **fields) -> dict:
    return _enveloped(fields, code, description, ndc, now)


def _enveloped(body: dict, code: str, description: str | None, ndc: str, now: float | None) -> dict:
    """The envelope's fields after `body`'s own, added to `body` in place (a key `body` already
    holds keeps its place and takes the new value, exactly as `{**body, key: value}` does)."""
    body["result"] = {"code": code, "description": description or describe(code)}
    body["buildNumber"] = BUILD_NUMBER
    body["timestamp"] = timestamp(now)
    body["ndc"] = ndc
    return body


def dumps(body: dict) -> bytes:
    """json.dumps(body) as bytes, from the one prebuilt C encoder the JSON APIs share."""
    return jsontext.dumps(body).encode()


def json_response(status: int, body: dict, headers: dict | None = None) -> web.Response:
    return web.Response(status=status, body=dumps(body), headers={
        "Content-Type": CONTENT_TYPE, "Cache-Control": "max-age=0, no-cache, no-store", "Pragma": "no-cache",
        **(headers or {}),
    })


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


# -- payments ------------------------------------------------------------------------------------
def payment_fields(payment: Payment) -> dict:
    """E2/E3/E11 transaction fields in the vendor's order, from the stored facts."""
    m = payment.meta
    body: dict = {"id": payment.id}
    if m.get("referencedId"):
        body["referencedId"] = m["referencedId"]
    body["paymentType"] = m.get("paymentType")
    if m.get("paymentBrand"):
        body["paymentBrand"] = m["paymentBrand"]
    body["amount"] = money(payment.amount)
    body["currency"] = payment.currency
    if m.get("descriptor"):
        body["descriptor"] = m["descriptor"]
    body.update(m.get("echo") or {})
    for key in ("customParameters", "standingInstruction", "card", "bankAccount", "virtualAccount"):
        if m.get(key):
            body[key] = m[key]
    if m.get("risk"):
        body["risk"] = {"score": m["risk"]}
    registration = m.get("registrationId") or payment.token_id
    if registration:
        body["registrationId"] = registration
    if m.get("citId"):
        body["resultDetails"] = {"CardholderInitiatedTransactionID": m["citId"]}
    for key in ("threeDSecure", "redirect"):
        if m.get(key):
            body[key] = m[key]
    return body


def payment(mode: str, p: Payment, ndc: str) -> dict:
    return _enveloped(payment_fields(p), result_code(mode, p), p.meta.get("description"), ndc, p.created_at)


# -- registrations -------------------------------------------------------------------------------
def registration_fields(core, token: Token) -> dict:
    """E1/E4: the stored registration."""
    body = {"id": token.id, "paymentBrand": token.meta.get("paymentBrand")}
    if is_card(token):
        body["card"] = token_card_facts(core, token)
    for key in ("bankAccount", "virtualAccount", "customer", "billing", "customParameters"):
        if token.meta.get(key):
            body[key] = token.meta[key]
    return body


def registration(core, token: Token, ndc: str, now: float, code: str | None = None,
                 description: str | None = None, extras: dict | None = None) -> dict:
    code = code or success_code(core.mode, token.meta.get("testMode"))
    body = registration_fields(core, token)
    if extras:
        body.update(extras)
    return _enveloped(body, code, description, ndc, now)


def reference_to(code: str, ndc: str, now: float, new_id: str, token_id: str) -> dict:
    """DELETE and extendlife: a transaction of their own referencing the registration."""
    return envelope(code, None, ndc, now, id=new_id, referencedId=token_id)


# -- result codes --------------------------------------------------------------------------------
def result_codes(code: str, ndc: str, now: float, codes: list[dict], groups: list[dict]) -> dict:
    return envelope(code, None, ndc, now, resultCodes=codes,
                    resultCodeGroups=[{"name": g["name"], "class": g["class"], "regex": g["regex"]} for g in groups])
