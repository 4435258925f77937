"""Order notifications to a real local HTTP receiver (seed 003 "Order notifications"; wpg.md §6)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from aiohttp import web
from conftest import card_ssl, error_of, vendor_dtd
from lxml import etree

CREATE = '<createToken tokenScope="shopper"/>'


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


def test_authorised_order_notification_with_token_block(wpg, http, receiver):
    """wpg.md §6.2 orderStatusEvent; the token block only for orders that created a token (seed 003)."""
    r = http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": receiver.url})
    assert r.status_code == 200 and r.json()["events"] == ["AUTHORISED", "REFUSED", "CANCELLED"]
    wpg.order("n1", card_ssl(), shopper="s1", create=CREATE)
    wait_for(lambda: outbox(http) and outbox(http)[0]["status"] == "delivered", "delivery")
    root = etree.fromstring(receiver.bodies[0])
    if vendor_dtd() is not None:
        assert vendor_dtd().validate(root), vendor_dtd().error_log
    event = root.find("notify/orderStatusEvent")
    assert event.get("orderCode") == "n1"
    assert event.findtext("payment/lastEvent") == "AUTHORISED"
    assert event.find("token/tokenDetails").get("tokenEvent") == "NEW"
    assert event.find("journal").get("journalType") == "AUTHORISED"
    # A payment with a card and no createToken: no token block; CAPTURED is not subscribed.
    wpg.order("n2", card_ssl(holder="REFUSED"))
    wait_for(lambda: len(receiver.bodies) == 2, "second notification")
    second = etree.fromstring(receiver.bodies[1]).find("notify/orderStatusEvent")
    assert second.findtext("payment/lastEvent") == "REFUSED" and second.find("token") is None


def test_unacknowledged_notification_is_retried_on_the_virtual_clock(wpg, http, sandbox, receiver):
    """wpg.md §6.1: a 200 containing [OK] acknowledges; anything else is retried (virtual clock)."""
    http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": receiver.url, "events": ["CANCELLED"]})
    receiver.fail = 1
    wpg.order("n3", card_ssl())
    root = wpg.op('<modify><orderModification orderCode="n3"><cancel/></orderModification></modify>')
    assert error_of(root) is None
    note = wait_for(lambda: [n for n in outbox(http) if n["attempts"]], "first attempt")[0]
    assert note["status"] == "pending" and note["attempts"][0]["status"] == 500
    assert len(receiver.bodies) == 1
    sandbox.clock.advance("PT61S")
    wait_for(lambda: outbox(http)[0]["status"] == "delivered", "retry")
    assert len(receiver.bodies) == 2
    # Redeliver on demand.
    r = http.post(f"/_sandbox/notifications/{note['id']}/redeliver")
    assert r.status_code == 200
    wait_for(lambda: len(receiver.bodies) == 3, "redelivery")
    assert http.post("/_sandbox/notifications/nope/redeliver").status_code == 404


def test_notification_config_is_validated(http):
    """DESIGN §4.3 control plane: bad input -> 400, nothing stored."""
    bad = http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": "ftp://x", "events": []})
    assert bad.status_code == 400
    bad = http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": "http://x/", "events": ["NOPE"]})
    assert bad.status_code == 400
    assert http.get("/_sandbox/state?tenant=wpg:MYMERCHANT").json()["tenants"] == {}
