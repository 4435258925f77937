"""Payments API 2024-06-01 test helpers: a session speaking as the vendor's own client does
(`Content-Type: application/json`, `WP-Api-Version: 2024-06-01`, no Accept), whose every reply is
checked against the vendor OpenAPI (../shared/reference/payments-2024-06-01.openapi.yaml) where it is
present; reference data is read from there, never copied into the project."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from access_helpers import REFERENCE, Http

SPEC = REFERENCE / "payments-2024-06-01.openapi.yaml"
HEADERS = {"Content-Type": "application/json", "WP-Api-Version": "2024-06-01"}
CHECKED: list[tuple[str, str, int]] = []


@cache
def _spec() -> dict:
    import yaml

    return yaml.safe_load(SPEC.read_text())


def _template(path: str) -> str | None:
    if path == "/api/payments":
        return path
    m = re.fullmatch(r"/api/payments/[^/]+(/[A-Za-z0-9]+)?", path)
    return f"/api/payments/{{linkData}}{m.group(1) or ''}" if m else None


@cache
def _validator(method: str, template: str, status: int):
    op = (_spec()["paths"].get(template) or {}).get(method.lower()) or {}
    content = ((op.get("responses") or {}).get(str(status)) or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if schema is None:
        return None
    from jsonschema import Draft202012Validator

    return Draft202012Validator({**schema, "components": _spec()["components"]})


def conform(response, *args, **kwargs):
    """Every reply: `application/json`, and a documented status's body matches its schema."""
    template = _template(urlsplit(response.request.url).path)
    if template is None:
        return response
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    validator = _validator(response.request.method, template, response.status_code) if SPEC.exists() else None
    if validator is not None:
        errors = sorted(validator.iter_errors(response.json()), key=str)
        assert not errors, f"{response.request.method} {template} {response.status_code}: {errors[0]}"
        CHECKED.append((response.request.method, template, response.status_code))
    return response


def payments_session(base: str, user: str = "shop1", password: str = "pw") -> Http:
    s = Http(base)
    s.auth = (user, password)
    s.headers.update(HEADERS)
    s.headers.pop("Accept", None)  # requests adds `*/*`, as Node fetch does for the vendor's client
    s.hooks["response"].append(conform)
    return s


def token_payment(href: str | None = None, amount: int = 250, currency: str = "GBP", ref: str | None = None,
                  token_id: str | None = None, namespace: str | None = None, **instruction) -> dict:
    """The vendor's "Stored - Worldpay Token (href)" / "(tokenId & namespace)" request."""
    import uuid

    pi: dict = {"type": "token"}
    if href is not None:
        pi["href"] = href
    if token_id is not None:
        pi["tokenId"] = token_id
    if namespace is not None:
        pi["namespace"] = namespace
    return {
        "transactionReference": ref or f"Memory265-{uuid.uuid4().hex[:12]}",
        "merchant": {"entity": "default"},
        "instruction": {
            "method": "card", "paymentInstrument": pi, "narrative": {"line1": "trading name"},
            "value": {"currency": currency, "amount": amount},
            "customerAgreement": {"type": "cardOnFile", "storedCardUsage": "subsequent"},
            **instruction,
        },
    }
