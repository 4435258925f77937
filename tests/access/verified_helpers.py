"""Verified Tokens test helpers: a v3 session whose every reply under /verifiedTokens is checked
against the vendor OpenAPI (../shared/reference/access-verified-tokens.openapi.yaml; a no-op when
that folder is absent, and test_access_verified.py then skips its conformance test)."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from access_helpers import REFERENCE, Http

VT_MEDIA = "application/vnd.worldpay.verified-tokens-v3.hal+json"
VT_SPEC = REFERENCE / "access-verified-tokens.openapi.yaml"
CHECKED: list[tuple[str, int]] = []


@cache
def _spec() -> dict | None:
    if not VT_SPEC.exists():
        return None
    import yaml

    return yaml.safe_load(VT_SPEC.read_text())


@cache
def _validator(path: str, status: int):
    op = (_spec()["paths"].get(path) or {}).get("post") or {}
    content = ((op.get("responses") or {}).get(str(status)) or {}).get("content") or {}
    schema = (content.get(VT_MEDIA) or {}).get("schema")
    if schema is None:
        return None
    from jsonschema import Draft202012Validator

    return Draft202012Validator({**schema, "components": _spec()["components"]})


def conform(response, *args, **kwargs):
    path = urlsplit(response.request.url).path
    if _spec() is None or response.request.method != "POST" or not path.startswith("/verifiedTokens/"):
        return response
    if not response.headers.get("Content-Type", "").startswith(VT_MEDIA):  # v1/v2 replies: not this OpenAPI
        return response
    validator = _validator(path, response.status_code)
    if validator is not None:
        errors = sorted(validator.iter_errors(response.json()), key=str)
        assert not errors, f"POST {path} {response.status_code}: {errors[0]}"
        CHECKED.append((path, response.status_code))
    return response


def vt_session(base: str, user: str = "shop1", password: str = "pw") -> Http:
    s = Http(base)
    s.auth = (user, password)
    s.headers.update({"Accept": VT_MEDIA, "Content-Type": VT_MEDIA})
    s.hooks["response"].append(conform)
    return s


def vt_card(pan: str = "4444333322221111", holder: str = "Sherlock Holmes", month: int = 5, year: int = 2035,
            **extra) -> dict:
    """The vendor's example request (card/plain, verificationCurrency GBP, merchant default)."""
    return {
        "paymentInstrument": {"type": "card/plain", "cardNumber": pan, "cardHolderName": holder,
                              "cardExpiryDate": {"month": month, "year": year}, "cvc": "123"},
        "merchant": {"entity": "default"}, "verificationCurrency": "GBP",
        "narrative": {"line1": "TheMindPalaceLtd"}, **extra,
    }
