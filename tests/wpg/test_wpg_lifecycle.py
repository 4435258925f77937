"""The order life cycle on the virtual clock (wpg.md §11.5): AUTHORISED -> CAPTURED -> SETTLED and
SENT_FOR_REFUND -> REFUNDED after configurable virtual delays, REFUND_FAILED and CHARGED_BACK on a
control-plane call, each with its notification; the retry schedule is configurable."""

from __future__ import annotations

from conftest import card_ssl, vendor_dtd, wait_for
from lxml import etree

ALL = ["AUTHORISED", "CAPTURED", "SETTLED", "SENT_FOR_REFUND", "REFUNDED", "REFUND_FAILED", "CHARGED_BACK",
       "CHARGEBACK_REVERSED"]


def modify(wpg, code: str, action: str, value: int = 1000, reference: str = ""):
    ref = f' reference="{reference}"' if reference else ""
    return wpg.op(f'<modify><orderModification orderCode="{code}"><{action}{ref}><amount value="{value}" '
                  f'currencyCode="GBP" exponent="2"/></{action}></orderModification></modify>')


def postings(body: bytes) -> list[tuple]:
    journal = etree.fromstring(body).find("notify/orderStatusEvent/journal")
    return [(tx.get("accountType"), tx.find("amount").get("value"), tx.find("amount").get("debitCreditIndicator"))
            for tx in journal.findall("accountTx")] + [
        (r.get("type"), r.get("reference")) for r in journal.findall("journalReference")]


def last_event(wpg, code: str) -> str:
    return wpg.op(f'<inquiry><orderInquiry orderCode="{code}"/></inquiry>').findtext(".//lastEvent")


def delivered_events(receiver) -> list[str]:
    out = []
    for body in receiver.bodies:
        root = etree.fromstring(body)
        if vendor_dtd() is not None:
            assert vendor_dtd().validate(root), vendor_dtd().error_log
        out.append(root.find("notify/orderStatusEvent/journal").get("journalType"))
    return out


def test_captured_settles_and_refund_completes_on_the_virtual_clock(wpg, http, sandbox, receiver):
    """wpg.md §11.5: SETTLED and REFUNDED are sent later (default 15 virtual minutes)."""
    http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": receiver.url, "events": ALL})
    wpg.order("life1", card_ssl())
    modify(wpg, "life1", "capture", reference="cap-ref-1")
    assert last_event(wpg, "life1") == "CAPTURED"
    sandbox.clock.advance("PT16M")
    assert last_event(wpg, "life1") == "SETTLED"
    modify(wpg, "life1", "refund", 400, reference="refund-ref-1")
    assert last_event(wpg, "life1") == "SENT_FOR_REFUND"
    sandbox.clock.advance("PT16M")
    wait_for(lambda: len(receiver.bodies) == 5, "five notifications")
    assert delivered_events(receiver) == ["AUTHORISED", "CAPTURED", "SETTLED", "SENT_FOR_REFUND", "REFUNDED"]
    # wpg.md §11.5 table: the postings and references each event carries.
    assert postings(receiver.bodies[0]) == [("IN_PROCESS_AUTHORISED", "1000", "credit")]
    assert postings(receiver.bodies[1]) == [("IN_PROCESS_CAPTURED", "1000", "credit"),
                                            ("IN_PROCESS_AUTHORISED", "1000", "debit"), ("capture", "cap-ref-1")]
    assert postings(receiver.bodies[3]) == [("IN_PROCESS_CAPTURED", "400", "debit"), ("refund", "refund-ref-1")]
    assert last_event(wpg, "life1") == "REFUNDED"


def test_refund_failure_and_chargeback_on_demand(wpg, http, receiver):
    """wpg.md §11.5: no test magic produces them, so the control plane does; REFUND_FAILED gives
    the refund back (balance IN_PROCESS_CAPTURED)."""
    http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": receiver.url, "events": ALL})
    wpg.order("life2", card_ssl())
    modify(wpg, "life2", "capture")
    modify(wpg, "life2", "refund", 1000)
    r = http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/life2/events", json={"event": "REFUND_FAILED"})
    assert r.status_code == 200 and r.json()["lastEvent"] == "REFUND_FAILED"
    assert last_event(wpg, "life2") == "REFUND_FAILED"
    state = http.get("/_sandbox/state?tenant=wpg:MYMERCHANT").json()["tenants"]["wpg:MYMERCHANT"]
    order = next(p for p in state["payments"] if p["id"] == "life2")
    assert order["refunded"] == 0 and order["status"] == "CAPTURED"
    assert http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/life2/events",
                     json={"event": "CHARGED_BACK"}).json()["lastEvent"] == "CHARGED_BACK"
    assert http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/life2/events",
                     json={"event": "CHARGEBACK_REVERSED"}).status_code == 200
    wait_for(lambda: len(receiver.bodies) == 6, "six notifications")
    assert delivered_events(receiver)[-3:] == ["REFUND_FAILED", "CHARGED_BACK", "CHARGEBACK_REVERSED"]
    assert postings(receiver.bodies[3]) == [("IN_PROCESS_CAPTURED", "1000", "credit")]  # the refund given back
    assert etree.fromstring(receiver.bodies[3]).find(".//journal").get("description") == "Refund failed"
    bad = http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/life2/events", json={"event": "SETTLED_NOW"})
    assert bad.status_code == 400
    assert http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/nope/events",
                     json={"event": "CHARGED_BACK"}).status_code == 404
    wpg.order("life3", card_ssl())
    early = http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/life3/events", json={"event": "CHARGED_BACK"})
    assert early.status_code == 400 and "not captured" in early.json()["message"]


def test_retry_schedule_is_configurable(start_sandbox, receiver):
    """wpg.md §11.5 (interval UNCONFIRMED): wpg.notify_retry_first_seconds scales the schedule and
    wpg.notify_retry_attempts bounds it."""
    import requests

    proc = start_sandbox("--option", "wpg.notify_retry_first_seconds=10", "--option", "wpg.notify_retry_attempts=1")
    base = proc.url
    requests.put(base + "/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": receiver.url})
    receiver.fail = 5
    from conftest import doc

    requests.post(base + "/jsp/merchant/xml/paymentService.jsp", auth=("MYMERCHANT", "x"), data=doc(
        '<submit><order orderCode="r1"><description>d</description><amount value="1" currencyCode="GBP" '
        f'exponent="2"/><paymentDetails>{card_ssl()}</paymentDetails></order></submit>').encode())

    def notes():
        return requests.get(base + "/_sandbox/notifications").json()["notifications"]

    wait_for(lambda: notes() and notes()[0]["attempts"], "the first attempt")
    first = notes()[0]
    assert first["nextAttemptAt"] - first["attempts"][0]["at"] == 10
    requests.post(base + "/_sandbox/clock", json={"advance": "PT11S"})
    wait_for(lambda: notes()[0]["status"] == "failed", "giving up after one retry")


def test_later_notifications_wait_behind_one_being_retried(wpg, http, sandbox, receiver):
    """wpg.md §11.5: while one notification is retried, later ones for the merchant are held back
    (wpg.notify_in_order, default true); they follow once it is acknowledged."""
    from conftest import outbox

    http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": receiver.url})
    receiver.fail = 1
    wpg.order("hol1", card_ssl())
    wait_for(lambda: outbox(http) and outbox(http)[0]["attempts"], "the failed first attempt")
    wpg.order("hol2", card_ssl())
    import time

    time.sleep(0.6)  # three delivery rounds: the second must not overtake the first
    assert len(receiver.bodies) == 1 and [n["status"] for n in outbox(http)] == ["pending", "pending"]
    sandbox.clock.advance("PT61S")
    wait_for(lambda: [n["status"] for n in outbox(http)] == ["delivered", "delivered"], "both delivered in order")
    codes = [etree.fromstring(b).find("notify/orderStatusEvent").get("orderCode") for b in receiver.bodies]
    assert codes == ["hol1", "hol1", "hol2"]


def test_background_capture_then_settlement(wpg, http, sandbox, receiver):
    """wpg.md §11.5: the test environment captures authorised payments in the background; with
    wpg.auto_capture_minutes=30 an order goes AUTHORISED -> CAPTURED -> SETTLED on the clock."""
    r = http.post("/_sandbox/fixtures?baseline=false", json={"version": 1, "options": {"wpg.auto_capture_minutes": 30}})
    assert r.status_code == 200
    http.put("/_sandbox/tenants/wpg:MYMERCHANT/notifications", json={"url": receiver.url, "events": ALL})
    wpg.order("auto1", card_ssl())
    sandbox.clock.advance("PT29M")
    assert last_event(wpg, "auto1") == "AUTHORISED"
    sandbox.clock.advance("PT2M")
    assert last_event(wpg, "auto1") == "CAPTURED"
    sandbox.clock.advance("PT16M")
    assert last_event(wpg, "auto1") == "SETTLED"
    wait_for(lambda: len(receiver.bodies) == 3, "three notifications")
    assert delivered_events(receiver) == ["AUTHORISED", "CAPTURED", "SETTLED"]
    assert postings(receiver.bodies[1])[:2] == [("IN_PROCESS_CAPTURED", "1000", "credit"),
                                                ("IN_PROCESS_AUTHORISED", "1000", "debit")]


def test_restored_schedule_runs_without_a_request(wpg, http, start_sandbox):
    """A snapshot restored with PUT /_sandbox/state into a fresh sandbox keeps its later statuses:
    the delivery loop applies them on the virtual clock without any paymentService request."""
    import requests

    wpg.order("snap1", card_ssl())
    modify(wpg, "snap1", "capture")
    snapshot = http.get("/_sandbox/state").json()
    assert snapshot["tenants"]["wpg:MYMERCHANT"]["data"]["wpg"]["schedule"][0]["event"] == "SETTLED"
    other = start_sandbox().url
    assert requests.put(other + "/_sandbox/state", json=snapshot, timeout=10).status_code == 200
    assert requests.post(other + "/_sandbox/clock", json={"advance": "PT16M"}, timeout=10).status_code == 200

    def settled():
        state = requests.get(other + "/_sandbox/state?tenant=wpg:MYMERCHANT", timeout=10).json()
        order = next(p for p in state["tenants"]["wpg:MYMERCHANT"]["payments"] if p["id"] == "snap1")
        return order["meta"].get("statusEvent") == "SETTLED"

    wait_for(settled, "the restored SETTLED to be applied")


def test_chargeback_scheduled_after_a_virtual_delay(wpg, http, sandbox):
    """wpg.md §11.5: a dispute arrives weeks later; `after` schedules it on the virtual clock."""
    wpg.order("cb1", card_ssl())
    modify(wpg, "cb1", "capture")
    r = http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/cb1/events", json={"event": "CHARGED_BACK", "after": "P30D"})
    assert r.status_code == 200 and r.json()["event"] == "CHARGED_BACK"
    sandbox.clock.advance("P29D")
    assert last_event(wpg, "cb1") == "SETTLED"
    sandbox.clock.advance("P2D")
    assert last_event(wpg, "cb1") == "CHARGED_BACK"
    bad = http.post("/_sandbox/tenants/wpg:MYMERCHANT/orders/cb1/events", json={"event": "SETTLED", "after": "soon"})
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["message"]
