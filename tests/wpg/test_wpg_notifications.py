"""Order notifications to a real local HTTP receiver (seed 003 "Order notifications"; wpg.md §6)."""

from __future__ import annotations

from conftest import card_ssl, error_of, outbox, vendor_dtd, wait_for
from lxml import etree

CREATE = '<createToken tokenScope="shopper"/>'


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
