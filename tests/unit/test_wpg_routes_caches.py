"""The per-header credentials cache and the per-merchant tenant cache answer what decoding does."""

from __future__ import annotations

import base64

from sandbox.apis.wpg import routes
from sandbox.core.tenants import TenantId


class _Request:
    def __init__(self, auth: str | None) -> None:
        self.headers = {} if auth is None else {"Authorization": auth}


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


HEADERS = [None, "", "Basic", "Basic ", "basic " + base64.b64encode(b"u:p").decode(), _basic(b"u:p"),
           _basic(b"u:"), _basic(b":p"), _basic(b"nocolon"), _basic(b"\xff\xfe:x"), "Basic !!!!", "Bearer abc",
           _basic(b"M" * 600 + b":pw"), "Basic  " + base64.b64encode(b"a:b:c").decode() + "  "]


def test_cached_credentials_equal_decoding():
    for _ in range(2):  # the second round answers from the cache
        for auth in HEADERS:
            assert routes.basic_credentials(_Request(auth)) == routes._decode_basic(auth or ""), auth


def test_cached_tenants_equal_tenant_of():
    for _ in range(2):
        for code in ("BENCHMERCHANT", "MY.MERCHANT-1", "bad code", "", "x" * 65, "x" * 500, "ÄÖ"):
            assert routes.tenant_of(code) == TenantId.of("wpg", code), code
