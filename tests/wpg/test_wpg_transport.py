"""Transport, authentication, parsing and hostile input (wpg.md §1, §10 "Transport and envelope")."""

from __future__ import annotations

from conftest import HEAD, PATH, doc, error_of

INQ = ('<inquiry><paymentTokenInquiry tokenScope="shopper"><authenticatedShopperID>s1</authenticatedShopperID>'
       "<paymentTokenID>99444433000000001111</paymentTokenID></paymentTokenInquiry></inquiry>")


def test_bad_credentials_get_the_vendor_html_401(http):
    """wpg.md §1.2: HTTP 401, HTML body titled "401: Requires Authentication", Bibit realm."""
    r = http.post(PATH, data=doc(INQ), headers={"Content-Type": "text/xml"})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Bibit Merchant XML Login"'
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<title>401: Requires Authentication</title>" in r.text


def test_merchant_code_not_belonging_to_credentials_is_code_4(wpg, http):
    """wpg.md §1.2: valid credentials, foreign merchantCode -> HTTP 200 + error code 4."""
    root = wpg.send(doc(INQ, "MYMERCHANT"), user="OTHER")
    assert root.get("merchantCode") == "MYMERCHANT"
    assert error_of(root) == ("4", "Security violation")


def test_any_xml_content_type_and_charset_is_accepted_and_version_echoed(wpg):
    """wpg.md §1.1/§1.3: text/xml, application/xml, any charset; reply echoes version and merchantCode."""
    body = doc(INQ, version="1.3").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    for ct in ("text/xml", "application/xml", "text/xml; charset=ISO-8859-1"):
        r = wpg.raw(body, content_type=ct)
        assert r.status_code == 200
        assert "machine=" in r.headers["Set-Cookie"]  # wpg.md §1.1
        root = wpg.send(body, content_type=ct)
        assert (root.get("version"), root.get("merchantCode")) == ("1.3", "MYMERCHANT")
        assert error_of(root) == ("5", "Token does not exist")


def test_dtd_violation_is_code_2_naming_the_attribute(wpg):
    """wpg.md §1.3: an enumerated-attribute error names the attribute (AM sends tokenScope="is")."""
    root = wpg.send(doc(INQ.replace('tokenScope="shopper"', 'tokenScope="is"')))
    code, text = error_of(root)
    assert code == "2" and "tokenScope" in text


def test_malformed_xml_and_wrong_order_are_code_2(wpg):
    """wpg.md §1.3: malformed XML or DTD violation -> code 2 with a parser-style message."""
    assert error_of(wpg.send(b"<paymentService version='1.4'"))[0] == "2"
    swapped = INQ.replace("<authenticatedShopperID>s1</authenticatedShopperID>", "") .replace(
        "</paymentTokenID>", "</paymentTokenID><authenticatedShopperID>s1</authenticatedShopperID>")
    code, text = error_of(wpg.send(doc(swapped)))
    assert code == "2" and "paymentTokenInquiry" in text


HOSTILE = {
    "xxe": '<?xml version="1.0"?><!DOCTYPE paymentService [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<paymentService version="1.4" merchantCode="MYMERCHANT">&x;</paymentService>',
    "billion_laughs": '<?xml version="1.0"?><!DOCTYPE paymentService [<!ENTITY a "aaaaaaaaaa">'
                      '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                      '<paymentService version="1.4" merchantCode="MYMERCHANT">&c;</paymentService>',
    "external_dtd": '<?xml version="1.0"?><!DOCTYPE paymentService SYSTEM "http://127.0.0.1:9/evil.dtd">'
                    '<paymentService version="1.4" merchantCode="MYMERCHANT"><submit/></paymentService>',
    "parameter_entity": '<?xml version="1.0"?><!DOCTYPE paymentService [<!ENTITY % p SYSTEM '
                        '"http://127.0.0.1:9/x.dtd"> %p;]><paymentService version="1.4" merchantCode="MYMERCHANT"/>',
    "deep_nesting": '<?xml version="1.0"?><paymentService version="1.4" merchantCode="MYMERCHANT">'
                    + "<submit>" * 5000 + "</submit>" * 5000 + "</paymentService>",
    "bad_encoding": b'<?xml version="1.0" encoding="UTF-8"?><paymentService version="1.4" '
                    b'merchantCode="MYMERCHANT"><submit>\xff\xfe</submit></paymentService>',
}


def test_hostile_xml_is_code_2_and_stores_nothing(wpg, http):
    """Issue 5 "Hostile input" / DESIGN §6: entities, billion laughs, external DTD, deep nesting,
    bad encodings -> code 2, never a fetch, never a 500, nothing stored."""
    before = http.get("/_sandbox/state").json()
    for name, body in HOSTILE.items():
        root = wpg.send(body)
        assert error_of(root)[0] == "2", name
    assert http.get("/_sandbox/state").json()["tenants"] == before["tenants"]


def test_declaration_without_doctype_is_accepted(wpg):
    """wpg.md §1.3: be lenient about the DOCTYPE (requests without one are answered normally)."""
    body = doc(INQ).replace(HEAD, '<?xml version="1.0"?>')
    assert error_of(wpg.send(body)) == ("5", "Token does not exist")
