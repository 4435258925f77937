"""Access Tokens v3 bodies: the token resource exactly as seed 002 shows it, and HAL links.

Hrefs are absolute on the host the client called (DESIGN §4.2); key order follows the seed's
sample response so a diff against it reads cleanly.
"""

from __future__ import annotations

import re

from aiohttp import web

from ...core.access import opaque
from ...core.access.operations import TokenView
from ...core.access.tokens import STR
from ...core.cards import CardProfile, mask
from ...core.clock import iso
from ...core.jsontext import dumps
from ...core.tokens import Token

# Field rels in the order of the seed's `_links`.
FIELD_RELS = ("description", "cardHolderName", "cardExpiryDate", "billingAddress", "schemeTransactionReference")
_FIELD_LINKS = tuple((f"tokens:{rel}", rel) for rel in FIELD_RELS)
# The Tokens vocabulary is debit, credit, unknown (Tokens changelog 08 Mar 2023); the catalogue's
# finer funding types map onto it: a charge card bills on credit, deferred debit is a debit card.
_FUNDING = {"credit": "credit", "debit": "debit", "charge": "credit", "deferredDebit": "debit"}


_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
TRUST_FORWARDED = "access_trust_forwarded"  # request key set by context.operation (option access.forwarded_headers)


def _forwarded(request: web.Request) -> tuple[str | None, str | None]:
    """(proto, host) a proxy in front says the client used: RFC 7239 `Forwarded` (first element)
    first, else `X-Forwarded-Proto` / `X-Forwarded-Host` (first value). Malformed values are ignored."""
    headers = request.headers
    proto = host = None
    forwarded = headers.get("Forwarded")
    if forwarded:
        for pair in forwarded.split(",")[0].split(";"):
            name, _, value = pair.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "proto":
                proto = value.lower()
            elif name == "host":
                host = value
    else:
        xp, xh = headers.get("X-Forwarded-Proto"), headers.get("X-Forwarded-Host")
        proto = xp.split(",")[0].strip().lower() if xp else None
        host = xh.split(",")[0].strip() if xh else None
    return (proto if proto in ("http", "https") else None), (host if host and _HOST.match(host) else None)


def base_url(request: web.Request) -> str:
    """Hrefs use the scheme and host the client called (DESIGN §4.2), as a TLS-terminating proxy
    in front reports them (issue 17 item 5), so links are `https://` behind one."""
    if request.get(TRUST_FORWARDED, True) and (
            "Forwarded" in request.headers or "X-Forwarded-Proto" in request.headers
            or "X-Forwarded-Host" in request.headers):
        proto, host = _forwarded(request)
        return f"{proto or request.scheme}://{host or request.host}"
    return f"{request.scheme}://{request.host}"


def curies(base: str) -> list[dict]:
    return [{"href": f"{base}/rels/tokens/{{rel}}.json", "name": "tokens", "templated": True}]


def token_href(base: str, secret: str, token: Token, field: str = "token") -> str:
    return f"{base}/tokens/{opaque.encode(secret, token.id, field)}"


def token_resource(base: str, view: TokenView) -> dict:
    """The token resource for a view: with `conflicts` (409, conflicts link) or, without, the
    `tokens:networkToken` link of an inquiry reply (create replies carry neither)."""
    return _resource(base, view.secret, view.token, view.profile, conflicts=view.conflicts,
                     network_link=view.conflicts is None and view.outcome is None, full_pan=view.full_pan)


def _resource(
    base: str, secret: str, token: Token, profile: CardProfile, *,
    conflicts: dict | None = None, network_link: bool = False, full_pan: bool = False,
) -> dict:
    ids = opaque.links(secret, token.id)  # all of a token's link ids in one lookup
    prefix = f"{base}/tokens/"
    href = prefix + ids["token"]
    body: dict = {
        "tokenPaymentInstrument": {"type": "card/tokenized", "href": href},
        "tokenId": token.id,
        "description": token.meta.get("description") or "Token Description",
        "tokenExpiryDateTime": iso(token.expires_at),
    }
    if token.owner is not None:
        body["namespace"] = token.owner
    if token.meta.get(STR):
        body[STR] = token.meta[STR]
    pi: dict = {
        "type": "card/front" if full_pan else "card/masked",
        "cardNumber": token.pan if full_pan else mask(token.pan),
        "cardHolderName": token.holder,
        "cardExpiryDate": {"month": token.expiry_month, "year": token.expiry_year},
    }
    if token.address:
        pi["billingAddress"] = dict(token.address)
    pi["bin"] = profile.bin
    pi["brand"] = profile.brand or "UNKNOWN"
    pi["fundingType"] = _FUNDING.get(profile.funding, "unknown")
    if profile.country:
        pi["countryCode"] = profile.country
    body["paymentInstrument"] = pi
    if conflicts is not None:
        body["conflicts"] = conflicts_body(conflicts)
    links: dict = {"tokens:token": {"href": href}}
    for name, rel in _FIELD_LINKS:
        links[name] = {"href": prefix + ids[rel]}
    if conflicts is not None:
        links["tokens:conflicts"] = {"href": prefix + ids["conflicts"]}
    if network_link:
        links["tokens:networkToken"] = {"href": f"{base}/tokens/network"}
    links["curies"] = curies(base)
    body["_links"] = links
    return body


# Rendered token bodies (GET/inquiry without conflicts), keyed on everything the body is built
# from, so any change to the token, its card profile or the host the client called misses.
# Nothing in the body depends on the current time. Small and cleared when full, like opaque.py.
_BODY_MAX = 256
_bodies: dict[tuple, bytes] = {}


def token_body(base: str, view: TokenView) -> bytes:
    """The inquiry reply (token resource with the network-token link, no conflicts) as bytes,
    rendered once per state of the token."""
    secret, token, profile, full_pan, network_link = view.secret, view.token, view.profile, view.full_pan, True
    meta, address = token.meta, token.address
    owner, holder, month, year = token.owner, token.holder, token.expiry_month, token.expiry_year
    desc, scheme = meta.get("description"), meta.get(STR)
    try:
        # Values with their types: 1, 1.0 and True are equal keys but render differently (a
        # restored snapshot may hold any JSON type).
        key = (base, secret, token.id, token.pan, token.expires_at, profile, network_link, full_pan,
               owner, holder, month, year, desc, scheme,
               type(owner), type(holder), type(month), type(year), type(desc), type(scheme),
               tuple((k, v, type(v)) for k, v in address.items()) if address else address)
        hit = _bodies.get(key)
    except (TypeError, AttributeError):  # odd restored values (never from the parsers): uncached
        key, hit = None, None
    if hit is None:
        hit = dumps(_resource(base, secret, token, profile, network_link=network_link,
                                   full_pan=full_pan)).encode()
        if key is not None:
            if len(_bodies) >= _BODY_MAX:
                _bodies.clear()
            _bodies[key] = hit
    return hit


def conflicts_body(held: dict) -> dict:
    """`conflicts`: only the differing request values, plus when they stop being held (§4.3)."""
    out: dict = {"conflictsExpiryDateTime": iso(held["expiresAt"])}
    pi: dict = {}
    if "holder" in held:
        pi["cardHolderName"] = held["holder"]
    if "expiry" in held:
        month, year = held["expiry"]
        pi["cardExpiryDate"] = {"month": month, "year": year}
    if "address" in held:
        pi["billingAddress"] = held["address"]
    if pi:
        out["paymentInstrument"] = pi
    if STR in held:
        out[STR] = held[STR]
    return out


def json_response(body: dict | bytes, media_type: str, status: int = 200, headers: dict | None = None) -> web.Response:
    data = body if isinstance(body, bytes) else dumps(body).encode()
    return web.Response(status=status, body=data, content_type=media_type, headers=headers)


def tokens_root(base: str) -> dict:
    return {"_links": {
        "tokens:tokens": {"href": f"{base}/tokens"},
        "tokens:networkToken": {"href": f"{base}/tokens/network"},
        "curies": curies(base),
    }}


def namespace_body(base: str, namespace: str, views: list[TokenView]) -> dict:
    return {
        "_embedded": {"tokens": [token_resource(base, v) for v in views]},
        "_links": {"self": {"href": f"{base}/tokens?namespace={namespace}"}, "curies": curies(base)},
    }


def discovery(base: str) -> dict:
    return {"_links": {
        "service:tokens": {"href": f"{base}/tokens"},
        "service:verifiedTokens": {"href": f"{base}/verifiedTokens"},
    }}
