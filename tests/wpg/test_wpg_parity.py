"""Issue 12 "Every entry point goes through the core": a fixture-seeded paymentService token and
one created by paymentTokenCreate hold the same stored fields in GET /_sandbox/state, apart from
ids and times, under every value of each wpg.* option that shapes a token."""

from __future__ import annotations

import re

import pytest

from sandbox.core.options import REGISTRY

FORMATS = REGISTRY["wpg.token_id_format"].choices
ID_SHAPE = {"format-preserving": r"99444433\d{8}1111", "alphanumeric": r"[A-Z0-9]{15}",
            "luhn-pass": r"99\d{17}", "luhn-fail": r"99\d{17}"}
TIMES = {"createdAt", "lastUsedAt", "expiresAt"}


def stored(http, tenant: str) -> dict:
    tokens = http.get(f"/_sandbox/state?tenant={tenant}").json()["tenants"][tenant]["tokens"]
    assert len(tokens) == 1, tokens
    return tokens[0]


def comparable(token: dict) -> dict:
    return {k: v for k, v in token.items() if k not in TIMES | {"id"}}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scope", ["shopper", "merchant"])
def test_seeded_and_api_created_tokens_are_identical(http, wpg, fmt, scope):
    """seed 003 "Create tokens"; issue 12: the same option gives both entry points the same token."""
    shopper = {"authenticatedShopperID": "shopper1"} if scope == "shopper" else {}
    fixture = {"version": 1, "options": {"wpg.token_id_format": fmt}, "tenants": {"wpg:SEEDED": {"tokens": [{
        "tokenScope": scope, **shopper, "tokenEventReference": "ref1",
        "cardDetails": {"cardNumber": "4444333322221111", "expiryDate": {"month": 6, "year": 2031},
                        "cardHolderName": "J.Shopper"}}]}}}
    r = http.post("/_sandbox/fixtures?baseline=false", json=fixture)
    assert r.status_code == 200, r.text
    try:
        wpg.create(shopper="shopper1" if scope == "shopper" else None, scope=scope if scope == "merchant" else None,
                   ref="ref1")
        api, seeded = stored(http, "wpg:MYMERCHANT"), stored(http, "wpg:SEEDED")
        assert re.fullmatch(ID_SHAPE[fmt], api["id"]) and re.fullmatch(ID_SHAPE[fmt], seeded["id"])
        assert comparable(api) == comparable(seeded)
        assert api["expiresAt"] - api["createdAt"] == seeded["expiresAt"] - seeded["createdAt"]
    finally:
        http.post("/_sandbox/reset")
