"""Media types, strict headers, detokenise (access.md §1, §5, §10.4, §16.2, §16.11)."""

from __future__ import annotations

from access_helpers import card, path_of, session

V1 = "application/vnd.worldpay.tokens-v1.hal+json"


JAVA_DEFAULT = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"  # HttpURLConnection
AXIOS_DEFAULT = "application/json, text/plain, */*"
V2 = "application/vnd.worldpay.tokens-v2.hal+json"
VT2 = "application/vnd.worldpay.verified-tokens-v2.hal+json"


def test_real_client_headers_pass(api):
    """access.md §10.4 and docs/access.md "Headers" (evidence: Worldpay MCP, Magento 2 AW, SFCC AW,
    Go/TS clients): no Accept, `*/*`, Java's and axios' defaults, v1/v2/v3 types (`.hal+json` or
    `+json`), a charset parameter and Content-Type-only requests all pass by default."""
    for headers in ({"Accept": "*/*"}, {"Accept": None}, {"Accept": V1, "Content-Type": V1},
                    {"Accept": None, "Content-Type": V2}, {"Accept": JAVA_DEFAULT}, {"Accept": AXIOS_DEFAULT},
                    {"Content-Type": "application/vnd.worldpay.tokens-v3+json; charset=utf-8"}):
        r = api.post("/tokens", json=card(), headers=headers)
        assert r.status_code in (200, 201), (headers, r.text)
        assert r.headers["Content-Type"].startswith("application/vnd.worldpay.tokens-v")
    href = path_of(api.post("/tokens", json=card()).json()["tokenPaymentInstrument"]["href"])
    # Magento 2 AW reads a token with a Verified Tokens v2 Content-Type and no Accept, and PUTs v2.
    assert api.get(href, headers={"Accept": None, "Content-Type": VT2}).status_code == 200
    assert api.get(href, headers={"Accept": None, "Content-Type": None}).status_code == 200


def test_other_headers_get_the_vendor_errors(api):
    """issue 17 item 4: what the vendor rejects is rejected by default: 415 for `text/plain` (and any
    non-vendor Content-Type) on a body, 406 for `text/html`, `application/json` or a v4 Accept, 400
    when Accept and Content-Type name different versions; each with errorName and headerName."""
    cases = [
        ({"Content-Type": "text/plain"}, 415, "headerHasInvalidValue", "Content-Type"),
        ({"Content-Type": "application/json"}, 415, "headerHasInvalidValue", "Content-Type"),
        ({"Content-Type": "application/vnd.worldpay.tokens-v4.hal+json"}, 415, "headerHasInvalidValue", "Content-Type"),
        ({"Accept": "text/html"}, 406, "headerHasInvalidValue", "Accept"),
        ({"Accept": "application/json"}, 406, "headerHasInvalidValue", "Accept"),
        ({"Accept": "application/vnd.worldpay.tokens-v4.hal+json"}, 406, "headerHasInvalidValue", "Accept"),
        ({"Accept": "application/vnd.worldpay.tokens-v3.hal+json", "Content-Type": V2}, 400, "headerHasInvalidValue",
         "Accept"),
    ]
    for headers, status, name, header in cases:
        r = api.post("/tokens", json=card(), headers=headers)
        assert (r.status_code, r.json()["errorName"], r.json()["headerName"]) == (status, name, header), headers
    r = api.post("/tokens", data=b'{"a": 1}', headers={"Content-Type": None})
    assert (r.status_code, r.json()["errorName"], r.json()["headerName"]) == (415, "headerIsMissing", "Content-Type")
    assert api.get("/tokens", headers={"Accept": "text/html"}).status_code == 406


def test_lenient_headers_option(start_sandbox):
    """docs/access.md "Headers": `access.headers=lenient` restores accept-anything."""
    proc = start_sandbox("--option", "access.headers=lenient")
    with session(proc.url) as api:
        for headers in ({"Content-Type": "text/plain"}, {"Accept": "text/html"}, {"Accept": "application/json"}):
            assert api.post("/tokens", json=card(), headers=headers).status_code in (200, 201), headers


def test_strict_headers_option(start_sandbox):
    """access.md §10.4 / §16.2: strict mode -> 406 / 415 / 400 with documented names + headerName."""
    proc = start_sandbox("--option", "access.strict_headers=true")
    with session(proc.url) as api:
        assert api.post("/tokens", json=card()).status_code == 201
        r = api.get("/tokens", headers={"Accept": None})
        assert (r.status_code, r.json()["errorName"], r.json()["headerName"]) == (406, "headerIsMissing", "Accept")
        r = api.get("/tokens", headers={"Accept": "application/xml"})
        assert (r.status_code, r.json()["errorName"]) == (406, "headerHasInvalidValue")
        r = api.post("/tokens", json=card(), headers={"Content-Type": "application/json"})
        assert (r.status_code, r.json()["headerName"]) == (415, "Content-Type")
        r = api.post("/tokens", json=card(), headers={"Content-Type": V1})
        assert (r.status_code, r.json()["errorName"]) == (400, "headerHasInvalidValue")
        assert api.get("/tokens", headers={"Accept": "*/*"}).status_code == 200


def test_detokenise_needs_detokenisation_credentials(start_sandbox, tmp_path):
    """access.md §5 / S13: Accept `; masked=false` with detokenisation credentials -> card/front
    with the full number; other credentials -> 403 accessDenied."""
    creds = tmp_path / "creds.yaml"
    creds.write_text("access:\n  - {username: shop1, password: pw}\n"
                     "  - {username: shop1-detok, password: pw2, tenant: shop1, detokenize: true}\n")
    proc = start_sandbox("--credentials", str(creds))
    unmasked = "application/vnd.worldpay.tokens-v3.hal+json; masked=false"
    with session(proc.url) as api, session(proc.url, user="shop1-detok", password="pw2") as detok:
        assert api.post("/tokens", json=card(), auth=("shop1", "wrong")).status_code == 401
        href = path_of(api.post("/tokens", json=card()).json()["tokenPaymentInstrument"]["href"])
        r = api.get(href, headers={"Accept": unmasked})
        assert (r.status_code, r.json()["errorName"]) == (403, "accessDenied")
        pi = detok.get(href, headers={"Accept": unmasked}).json()["paymentInstrument"]
        assert (pi["type"], pi["cardNumber"]) == ("card/front", "4444333322221111")
        assert detok.get(href).json()["paymentInstrument"]["cardNumber"] == "4444********1111"


def test_correlation_id_is_echoed(api):
    """access.md §11: WP-CorrelationId echoed or generated."""
    r = api.get("/tokens", headers={"WP-CorrelationId": "abc-123"})
    assert r.headers["WP-CorrelationId"] == "abc-123"
