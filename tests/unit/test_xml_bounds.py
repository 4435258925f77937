"""web/xml_bounds.py: the small-body shortcut decides exactly as the full walk does."""

import pytest
from lxml import etree

from sandbox.web import xml_bounds
from sandbox.web.xml_bounds import MAX_CHILDREN, MAX_DEPTH, SMALL_BODY


def _nested(depth: int, leaf: str = "<b/>") -> bytes:
    """A root with `depth` levels in all: depth - 1 nested elements around `leaf` (itself one level)."""
    return ("<r>" + "<a>" * (depth - 2) + leaf + "</a>" * (depth - 2) + "</r>").encode()


CASES = [
    _nested(MAX_DEPTH), _nested(MAX_DEPTH + 1), _nested(MAX_DEPTH + 5),
    _nested(MAX_DEPTH + 1, "<!---->"), _nested(MAX_DEPTH + 1, "<?p?>"),  # a comment or a PI counts as a level
    _nested(MAX_DEPTH + 1, "text only"), _nested(MAX_DEPTH + 1, "<![CDATA[x]]>"),  # text does not
    b"<r>" + b"<a/>" * MAX_CHILDREN + b"</r>", b"<r>" + b"<a/>" * (MAX_CHILDREN + 1) + b"</r>",
    b"<r>" + b"<!---->" * (MAX_CHILDREN + 1) + b"</r>", b"<r>" + b"<?p?>" * (MAX_CHILDREN + 1) + b"</r>",
    b"<r><a>" + b"<b/>" * (MAX_CHILDREN + 1) + b"</a>" + b"<c>" * 40 + b"</c>" * 40 + b"</r>",
    b"<r/>", b"<r>x</r>",
]


@pytest.mark.parametrize("body", CASES)
def test_problem_equals_the_walk(body):
    root = etree.fromstring(body)
    assert xml_bounds.problem(body, root) == xml_bounds.tree_problem(root)


def test_small_bodies_cannot_hold_too_many_children():
    """The shortest way to write MAX_CHILDREN + 1 children is at least SMALL_BODY bytes."""
    for child in (b"<a/>", b"<!---->", b"<?p?>"):
        body = b"<r>" + child * (MAX_CHILDREN + 1) + b"</r>"
        assert len(body) >= SMALL_BODY
        assert xml_bounds.tree_problem(etree.fromstring(body)) is not None


def test_deep_small_body_is_found_by_the_shortcut():
    body = _nested(MAX_DEPTH + 1)
    assert len(body) < SMALL_BODY
    assert xml_bounds.problem(body, etree.fromstring(body)) == (
        f"The XML document is nested more than {MAX_DEPTH} elements deep")
    ok = _nested(MAX_DEPTH)
    assert xml_bounds.problem(ok, etree.fromstring(ok)) is None
