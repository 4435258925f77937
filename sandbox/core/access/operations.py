"""The Access Tokens operations, start to end: each reads with `store.peek`, checks everything,
then writes with `store.write` (a refused request never creates or changes a tenant).

The adapter (sandbox/apis/access/routes.py) parses, calls exactly one of these and renders the
returned `TokenView`; domain refusals are errors from core/errors.py and core/access/errors.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..cards import CardProfile
from ..errors import TokenNotFound
from ..tokens import Outcome, Token
from . import opaque, tokens
from .errors import DetokenizeDenied, LinkDoesNotOffer, UnrecognizedCardBrand
from .scope import Scope

# Link rel -> Token vocabulary (tokens.update) for the per-field links.
FIELD_ATTR = {
    "description": "description",
    "cardHolderName": "holder",
    "cardExpiryDate": "expiry",
    "billingAddress": "address",
    "schemeTransactionReference": tokens.STR,
}


@dataclass(slots=True)
class TokenView:
    """A token and what rendering it needs: the tenant secret (links), the card profile."""

    token: Token
    secret: str
    profile: CardProfile
    outcome: Outcome | None = None  # set by create
    conflicts: dict | None = None  # held conflicting values (409, conflicts link)
    full_pan: bool = False  # detokenised inquiry


def _view(scope: Scope, tenant, token: Token, **kw) -> TokenView:
    return TokenView(token, tenant.secret, scope.core.catalogue.profile(token.pan), **kw)


def create_token(scope: Scope, req: tokens.CreateRequest) -> TokenView:
    """POST /tokens (seed 002, access.md §4): NEW / MATCH / CONFLICT. A card whose BIN names no
    brand is refused (422 unrecognizedCardBrand) before anything is stored; OwnerFull at the cap."""
    profile = scope.core.catalogue.profile(req.card.pan)
    if profile.brand is None:
        raise UnrecognizedCardBrand(req.card.pan[:6])
    store, now = scope.core.store, scope.now()
    # Validate first, then act: an existing tenant is used as is (a 403 changes nothing); only a
    # first write creates it.
    tenant = store.peek(scope.tid) or store.write(scope.tid, whole=False)
    outcome, token, _ = tokens.create(tenant.tokens, req, now, scope.policy, store.ids.access_token_id)
    store.write(scope.tid, whole=False).tokens.touch(token)  # new, or matched: used (and conflicts held)
    held = tokens.pending_conflicts(token, now) if outcome is Outcome.CONFLICT else None
    return TokenView(token, tenant.secret, profile, outcome=outcome, conflicts=held)


def _check_detokenize(unmasked: bool, may_detokenize: bool) -> None:
    if unmasked and not may_detokenize:
        raise DetokenizeDenied()


def _inquire(scope: Scope, token: Token, now: float) -> None:
    """An inquiry counts as use for the half-life extension; write only when it changes."""
    if tokens.needs_extension(token, now, scope.policy):
        scope.core.store.write(scope.tid, whole=False).tokens.touch(token)
        tokens.use(token, now, scope.policy)


def find_token(scope: Scope, token_id: str, namespace: str | None, unmasked: bool,
               may_detokenize: bool) -> TokenView:
    """GET /tokens?tokenId=[&namespace=] (access.md §5.1): an inquiry by id."""
    _check_detokenize(unmasked, may_detokenize)
    tenant, now = scope.core.store.peek(scope.tid), scope.now()
    token = tokens.find(tenant.tokens if tenant else None, token_id, now)
    if namespace is not None and token.owner != namespace:
        raise TokenNotFound(token_id)
    _inquire(scope, token, now)
    return _view(scope, tenant, token, full_pan=unmasked)


def namespace_tokens(scope: Scope, namespace: str, unmasked: bool, may_detokenize: bool) -> list[TokenView]:
    """GET /tokens?namespace=: the live tokens of one namespace, oldest first (not a use)."""
    _check_detokenize(unmasked, may_detokenize)
    tenant = scope.core.store.peek(scope.tid)
    found = tokens.of_namespace(tenant.tokens if tenant else None, namespace, scope.now())
    return [_view(scope, tenant, t, full_pan=unmasked) for t in found]


def locate(scope: Scope, opaque_id: str, now: float | None = None) -> tuple[Any, Token, str]:
    """(tenant, token, link field) for an opaque link id, or TokenNotFound. Read only."""
    tenant = scope.core.store.peek(scope.tid)
    decoded = opaque.decode(tenant.secret, opaque_id) if tenant is not None else None
    if decoded is None:
        raise TokenNotFound(opaque_id)
    token_id, field = decoded
    return tenant, tokens.find(tenant.tokens, token_id, scope.now() if now is None else now), field


def get_token(scope: Scope, opaque_id: str, unmasked: bool, may_detokenize: bool) -> TokenView:
    """GET the token link (an inquiry, seed 002) or the conflicts link (token + the held values;
    TokenNotFound once they expired, access.md §4.4)."""
    now = scope.now()  # one instant for the whole read (the clock is a lookup and a call)
    tenant, token, field = locate(scope, opaque_id, now)
    if field == "token":
        _check_detokenize(unmasked, may_detokenize)
        _inquire(scope, token, now)
        return _view(scope, tenant, token, full_pan=unmasked)
    if field == "conflicts":
        held = tokens.pending_conflicts(token, now)
        if held is None:
            raise TokenNotFound(token.id)
        _check_detokenize(unmasked, may_detokenize)
        return _view(scope, tenant, token, conflicts=held, full_pan=unmasked)
    raise LinkDoesNotOffer(field)


def update_token(scope: Scope, opaque_id: str, value_of: Callable[[str], Any]) -> None:
    """PUT a per-field link (one attribute, access.md §3.3/§6) or the conflicts link (applies every
    held value, §4.4). `value_of(field)` parses the body for that field (the adapter's parser);
    the update limit is checked before the tenant is marked changed (429 changes nothing)."""
    _, token, field = locate(scope, opaque_id)
    now, policy = scope.now(), scope.policy
    if field == "token":
        raise LinkDoesNotOffer(field)
    if field == "conflicts":
        if tokens.pending_conflicts(token, now) is None:
            raise TokenNotFound(token.id)
        tokens.check_update(token, now, policy)
        scope.core.store.write(scope.tid, whole=False).tokens.touch(token)
        tokens.resolve_conflicts(token, now, policy)
        return
    value = value_of(field)
    tokens.check_update(token, now, policy)
    scope.core.store.write(scope.tid, whole=False).tokens.touch(token)
    tokens.update(token, FIELD_ATTR[field], value, now, policy)


def delete_token(scope: Scope, opaque_id: str) -> None:
    """DELETE the token link; afterwards every link of the token is unknown (access.md §7)."""
    tenant, token, field = locate(scope, opaque_id)
    if field != "token":
        raise LinkDoesNotOffer(field)
    scope.core.store.write(scope.tid, whole=False)
    tokens.delete(tenant.tokens, token)  # the book logs the removal


def token_from_href(scope: Scope, href: str) -> tuple[Any, Token]:
    """The live token a `card/tokenized` (or payment `token`) href names: (tenant, token), or
    TokenNotFound. Only the token link itself names a token; its per-field links do not. The
    host is not checked: a client may call us by another name than the one in the href."""
    href_path = urlsplit(href).path
    if not href_path.startswith("/tokens/"):
        raise TokenNotFound(href_path)
    tenant, token, field = locate(scope, href_path[len("/tokens/"):])
    if field != "token":
        raise TokenNotFound(href_path)
    return tenant, token
