"""Media types, strict headers, detokenise (access.md §1, §5, §10.4, §16.2, §16.11)."""

from __future__ import annotations

from access_helpers import card, path_of, session

V1 = "application/vnd.worldpay.tokens-v1.hal+json"


def test_lenient_media_types(api):
    """access.md §10.4: real plugins send */*, no Accept, v1/v2 types, Content-Type only."""
    for headers in ({"Accept": "*/*"}, {"Accept": None}, {"Accept": V1, "Content-Type": V1},
                    {"Accept": None, "Content-Type": "application/json"}):
        r = api.post("/tokens", json=card(), headers=headers)
        assert r.status_code in (200, 201), headers
        assert r.headers["Content-Type"].startswith("application/vnd.worldpay.tokens-v")


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
