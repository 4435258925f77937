"""Every OPP route (opp.md §4): registrations E1-E6, payments E2/E11-E13, result codes E14,
checkouts E7-E10 with the widget's own calls and script, and the stand-in 3-D Secure page.

Handlers parse (parse.py), call ONE core function (core/opp/), and render (render.py).

Checkouts -- merchant (Bearer + entityId, like every S2S call):
  POST /v1/checkouts                        -> 000.200.100, `id` == `ndc` (`<32 HEX>.uat01-vm-tx03`)
  GET  /v1/checkouts/{id}/payment           -> the payment (or 000.200.000 while the shopper has not paid)
  GET  /v1/checkouts/{id}/registration      -> the registration of a registration-only checkout
Checkouts -- shopper's browser (the widget; the checkout id is the only credential, as on the vendor):
  GET  /v1/checkouts/{id}/widget            -> what the widget draws: amount, stored cards (masked)
  POST /v1/checkouts/{id}/payment           -> pay with card.* or with `registrationId` (one-click)
  POST /v1/checkouts/{id}/registration      -> store a card (registration-only checkout)
After 30 minutes of virtual time (or 30 minutes after the result) every call answers HTTP 400
200.300.404 "No payment session found for the requested id ..." (core/opp/checkouts.py).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

from ...core.opp import backoffice, checkouts, merchant, transactions
from ...core.opp.results import (
    CHECKOUT_CREATED,
    DESCRIPTIONS,
    GROUPS,
    INTEGRATOR_TEST_OK,
    PENDING_OK,
    success_code,
)
from ...web.body import set_context
from . import parse, render
from .context import Ctx, base_url, opp_handler, params_of
from .errors import OppFailure
from .render import CORS, json_response

routes = web.RouteTableDef()


def ok(body: dict, headers: dict | None = None) -> web.Response:
    return json_response(200, body, headers)


def transaction_reply(ctx, payment, headers: dict | None = None, ndc: str | None = None) -> web.Response:
    """A stored payment: 200, or the decline status for a refused one (opp.md §7)."""
    status = ctx.core.options["opp.decline_status"] if transactions.declined(payment) else 200
    return json_response(status, render.payment(ctx.core.mode, payment, ndc or ctx.ndc()), headers)


# -- registrations (E1, E3-E6) ------------------------------------------------------------------
@routes.post("/v1/registrations")
@opp_handler("registration.create")
async def create_registration(request: web.Request, ctx: Ctx) -> web.Response:
    req = parse.registration_request(ctx.mode, ctx.params)
    token, outcome = transactions.register(ctx, req)
    return ok(render.registration(ctx.core, token, ctx.ndc(), ctx.now, outcome.code, outcome.description,
                                  req.extras()))


@routes.get("/v1/registrations/{id}")
@opp_handler("registration.get", with_body=False)
async def get_registration(request: web.Request, ctx: Ctx) -> web.Response:
    token, _owner = merchant.find_registration(ctx, request.match_info["id"])
    return ok(render.registration(ctx.core, token, ctx.ndc(), ctx.now))


@routes.delete("/v1/registrations/{id}")
@opp_handler("registration.delete", with_body=False)
async def delete_registration(request: web.Request, ctx: Ctx) -> web.Response:
    token = merchant.deregister(ctx, request.match_info["id"])
    code = success_code(ctx.mode, ctx.params.get("testMode") or token.meta.get("testMode"))
    return ok(render.reference_to(code, ctx.ndc(), ctx.now, ctx.new_id(), token.id))


@routes.post("/v1/registrations/{id}/payments")
@opp_handler("registration.payment")
async def pay_with_registration(request: web.Request, ctx: Ctx) -> web.Response:
    req = parse.payment_request(ctx.mode, ctx.params, token_payment=True)
    token, owner = merchant.find_registration(ctx, request.match_info["id"])
    return transaction_reply(ctx, transactions.pay(ctx, req, token, base_url(request), owner))


@routes.post("/v1/registrations/{id}/extendlife")
@opp_handler("registration.extendlife")
async def extend_registration(request: web.Request, ctx: Ctx) -> web.Response:
    token = merchant.extend(ctx, request.match_info["id"])
    code = success_code(ctx.mode, token.meta.get("testMode"))
    return ok(render.reference_to(code, ctx.ndc(), ctx.now, ctx.new_id(), token.id))


# -- payments (E2, E11-E13) ---------------------------------------------------------------------
@routes.post("/v1/payments")
@opp_handler("payment.create")
async def create_payment(request: web.Request, ctx: Ctx) -> web.Response:
    req = parse.payment_request(ctx.mode, ctx.params, token_payment=False)
    return transaction_reply(ctx, transactions.pay(ctx, req, None, base_url(request)))


@routes.post("/v1/payments/{id}")
@opp_handler("payment.reference")
async def reference_payment(request: web.Request, ctx: Ctx) -> web.Response:
    kind, minor, currency, echo = parse.reference_request(ctx.params)
    return transaction_reply(ctx, backoffice.reference(ctx, request.match_info["id"], kind, minor, currency, echo))


@routes.get("/v1/payments/{id}")
@opp_handler("payment.get", with_body=False)
async def get_payment(request: web.Request, ctx: Ctx) -> web.Response:
    return transaction_reply(ctx, backoffice.find_transaction(ctx, request.match_info["id"]))


@routes.get("/v1/query/{id}")
@opp_handler("query.get", with_body=False)
async def query_transaction(request: web.Request, ctx: Ctx) -> web.Response:
    return transaction_reply(ctx, backoffice.find_transaction(ctx, request.match_info["id"]))


@routes.get("/v1/query")
@opp_handler("query.list", with_body=False)
async def query_by_merchant_transaction_id(request: web.Request, ctx: Ctx) -> web.Response:
    """E13 (opp.md §4): this entity's transactions carrying a merchantTransactionId, oldest first;
    none -> HTTP 400 700.400.580 as for an unknown id (the list shape `payments` is our reading)."""
    wanted = ctx.params.required("merchantTransactionId")
    parse.raise_errors(ctx.params)
    tenant = ctx.tenant
    found = [render.payment(ctx.mode, p, ctx.ndc()) for p in (tenant.payments.values() if tenant else ())
             if (p.meta.get("echo") or {}).get("merchantTransactionId") == wanted]
    if not found:
        raise OppFailure(backoffice.NOT_FOUND)
    return ok(render.envelope("000.000.100", None, ctx.ndc(), ctx.now, payments=found))


@routes.get("/v1/resultcodes")
async def result_codes(request: web.Request) -> web.Response:
    """E14: the platform's published result codes (opp.md §13.5), and -- a sandbox addition -- the
    documented regex groups clients classify them with (§8.1), as `resultCodeGroups`."""
    core = request.app["core"]
    codes = [{"code": c, "description": d} for c, d in sorted(DESCRIPTIONS.items())]
    code = INTEGRATOR_TEST_OK if core.mode != "live" else "000.000.000"
    return ok(render.result_codes(code, core.store.ids.hex(32), core.store.now(None), codes, GROUPS))


# -- checkouts, merchant side (E7-E10) ----------------------------------------------------------
@routes.post("/v1/checkouts")
@opp_handler("checkout.create")
async def create_checkout(request: web.Request, ctx: Ctx) -> web.Response:
    fields = parse.checkout_request(ctx.mode, ctx.params)
    checkout = checkouts.open_checkout(ctx, fields)
    extra = {"integrity": widget_integrity()} if fields["integrity"] else {}
    return ok(render.envelope(CHECKOUT_CREATED, None, checkout["id"], ctx.now, id=checkout["id"], **extra))


@routes.get("/v1/checkouts/{id}/payment")
@routes.get("/v1/checkouts/{id}/registration")
@opp_handler("checkout.result", with_body=False)
async def checkout_result(request: web.Request, ctx: Ctx) -> web.Response:
    tenant = ctx.tenant
    checkout = checkouts.find(tenant.state if tenant else None, request.match_info["id"], ctx.now)
    result = checkout["result"]
    if result is None:
        # The shopper has not finished yet (opp.md E7-E10: "Before completion GET may return 000.200.000").
        return ok(render.envelope(PENDING_OK, None, checkout["id"], ctx.now))
    # Checkout status replies carry the checkout id as ndc (opp.md §13.8).
    if "paymentId" in result:
        return transaction_reply(ctx, tenant.payments[result["paymentId"]], ndc=checkout["id"])
    token = tenant.tokens.get(result["registrationId"])
    return ok(render.registration(ctx.core, token, checkout["id"], ctx.now, result.get("code")))


# -- checkouts, shopper side (the widget) -------------------------------------------------------
def _open_widget_call(request: web.Request, operation: str) -> Ctx:
    """The scope of a browser call naming a live checkout (the checkout id is the credential)."""
    core = request.app["core"]
    checkout_id = request.match_info["id"]
    tid = checkouts.locate(core.store.tenants, checkout_id) if checkouts.CHECKOUT_ID.match(checkout_id) else None
    if tid is None:
        raise checkouts.CheckoutGone(checkout_id)
    set_context(request, tenant=tid, operation=operation)
    merchant_key = core.store.peek(tid).state.checkouts[checkout_id].get("merchant")
    return Ctx(core, tid, tid.name, core.store.now(tid), merchant_key)


@routes.get("/v1/checkouts/{id}/widget")
@opp_handler("checkout.widget", authenticated=False)
async def widget_data(request: web.Request, ctx: None) -> web.Response:
    scope = _open_widget_call(request, "checkout.widget")
    tenant = scope.tenant
    checkout = checkouts.find(tenant.state, request.match_info["id"], scope.now)
    view = checkouts.widget_view(scope, checkout)
    return ok(render.envelope(PENDING_OK, None, checkout["id"], scope.now, **view), CORS)


@routes.post("/v1/checkouts/{id}/payment")
@routes.post("/v1/checkouts/{id}/registration")
@opp_handler("checkout.submit", authenticated=False)
async def submit(request: web.Request, ctx: None) -> web.Response:
    """The widget's form submission: a new card, or `registrationId` for a one-click payment."""
    scope = _open_widget_call(request, "checkout.submit")
    checkout_id = request.match_info["id"]
    checkouts.find_open(scope.tenant.state, checkout_id, scope.now)
    scope.params = await params_of(request, with_body=True)
    chosen, brand, card = parse.widget_submission(scope.params)
    kind, result = checkouts.submit(scope, checkout_id, chosen, brand, card, base_url(request))
    tenant = scope.tenant
    if kind == "registration":
        token = tenant.tokens.get(result["registrationId"])
        answer = render.registration(scope.core, token, checkout_id, scope.now, result["code"])
        status = 200
    else:
        payment = tenant.payments[result["paymentId"]]
        answer = render.payment(scope.mode, payment, checkout_id)
        status = scope.core.options["opp.decline_status"] if transactions.declined(payment) else 200
        if "pending" in payment.meta:  # a 3-D Secure challenge completes the checkout later
            return json_response(status, answer, CORS)
    answer["resourcePath"] = f"/v1/checkouts/{checkout_id}/{kind}"
    checkout = tenant.state.checkouts[checkout_id]
    if checkout["shopperResultUrl"]:
        answer["shopperResultUrl"] = _return_url(checkout, kind)
    return json_response(status, answer, CORS)


def _return_url(checkout: dict, kind: str) -> str:
    target = checkout["shopperResultUrl"]
    query = urlencode({"id": checkout["id"], "resourcePath": f"/v1/checkouts/{checkout['id']}/{kind}"})
    return target + ("&" if "?" in target else "?") + query


# -- the stand-in 3-D Secure challenge (shopper's browser, no credentials) ----------------------
@routes.get("/v1/threeDSecure/{id}")
@routes.post("/v1/threeDSecure/{id}")
@routes.get("/v1/approval/{id}")
@opp_handler("threeDSecure.challenge", authenticated=False)
async def challenge(request: web.Request, ctx: None) -> web.StreamResponse:
    """Completes a pending challenge: passed by default, `?result=reject` fails it (100.390.114;
    a PayPal approval `/v1/approval/{id}` refused is 100.396.101 Cancelled by user).

    Then back to `shopperResultUrl` with `id` and `resourcePath`, like the vendor's return.
    """
    core = request.app["core"]
    tx_id = request.match_info["id"]
    tenant, _payment = backoffice.locate_pending(core.store, tx_id)
    if tenant is None:
        raise OppFailure(backoffice.NOT_FOUND)
    set_context(request, tenant=tenant.id, operation="threeDSecure.challenge")
    # The ACS form posts its parameters (redirect.method POST); `result=reject` (query or form) fails it.
    form = await params_of(request, with_body=request.method == "POST")
    payment, pending = backoffice.complete_challenge(core, tenant.id, tx_id, form.get("result") != "reject")
    target, checkout_id = pending.get("shopperResultUrl"), pending.get("checkoutId")
    if checkout_id:
        target = checkouts.finish_after_challenge(core.store, tenant, checkout_id, payment) or target
        query = {"id": checkout_id, "resourcePath": f"/v1/checkouts/{checkout_id}/payment"}
    else:
        query = {"id": tx_id, "resourcePath": f"/v1/payments/{tx_id}"}
    if target:
        sep = "&" if "?" in target else "?"
        return web.Response(status=302, headers={"Location": target + sep + urlencode(query)})
    scope = Ctx(core, tenant.id, tenant.name, core.store.now(tenant.id))
    return transaction_reply(scope, payment)


# -- the widget script (GET /v1/paymentWidgets.js?checkoutId=...) ---------------------------------
# Our own stand-in for COPYandPAY's script (static/paymentWidgets.js): it reads `checkoutId` from its
# own URL, as the vendor's does, so nothing here depends on state; an unknown or expired checkout is
# reported by the widget on the page (opp.md E10).
STATIC = Path(__file__).with_name("static")
_FILES = {
    "/v1/paymentWidgets.js": ("paymentWidgets.js", "application/javascript"),
    "/v1/paymentWidgets.css": ("paymentWidgets.css", "text/css"),
}


def widget_integrity() -> str:
    """`integrity` for `integrity=true` checkouts (opp.md §13.7): the SRI hash of the exact bytes
    GET /v1/paymentWidgets.js serves (the same for every checkout: the script reads its checkoutId
    from its own URL), so a page's <script integrity=... crossorigin="anonymous"> accepts it."""
    digest = hashlib.sha384((STATIC / "paymentWidgets.js").read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def _serve(name: str, content_type: str):
    async def handler(request: web.Request) -> web.Response:
        # Read per request (a few KB) so an edited script is picked up without a restart.
        return web.Response(body=(STATIC / name).read_bytes(), content_type=content_type, charset="utf-8",
                            headers={"Cache-Control": "no-cache", **CORS})

    handler.__name__ = f"widget_{name.replace('.', '_')}"
    return handler


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    for path, (name, content_type) in _FILES.items():
        app.router.add_get(path, _serve(name, content_type))
