"""3-D Secure in a real browser (issue 15 item 2; wpg.md §11.1, §11.2): a merchant checkout
(a small HTTP server in this test, standing in for the client's web app) sends the shopper to the
sandbox's ACS (3DS1) or challenge page (3DS2), the shopper completes it in headless Chromium, the
page posts back to the merchant, and the second leg yields the token asked for by createToken."""

from __future__ import annotations

import base64
import json
import threading
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests

pytestmark = pytest.mark.browser

PATH = "/jsp/merchant/xml/paymentService.jsp"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD WorldPay '
        'PaymentService v1//EN" "http://dtd.worldpay.com/paymentService_v1.dtd">\n')


class Merchant:
    """The merchant's web app: auto-posting forms to the sandbox and the return URLs."""

    def __init__(self) -> None:
        self.posted: list[dict] = []
        self.pages: dict[str, str] = {}
        merchant = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, html: str) -> None:
                body = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._send(merchant.pages.get(self.path, "<html><body>unknown</body></html>"))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                merchant.posted.append({"path": self.path, **fields})
                self._send("<html><body><p id='back'>Back at the merchant</p></body></html>")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def auto_post(self, name: str, action: str, fields: dict) -> str:
        inputs = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in fields.items())
        self.pages["/" + name] = (f'<html><body><form id="f" method="post" action="{escape(action)}">{inputs}</form>'
                                  "<script>document.getElementById('f').submit()</script></body></html>")
        return f"{self.url}/{name}"


@pytest.fixture
def merchant():
    m = Merchant()
    yield m
    m.server.shutdown()


def send(sandbox, inner: str) -> str:
    body = f'{HEAD}<paymentService version="1.4" merchantCode="MYMERCHANT">{inner}</paymentService>'
    r = requests.post(sandbox.url + PATH, data=body.encode(), auth=("MYMERCHANT", "x"), timeout=30)
    assert r.status_code == 200
    return r.text


def first_leg(sandbox, code: str, holder: str) -> str:
    return send(sandbox, (
        f'<submit><order orderCode="{code}"><description>Browser 3DS</description>'
        '<amount value="2500" currencyCode="GBP" exponent="2"/><paymentDetails><CARD-SSL>'
        '<cardNumber>4444333322221111</cardNumber><expiryDate><date month="06" year="2031"/></expiryDate>'
        f'<cardHolderName>{holder}</cardHolderName></CARD-SSL><session id="s-{code}" shopperIPAddress="127.0.0.1"/>'
        "</paymentDetails><shopper><authenticatedShopperID>browser-shopper</authenticatedShopperID><browser>"
        "<acceptHeader>text/html</acceptHeader><userAgentHeader>Mozilla/5.0</userAgentHeader></browser></shopper>"
        "<createToken><tokenEventReference>browser3ds</tokenEventReference></createToken></order></submit>"))


def between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def click_submit(browser, wait):
    from selenium.webdriver.common.by import By

    wait(browser, lambda d: d.find_elements(By.ID, "submit"), "the sandbox's 3-D Secure page")
    browser.find_element(By.ID, "submit").click()
    wait(browser, lambda d: d.find_elements(By.ID, "back"), "the return to the merchant")


def test_3ds1_order_with_create_token_through_the_acs_page(browser, wait, sandbox, merchant):
    """wpg.md §11.1: request3DSecure -> browser posts PaReq/TermUrl/MD to issuerURL -> the ACS page
    -> PaRes posted to TermUrl -> second leg with paResponse -> AUTHORISED with the new token."""
    reply = first_leg(sandbox, "browser-3ds1", "3D")
    assert "<paymentTokenID>" not in reply
    pa_req = between(reply, "<paRequest>", "</paRequest>")
    issuer = between(reply, "<issuerURL><![CDATA[", "]]>")
    start = merchant.auto_post("to-acs", issuer, {"PaReq": pa_req, "TermUrl": merchant.url + "/term",
                                                  "MD": "browser-3ds1"})
    browser.get(start)
    click_submit(browser, wait)
    back = merchant.posted[-1]
    assert back["path"] == "/term" and back["MD"] == "browser-3ds1" and back["PaRes"]
    final = send(sandbox, '<submit><order orderCode="browser-3ds1"><info3DSecure><paResponse>'
                          f'{back["PaRes"]}</paResponse></info3DSecure><session id="s-browser-3ds1"/></order></submit>')
    assert "<lastEvent>AUTHORISED</lastEvent>" in final and 'tokenEvent="NEW"' in final
    assert between(final, "<paymentTokenID>", "</paymentTokenID>")


def test_3ds2_order_with_create_token_through_the_challenge_page(browser, wait, sandbox, merchant):
    """wpg.md §11.2: challengeRequired -> the Cardinal Step-Up form (JWT with ReturnUrl and
    Payload{ACSUrl, Payload, TransactionId}, MD) -> the challenge page -> TransactionId/Response/MD
    posted to ReturnUrl -> second leg with completedAuthentication -> AUTHORISED with the token."""
    reply = first_leg(sandbox, "browser-3ds2", "3DS_V2_CHALLENGE_IDENTIFIED")
    assert "<paymentTokenID>" not in reply
    tx = between(reply, "<transactionId3DS>", "</transactionId3DS>")
    acs = between(reply, "<acsURL><![CDATA[", "]]>")

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"jti": "browser-jti", "iat": 0, "iss": "sandbox-test", "OrgUnitId": "org", "ObjectifyPayload": True,
              "ReturnUrl": merchant.url + "/challenge-return",
              "Payload": {"ACSUrl": acs, "Payload": between(reply, "<payload>", "</payload>"), "TransactionId": tx}}
    jwt = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims)}.c2lnbmF0dXJl"
    browser.get(merchant.auto_post("to-challenge", acs, {"JWT": jwt, "MD": "browser-3ds2"}))
    click_submit(browser, wait)
    back = merchant.posted[-1]
    assert back["path"] == "/challenge-return" and back["TransactionId"] == tx and back["MD"] == "browser-3ds2"
    final = send(sandbox, '<submit><order orderCode="browser-3ds2"><info3DSecure><completedAuthentication/>'
                          '</info3DSecure><session id="s-browser-3ds2"/></order></submit>')
    assert "<lastEvent>AUTHORISED</lastEvent>" in final and 'tokenEvent="NEW"' in final
