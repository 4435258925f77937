"""Helpers for the reliability suite: state snapshots compared byte for byte, one valid request per
API, and raw-socket clients for misbehaving peers.

Every check here works over real HTTP against a running sandbox (the session server through the
`http` fixture, or one started with its own flags).
"""

from __future__ import annotations

import base64
import contextlib
import socket
from urllib.parse import urlsplit

ACCESS_MEDIA = "application/vnd.worldpay.tokens-v3.hal+json"
WPG_PATH = "/jsp/merchant/xml/paymentService.jsp"
OPP_BEARER = "OGE4Mjk0MTc0YjdlY2IyOA=="
OPP_ENTITY = "8a8294174b7ecb28014b9699220015cc"
PAN = "4444333322221111"


# -- state, compared byte for byte -----------------------------------------------------------
def freeze(http) -> None:
    """Freeze the global clock so two snapshots taken apart in time can be byte-identical."""
    r = http.post("/_sandbox/clock", json={"freeze": True})
    assert r.status_code == 200, r.text


def state_bytes(http) -> bytes:
    r = http.get("/_sandbox/state")
    assert r.status_code == 200, r.text
    return r.content


@contextlib.contextmanager
def unchanged(http, what: str = ""):
    """Assert the request(s) in the block left GET /_sandbox/state byte-identical (DESIGN §4.3)."""
    before = state_bytes(http)
    yield
    after = state_bytes(http)
    assert after == before, f"state changed by a rejected request {what}:\nbefore {before[:600]!r}\nafter  {after[:600]!r}"


def tenants(http) -> dict:
    return http.get("/_sandbox/state").json()["tenants"]


# -- one valid request per API ----------------------------------------------------------------
def basic(user: str, password: str = "pw") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def access_headers(user: str = "shop1", password: str = "pw") -> dict:
    return {"Authorization": basic(user, password), "Content-Type": ACCESS_MEDIA, "Accept": ACCESS_MEDIA}


def access_card(pan: str = PAN, namespace: str | None = None, holder: str = "Sherlock Holmes") -> dict:
    """seed 002 "Create a new token" request body."""
    body = {
        "paymentInstrument": {"type": "card/front", "cardNumber": pan, "cardHolderName": holder,
                              "cardExpiryDate": {"month": 5, "year": 2035}},
        "merchant": {"entity": "default"},
    }
    if namespace:
        body["namespace"] = namespace
    return body


def opp_headers(bearer: str = OPP_BEARER) -> dict:
    return {"Authorization": f"Bearer {bearer}", "Content-Type": "application/x-www-form-urlencoded"}


def opp_registration(pan: str = PAN, entity: str = OPP_ENTITY) -> dict:
    """opp.md E1: standalone tokenisation form."""
    return {"entityId": entity, "paymentBrand": "VISA", "card.number": pan, "card.holder": "Jane Jones",
            "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123"}


def wpg_headers(merchant: str = "MYMERCHANT", password: str = "pw") -> dict:
    return {"Authorization": basic(merchant, password), "Content-Type": "text/xml"}


def wpg_create(pan: str = PAN, merchant: str = "MYMERCHANT", shopper: str = "shopper1",
               prolog: str = "", holder: str = "Jane Jones") -> bytes:
    """wpg.md §4.1: paymentTokenCreate, shopper scope. `prolog` goes after the XML declaration."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + (prolog or
        '<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD WorldPay PaymentService v1//EN" '
        '"http://dtd.worldpay.com/paymentService_v1.dtd">') + "\n"
        f'<paymentService version="1.4" merchantCode="{merchant}"><submit><paymentTokenCreate>'
        f"<authenticatedShopperID>{shopper}</authenticatedShopperID>"
        '<createToken tokenScope="shopper"><tokenEventReference>ref_1</tokenEventReference>'
        "<tokenReason>reliability</tokenReason></createToken>"
        f"<paymentInstrument><cardDetails><cardNumber>{pan}</cardNumber>"
        '<expiryDate><date month="06" year="2030"/></expiryDate>'
        f"<cardHolderName>{holder}</cardHolderName></cardDetails></paymentInstrument>"
        "</paymentTokenCreate></submit></paymentService>"
    ).encode()


# The create route of each API with valid credentials: (api, path, headers, a valid body).
def create_routes() -> list[tuple[str, str, dict, bytes]]:
    from urllib.parse import urlencode

    return [
        ("access", "/tokens", access_headers(), __import__("json").dumps(access_card()).encode()),
        ("opp", "/v1/registrations", opp_headers(), urlencode(opp_registration()).encode()),
        ("wpg", WPG_PATH, wpg_headers(), wpg_create()),
    ]


def api_format_ok(api: str, response) -> bool:
    """The response is in the API's own error format (not aiohttp's text/plain default)."""
    ctype = response.headers.get("Content-Type", "")
    if api == "access":
        return ctype.startswith(ACCESS_MEDIA) and "errorName" in response.json()
    if api == "opp":
        return ctype.startswith("application/json") and "code" in response.json()["result"]
    if api == "wpg":
        return "xml" in ctype and b"<paymentService" in response.content or response.status_code == 401
    return ctype.startswith("application/json") and "error" in response.json()


# -- raw sockets -----------------------------------------------------------------------------
def connect(url: str, timeout: float = 10.0) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (or the socket timeout, which raises)."""
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.") else 0
