"""tokenEventReference outside letters, digits and underscore (issue 15 item 6; wpg.md §11.7):
the vendor documents the character set, not the consequence, so the lenient reading applies by
default (docs/paymentservice.md); wpg.strict_event_reference=true refuses it with code 2."""

from __future__ import annotations

from conftest import card_ssl, error_of, token_id

REF = "d69d3760-680a-11e9-90a4-07180c79429e"  # a UUID with hyphens, as a production integration's orderCode


def test_hyphenated_reference_is_kept_by_default(wpg):
    """The order is paid and the token created, carrying the reference as sent."""
    create = f"<createToken><tokenEventReference>{REF}</tokenEventReference></createToken>"
    reply = wpg.order("ref1", card_ssl(), shopper="s1", create=create)
    assert reply.findtext(".//lastEvent") == "AUTHORISED" and token_id(reply)
    assert reply.findtext(".//tokenDetails/tokenEventReference") == REF
    assert token_id(wpg.create(ref=REF + "-x", pan="5555555555554444"))


def test_strict_option_refuses_it_with_code_2(wpg, http):
    """--option wpg.strict_event_reference=true: code 2, no payment, no token."""
    r = http.post("/_sandbox/fixtures?baseline=false",
                  json={"version": 1, "options": {"wpg.strict_event_reference": True}})
    assert r.status_code == 200
    create = f"<createToken><tokenEventReference>{REF}</tokenEventReference></createToken>"
    code, text = error_of(wpg.order("ref2", card_ssl(), shopper="s1", create=create))
    assert code == "2" and "letters, digits or underscores" in text
    assert error_of(wpg.create(ref=REF))[0] == "2"
    assert http.get("/_sandbox/state?tenant=wpg:MYMERCHANT").json()["tenants"] == {}
