"""paymentService replies, built as strings in the vendor DTD's element order (wpg.md §2, §4).

String building rather than an lxml tree: it is several times faster for these small replies and
the order of every child is visible here. Free text (cardholder name, reasons, errors) goes in
CDATA, as the vendor does; everything else is escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from ...core.cards import CardProfile
from ...core.payments import Payment
from ...core.tokens import Token
from ...core.wpg.cards import sub_brand, wpg_brand
from ...core.wpg.env import Env
from ...core.wpg.orders import last_event
from .errors import DOCTYPE, cdata, error_element


def el(name: str, value: str | None) -> str:
    return "" if value is None else f"<{name}>{escape(value)}</{name}>"


def _full_date(ts: float) -> str:
    d = datetime.fromtimestamp(ts, UTC)
    return (f'<date dayOfMonth="{d.day}" month="{d.month:02d}" year="{d.year}" '
            f'hour="{d.hour:02d}" minute="{d.minute:02d}" second="{d.second:02d}"/>')


_FULL_DATES: dict[int, str] = {}
_LATEST = 253402300799.0  # 9999-12-31T23:59:59Z, the last instant core/clock.py allows


def full_date(ts: float) -> str:
    """<date .../> to the second. Cached per whole second: every token reply shows its expiry
    (now + lifetime), so replies sent within one second share it, and an inquiry repeats it.
    Only where fromtimestamp's rounding to microseconds cannot carry into the next second (the
    fraction below .999) is the whole second the key; NaN, infinities and the rest are formatted
    as they come."""
    if 0.0 <= ts <= _LATEST:
        second = int(ts)
        if ts - second < 0.999:
            hit = _FULL_DATES.get(second)
            if hit is None:
                hit = _full_date(ts)
                if len(_FULL_DATES) >= 1024:
                    _FULL_DATES.clear()
                _FULL_DATES[second] = hit
            return hit
    return _full_date(ts)


def day_date(ts: float) -> str:
    d = datetime.fromtimestamp(ts, UTC)
    return f'<date dayOfMonth="{d.day}" month="{d.month:02d}" year="{d.year}"/>'


def expiry_date(month: int | None, year: int | None) -> str:
    if month is None:
        return ""
    return f'<expiryDate><date month="{month:02d}" year="{year}"/></expiryDate>'


def address(addr: dict | None) -> str:
    if not addr:
        return ""
    # Our DTD only admits these fields, in this order, which is also the vendor's order.
    inner = "".join(el(k, v) for k, v in addr.items())
    return f"<cardAddress><address>{inner}</address></cardAddress>"


def derived(profile: CardProfile, country: str) -> str:
    co = el("cardCoBrand", profile.co_brand)
    return (f"<derived><cardBrand>{wpg_brand(profile.brand)}</cardBrand><cardSubBrand>{sub_brand(profile)}"
            f"</cardSubBrand>{co}<issuerCountryCode>{country}</issuerCountryCode>"
            f"<obfuscatedPAN>{profile.masked}</obfuscatedPAN><bin>{profile.bin}</bin></derived>")


def token(t: Token, profile: CardProfile, *, country: str, event: str | None = None,
          outer_reference: str | None = None, outer_reason: str | None = None,
          encrypted_pan: str | None = None, scheme_id: str | None = None) -> str:
    """`<token>`: outer reference/reason echo this request, inner ones are from creation (seed 003)."""
    shopper = el("authenticatedShopperID", t.owner) if t.meta.get("scope", "shopper") == "shopper" else ""
    outer = el("tokenEventReference", outer_reference) + (
        f"<tokenReason>{cdata(outer_reason)}</tokenReason>" if outer_reason else "")
    attr = f' tokenEvent="{event}"' if event else ""
    inner_ref = el("tokenEventReference", t.meta.get("eventReference"))
    holder = f"<cardHolderName>{cdata(t.holder)}</cardHolderName>" if t.holder else ""
    pan = f"<encryptedPAN>{cdata(encrypted_pan)}</encryptedPAN>" if encrypted_pan else ""
    scheme = (f"<schemeResponse><transactionIdentifier>{escape(scheme_id)}</transactionIdentifier></schemeResponse>"
              if scheme_id else "")
    return (
        f"<token>{shopper}{outer}<tokenDetails{attr}><paymentTokenID>{t.id}</paymentTokenID>"
        f"<paymentTokenExpiry>{full_date(t.expires_at)}</paymentTokenExpiry>{inner_ref}"
        f"<tokenReason>{cdata(t.meta.get('reason') or '')}</tokenReason></tokenDetails>"
        f"<paymentInstrument><cardDetails>{expiry_date(t.expiry_month, t.expiry_year)}{holder}"
        f"{address(t.address)}{derived(profile, country)}{pan}</cardDetails></paymentInstrument>{scheme}</token>"
    )


def token_error(t: Token, code: int, message: str) -> str:
    """`<token>` carrying its own error (DTD: token (authenticatedShopperID?, ..., error))."""
    shopper = el("authenticatedShopperID", t.owner) if t.meta.get("scope", "shopper") == "shopper" else ""
    return f"<token>{shopper}{error_element(code, message)}</token>"


def amount(value: int, currency: str, exponent: int, credit: bool = True) -> str:
    dc = ' debitCreditIndicator="credit"' if credit else ""
    return f'<amount value="{value}" currencyCode="{escape(currency)}" exponent="{exponent}"{dc}/>'


BALANCE = {"AUTHORISED": "IN_PROCESS_AUTHORISED", "CAPTURED": "IN_PROCESS_CAPTURED",
           "SENT_FOR_REFUND": "IN_PROCESS_CAPTURED", "REFUND_FAILED": "IN_PROCESS_CAPTURED"}


def payment(p: Payment, last_event: str) -> str:
    m = p.meta
    exp = int(m.get("exponent", 2))
    masked = m["masked"]
    card_type = "debitcard" if m.get("funding") == "debit" else "creditcard"
    auth = f'<AuthorisationId id="{m["authorisationId"]}"/>' if m.get("authorisationId") else ""
    iso = (f'<ISO8583ReturnCode code="{m["isoCode"]}" description={quoteattr(m.get("isoDescription") or "")}/>'
           if m.get("isoCode") is not None else "")
    holder = f"<cardHolderName>{cdata(m['holder'])}</cardHolderName>" if m.get("holder") else ""
    balance = ""
    if last_event in BALANCE:
        left = p.amount if last_event == "AUTHORISED" else p.captured - p.refunded
        balance = f'<balance accountType="{BALANCE[last_event]}">{amount(left, p.currency, exp)}</balance>'
    scheme = (f"<schemeResponse><transactionIdentifier>{escape(m['schemeId'])}</transactionIdentifier>"
              "</schemeResponse>" if m.get("schemeId") else "")
    tds = f'<ThreeDSecureResult description="{m["threeDSResult"]}"/>' if m.get("threeDSResult") else ""
    return (
        f"<payment><paymentMethod>{m['paymentMethod']}</paymentMethod>"
        f'<paymentMethodDetail><card number="{masked}" type="{card_type}">'
        f"{expiry_date(m.get('expiryMonth'), m.get('expiryYear'))}</card></paymentMethodDetail>"
        f"{amount(p.amount, p.currency, exp)}<lastEvent>{last_event}</lastEvent>{auth}{iso}"
        f'<CVCResultCode description="{m.get("cvcResult", "NOT SENT TO ACQUIRER")}"/>'
        f'<AVSResultCode description="{m.get("avsResult", "NOT SENT TO ACQUIRER")}"/>'
        f"{tds}{holder}<issuerCountryCode>{m.get('country', 'N/A')}</issuerCountryCode>{balance}"
        f"<cardNumber>{masked}</cardNumber><riskScore value=\"1\"/>{scheme}</payment>"
    )


def order_token(env: Env, p: Payment) -> str:
    """The token an order created, as at creation (seed 003: only orders that created one)."""
    made = p.meta.get("createdToken")
    if not made:
        return ""
    tenant = env.store.peek(env.tid)
    t = tenant.tokens.get(made["id"]) if tenant else None
    if t is None:
        return ""
    profile = env.profile(t.pan)
    return token(t, profile, country=env.country(profile), event=made["event"],
                 outer_reference=made.get("reference"), outer_reason=made.get("reason"),
                 scheme_id=p.meta.get("schemeId"))


def order_reply(env: Env, p: Payment) -> str:
    """orderStatus with the payment as it stands and the token the order created."""
    return order_status(p.id, payment(p, last_event(p)) + order_token(env, p))


ACS_PATH = "/jsp/test/shopper/ThreeDResponseSimulator.jsp"  # the vendor's test simulator path (wpg.md §11.1)
CHALLENGE_PATH = "/shopper/3ds/challenge.html"  # the vendor's test challenge URL path (wpg.md §11.2)


def challenge(record: dict, base_url: str) -> str:
    """The first-leg reply of a challenged order: request3DSecure (3DS1) or challengeRequired (3DS2)."""
    if record["kind"] == "3ds1":
        return (f"<requestInfo><request3DSecure><paRequest>{record['paRequest']}</paRequest>"
                f"<issuerURL>{cdata(base_url + ACS_PATH)}</issuerURL></request3DSecure></requestInfo>"
                f"<echoData>{record['echoData']}</echoData>")
    return (f"<challengeRequired><threeDSChallengeDetails><threeDSVersion>2.1.0</threeDSVersion>"
            f"<transactionId3DS>{record['challengeId']}</transactionId3DS>"
            f"<acsURL>{cdata(base_url + CHALLENGE_PATH)}</acsURL><payload>{record['payload']}</payload>"
            f"</threeDSChallengeDetails></challengeRequired>")


def order_status(order_code: str, inner: str) -> str:
    return f"<orderStatus orderCode={quoteattr(order_code)}>{inner}</orderStatus>"


def order_error(order_code: str, code: int, message: str) -> str:
    return order_status(order_code, error_element(code, message))


def ok(inner: str) -> str:
    return f"<ok>{inner}</ok>"


IPA, IPC = "IN_PROCESS_AUTHORISED", "IN_PROCESS_CAPTURED"


def _posting(account: str, value: int, p: Payment, exp: int, credit: bool) -> str:
    sign = "credit" if credit else "debit"
    return (f'<accountTx accountType="{account}" batchId="1"><amount value="{value}" '
            f'currencyCode="{escape(p.currency)}" exponent="{exp}" debitCreditIndicator="{sign}"/></accountTx>')


def journal(p: Payment, last_event: str, now: float) -> str:
    """The notification's journal: postings per event as in the vendor's samples (wpg.md §11.5
    table), the modification's reference as journalReference, a reason as @description."""
    exp = int(p.meta.get("exponent", 2))
    last = {e["type"]: e for e in p.events}  # the latest event of each type
    refund = last.get("refund", {}).get("amount", 0)
    postings, refs, description = "", "", ""
    if last_event == "AUTHORISED":
        postings = _posting(IPA, p.amount, p, exp, True)
    elif last_event == "CANCELLED":
        postings = _posting(IPA, p.amount, p, exp, False)
    elif last_event == "CAPTURED":
        postings = _posting(IPC, p.captured, p, exp, True) + _posting(IPA, p.captured, p, exp, False)
        ref = last.get("capture", {}).get("id")
        refs = f'<journalReference type="capture" reference={quoteattr(ref)}/>' if ref else ""
    elif last_event == "SENT_FOR_REFUND":
        postings = _posting(IPC, refund, p, exp, False)
        ref = last.get("refund", {}).get("id")
        refs = f'<journalReference type="refund" reference={quoteattr(ref)}/>' if ref else ""
    elif last_event == "REFUND_FAILED":
        failed = last.get("refund_failed", {}).get("amount") or refund
        postings = _posting(IPC, failed, p, exp, True)
        description = ' description="Refund failed"'
    elif last_event in ("REFUSED", "ERROR"):
        description = f" description={quoteattr(p.meta.get('isoDescription') or last_event)}"
    return (f'<journal journalType="{last_event}"{description}><bookingDate>{day_date(now)}</bookingDate>'
            f"{postings}{refs}</journal>")


def notification(merchant_code: str, order_code: str, payment_xml: str, token_xml: str, last_event: str,
                 p: Payment, now: float) -> str:
    """`paymentService/notify/orderStatusEvent` (wpg.md §6.2, §11.5)."""
    body = (
        f'<paymentService version="1.4" merchantCode={quoteattr(merchant_code)}><notify>'
        f"<orderStatusEvent orderCode={quoteattr(order_code)}>{payment_xml}{token_xml}{journal(p, last_event, now)}"
        f"</orderStatusEvent></notify></paymentService>"
    )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + DOCTYPE + "\n" + body
