"""OPP server-to-server routes (opp.md §4 E1-E6, E11-E14); checkouts are in checkouts.py."""

from __future__ import annotations

import copy
from urllib.parse import urlencode

from aiohttp import web

from ...core.opp import registrations
from ...core.opp.results import DESCRIPTIONS, INTEGRATOR_TEST_OK, success_code
from . import checkouts, widget
from .backoffice import complete_challenge, find_transaction, locate_pending, reference
from .context import Ctx, opp_handler
from .errors import OppFailure, envelope, json_response
from .transactions import parse_payment, parse_registration, pay, register, registration_view

routes = web.RouteTableDef()


def base_url(request: web.Request) -> str:
    """Links use the host the client called (DESIGN §4.2)."""
    return f"{request.scheme}://{request.host}"


def ok(body: dict) -> web.Response:
    return json_response(200, body)


# -- registrations (E1, E3-E6) ------------------------------------------------------------------
@routes.post("/v1/registrations")
@opp_handler("registration.create")
async def create_registration(request: web.Request, ctx: Ctx) -> web.Response:
    return ok(register(ctx, parse_registration(ctx, ctx.params)))


@routes.get("/v1/registrations/{id}")
@opp_handler("registration.get", with_body=False)
async def get_registration(request: web.Request, ctx: Ctx) -> web.Response:
    token = registrations.find(_book(ctx), request.match_info["id"], ctx.now)
    return ok(registration_view(ctx, token))


@routes.delete("/v1/registrations/{id}")
@opp_handler("registration.delete", with_body=False)
async def delete_registration(request: web.Request, ctx: Ctx) -> web.Response:
    token = registrations.find(_book(ctx), request.match_info["id"], ctx.now, "deregister")
    code = success_code(ctx.core.mode, ctx.params.get("testMode") or token.meta.get("testMode"))
    body = envelope(code, DESCRIPTIONS[code], ctx.ndc(), ctx.now, id=ctx.new_id(), referencedId=token.id)
    ctx.writable()  # marks the tenant changed before the token is
    registrations.deregister(token, ctx.now)
    return ok(body)


@routes.post("/v1/registrations/{id}/payments")
@opp_handler("registration.payment")
async def pay_with_registration(request: web.Request, ctx: Ctx) -> web.Response:
    req = parse_payment(ctx, ctx.params, token_payment=True)
    token = registrations.find(_book(ctx), request.match_info["id"], ctx.now)
    return ok(pay(ctx, req, token, base_url(request)))


@routes.post("/v1/registrations/{id}/extendlife")
@opp_handler("registration.extendlife")
async def extend_registration(request: web.Request, ctx: Ctx) -> web.Response:
    token = registrations.find(_book(ctx), request.match_info["id"], ctx.now, "extend")
    code = success_code(ctx.core.mode, token.meta.get("testMode"))
    body = envelope(code, DESCRIPTIONS[code], ctx.ndc(), ctx.now, id=ctx.new_id(), referencedId=token.id)
    ctx.writable()
    registrations.extend(token, ctx.now)
    return ok(body)


def _book(ctx: Ctx):
    tenant = ctx.tenant
    return tenant.tokens if tenant is not None else None


# -- payments (E2, E11-E13) ---------------------------------------------------------------------
@routes.post("/v1/payments")
@opp_handler("payment.create")
async def create_payment(request: web.Request, ctx: Ctx) -> web.Response:
    return ok(pay(ctx, parse_payment(ctx, ctx.params, token_payment=False), None, base_url(request)))


@routes.post("/v1/payments/{id}")
@opp_handler("payment.reference")
async def reference_payment(request: web.Request, ctx: Ctx) -> web.Response:
    return ok(reference(ctx, request.match_info["id"], ctx.params))


@routes.get("/v1/payments/{id}")
@opp_handler("payment.get", with_body=False)
async def get_payment(request: web.Request, ctx: Ctx) -> web.Response:
    return ok(copy.deepcopy(find_transaction(ctx, request.match_info["id"]).meta["view"]))


@routes.get("/v1/query/{id}")
@opp_handler("query.get", with_body=False)
async def query_transaction(request: web.Request, ctx: Ctx) -> web.Response:
    return ok(copy.deepcopy(find_transaction(ctx, request.match_info["id"]).meta["view"]))


@routes.get("/v1/query")
@opp_handler("query.list", with_body=False)
async def query_by_merchant_transaction_id(request: web.Request, ctx: Ctx) -> web.Response:
    """E13 (opp.md §4): this entity's transactions carrying a merchantTransactionId, oldest first;
    none -> HTTP 400 700.400.580 as for an unknown id (the list shape `payments` is our reading)."""
    wanted = ctx.params.required("merchantTransactionId")
    if ctx.params.errors:
        raise OppFailure("200.300.404", errors=ctx.params.errors)
    tenant = ctx.tenant
    found = [copy.deepcopy(p.meta["view"]) for p in (tenant.payments.values() if tenant else ())
             if p.meta.get("view", {}).get("merchantTransactionId") == wanted]
    if not found:
        raise OppFailure("700.400.580")
    return ok(envelope("000.000.100", DESCRIPTIONS["000.000.100"], ctx.ndc(), ctx.now, payments=found))


@routes.get("/v1/resultcodes")
async def result_codes(request: web.Request) -> web.Response:
    """E14: the codes the sandbox can answer (a subset of the vendor's list)."""
    core = request.app["core"]
    codes = [{"code": c, "description": d} for c, d in sorted(DESCRIPTIONS.items())]
    body = envelope(INTEGRATOR_TEST_OK if core.mode != "live" else "000.000.000",
                    "successful request", core.store.ids.hex(32), core.store.now(None), resultCodes=codes)
    body["result"]["description"] = DESCRIPTIONS[body["result"]["code"]]
    return ok(body)


# -- the stand-in 3-D Secure challenge (shopper's browser, no credentials) ----------------------
@routes.get("/v1/threeDSecure/{id}")
@opp_handler("threeDSecure.challenge", authenticated=False)
async def challenge(request: web.Request, ctx: None) -> web.StreamResponse:
    """Completes a pending challenge: passed by default, `?result=reject` fails it (100.390.114).

    Then back to `shopperResultUrl` with `id` and `resourcePath`, like the vendor's return.
    """
    core = request.app["core"]
    tx_id = request.match_info["id"]
    tenant, _payment = locate_pending(core.store, tx_id)
    if tenant is None:
        from .errors import OppFailure

        raise OppFailure("700.400.580")
    from ...web.body import set_context

    set_context(request, tenant=tenant.id, operation="threeDSecure.challenge")
    view, pending = complete_challenge(core, tenant.id, tx_id, request.query.get("result") != "reject")
    target, checkout_id = pending.get("shopperResultUrl"), pending.get("checkoutId")
    if checkout_id:
        target = checkouts.finish_after_challenge(core, tenant, checkout_id, view) or target
        query = {"id": checkout_id, "resourcePath": f"/v1/checkouts/{checkout_id}/payment"}
    else:
        query = {"id": tx_id, "resourcePath": f"/v1/payments/{tx_id}"}
    if target:
        sep = "&" if "?" in target else "?"
        return web.Response(status=302, headers={"Location": target + sep + urlencode(query)})
    return ok(view)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
    app.router.add_routes(checkouts.routes)
    widget.setup(app)  # issue 7: GET /v1/paymentWidgets.js
