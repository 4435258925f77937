"""Shared helpers for the OPP Registrations tests (imported by the test modules)."""

from __future__ import annotations

import re

ENTITY = "8a8294174b7ecb28014b9699220015cc"
BEARER = {"Authorization": "Bearer OGE4Mjk0MTc0YjdlY2IyOA=="}
# The success regex ActiveMerchant and most clients apply to result.code (opp.md §8.1, §11).
SUCCESS = re.compile(r"^(000\.000\.|000\.100\.1|000\.[36])")
PENDING = re.compile(r"^(000\.200)")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+0000$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
CARD = {"paymentBrand": "VISA", "card.number": "4200000000000000", "card.holder": "Jane Jones",
        "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123"}
PAYMENT = {"amount": "92.00", "currency": "EUR", "paymentType": "DB"}


class Opp:
    """An OPP client for one entity; `bearer` names the merchant's access token."""

    def __init__(self, http, entity: str = ENTITY, bearer: str | None = None) -> None:
        self.http = http
        self.entity = entity
        self.headers = {"Authorization": f"Bearer {bearer}"} if bearer else BEARER

    def post(self, path: str, data: dict | None = None, **kw):
        return self.http.post(path, data={"entityId": self.entity, **(data or {})}, headers=self.headers, **kw)

    def get(self, path: str, **params):
        return self.http.get(path, params={"entityId": self.entity, **params}, headers=self.headers)

    def delete(self, path: str, **params):
        return self.http.delete(path, params={"entityId": self.entity, **params}, headers=self.headers)

    def register(self, **extra) -> dict:
        r = self.post("/v1/registrations", {**CARD, **extra})
        assert r.status_code == 200, r.text
        return r.json()

    def state(self) -> dict:
        return self.http.get("/_sandbox/state").json()

    def clock(self, **body) -> dict:
        return self.http.post("/_sandbox/clock", json=body).json()


def assert_envelope(body: dict) -> None:
    """opp.md §12.3: result{code,description}, buildNumber, timestamp, ndc on every response."""
    assert re.match(r"^\d{3}\.\d{3}\.\d{3}$", body["result"]["code"])
    assert body["result"]["description"]
    assert body["buildNumber"] and body["ndc"]
    assert TIMESTAMP.match(body["timestamp"]), body["timestamp"]
