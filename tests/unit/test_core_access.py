"""Unit tests of the Access domain core (sandbox/core/access), no HTTP: the token life cycle on a
virtual clock. Each test names the rule it follows (../shared/reference/access.md, seed 002)."""

from __future__ import annotations

import pytest

from sandbox.core import Core
from sandbox.core.access import operations as ops
from sandbox.core.access.errors import DetokenizeDenied, LinkDoesNotOffer, UnrecognizedCardBrand
from sandbox.core.access.scope import Scope
from sandbox.core.access.tokens import CardDetails, CreateRequest, Policy
from sandbox.core.clock import Clock
from sandbox.core.errors import OwnerFull, TokenNotFound, UpdateLimitExceeded
from sandbox.core.tenants import TenantId
from sandbox.core.tokens import DAY, Outcome

START = 1_900_000_000.0  # 2030-03-17, a fixed virtual instant


def scope(**policy) -> Scope:
    core = Core.create(seed=1)
    core.store.clock = Clock(START, frozen=True)
    return Scope(core, TenantId.of("access", "unit"), Policy(**policy))


def request(pan="4444333322221111", holder="Sherlock Holmes", month=5, year=2035, namespace="ns", **kw):
    return CreateRequest(card=CardDetails(pan, holder, month, year, None), namespace=namespace, **kw)


def advance(s: Scope, seconds: float) -> None:
    s.core.store.clock.advance(seconds)


def test_new_match_conflict():
    """access.md §4.2/§4.3: same (namespace, PAN) MATCHes; a differing holder is a CONFLICT that
    keeps the stored value and holds the request's; another namespace is a NEW token."""
    s = scope()
    first = ops.create_token(s, request())
    assert first.outcome is Outcome.NEW and first.conflicts is None
    again = ops.create_token(s, request())
    assert again.outcome is Outcome.MATCH and again.token.id == first.token.id
    clash = ops.create_token(s, request(holder="John Watson"))
    assert clash.outcome is Outcome.CONFLICT and clash.token.holder == "Sherlock Holmes"
    assert clash.conflicts["holder"] == "John Watson"
    other = ops.create_token(s, request(namespace="other"))
    assert other.outcome is Outcome.NEW and other.token.id != first.token.id


def test_unrecognised_brand_is_refused_before_anything_is_stored():
    """Tokens v3: a card whose BIN names no brand is 422 unrecognizedCardBrand; no tenant created."""
    s = scope()
    with pytest.raises(UnrecognizedCardBrand):
        ops.create_token(s, request(pan="9999999999999995"))
    assert s.core.store.peek(s.tid) is None


def test_namespace_cap():
    """access.md §4.5: a namespace holds 16 cards; the 17th is OwnerFull and changes nothing."""
    s = scope(namespace_cap=2)
    ops.create_token(s, request(pan="4444333322221111"))
    ops.create_token(s, request(pan="5555555555554444"))
    version = s.core.store.version
    with pytest.raises(OwnerFull):
        ops.create_token(s, request(pan="4917610000000000"))
    assert s.core.store.version == version
    ops.create_token(s, request(pan="4917610000000000", namespace="elsewhere"))  # other namespace: room


def test_update_limit_in_a_rolling_window():
    """access.md §6: 50 updates in a rolling 30 days (here 2 in 1 day); the window rolls on."""
    s = scope(max_updates=2, update_window_days=1)
    view = ops.create_token(s, request())
    link = _link(s, view, "description")
    ops.update_token(s, link, lambda field: "one")
    ops.update_token(s, link, lambda field: "two")
    with pytest.raises(UpdateLimitExceeded):
        ops.update_token(s, link, lambda field: "three")
    assert view.token.meta["description"] == "two"
    advance(s, DAY + 1)
    ops.update_token(s, link, lambda field: "three")
    assert view.token.meta["description"] == "three"


def test_expiry_and_half_life_extension():
    """seed 002: Try tokens live 7 days; any use with under half the lifetime left extends the
    expiry by one lifetime; an expired token is unknown."""
    s = scope()
    view = ops.create_token(s, request())
    token = view.token
    assert token.expires_at == START + 7 * DAY
    link = _link(s, view, "token")
    advance(s, 3 * DAY)  # 4 days left: more than half, no extension
    ops.get_token(s, link, unmasked=False, may_detokenize=False)
    assert token.expires_at == START + 7 * DAY
    advance(s, 1 * DAY)  # 3 days left: under half, extended by 7 days
    ops.get_token(s, link, unmasked=False, may_detokenize=False)
    assert token.expires_at == START + 14 * DAY
    advance(s, 10 * DAY + 1)  # past the new expiry
    with pytest.raises(TokenNotFound):
        ops.get_token(s, link, unmasked=False, may_detokenize=False)


def test_no_extension_when_switched_off():
    """access.extend_on_use=false (newer docs: no extension in Try)."""
    s = scope(extend_on_use=False)
    view = ops.create_token(s, request())
    advance(s, 6 * DAY)
    ops.get_token(s, _link(s, view, "token"), unmasked=False, may_detokenize=False)
    assert view.token.expires_at == START + 7 * DAY


def test_conflicts_expire():
    """access.md §4.4: held conflicting values can be applied through the conflicts link until
    they expire (30 minutes here); then the link is unknown."""
    s = scope()
    ops.create_token(s, request())
    clash = ops.create_token(s, request(holder="John Watson"))
    link = _link(s, clash, "conflicts")
    assert ops.get_token(s, link, unmasked=False, may_detokenize=False).conflicts["holder"] == "John Watson"
    advance(s, 30 * 60)
    with pytest.raises(TokenNotFound):
        ops.get_token(s, link, unmasked=False, may_detokenize=False)


def test_conflicts_link_applies_the_held_values():
    """access.md §4.4: PUT on the conflicts link applies every held value (one update)."""
    s = scope()
    ops.create_token(s, request())
    clash = ops.create_token(s, request(holder="John Watson", month=6))
    ops.update_token(s, _link(s, clash, "conflicts"), lambda field: pytest.fail("no body is read"))
    assert (clash.token.holder, clash.token.expiry_month) == ("John Watson", 6)
    assert len(clash.token.updates) == 1


def test_links_offer_only_their_operations_and_detokenising_needs_the_right():
    """access.md §3.3: per-field links are update-only; §5: masked=false needs the right."""
    s = scope()
    view = ops.create_token(s, request())
    with pytest.raises(LinkDoesNotOffer):
        ops.get_token(s, _link(s, view, "description"), unmasked=False, may_detokenize=False)
    with pytest.raises(LinkDoesNotOffer):
        ops.update_token(s, _link(s, view, "token"), lambda field: None)
    with pytest.raises(DetokenizeDenied):
        ops.get_token(s, _link(s, view, "token"), unmasked=True, may_detokenize=False)
    assert ops.get_token(s, _link(s, view, "token"), unmasked=True, may_detokenize=True).full_pan


def test_delete_frees_the_slot():
    """access.md §7: after DELETE every link is unknown and the card can be tokenised again."""
    s = scope(namespace_cap=1)
    view = ops.create_token(s, request())
    ops.delete_token(s, _link(s, view, "token"))
    with pytest.raises(TokenNotFound):
        ops.get_token(s, _link(s, view, "token"), unmasked=False, may_detokenize=False)
    assert ops.create_token(s, request()).outcome is Outcome.NEW


def _link(s: Scope, view, field: str) -> str:
    from sandbox.core.access import opaque

    return opaque.encode(s.core.store.peek(s.tid).secret, view.token.id, field)
