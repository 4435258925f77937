"""Token expiry on the virtual clock (seed 002 tokenExpiryDateTime, access.md §8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from access_helpers import card, path_of, session


def _expiry(body: dict) -> datetime:
    return datetime.fromisoformat(body["tokenExpiryDateTime"].replace("Z", "+00:00"))


def test_try_default_is_7_days_then_not_found(api, sandbox):
    """seed 002: "the default expiry date/time is 7 days in Try"; an expired token is 404 and the
    card can be tokenised again (access.md §8: behaviour unconfirmed, we answer as deleted)."""
    sandbox.clock.freeze()
    body = api.post("/tokens", json=card()).json()
    assert _expiry(body) - sandbox.clock.now() == timedelta(days=7)
    sandbox.clock.advance("P8D")
    assert api.get(path_of(body["tokenPaymentInstrument"]["href"])).status_code == 404
    assert api.post("/tokens", json=card()).status_code == 201


def test_extension_at_half_life_on_inquiry(api, sandbox):
    """seed 002: "We extend the expiry by 7 days ... after any use, if under half the time remains"."""
    sandbox.clock.freeze()
    body = api.post("/tokens", json=card())
    first = _expiry(body.json())
    href = path_of(body.json()["tokenPaymentInstrument"]["href"])
    sandbox.clock.advance("P2D")
    assert _expiry(api.get(href).json()) == first  # more than half left: unchanged
    sandbox.clock.advance("P2D")
    assert _expiry(api.get(href).json()) == first + timedelta(days=7)


def test_options_change_lifetime_and_extension(start_sandbox):
    """access.md §8: docs disagree (7 vs 90 days, extension or not): both are options."""
    proc = start_sandbox("--option", "access.try_lifetime_days=90", "--option", "access.extend_on_use=false")
    with session(proc.url) as api:
        body = api.post("/tokens", json=card()).json()
        left = _expiry(body) - datetime.now(UTC)
        assert timedelta(days=89) < left <= timedelta(days=90)


def test_live_default_is_4_years(start_sandbox):
    """seed 002: "4 years in the Live environment"."""
    proc = start_sandbox("--mode", "live")
    with session(proc.url) as api:
        left = _expiry(api.post("/tokens", json=card()).json()) - datetime.now(UTC)
        assert timedelta(days=4 * 365) <= left <= timedelta(days=4 * 366 + 1)


def test_client_supplied_expiry_is_validated(api, sandbox):
    """access.md §8: client tokenExpiryDateTime; past/garbage -> 400; beyond the maximum ->
    tokenExpiryDateExceededMaximum."""
    now = sandbox.clock.now()
    want = (now + timedelta(days=30)).replace(microsecond=0)
    body = api.post("/tokens", json=card(tokenExpiryDateTime=want.strftime("%Y-%m-%dT%H:%M:%SZ"))).json()
    assert _expiry(body) == want
    r = api.post("/tokens", json=card("5555555555554444", tokenExpiryDateTime="yesterday"))
    assert r.json()["validationErrors"][0]["errorName"] == "dateHasInvalidFormat"
    past = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = api.post("/tokens", json=card("5555555555554444", tokenExpiryDateTime=past))
    assert r.json()["validationErrors"][0]["jsonPath"] == "$.tokenExpiryDateTime"
    far = (now + timedelta(days=5 * 365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = api.post("/tokens", json=card("5555555555554444", tokenExpiryDateTime=far))
    assert (r.status_code, r.json()["errorName"]) == (400, "tokenExpiryDateExceededMaximum")
