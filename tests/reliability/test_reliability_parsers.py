"""Each API's parser under hostile input: XML entities and DTDs (no network, no file access),
billion laughs, 10,000-deep nesting, duplicate JSON keys, repeated form parameters, absurd
numbers, over-long fields, plus hypothesis fuzzing of every parser (issue 9 §1-§2; DESIGN §6
"XML: parse with entity resolution, network access and DTD loading off", "Ambiguous input is
rejected": duplicate JSON keys, a form parameter given twice).
"""

from __future__ import annotations

import http.server
import json
import threading
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import (
    PAN,
    WPG_PATH,
    access_card,
    access_headers,
    api_format_ok,
    freeze,
    opp_headers,
    opp_registration,
    unchanged,
    wpg_create,
    wpg_headers,
)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def listener():
    """A local HTTP server that records every request: an entity or DTD fetch would land here."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "LEAKED-BY-NETWORK">')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("FILE-CONTENT-MUST-NOT-LEAK")
    return path


def _entity_documents(base: str, secret) -> dict[str, bytes]:
    holder_ref = "&ext;"
    docs = {
        "external-general-entity-http": f'<!DOCTYPE paymentService [<!ENTITY ext SYSTEM "{base}/general">]>',
        "external-general-entity-file": f'<!DOCTYPE paymentService [<!ENTITY ext SYSTEM "file://{secret}">]>',
        "parameter-entity": f'<!DOCTYPE paymentService [<!ENTITY % p SYSTEM "{base}/param"> %p; '
                            f'<!ENTITY ext "x">]>',
        "external-dtd": f'<!DOCTYPE paymentService SYSTEM "{base}/evil.dtd">',
        "external-dtd-public": f'<!DOCTYPE paymentService PUBLIC "-//X//Y" "{base}/public.dtd">',
        "xinclude": "",
    }
    out = {}
    for name, prolog in docs.items():
        body = wpg_create(prolog=prolog, holder=holder_ref if "entity" in name else "Jane Jones")
        if name == "xinclude":
            body = body.replace(b"<cardHolderName>Jane Jones</cardHolderName>",
                                f'<cardHolderName><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                                f'href="file://{secret}" parse="text"/></cardHolderName>'.encode())
        out[name] = body
    return out


def test_xml_entities_and_dtds_never_fetch_or_read_anything(http, listener, secret_file):
    """DESIGN §6: no entity is resolved, no DTD loaded, no network or file access, no 5xx."""
    base, hits = listener
    freeze(http)
    for name, body in _entity_documents(base, secret_file).items():
        before = http.get("/_sandbox/state").content
        r = http.post(WPG_PATH, data=body, headers=wpg_headers())
        assert r.status_code == 200, (name, r.status_code, r.text[:300])
        assert b"FILE-CONTENT" not in r.content and b"LEAKED" not in r.content, name
        after = http.get("/_sandbox/state").content
        assert b"FILE-CONTENT" not in after and b"LEAKED" not in after, name
        if b"<error" in r.content:
            assert after == before, f"{name}: a refused request changed the state"
        http.post("/_sandbox/reset")
        freeze(http)
    assert hits == [], f"the sandbox fetched {hits}"


def test_billion_laughs_is_not_expanded(http):
    """Nested internal entities (a 'billion laughs') are answered quickly and small, never expanded."""
    lol = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    lol += [f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)]
    body = wpg_create(prolog="<!DOCTYPE paymentService [" + "".join(lol) + "]>", holder="&lol9;")
    freeze(http)
    before = http.get("/_sandbox/state").content
    r = http.post(WPG_PATH, data=body, headers=wpg_headers())
    assert r.status_code == 200 and len(r.content) < 10_000, r.text[:300]
    after = http.get("/_sandbox/state").content
    assert b"lollol" not in r.content and b"lollollollollollollollollollollol" not in after
    if b"<error" in r.content:
        assert after == before


def _deep_xml(depth: int) -> bytes:
    return wpg_create().replace(b"<cardHolderName>Jane Jones</cardHolderName>",
                                b"<cardHolderName>" + b"<a>" * depth + b"</a>" * depth + b"</cardHolderName>")


DEEP_CASES = [
    ("access", "/tokens", access_headers(), b'{"paymentInstrument":' * 10_000 + b"1" + b"}" * 10_000),
    ("access", "/tokens", access_headers(), b"[" * 10_000 + b"]" * 10_000),
    ("wpg", WPG_PATH, wpg_headers(), _deep_xml(10_000)),
    ("opp", "/v1/registrations", opp_headers(),
     urlencode({**opp_registration(), "customParameters" + "[a]" * 10_000: "x"}).encode()),
]


@pytest.mark.parametrize("api,path,headers,body", DEEP_CASES, ids=["access-obj", "access-arr", "wpg", "opp"])
def test_ten_thousand_deep_nesting_is_refused_cleanly(http, api, path, headers, body):
    """Issue 9 §1: 10,000-deep nesting gets the API's own error, never a 500, and changes nothing."""
    freeze(http)
    with unchanged(http, api):
        r = http.post(path, data=body, headers=headers)
    assert r.status_code < 500, r.text[:300]
    if api == "wpg":
        assert b"<error" in r.content, r.text[:300]
    else:
        assert r.status_code >= 400 and api_format_ok(api, r), r.text[:300]


def test_duplicate_json_keys_are_rejected_by_access(http):
    """DESIGN §6: duplicate JSON keys are ambiguous, so rejected (at top level and nested)."""
    freeze(http)
    good = json.dumps(access_card())
    cases = [
        good.replace('"merchant"', '"merchant": {"entity": "other"}, "merchant"', 1),
        good.replace('"cardNumber": "', '"cardNumber": "4000000000000002", "cardNumber": "', 1),
    ]
    for body in cases:
        with unchanged(http, body[:80]):
            r = http.post("/tokens", data=body, headers=access_headers())
        assert r.status_code == 400 and api_format_ok("access", r), r.text[:300]


def test_repeated_form_parameters_are_rejected_by_opp(http):
    """DESIGN §6 / opp.md: a form parameter given twice (not defined as repeatable) is rejected."""
    freeze(http)
    base = urlencode(opp_registration())
    for extra in ("card.number=4000000000000002", "entityId=other", "card.holder=Someone"):
        with unchanged(http, extra):
            r = http.post("/v1/registrations", data=f"{base}&{extra}", headers=opp_headers())
        assert r.status_code == 400 and api_format_ok("opp", r), r.text[:300]


ABSURD = ["1e999", "-1", "99999999999999999999999999999", "NaN", "Infinity", "0x10", "1_000", " 5", "5.0",
          "١٢"]  # Arabic-Indic digits: int() would read 12


@pytest.mark.parametrize("value", ABSURD)
def test_absurd_numbers_are_refused_by_every_api(http, value):
    """Issue 9 §1 'absurd numbers and amounts': expiry month/year, amounts; never a 5xx or a change."""
    freeze(http)
    # Access: cardExpiryDate.month as a raw JSON token (1e999 is a float overflow, NaN non-standard).
    raw = json.dumps(access_card()).replace('"month": 5', f'"month": {value}' if value[0].isdigit() or
                                            value[0] == "-" else f'"month": "{value}"')
    with unchanged(http, f"access {value}"):
        r = http.post("/tokens", data=raw, headers=access_headers())
    assert r.status_code == 400 and api_format_ok("access", r), (value, r.text[:300])
    # OPP: the expiry month, and an amount on a payment.
    with unchanged(http, f"opp {value}"):
        r = http.post("/v1/registrations", data=urlencode({**opp_registration(), "card.expiryMonth": value}),
                      headers=opp_headers())
        assert r.status_code == 400 and api_format_ok("opp", r), (value, r.text[:300])
        r = http.post("/v1/payments", headers=opp_headers(), data=urlencode({
            **opp_registration(), "amount": value, "currency": "EUR", "paymentType": "DB"}))
        assert r.status_code == 400 and api_format_ok("opp", r), (value, r.text[:300])
    # XML: the expiry month attribute.
    with unchanged(http, f"wpg {value}"):
        r = http.post(WPG_PATH, data=wpg_create().replace(b'month="06"', f'month="{value}"'.encode()),
                      headers=wpg_headers())
    assert b"<error" in r.content, (value, r.text[:300])


def test_over_long_fields_are_refused_by_every_api(http):
    """Issue 9 §1: a 100,000-character holder name or card number is the API's error, not stored."""
    freeze(http)
    long = "A" * 100_000
    with unchanged(http, "access"):
        r = http.post("/tokens", json=access_card(holder=long), headers=access_headers())
        assert r.status_code == 400 and api_format_ok("access", r), r.text[:300]
        r = http.post("/tokens", json=access_card(pan=PAN * 10_000), headers=access_headers())
        assert r.status_code == 400 and api_format_ok("access", r), r.text[:300]
    with unchanged(http, "opp"):
        r = http.post("/v1/registrations", data=urlencode({**opp_registration(), "card.holder": long}),
                      headers=opp_headers())
        assert r.status_code == 400 and api_format_ok("opp", r), r.text[:300]
    with unchanged(http, "wpg"):
        # wpg.md §3: authenticatedShopperID is at most 64 characters (the reference gives no
        # cardHolderName limit, so a long holder is not asserted here).
        r = http.post(WPG_PATH, data=wpg_create(shopper="s" * 100_000), headers=wpg_headers())
        assert b"<error" in r.content, r.text[:300]


# -- property-based fuzzing of each parser ----------------------------------------------------
def _rejected_changes_nothing(http, path, body, headers, api):
    http.post("/_sandbox/reset")
    freeze(http)
    before = http.get("/_sandbox/state").content
    r = http.post(path, data=body, headers=headers)
    assert r.status_code < 500, (r.status_code, r.text[:300])
    refused = b"<error" in r.content if api == "wpg" else r.status_code >= 400
    if refused:
        assert http.get("/_sandbox/state").content == before, body[:300]
    return r


leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
values = st.recursive(leaf, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=10), kids,
                                                                                       max_size=3), max_leaves=8)


@FUZZ
@given(mutation=st.dictionaries(st.sampled_from(["paymentInstrument", "merchant", "namespace", "description",
                                                 "cardNumber", "cardHolderName", "cardExpiryDate", "type",
                                                 "billingAddress", "month", "year"]), values, max_size=3),
       nested=st.booleans())
def test_fuzzed_access_bodies(http, mutation, nested):
    body = access_card()
    (body["paymentInstrument"] if nested else body).update(mutation)
    _rejected_changes_nothing(http, "/tokens", json.dumps(body, allow_nan=True), access_headers(), "access")


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["entityId", "paymentBrand", "card.number", "card.holder",
                                               "card.expiryMonth", "card.expiryYear", "card.cvv", "amount",
                                               "currency", "paymentType", "customParameters[x]", "testMode"]),
                              st.text(max_size=40), max_size=5),
       path=st.sampled_from(["/v1/registrations", "/v1/payments", "/v1/checkouts"]), raw=st.binary(max_size=60))
def test_fuzzed_opp_forms(http, params, path, raw):
    body = urlencode({**opp_registration(), **params}).encode() + (b"&" + raw if raw else b"")
    _rejected_changes_nothing(http, path, body, opp_headers(), "opp")


@FUZZ
@given(pan=st.text(alphabet="0123456789 -x<&", max_size=25), holder=st.text(max_size=40),
       shopper=st.text(max_size=20), month=st.text(max_size=4), cut=st.integers(0, 2000),
       junk=st.binary(max_size=40))
def test_fuzzed_payment_service_xml(http, pan, holder, shopper, month, cut, junk):
    from xml.sax.saxutils import escape

    body = wpg_create(pan=escape(pan), holder=escape(holder), shopper=escape(shopper))
    body = body.replace(b'month="06"', b'month="' + escape(month, {'"': "&quot;"}).encode("utf-8", "replace") + b'"')
    if cut:
        body = body[:cut] + junk
    r = _rejected_changes_nothing(http, WPG_PATH, body, wpg_headers(), "wpg")
    assert r.status_code == 200 and b"<paymentService" in r.content
