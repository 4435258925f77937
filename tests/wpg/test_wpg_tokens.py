"""Token life cycle over HTTP (seed 003 "Manage tokens"; wpg.md §3, §4.1, §4.4-4.7)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from conftest import card_ssl, error_of, token_id, token_ssl

ADDRESS = ("<cardAddress><address><address1>Worldpay</address1><postalCode>CB4 0WE</postalCode>"
           "<city>Cambridge</city><countryCode>GB</countryCode></address></cardAddress>")
T0 = "2030-01-15T10:20:30Z"


def test_create_returns_new_token_with_vendor_id_and_7_day_expiry(wpg, sandbox):
    """wpg.md §4.1 reply shape; §3.2 format-preserving id; §3.3 7 days in the test environment."""
    sandbox.clock.set(T0)
    sandbox.clock.freeze()
    root = wpg.create(ref="REF1", reason="Clothes")
    details = root.find("reply/token/tokenDetails")
    assert details.get("tokenEvent") == "NEW"
    tid = token_id(root)
    assert re.fullmatch(r"99444433\d{8}1111", tid)
    date = details.find("paymentTokenExpiry/date").attrib
    assert date == {"dayOfMonth": "22", "month": "01", "year": "2030", "hour": "10", "minute": "20", "second": "30"}
    assert root.findtext("reply/token/authenticatedShopperID") == "shopper1"
    assert root.findtext("reply/token/tokenEventReference") == "REF1"
    assert root.findtext(".//derived/obfuscatedPAN") == "4444********1111"
    assert root.findtext(".//derived/bin") == "444433"
    assert "4444333322221111" not in str(sandbox.journal())


def test_match_and_conflict_return_the_existing_token_unchanged(wpg):
    """Seed 003 reference table: MATCH / CONFLICT on same shopper + PAN; existing id; data unchanged;
    outer tokenEventReference is the current request's, inner the original's."""
    first = wpg.create(ref="CLD01JAN2015", reason="ClothesDepartment", address=ADDRESS)
    tid = token_id(first)
    again = wpg.create(ref="CLS20MAY2015", address=ADDRESS)
    assert again.find(".//tokenDetails").get("tokenEvent") == "MATCH"
    assert token_id(again) == tid
    assert again.findtext("reply/token/tokenEventReference") == "CLS20MAY2015"
    assert again.findtext(".//tokenDetails/tokenEventReference") == "CLD01JAN2015"
    assert again.findtext(".//tokenDetails/tokenReason") == "ClothesDepartment"
    conflict = wpg.create(holder="Someone Else", address=ADDRESS)
    assert conflict.find(".//tokenDetails").get("tokenEvent") == "CONFLICT"
    assert token_id(conflict) == tid
    assert wpg.inquire(tid).findtext(".//cardHolderName") == "J.Shopper"


def test_default_reason_and_merchant_scope(wpg, sandbox):
    """wpg.md §3.3 default reason "Created token without payment on YYYY-MM-DD"; merchant tokens
    carry no authenticatedShopperID (seed 003 reference table)."""
    sandbox.clock.set(T0)
    root = wpg.create(shopper=None, scope="merchant")
    assert root.find("reply/token/authenticatedShopperID") is None
    assert root.findtext(".//tokenDetails/tokenReason") == "Created token without payment on 2030-01-15"
    inq = wpg.inquire(token_id(root), shopper=None, scope="merchant")
    assert token_id(inq) == token_id(root)
    # A merchant token is not found in shopper scope.
    assert error_of(wpg.inquire(token_id(root))) == ("5", "Token does not exist")


def test_shopper_id_rules(wpg, http):
    """wpg.md §3.3 / §5.3: shopper id required for shopper scope; no leading underscore."""
    assert error_of(wpg.create(shopper=None)) == ("2", "authenticatedShopperID is required for a create token request")
    assert error_of(wpg.create(shopper="_x")) == ("2", "authenticatedShopperID cannot start with an underscore")
    assert http.get("/_sandbox/state?tenant=wpg:MYMERCHANT").json()["tenants"] == {}


def test_sixteen_tokens_per_shopper(wpg):
    """wpg.md §3.1: up to 16 tokens per shopper ID; the 17th is refused (code 5)."""
    pans = ["4444333322221111", "4911830000000", "4917610000000000", "4462030000000000", "5555555555554444",
            "5454545454545454", "2221000000000009", "5163613613613613", "6759649826438453", "343434343434343",
            "4111111111111111", "371449635398431", "4444333322221129", "6011000400000000", "3528000700000000",
            "4917300800000000"]
    for pan in pans:
        assert wpg.create(shopper="full", pan=pan).find(".//tokenDetails").get("tokenEvent") == "NEW", pan
    code, text = error_of(wpg.create(shopper="full", pan="4242424242424242"))
    assert code == "5" and "16" in text
    assert len(wpg.op("<inquiry><shopperTokenRetrieval><authenticatedShopperID>full</authenticatedShopperID>"
                      "</shopperTokenRetrieval></inquiry>").findall("reply/token")) == 16


def test_inquiry_has_no_token_event_and_expires(wpg, sandbox):
    """wpg.md §4.4: inquiry reply has no tokenEvent, includes derived/bin; expired token -> code 5."""
    sandbox.clock.set(T0)
    tid = token_id(wpg.create())
    inq = wpg.inquire(tid)
    assert inq.find(".//tokenDetails").get("tokenEvent") is None
    assert inq.findtext(".//derived/bin") == "444433"
    sandbox.clock.advance("P8D")
    assert error_of(wpg.inquire(tid)) == ("5", "Token does not exist")


def test_retrieval_most_recently_used_first_and_blank_for_unknown(wpg):
    """Seed 003 "Shopper token retrieval": last used first; blank <reply/> for unknown shopper."""
    a = token_id(wpg.create(pan="4444333322221111"))
    b = token_id(wpg.create(pan="5555555555554444"))
    retrieve = ("<inquiry><shopperTokenRetrieval><authenticatedShopperID>{}</authenticatedShopperID>"
                "</shopperTokenRetrieval></inquiry>")
    ids = [t.findtext("tokenDetails/paymentTokenID") for t in wpg.op(retrieve.format("shopper1")).findall("reply/token")]
    assert ids == [b, a]
    paid = wpg.order("use-a", token_ssl(a), shopper="shopper1")
    assert paid.findtext(".//lastEvent") == "AUTHORISED"
    assert paid.find(".//token") is None  # no token block when a token is used (seed 003)
    ids = [t.findtext("tokenDetails/paymentTokenID") for t in wpg.op(retrieve.format("shopper1")).findall("reply/token")]
    assert ids == [a, b]
    blank = wpg.op(retrieve.format("nobody"))
    assert len(blank.find("reply")) == 0


def test_update_keeps_absent_fields_and_removes_absent_address(wpg):
    """Seed 003 "Update tokens": expiry/holder kept when absent; cardAddress replaced or removed."""
    tid = token_id(wpg.create(address=ADDRESS))
    root = wpg.op(f'<modify><paymentTokenUpdate tokenScope="shopper"><paymentTokenID>{tid}</paymentTokenID>'
                  "<authenticatedShopperID>shopper1</authenticatedShopperID><paymentInstrument><cardDetails>"
                  "<cardHolderName>Mr Name</cardHolderName></cardDetails></paymentInstrument>"
                  "</paymentTokenUpdate></modify>")
    assert root.find("reply/ok/updateTokenReceived").get("paymentTokenID") == tid
    inq = wpg.inquire(tid)
    assert inq.findtext(".//cardHolderName") == "Mr Name"
    assert inq.find(".//expiryDate/date").attrib == {"month": "06", "year": "2031"}
    assert inq.find(".//cardAddress") is None


def test_update_limit_ten_per_rolling_30_days(wpg, sandbox):
    """Seed 003: 10 updates per rolling 30 days; then code 5 "Maximum number of updates exceeded"."""
    tid = token_id(wpg.create())
    upd = (f"<modify><paymentTokenUpdate><paymentTokenID>{tid}</paymentTokenID><authenticatedShopperID>shopper1"
           "</authenticatedShopperID><paymentInstrument><cardDetails><cardHolderName>N</cardHolderName>"
           "</cardDetails></paymentInstrument></paymentTokenUpdate></modify>")
    for _ in range(10):
        assert wpg.op(upd).find("reply/ok") is not None
    assert error_of(wpg.op(upd)) == ("5", "Maximum number of updates exceeded for this token")
    sandbox.clock.advance("P6D")  # still within the token's 7-day life, and the window has not rolled
    assert error_of(wpg.op(upd))[0] == "5"


def test_delete_then_token_does_not_exist_everywhere(wpg):
    """Seed 003 "Delete tokens"; wpg.md §4.7: then code 5 "Token does not exist" on any use."""
    tid = token_id(wpg.create())
    delete = (f'<modify><paymentTokenDelete tokenScope="shopper"><paymentTokenID>{tid}</paymentTokenID>'
              "<authenticatedShopperID>shopper1</authenticatedShopperID></paymentTokenDelete></modify>")
    assert wpg.op(delete).find("reply/ok/deleteTokenReceived").get("paymentTokenID") == tid
    assert error_of(wpg.inquire(tid)) == ("5", "Token does not exist")
    assert error_of(wpg.op(delete)) == ("5", "Token does not exist")
    status = wpg.order("after-delete", token_ssl(tid), shopper="shopper1").find("reply/orderStatus")
    assert status.get("orderCode") == "after-delete"
    assert error_of(status) == ("5", "Token does not exist")


def test_token_id_format_option_and_live_lifetime(start_sandbox):
    """wpg.md §3.2 alphanumeric format (option wpg.token_id_format); §3.3 4 years in live mode."""
    import requests
    from conftest import Wpg

    proc = start_sandbox("--mode", "live", "--option", "wpg.token_id_format=alphanumeric")
    with requests.Session() as s:
        class _H:
            def post(self, path, **kw):
                return s.post(proc.url + path, timeout=30, **kw)
        root = Wpg(_H()).create()
    tid = token_id(root)
    assert re.fullmatch(r"([A-HJ-NP-Z][0-9]){7}[A-HJ-NP-Z]", tid)
    year = int(root.find(".//paymentTokenExpiry/date").get("year"))
    assert year - datetime.now(UTC).year in (3, 4)


def test_magic_name_from_token_drives_the_outcome(wpg):
    """wpg.md §3.3/§7: a token created with holder REFUSED gives a refused authorisation; a
    per-payment override applies to that payment only (seed 003)."""
    tid = token_id(wpg.create(holder="REFUSED"))
    refused = wpg.order("o1", token_ssl(tid), shopper="shopper1")
    assert refused.findtext(".//lastEvent") == "REFUSED"
    assert refused.find(".//ISO8583ReturnCode").attrib == {"code": "5", "description": "REFUSED"}
    ok = wpg.order("o2", token_ssl(tid, override="<cardHolderName>AUTHORISED</cardHolderName>"), shopper="shopper1")
    assert ok.findtext(".//lastEvent") == "AUTHORISED"
    assert wpg.inquire(tid).findtext(".//cardHolderName") == "REFUSED"
    _ = card_ssl
