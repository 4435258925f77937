"""parse_document skips the depth XPath for small bodies that are valid: that is sound only while
the sandbox grammar cannot nest deeper than xml_bounds.MAX_DEPTH (apis/wpg/parse.py)."""

from __future__ import annotations

from io import BytesIO

import pytest
from lxml import etree

from sandbox.apis.wpg import parse
from sandbox.web import xml_bounds

HEAD = b'<?xml version="1.0"?><paymentService version="1.4" merchantCode="M">'


def test_the_sandbox_grammar_nests_less_deep_than_the_bound():
    _, _, dtd = parse._tools()
    depth = xml_bounds.grammar_depth(dtd, "paymentService")
    assert depth is not None and depth <= xml_bounds.MAX_DEPTH
    assert parse._state["shallow_grammar"] is True


def test_grammar_depth_counts_levels_and_sees_recursion():
    flat = etree.DTD(BytesIO(b"<!ELEMENT r (a, b?)><!ELEMENT a (b*)><!ELEMENT b (#PCDATA)>"))
    assert xml_bounds.grammar_depth(flat, "r") == 3
    looped = etree.DTD(BytesIO(b"<!ELEMENT r (a)><!ELEMENT a (b | r)?><!ELEMENT b (#PCDATA)>"))
    assert xml_bounds.grammar_depth(looped, "r") is None


@pytest.mark.parametrize("inner", [b"<x/>", b"<inquiry><x/></inquiry>"])
def test_a_small_deep_invalid_body_still_gets_the_depth_error(inner):
    deep = b"<a>" * 40 + inner + b"</a>" * 40
    body = HEAD + deep + b"</paymentService>"
    assert len(body) < xml_bounds.SMALL_BODY
    with pytest.raises(parse.Invalid) as e:
        parse.parse_document(body)
    assert e.value.text == f"The XML document is nested more than {xml_bounds.MAX_DEPTH} elements deep"


def test_a_small_invalid_body_gets_the_dtd_error():
    with pytest.raises(parse.Invalid) as e:
        parse.parse_document(HEAD + b"<nosuch/></paymentService>")
    assert "nosuch" in e.value.text and "line" in e.value.text
