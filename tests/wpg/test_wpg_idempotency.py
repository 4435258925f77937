"""Idempotency-Key (wpg.md §11.4): replay of the stored reply within the key's lifetime, code 9
for a malformed key, for a key still in progress and for a merchant without the feature; a
repeated capture without the header is a success (GOV.UK PR 443)."""

from __future__ import annotations

import socket
import time
import uuid
from urllib.parse import urlsplit

from conftest import PATH, card_ssl, doc, error_of

ORDER = ('<submit><order orderCode="{code}"><description>d</description><amount value="1000" currencyCode="GBP" '
         'exponent="2"/><paymentDetails>{card}</paymentDetails></order></submit>')


def post(http, body: str, key: str | None):
    headers = {"Content-Type": "text/xml"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.post(PATH, data=doc(body).encode(), auth=("MYMERCHANT", "x"), headers=headers)


def test_same_key_replays_the_original_reply_without_processing(http, wpg):
    """wpg.md §11.4: a repeat within the lifetime gets the original reply, even with another body."""
    key = str(uuid.uuid4())
    first = post(http, ORDER.format(code="idem1", card=card_ssl()), key)
    assert "<lastEvent>AUTHORISED</lastEvent>" in first.text
    again = post(http, ORDER.format(code="idem2", card=card_ssl(holder="REFUSED")), key)
    assert again.content == first.content
    missing = wpg.op('<inquiry><orderInquiry orderCode="idem2"/></inquiry>')
    assert error_of(missing)[0] == "5"  # idem2 was never processed
    other = post(http, ORDER.format(code="idem3", card=card_ssl()), str(uuid.uuid4()))
    assert 'orderCode="idem3"' in other.text


def test_key_expires_on_the_virtual_clock(http, wpg):
    """wpg.md §11.4: after the lifetime (wpg.idempotency_ttl_days, 7) the key is new again."""
    key = str(uuid.uuid4())
    post(http, ORDER.format(code="ttl1", card=card_ssl()), key)
    assert http.post("/_sandbox/clock", json={"advance": "P8D"}).status_code == 200
    later = post(http, ORDER.format(code="ttl2", card=card_ssl()), key)
    assert 'orderCode="ttl2"' in later.text and "<lastEvent>AUTHORISED</lastEvent>" in later.text


def test_invalid_key_and_feature_off_are_code_9(http, start_sandbox):
    """wpg.md §11.4: "Invalid idempotency-key" (not a UUID) and "Service not enabled", at
    reply/orderStatus[@orderCode]/error; the order is not processed."""
    r = post(http, ORDER.format(code="bad1", card=card_ssl()), "not-a-uuid")
    assert 'orderStatus orderCode="bad1"' in r.text and '<error code="9"><![CDATA[Invalid idempotency-key]]>' in r.text
    proc = start_sandbox("--option", "wpg.idempotency=off")
    import requests

    r = requests.post(proc.url + PATH, data=doc(ORDER.format(code="off1", card=card_ssl())).encode(),
                      auth=("MYMERCHANT", "x"), headers={"Idempotency-Key": str(uuid.uuid4())})
    assert '<error code="9"><![CDATA[Service not enabled]]>' in r.text
    plain = requests.post(proc.url + PATH, data=doc(ORDER.format(code="off2", card=card_ssl())).encode(),
                          auth=("MYMERCHANT", "x"))
    assert "<lastEvent>AUTHORISED</lastEvent>" in plain.text


def test_key_in_progress_is_code_9(http, sandbox):
    """wpg.md §11.4 "Request in progress": a second request with the key while the first is
    still being received gets code 9; the first then completes normally."""
    key = str(uuid.uuid4())
    body = doc(ORDER.format(code="busy1", card=card_ssl())).encode()
    url = urlsplit(sandbox.url)
    import base64

    auth = base64.b64encode(b"MYMERCHANT:x").decode()
    slow = socket.create_connection((url.hostname, url.port))
    slow.sendall((f"POST {PATH} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Basic {auth}\r\n"
                  f"Idempotency-Key: {key}\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n").encode()
                 + body[:50])
    try:
        time.sleep(0.3)  # the first request is now waiting for the rest of its body
        second = post(http, ORDER.format(code="busy2", card=card_ssl()), key)
        assert '<error code="9"><![CDATA[Request in progress]]>' in second.text
        slow.sendall(body[50:])
        slow.settimeout(10)
        answer = b""
        while b"</paymentService>" not in answer:
            chunk = slow.recv(65536)
            assert chunk, answer
            answer += chunk
        assert b"<lastEvent>AUTHORISED</lastEvent>" in answer
    finally:
        slow.close()


def test_repeated_capture_without_a_key_is_a_success(wpg):
    """GOV.UK PR 443 (wpg.md §11.4): capturing an already captured order again succeeds."""
    wpg.order("cap1", card_ssl())
    capture = '<modify><orderModification orderCode="cap1"><capture><amount value="1000" currencyCode="GBP" ' \
              'exponent="2"/></capture></orderModification></modify>'
    assert wpg.op(capture).find("reply/ok/captureReceived") is not None
    assert wpg.op(capture).find("reply/ok/captureReceived") is not None
    assert wpg.op('<inquiry><orderInquiry orderCode="cap1"/></inquiry>').findtext(".//lastEvent") == "CAPTURED"


def test_refused_request_stores_nothing(http):
    """Bad input never changes the store (the project's rule): an <error> reply is not kept under
    the key, which then works for a corrected request."""
    key = str(uuid.uuid4())
    bad = post(http, ORDER.format(code="ref-1", card=card_ssl(pan="4444333322221112")), key)
    assert '<error code="7">' in bad.text
    assert http.get("/_sandbox/state?tenant=wpg:MYMERCHANT").json()["tenants"] == {}
    good = post(http, ORDER.format(code="ref-1", card=card_ssl()), key)
    assert "<lastEvent>AUTHORISED</lastEvent>" in good.text
