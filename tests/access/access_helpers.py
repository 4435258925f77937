"""Access Tokens v3 test helpers: an authenticated session whose every response body is checked
against the vendor's own OpenAPI (../shared/reference/access-tokens-v3.openapi.yaml).

The conformance check runs on every response the Access tests receive (a response hook), so each
behaviour test doubles as a conformance test; without the reference folder it is a no-op and
test_access_conformance.py says so by skipping.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import requests

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


class Http(requests.Session):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base + url
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


MEDIA = "application/vnd.worldpay.tokens-v3.hal+json"
SPEC = REFERENCE / "access-tokens-v3.openapi.yaml"
CHECKED: list[tuple[str, str, int]] = []  # (method, template, status) validated this session


@cache
def _spec() -> dict | None:
    if not SPEC.exists():
        return None
    import yaml

    return yaml.safe_load(SPEC.read_text())


def _template(method: str, path: str) -> str | None:
    if path in ("/tokens", "/tokens/network", "/tokens/network/cryptograms"):
        return path
    if re.fullmatch(r"/tokens/network/[^/]+", path):
        return "/tokens/network/{id}"
    if re.fullmatch(r"/tokens/[^/]+", path):
        return "/tokens/{tokenId}"
    return None


@cache
def _validator(method: str, template: str, status: int):
    spec = _spec()
    op = (spec["paths"].get(template) or {}).get(method.lower()) or {}
    resp = (op.get("responses") or {}).get(str(status)) or {}
    content = (resp.get("content") or {}).get(MEDIA)
    if not content or "schema" not in content:
        return None
    from jsonschema import Draft202012Validator

    return Draft202012Validator({**content["schema"], "components": spec["components"]})


def conform(response, *args, **kwargs):
    """requests response hook: body matches the documented schema for (method, path, status)."""
    if _spec() is None:
        return response
    from urllib.parse import urlsplit

    template = _template(response.request.method, urlsplit(response.request.url).path)
    if template is None:
        return response
    validator = _validator(response.request.method, template, response.status_code)
    if validator is not None:
        body = response.json()
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, f"{response.request.method} {template} {response.status_code}: {errors[0]}"
        CHECKED.append((response.request.method, template, response.status_code))
    return response


def session(base: str, user: str = "shop1", password: str = "pw", **headers) -> Http:
    s = Http(base)
    s.auth = (user, password)
    s.headers.update({"Accept": MEDIA, "Content-Type": MEDIA, **headers})
    s.hooks["response"].append(conform)
    return s



def card(pan: str = "4444333322221111", holder: str = "Sherlock Holmes", month: int = 5, year: int = 2035,
         **extra) -> dict:
    body = {
        "paymentInstrument": {"type": "card/front", "cardNumber": pan, "cardHolderName": holder,
                              "cardExpiryDate": {"month": month, "year": year}},
        "merchant": {"entity": "default"},
    }
    body.update(extra)
    return body


def path_of(href: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(href).path


def luhn_pan(prefix: str, length: int = 16) -> str:
    """`prefix` padded with zeros plus the check digit that makes it pass Luhn."""
    from sandbox.core.cards import luhn_ok

    body = prefix.ljust(length - 1, "0")
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def load_fixture(http, fixture: dict):
    """POST a fixture (DESIGN §5) as JSON for this test only (baseline=false: reset undoes it)."""
    import json

    return http.post("/_sandbox/fixtures", data=json.dumps(fixture), params={"baseline": "false"},
                     headers={"Content-Type": "application/json"})
