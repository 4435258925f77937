"""Issue 12: a fixture-seeded registration and an API-created one are the same state.

Both go through core/opp/registrations (new_registration + registration_meta), so GET /_sandbox/state
shows them byte-identical apart from the id, under every opp.* option (core/options.py REGISTRY).
"""

from __future__ import annotations

import json

import pytest
from opp_support import BEARER, CARD

from sandbox.core.options import REGISTRY

SEEDED, CREATED = "8a8294174b7ecb28014b9699220015ca", "8a8294174b7ecb28014b9699220015cb"
OPP_OPTIONS = [(k, o) for k, o in REGISTRY.items() if k.startswith("opp.")]


def _non_default(option) -> str:
    if option.type is bool:
        return "false" if option.default else "true"
    if option.choices:
        return next(c for c in option.choices if c != option.default)
    return str(option.default + 2 if option.type is int else option.default)


@pytest.mark.parametrize("key, value", [(None, None)] + [(k, _non_default(o)) for k, o in OPP_OPTIONS])
def test_seeded_and_api_registration_are_identical_in_state(http, key, value):
    """seed 'Standalone tokenization' + opp.md E1: the same card, customer and billing, once through
    the fixture loader and once through POST /v1/registrations, on a frozen clock."""
    options = f"options: {{{key}: {json.dumps(value)}}}\n" if key else ""
    fixture = (f"version: 1\nclock: {{start: '2030-01-15T00:00:00Z', frozen: true}}\n{options}"
               f"tenants:\n  opp:{SEEDED}:\n    tokens:\n"
               "      - paymentBrand: VISA\n"
               "        card: {number: '4200000000000000', holder: Jane Jones, expiryMonth: 5, expiryYear: 2034}\n"
               "        customer: {givenName: Jane}\n"
               "        billing: {city: Berlin, country: DE}\n")
    r = http.post("/_sandbox/fixtures", data=fixture.encode(), params={"baseline": "false", "name": "parity.yaml"},
                  headers={"Content-Type": "application/yaml"})
    assert r.status_code == 200, r.text
    r = http.post("/v1/registrations", headers=BEARER, data={
        "entityId": CREATED, **{k: v for k, v in CARD.items() if k != "card.cvv"}, "card.cvv": "123",
        "customer.givenName": "Jane", "billing.city": "Berlin", "billing.country": "DE"})
    assert r.status_code == 200, r.text
    tenants = http.get("/_sandbox/state").json()["tenants"]
    seeded, = tenants[f"opp:{SEEDED}"]["tokens"]
    created, = tenants[f"opp:{CREATED}"]["tokens"]
    assert seeded.pop("id") != created.pop("id")
    assert json.dumps(seeded, sort_keys=True) == json.dumps(created, sort_keys=True)


def test_seeded_sepa_registration_pays_through_the_api(http):
    """opp.md §13.1: a fixture's bankAccount registration is the API's (same builder); it pays by token,
    and a bad IBAN is refused at load time with the API's code."""
    fixture = ("version: 1\ntenants:\n  opp:" + SEEDED + ":\n    tokens:\n"
               "      - id: 8a82944a4cc25ebf014cc2c782423210\n"
               "        bankAccount: {iban: DE23100000001234567890, holder: Jane Jones, country: DE,"
               " mandate: {id: M1, dateOfSignature: '2025-01-15'}}\n")
    assert http.post("/_sandbox/fixtures", data=fixture.encode(), params={"baseline": "false", "name": "s.yaml"},
                     headers={"Content-Type": "application/yaml"}).status_code == 200
    r = http.post("/v1/registrations/8a82944a4cc25ebf014cc2c782423210/payments", headers=BEARER,
                  data={"entityId": SEEDED, "amount": "5.00", "currency": "EUR", "paymentType": "DB"})
    assert r.status_code == 200 and r.json()["paymentBrand"] == "DIRECTDEBIT_SEPA"
    assert r.json()["bankAccount"]["mandate"] == {"id": "M1", "dateOfSignature": "2025-01-15"}
    bad = fixture.replace("DE23", "DE24").replace("423210", "423211")
    r = http.post("/_sandbox/fixtures", data=bad.encode(), params={"baseline": "false", "name": "s.yaml"},
                  headers={"Content-Type": "application/yaml"})
    assert r.status_code == 400 and "100.100.101" in r.text
