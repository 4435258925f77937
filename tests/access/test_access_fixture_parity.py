"""Issue 12 "Done when": a fixture-seeded token and an API-created token are byte-identical in
`GET /_sandbox/state` apart from ids and times, under every `--option` (core/options.py).

Both paths build the token with core/access/tokens.new_token under Policy.of(options); this test
holds them to it over real HTTP: the same card seeded through POST /_sandbox/fixtures and created
through POST /tokens (seed 002 "Create a new token"), for the default options and for each
`access.*` option set to a value other than its default.
"""

from __future__ import annotations

import json

import pytest
from access_helpers import load_fixture, session

from sandbox.core.options import REGISTRY

CARD = {"type": "card/front", "cardNumber": "4444333322221111", "cardHolderName": "Sherlock Holmes",
        "cardExpiryDate": {"month": 5, "year": 2035},
        "billingAddress": {"address1": "221B Baker Street", "postalCode": "NW1 6XE", "city": "London",
                           "countryCode": "GB"}}
TOKEN = {"namespace": "parity-ns", "description": "Parity card", "schemeTransactionReference": "STR0001",
         "paymentInstrument": CARD, "merchant": {"entity": "default"}}
TIMES = ("createdAt", "expiresAt", "lastUsedAt")


def _non_default(key: str):
    option = REGISTRY[key]
    if option.type is bool:
        return not option.default
    if option.type is int:
        return option.default + 1 if option.high is None or option.default < option.high else option.default - 1
    return next(c for c in option.choices if c != option.default)


OPTION_SETS = [{}] + [{k: _non_default(k)} for k in sorted(REGISTRY) if k.startswith("access.")]


def _masked(state: dict, tid: str) -> dict:
    tokens = state["tenants"][tid]["tokens"]
    assert len(tokens) == 1, tokens
    token = dict(tokens[0])
    lifetime = token["expiresAt"] - token["createdAt"]  # the lifetime is compared, the instant not
    for key in ("id", *TIMES):
        token.pop(key)
    return {"token": token, "lifetime": lifetime, "data": state["tenants"][tid]["data"],
            "payments": state["tenants"][tid]["payments"]}


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "defaults")
def test_seeded_and_created_tokens_are_identical(sandbox, http, options):
    """issue 12: fixture path and API path store the same token (ids and times masked)."""
    name = "parity" + str(abs(hash(json.dumps(options, sort_keys=True))) % 10**8)
    seeded, created = f"access:{name}-fx", f"access:{name}-api"
    fixture = {"version": 1, "options": options, "tenants": {seeded: {"tokens": [TOKEN]}}}
    r = load_fixture(http, fixture)
    assert r.status_code == 200, r.text
    try:
        with session(sandbox.url, user=f"{name}-api") as api:
            r = api.post("/tokens", json=TOKEN)
            assert r.status_code == 201, r.text
        state = http.get("/_sandbox/state").json()
        assert _masked(state, seeded) == _masked(state, created)
    finally:
        http.post("/_sandbox/reset")
