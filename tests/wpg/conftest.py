"""paymentService test helpers: send XML, parse the reply, and check every reply against the
vendor DTD (../shared/reference/paymentService_v1.dtd) when it is present."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from aiohttp import web
from lxml import etree

PATH = "/jsp/merchant/xml/paymentService.jsp"
VENDOR_DTD = Path(__file__).resolve().parents[3] / "shared" / "reference" / "paymentService_v1.dtd"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD WorldPay '
        'PaymentService v1//EN" "http://dtd.worldpay.com/paymentService_v1.dtd">\n')
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_dtd: list = []


# The saved v1.4.2 DTD declares request3DSecure (mpiRequest, mpiURL?), while every captured reply
# and client reads (paRequest, issuerURL): replies are checked against the union the 2021-2024
# copies declare (wpg.md §11.3), the only change made to the vendor's grammar for reply checks.
REQUEST_3DS = ("<!ELEMENT request3DSecure (mpiRequest, mpiURL?)>",
               "<!ELEMENT request3DSecure ((paRequest, issuerURL) | (mpiRequest, mpiURL?))>")


def vendor_dtd():
    if not _dtd:
        if VENDOR_DTD.exists():
            from io import StringIO

            text = VENDOR_DTD.read_text()
            assert REQUEST_3DS[0] in text, "the vendor DTD no longer declares request3DSecure as expected"
            _dtd.append(etree.DTD(StringIO(text.replace(*REQUEST_3DS))))
        else:
            _dtd.append(None)
    return _dtd[0]


def doc(inner: str, merchant: str = "MYMERCHANT", version: str = "1.4") -> str:
    return f'{HEAD}<paymentService version="{version}" merchantCode="{merchant}">{inner}</paymentService>'


class Wpg:
    def __init__(self, http) -> None:
        self.http = http

    def raw(self, body, user="MYMERCHANT", password="xmlpass", content_type="text/xml; charset=UTF-8"):
        if isinstance(body, str):
            body = body.encode()
        return self.http.post(PATH, data=body, auth=(user, password) if user else None,
                              headers={"Content-Type": content_type})

    def send(self, body, **kw):
        """POST a document; returns the reply root, checked against the vendor DTD."""
        r = self.raw(body, **kw)
        assert r.status_code == 200, r.text
        root = etree.fromstring(r.content, _PARSER)
        dtd = vendor_dtd()
        if dtd is not None:
            assert dtd.validate(root), f"{dtd.error_log.filter_from_errors()}\n{r.text}"
        return root

    def op(self, inner: str, merchant: str = "MYMERCHANT", **kw):
        return self.send(doc(inner, merchant), user=kw.pop("user", merchant), **kw)

    def create(self, shopper="shopper1", pan="4444333322221111", holder="J.Shopper", month="06", year="2031",
               scope=None, ref=None, reason=None, address="", merchant="MYMERCHANT"):
        ct_attr = f' tokenScope="{scope}"' if scope else ""
        inner = (f"<tokenEventReference>{ref}</tokenEventReference>" if ref else "") + (
            f"<tokenReason>{reason}</tokenReason>" if reason else "")
        sid = f"<authenticatedShopperID>{shopper}</authenticatedShopperID>" if shopper else ""
        hold = f"<cardHolderName>{holder}</cardHolderName>" if holder else ""
        return self.op(
            f"<submit><paymentTokenCreate>{sid}<createToken{ct_attr}>{inner}</createToken>"
            f"<paymentInstrument><cardDetails><cardNumber>{pan}</cardNumber>"
            f'<expiryDate><date month="{month}" year="{year}"/></expiryDate>{hold}{address}'
            f"</cardDetails></paymentInstrument></paymentTokenCreate></submit>", merchant=merchant)

    def inquire(self, token_id, shopper="shopper1", scope="shopper", extra="", merchant="MYMERCHANT"):
        sid = f"<authenticatedShopperID>{shopper}</authenticatedShopperID>" if shopper else ""
        return self.op(f'<inquiry><paymentTokenInquiry tokenScope="{scope}"{extra}>{sid}'
                       f"<paymentTokenID>{token_id}</paymentTokenID></paymentTokenInquiry></inquiry>",
                       merchant=merchant)

    def order(self, code, method, shopper=None, create="", amount=1000, merchant="MYMERCHANT"):
        shop = f"<shopper><authenticatedShopperID>{shopper}</authenticatedShopperID></shopper>" if shopper else ""
        return self.op(
            f'<submit><order orderCode="{code}"><description>Test</description>'
            f'<amount value="{amount}" currencyCode="GBP" exponent="2"/><paymentDetails>{method}</paymentDetails>'
            f"{shop}{create}</order></submit>", merchant=merchant)


def card_ssl(pan="4444333322221111", holder="AUTHORISED", month="06", year="2031"):
    return (f"<CARD-SSL><cardNumber>{pan}</cardNumber><expiryDate><date month=\"{month}\" year=\"{year}\"/>"
            f"</expiryDate><cardHolderName>{holder}</cardHolderName><cvc>123</cvc></CARD-SSL>")


def token_ssl(token_id, scope="shopper", override=""):
    inst = f"<paymentInstrument><cardDetails>{override}</cardDetails></paymentInstrument>" if override else ""
    return f'<TOKEN-SSL tokenScope="{scope}"><paymentTokenID>{token_id}</paymentTokenID>{inst}</TOKEN-SSL>'


def token_id(root) -> str:
    return root.findtext(".//tokenDetails/paymentTokenID")


def error_of(root):
    e = root.find(".//error")
    return (e.get("code"), (e.text or "").strip()) if e is not None else None


@pytest.fixture
def wpg(http):
    return Wpg(http)


# -- a notification receiver (wpg.md §6) -------------------------------------------------------
class Receiver:
    """An aiohttp server in a thread; answers `[OK]` unless told to fail the next N requests."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.fail = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        if self.fail:
            self.fail -= 1
            return web.Response(status=500, text="[FAILED]")
        return web.Response(text="<html><body>[OK]</body></html>", content_type="text/html")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post("/notify", self.handle)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/notify"
        self.ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def wait_for(check, what: str):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def outbox(http):
    return http.get("/_sandbox/notifications?tenant=wpg:MYMERCHANT").json()["notifications"]
