"""Issue 14 §8-§9: no full card number or security code in the journal, the logs or
dashboard.json, whatever spelling the client used (README "Card data": never a full PAN or CVV
in logs, the journal or the dashboard)."""

from __future__ import annotations

import codecs
import html
import re
import socket
import time
from urllib.parse import unquote_plus, urlsplit

import requests
from reliability_helpers import OPP_BEARER, OPP_ENTITY, WPG_PATH, access_headers, basic, wpg_headers

PAN = "4444333322221111"
UNIONPAY = "8171999927660000"


def decoded(text: str) -> str:
    """Every spelling undone: XML references, percent and JSON escapes, CDATA splits, separators."""
    text = html.unescape(text)
    text = unquote_plus(text)
    text = codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape")
    text = text.replace("]]><![CDATA[", "")
    return re.sub(r"(?<=[0-9])[ -](?=[0-9])", "", text)


def u_escaped(digits: str) -> str:
    return "".join(f"\\u{ord(d):04x}" for d in digits)


def access_raw(pan_json: str, holder: str = "Jane Jones") -> bytes:
    return ('{"paymentInstrument": {"type": "card/front", "cardNumber": "' + pan_json + '", "cardHolderName": "'
            + holder + '", "cardExpiryDate": {"month": 5, "year": 2035}}, "merchant": {"entity": "default"}}').encode()


def wpg_create(card_xml: str) -> bytes:
    return ('<?xml version="1.0"?><paymentService version="1.4" merchantCode="MYMERCHANT"><submit>'
            '<paymentTokenCreate><authenticatedShopperID>s1</authenticatedShopperID>'
            '<createToken tokenScope="shopper"/><paymentInstrument><cardDetails><cardNumber>' + card_xml
            + '</cardNumber><expiryDate><date month="06" year="2031"/></expiryDate><cardHolderName>J</cardHolderName>'
            "<cvc>739</cvc></cardDetails></paymentInstrument></paymentTokenCreate></submit></paymentService>").encode()


def journal_text(http) -> str:
    return "\n".join(f"{e.get('path')} {e.get('query')} {e.get('request')} {e.get('response')} {e.get('detail')}"
                     for e in http.get("/_sandbox/journal").json()["entries"])


def test_journal_masks_every_spelling_of_a_card_number(http):
    """Issue 14 §8: JSON \\u escapes, percent-encoding, spaces, dashes, CDATA splits, XML character
    references (decimal and hex) and UnionPay 81... numbers are all masked in the journal."""
    http.delete("/_sandbox/journal")
    sends = [
        ("POST", "/tokens", access_raw(u_escaped(PAN)), access_headers()),
        ("POST", "/tokens", access_raw("4444 3333 2222 1111"), access_headers()),
        ("POST", "/tokens", access_raw("4444-3333-2222-1111"), access_headers()),
        ("POST", "/tokens", access_raw(UNIONPAY), access_headers()),
        ("POST", "/v1/registrations", ("entityId=" + OPP_ENTITY + "&paymentBrand=VISA&card.number="
                                       + "".join(f"%{ord(d):02X}" for d in PAN)
                                       + "&card.holder=J&card.expiryMonth=05&card.expiryYear=2034&card.cvv=123").encode(),
         {"Authorization": f"Bearer {OPP_BEARER}", "Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/v1/registrations", ("entityId=" + OPP_ENTITY + "&paymentBrand=VISA&card.number=4444+3333+2222+1111"
                                       "&card.holder=J&card.expiryMonth=05&card.expiryYear=2034&card.cvv=123").encode(),
         {"Authorization": f"Bearer {OPP_BEARER}", "Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", WPG_PATH, wpg_create("<![CDATA[4444]]><![CDATA[333322221111]]>"), wpg_headers()),
        ("POST", WPG_PATH, wpg_create("".join(f"&#{ord(d)};" for d in PAN)), wpg_headers()),
        ("POST", WPG_PATH, wpg_create("".join(f"&#x{ord(d):x};" for d in PAN)), wpg_headers()),
    ]
    for method, path, body, headers in sends:
        r = http.request(method, path, data=body, headers=headers)
        assert r.status_code < 500, (path, r.text[:300])
    text = journal_text(http)
    assert text.count("4444") >= len(sends) - 1, "the requests were not journalled"
    plain = decoded(text)
    for pan in (PAN, UNIONPAY):
        assert pan not in plain, f"{pan} readable in the journal: ...{plain[plain.find(pan) - 200:plain.find(pan) + 40]}"


def test_security_codes_never_reach_the_journal(http):
    """Issue 14 §9: CVV/CVC values (OPP card.cvv, paymentService <cvc>, JSON cvc) are masked."""
    http.delete("/_sandbox/journal")
    http.post("/v1/registrations", headers={"Authorization": f"Bearer {OPP_BEARER}"}, data={
        "entityId": OPP_ENTITY, "paymentBrand": "VISA", "card.number": PAN, "card.holder": "J",
        "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "987"})
    http.post(WPG_PATH, data=wpg_create(PAN), headers=wpg_headers())
    http.post("/tokens", data=b'{"paymentInstrument": {"type": "card/front", "cardNumber": "' + PAN.encode()
              + b'", "cvc": "654"}}', headers=access_headers())
    text = decoded(journal_text(http))
    assert "card.cvv=" in text and "<cvc>" in text
    for code in ("987", "739", "654"):
        assert not re.search(rf"(?i)(cvv|cvc)[^0-9]{{0,12}}{code}", text), code


def test_security_codes_under_escaped_field_names_never_reach_the_journal(http):
    """Issue 14 §9 (in every encoding): a form parser reads `card.%63vv` as card.cvv and a JSON
    parser `"\\u0063vc"` as "cvc", so the code after such a name is a security code too."""
    http.delete("/_sandbox/journal")
    http.post("/v1/registrations", headers={"Authorization": f"Bearer {OPP_BEARER}",
                                            "Content-Type": "application/x-www-form-urlencoded"},
              data=f"entityId={OPP_ENTITY}&paymentBrand=VISA&card.number={PAN}&card.holder=J&card.expiryMonth=05"
                   "&card.expiryYear=2034&card.%63%76v=321")
    http.post("/tokens", data=b'{"paymentInstrument": {"type": "card/front", "cardNumber": "' + PAN.encode()
              + b'", "\\u0063V\\u0043": "432"}}', headers=access_headers())
    http.post("/v1/registrations", headers={"Authorization": f"Bearer {OPP_BEARER}",
                                            "Content-Type": "application/x-www-form-urlencoded"},
              data=f"entityId={OPP_ENTITY}&card.number={PAN}&card.secur%69tyCode=543")
    text = decoded(journal_text(http))
    assert text.count("card.cvv=") == 1 and '"cVC"' in text and "card.securityCode=" in text, text[-800:]
    for code in ("321", "432", "543"):
        assert not re.search(rf"(?i)(cvv|cvc|securitycode)[^0-9]{{0,12}}{code}", text), code


def test_dashboard_json_masks_card_numbers_in_free_text(http):
    """Issue 14 §8: a card number typed into the holder name does not reach dashboard.json."""
    r = http.post("/tokens", data=access_raw(PAN, holder="Jane 4111111111111111"), headers=access_headers("dashshop"))
    assert r.status_code == 201, r.text
    body = http.get("/_sandbox/dashboard.json").text
    assert PAN not in body and "4111111111111111" not in body
    http.post("/_sandbox/reset")


def test_aiohttp_error_logs_are_masked(start_sandbox):
    """Issue 14 §9: a malformed request that aiohttp itself logs (card number and Basic
    credentials in it) leaves neither in the log, at debug level."""
    proc = start_sandbox("--log-level", "debug")
    parts = urlsplit(proc.url)
    secret = basic("merchant", "hunter2-password").split()[1]
    raw = (f"POST /tokens?pan={PAN} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {secret}\r\n"
           f"X-Card: {PAN}\x01\r\nContent-Length: 0\r\n\r\n").encode()
    for payload in (raw, f"GET /{PAN} HTTP/1.1\r\nHost: x\r\nContent-Length: -{PAN}\r\n\r\n".encode(),
                    f"{PAN} / HTTP/1.1\r\n\r\n".encode()):
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as s:
            s.sendall(payload)
            s.settimeout(5)
            try:
                s.recv(65536)
            except OSError:
                pass
    time.sleep(0.5)
    requests.get(proc.url + "/_sandbox/health", timeout=5)
    proc.stop()
    log = "".join(proc.output)
    assert log.count("Error handling request") >= 3, log[-2000:]  # aiohttp did log each one
    assert PAN not in log, log[-2000:]
    assert secret not in log, log[-2000:]


def test_tenant_named_by_a_card_number_is_masked_in_journal_and_dashboard(http):
    """Issue 14 §8: in permissive mode an Access username may be a card number; the tenant id
    then shows masked in dashboard.json and the journal (the journal's tenant filter still works)."""
    http.delete("/_sandbox/journal")
    r = http.post("/tokens", data=access_raw("4111111111111111"), headers=access_headers(PAN))
    assert r.status_code == 201, r.text
    assert PAN not in http.get("/_sandbox/dashboard.json").text
    journal = http.get("/_sandbox/journal").text
    assert PAN not in journal and "4444********1111" in journal
    assert http.get("/_sandbox/journal", params={"tenant": f"access:{PAN}"}).json()["entries"]
    http.post("/_sandbox/reset")
