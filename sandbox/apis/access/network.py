"""Access network tokens (seed 002 "Network Token", access.md §9): provision, lookup,
cryptograms, delete. Domain state in sandbox/core/access_network.py."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

from aiohttp import web

from ...core.access import network as npt
from ...core.access import opaque, tokens
from ...web.body import read_body
from . import parse, render
from .context import Ctx, operation
from .errors import AccessError, not_found

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/tokens/network", provision)
    r.add_post("/tokens/network/cryptograms", cryptogram)
    r.add_get("/tokens/network/{ref}", lookup)
    r.add_delete("/tokens/network/{ref}", delete)


def _check_enabled(ctx: Ctx) -> None:
    """NPT is enabled per account; `access.npt_enabled=false` imitates an account without it."""
    if not ctx.core.options["access.npt_enabled"]:
        raise AccessError(403, "nptConfigurationError", "Account not configured to use NPT")


def _links(base: str, ref: str, self_href: str) -> dict:
    return {
        "self": {"href": self_href},
        "tokens:networkTokenLookup": {"href": f"{base}/tokens/network/{ref}"},
        "curies": render.curies(base),
    }


def _body(base: str, rec: dict, now: float, lookup: bool) -> dict:
    status = npt.status(rec, now)
    body: dict = {} if lookup else {"tokenReference": rec["ref"]}
    if status == "Active":
        month, year = rec["tokenExpiry"]
        body["tokenPaymentInstrument"] = {
            "status": status, "type": "card/networkToken", "tokenNumber": rec["tokenNumber"],
            "expiryDate": {"month": month, "year": year},
        }
    elif lookup:
        body["tokenPaymentInstrument"] = {"status": status, "type": "card/networkToken"}
    month, year = rec["cardExpiry"]
    body["paymentInstrument"] = {
        "type": "card/masked", "firstSix": rec["firstSix"], "lastFour": rec["lastFour"],
        "cardExpiryDate": {"month": month, "year": year}, "paymentAccountReference": rec["par"],
    }
    if rec["outcome"] == "providerError":
        body["provisioningErrors"] = [dict(npt.PROVIDER_ERROR)]
    if lookup:
        body["_links"] = {
            "self": {"href": f"{base}/tokens/network/{rec['ref']}"},
            "tokens:networkTokenCryptogram": {"href": f"{base}/tokens/network/cryptograms"},
            "curies": render.curies(base),
        }
    else:
        body["_links"] = _links(base, rec["ref"], f"{base}/tokens/network")
    return body


@operation("provisionNetworkToken", has_body=True)
async def provision(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /tokens/network`: card/front details or a card/tokenized Access token href -> 200
    (synchronous, asynchronous or provider-error variant, access.md §9)."""
    doc = parse.load_json(await read_body(request))
    now = ctx.now()
    dt = ctx.core.store.clock_for(ctx.tid).now_dt()
    req = parse.network_request(doc, (dt.year, dt.month))
    _check_enabled(ctx)
    store = ctx.core.store
    tenant = store.peek(ctx.tid)
    source = None
    if req["type"] == "card/tokenized":
        token = _token_from_href(tenant, req["href"], now)
        pan, expiry, source = token.pan, (token.expiry_month, token.expiry_year), token.id
    else:
        pan, expiry = req["pan"], req["expiry"]
    magic = ctx.core.catalogue.magic_for("access", "network", pan)
    tenant = store.write(ctx.tid)
    if source is not None:
        tokens.use(tenant.tokens.get(source), now, ctx.policy)  # provisioning from a token is a use
    rec = npt.provision(tenant.state, store.ids, pan, expiry, now, magic, source)
    return render.json_response(_body(render.base_url(request), rec, now, lookup=False), ctx.media)


def _token_from_href(tenant, href: str, now: float):
    path = urlsplit(href).path
    if tenant is None or not path.startswith("/tokens/"):
        raise not_found()
    decoded = opaque.decode(tenant.secret, path[len("/tokens/"):])
    if decoded is None or decoded[1] != "token":
        raise not_found()
    return tokens.find(tenant.tokens, decoded[0], now)


@operation("getNetworkToken")
async def lookup(request: web.Request, ctx: Ctx) -> web.Response:
    """`GET /tokens/network/{tokenReference}`: the data as at provisioning (access.md §9)."""
    tenant = ctx.core.store.peek(ctx.tid)
    rec = npt.find(tenant.state if tenant else None, request.match_info["ref"])
    if rec is None:
        raise not_found()
    return render.json_response(_body(render.base_url(request), rec, ctx.now(), lookup=True), ctx.media)


@operation("networkTokenCryptogram", has_body=True)
async def cryptogram(request: web.Request, ctx: Ctx) -> web.Response:
    """`POST /tokens/network/cryptograms` {tokenNumber} -> a one-off cryptogram, ECI 07."""
    number = parse.cryptogram_request(parse.load_json(await read_body(request)))
    _check_enabled(ctx)
    tenant = ctx.core.store.peek(ctx.tid)
    rec = npt.find(tenant.state if tenant else None, number)
    if rec is None or npt.status(rec, ctx.now()) != "Active":
        raise AccessError(400, "fieldHasInvalidValue", "Token number is not valid", jsonPath="$.tokenNumber")
    base = render.base_url(request)
    body = {
        "cryptogramDetails": {"cryptogram": base64.b64encode(ctx.core.store.ids.bytes(20)).decode(), "eci": "07"},
        "_links": {
            "self": {"href": f"{base}/tokens/network/cryptograms"},
            "tokens:networkTokenLookup": {"href": f"{base}/tokens/network/{{tokenReference}}", "templated": True},
            "curies": render.curies(base),
        },
    }
    return render.json_response(body, ctx.media)


@operation("deleteNetworkToken")
async def delete(request: web.Request, ctx: Ctx) -> web.Response:
    """`DELETE /tokens/network/{id}` (token reference or token number) -> 204; a malformed id is
    400 fieldHasInvalidValue, an unknown one 404 networkProviderError (access.md §9)."""
    ref = request.match_info["ref"]
    if not (_UUID.match(ref) or (ref.isdigit() and 12 <= len(ref) <= 19)):
        raise AccessError(400, "fieldHasInvalidValue", "Token number is not valid")
    _check_enabled(ctx)
    tenant = ctx.core.store.peek(ctx.tid)
    rec = npt.find(tenant.state if tenant else None, ref)
    if rec is None:
        raise AccessError(404, "networkProviderError", "Network Token Provider Error")
    npt.delete(ctx.core.store.write(ctx.tid).state, rec)
    return web.Response(status=204)
