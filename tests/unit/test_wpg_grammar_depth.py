"""parse_document skips the depth XPath for small bodies that are valid: that is sound only while
the sandbox grammar cannot nest deeper than xml_bounds.MAX_DEPTH (apis/wpg/parse.py)."""

from __future__ import annotations

from io import BytesIO

import pytest
from lxml import etree

from sandbox.apis.wpg import document, parse
from sandbox.web import xml_bounds

HEAD = b'<?xml version="1.0"?><paymentService version="1.4" merchantCode="M">'


def test_the_sandbox_grammar_nests_less_deep_than_the_bound():
    _, _, dtd = document._tools()
    depth = xml_bounds.grammar_depth(dtd, "paymentService")
    assert depth is not None and depth <= xml_bounds.MAX_DEPTH
    assert document._state["shallow_grammar"] is True


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


def _random_doc(rnd, size: int) -> bytes:
    """A paymentService-rooted body of about `size` nodes, shallow or deep, with comments and PIs."""
    parts, depth = [], 0
    for _ in range(size):
        kind = rnd.random()
        if kind < 0.4 and depth < 40:
            parts.append("<a>")
            depth += 1
        elif kind < 0.6 and depth:
            parts.append("</a>")
            depth -= 1
        elif kind < 0.7:
            parts.append("<!--c-->")
        elif kind < 0.75:
            parts.append("<?p x?>")
        else:
            parts.append("<b/>" + "t" * rnd.randrange(0, 40))
    parts.append("</a>" * depth)
    return HEAD + "".join(parts).encode() + b"</paymentService>"


@pytest.mark.parametrize("seed", range(60))
def test_few_nodes_shortcut_decides_as_the_walk(seed):
    import random

    rnd = random.Random(seed)
    body = _random_doc(rnd, rnd.choice([5, 50, 150, 199, 200, 201, 260, 600]))
    root = etree.fromstring(body)
    assert xml_bounds.problem(body, root) == xml_bounds.tree_problem(root)
    with pytest.raises(parse.Invalid) as e:  # none is valid; the bound, when broken, comes first
        parse.parse_document(body)
    expected = xml_bounds.tree_problem(root)
    if expected is not None:
        assert e.value.text == expected
    else:
        assert "line" in e.value.text


@pytest.mark.parametrize("n", [MAX := xml_bounds.MAX_CHILDREN - 1, MAX + 1, MAX + 2, MAX + 3])
def test_few_nodes_counts_the_root_and_every_node(n):
    body = b"<r>" + b"<!--padding-->" * 60 + b"<a/>" * (n - 61) + b"</r>"
    root = etree.fromstring(body)
    assert len(body) >= xml_bounds.SMALL_BODY
    assert xml_bounds.few_nodes(body, root) == (n <= xml_bounds.MAX_CHILDREN)
