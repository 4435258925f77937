"""Checkouts API (opp.md E7-E9, §12 item 10): the server side of the one-click widget.

Merchant (Bearer + entityId, like every S2S call):
  POST /v1/checkouts                        -> 000.200.100, `id` == `ndc` (`<32 HEX>.uat01-vm-tx03`)
  GET  /v1/checkouts/{id}/payment           -> the payment (or 000.200.000 while the shopper has not paid)
  GET  /v1/checkouts/{id}/registration      -> the registration of a registration-only checkout
Shopper's browser (the widget; the checkout id is the only credential, as on the vendor):
  GET  /v1/checkouts/{id}/widget            -> what the widget draws: amount, stored cards (masked)
  POST /v1/checkouts/{id}/payment           -> pay with card.* or with `registrationId` (one-click)
  POST /v1/checkouts/{id}/registration      -> store a card (registration-only checkout)
After 30 minutes of virtual time (or 30 minutes after the result) every call answers HTTP 400
200.300.404 "No payment session found for the requested id ..." (core/checkouts.py).
"""

from __future__ import annotations

import copy
from urllib.parse import urlencode

from aiohttp import web

from ...core.opp import checkouts, registrations
from ...core.opp.results import CHECKOUT_CREATED, PENDING_OK, describe
from ...web.body import set_context
from .context import Ctx, opp_handler, params_of
from .errors import OppFailure, envelope, json_response
from .parse import TOKEN_PAYMENT_TYPES, Params, flag
from .parse import amount as parse_amount
from .parse import brand as parse_brand
from .parse import card as parse_card
from .parse import currency as parse_currency
from .parse import registrations as parse_registrations
from .transactions import TxRequest, _common, pay, register, test_mode_of

routes = web.RouteTableDef()
CORS = {"Access-Control-Allow-Origin": "*"}


# -- merchant side ------------------------------------------------------------------------------
def parse_checkout(ctx: Ctx, p: Params) -> dict:
    """Validate a checkout request into the stored checkout fields (all JSON-able)."""
    req = TxRequest(payment_type=p.one_of("paymentType", TOKEN_PAYMENT_TYPES))
    req.create_registration = flag(p, "createRegistration")
    if req.payment_type is not None:
        req.amount, req.minor = parse_amount(p)
        req.currency = parse_currency(p)
    elif not req.create_registration:
        p.bad("paymentType", "may not be empty (or send createRegistration=true for a registration-only checkout)")
    stored = parse_registrations(p)
    _common(p, req)
    if p.errors:
        raise OppFailure("200.300.404", errors=p.errors)
    req.test_mode = test_mode_of(ctx.core.mode, p)
    return {"paymentType": req.payment_type, "amount": req.amount, "minor": req.minor,
            "currency": req.currency, "createRegistration": req.create_registration,
            "registrations": stored, "shopperResultUrl": req.shopper_result_url, "si": req.si,
            "cit": req.cit, "custom": req.custom, "echo": req.echo, "testMode": req.test_mode,
            "entityId": ctx.entity}


@routes.post("/v1/checkouts")
@opp_handler("checkout.create")
async def create_checkout(request: web.Request, ctx: Ctx) -> web.Response:
    fields = parse_checkout(ctx, ctx.params)
    checkout_id = ctx.core.store.ids.opp_checkout_id()
    checkouts.create(ctx.writable().state, checkout_id, fields, ctx.now)
    body = envelope(CHECKOUT_CREATED, describe(CHECKOUT_CREATED), checkout_id, ctx.now, id=checkout_id)
    return json_response(200, body)


@routes.get("/v1/checkouts/{id}/payment")
@routes.get("/v1/checkouts/{id}/registration")
@opp_handler("checkout.result", with_body=False)
async def checkout_result(request: web.Request, ctx: Ctx) -> web.Response:
    tenant = ctx.tenant
    checkout = checkouts.find(tenant.state if tenant else None, request.match_info["id"], ctx.now)
    if checkout["result"] is not None:
        return json_response(200, copy.deepcopy(checkout["result"]))
    # The shopper has not finished yet (opp.md E7-E10: "Before completion GET may return 000.200.000").
    return json_response(200, envelope(PENDING_OK, describe(PENDING_OK), checkout["id"], ctx.now))


# -- shopper side (the widget) ------------------------------------------------------------------
def _open_widget_call(request: web.Request, operation: str) -> tuple:
    """(core, tenant id, checkout id, now, tenant) for a browser call naming a live checkout."""
    core = request.app["core"]
    checkout_id = request.match_info["id"]
    tid = checkouts.locate(core.store.tenants, checkout_id) if checkouts.CHECKOUT_ID.match(checkout_id) else None
    if tid is None:
        raise checkouts.CheckoutGone(checkout_id)
    set_context(request, tenant=tid, operation=operation)
    return core, tid, checkout_id, core.store.now(tid), core.store.peek(tid)


@routes.get("/v1/checkouts/{id}/widget")
@opp_handler("checkout.widget", authenticated=False)
async def widget_data(request: web.Request, ctx: None) -> web.Response:
    core, tid, checkout_id, now, tenant = _open_widget_call(request, "checkout.widget")
    checkout = checkouts.find(tenant.state, checkout_id, now)
    view = checkouts.widget_view(tenant.tokens, checkout, now)
    return json_response(200, envelope(PENDING_OK, describe(PENDING_OK), checkout_id, now, **view), CORS)


@routes.post("/v1/checkouts/{id}/payment")
@routes.post("/v1/checkouts/{id}/registration")
@opp_handler("checkout.submit", authenticated=False)
async def submit(request: web.Request, ctx: None) -> web.Response:
    """The widget's form submission: a new card, or `registrationId` for a one-click payment."""
    core, tid, checkout_id, now, tenant = _open_widget_call(request, "checkout.submit")
    checkout = checkouts.find_open(tenant.state, checkout_id, now)
    p = await params_of(request, with_body=True)
    ctx = Ctx(core, p, checkout["entityId"], tid, now)
    chosen = p.get("registrationId")
    req = TxRequest(payment_type=checkout["paymentType"], amount=checkout["amount"], minor=checkout["minor"],
                    currency=checkout["currency"], si=copy.deepcopy(checkout["si"]), cit=True,
                    custom=dict(checkout["custom"]), test_mode=checkout["testMode"],
                    echo=copy.deepcopy(checkout["echo"]), shopper_result_url=checkout["shopperResultUrl"],
                    checkout_id=checkout_id, create_registration=checkout["createRegistration"])
    token = None
    if chosen is not None:
        if chosen.lower() not in checkout["registrations"]:
            p.bad("registrationId", "must be one of the checkout's registrations[n].id")
        req.card = {"cvv": p.get("card.cvv")}
    else:
        req.brand = parse_brand(p)
        req.card = parse_card(p, required=True)
    if p.errors:
        raise OppFailure("200.300.404", errors=p.errors)
    if chosen is not None:
        token = registrations.find(tenant.tokens, chosen, now)
        req.create_registration = False
    if req.payment_type is None:
        view = register(ctx, req)
        kind = "registration"
    else:
        view = pay(ctx, req, token, f"{request.scheme}://{request.host}")
        kind = "payment"
    answer = copy.deepcopy(view)
    if "redirect" not in view:  # a 3-D Secure challenge completes the checkout later
        checkouts.complete(core.store.write(tid).state.checkouts[checkout_id], view, now)
        answer["resourcePath"] = f"/v1/checkouts/{checkout_id}/{kind}"
        if checkout["shopperResultUrl"]:
            answer["shopperResultUrl"] = _return_url(checkout, kind)
    return json_response(200, answer, CORS)


def _return_url(checkout: dict, kind: str) -> str:
    target = checkout["shopperResultUrl"]
    query = urlencode({"id": checkout["id"], "resourcePath": f"/v1/checkouts/{checkout['id']}/{kind}"})
    return target + ("&" if "?" in target else "?") + query


def finish_after_challenge(core, tenant, checkout_id: str, view: dict) -> str | None:
    """Called when a checkout payment's 3-D Secure challenge completes: record the result and
    return the shopperResultUrl to send the shopper to (None when the checkout is gone)."""
    checkout = tenant.state.checkouts.get(checkout_id)
    if checkout is None:
        return None
    checkouts.complete(checkout, view, core.store.now(tenant.id))
    return checkout.get("shopperResultUrl")
