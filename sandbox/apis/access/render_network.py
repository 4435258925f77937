"""Network-token bodies (seed 002 "Network Token", access.md §9) from core/access/network records."""

from __future__ import annotations

from ...core.access import network as npt
from .render import curies


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
    error = npt.provisioning_error(rec)
    if error is not None:
        body["provisioningErrors"] = [error]
    return body


def _links(base: str, self_path: str, rel: str, path: str) -> dict:
    return {"self": {"href": base + self_path}, rel: {"href": base + path}, "curies": curies(base)}


def provisioned(base: str, rec: dict, now: float) -> dict:
    links = _links(base, "/tokens/network", "tokens:networkTokenLookup", f"/tokens/network/{rec['ref']}")
    return {**_body(base, rec, now, lookup=False), "_links": links}


def looked_up(base: str, rec: dict, now: float) -> dict:
    links = _links(base, f"/tokens/network/{rec['ref']}", "tokens:networkTokenCryptogram", "/tokens/network/cryptograms")
    return {**_body(base, rec, now, lookup=True), "_links": links}


def cryptogram(base: str, value: str) -> dict:
    return {
        "cryptogramDetails": {"cryptogram": value, "eci": "07"},
        "_links": {
            "self": {"href": f"{base}/tokens/network/cryptograms"},
            "tokens:networkTokenLookup": {"href": f"{base}/tokens/network/{{tokenReference}}", "templated": True},
            "curies": curies(base),
        },
    }
