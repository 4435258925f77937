"""Bounded work for XML request bodies, checked before (super-linear) DTD validation.

libxml2's DTD validation grows faster than linearly with the number of sibling elements: a
400 KB paymentService body of 100,000 `<x/>` siblings held the event loop for 31 s (issue 14).
No valid paymentService request comes near these limits (the sandbox DTD declares 77 element
types and no repetition), so anything beyond them is refused with the parser-style error before
validation starts. Parsing itself is linear and, at the `--max-body` limit, takes milliseconds.
"""

from __future__ import annotations

MAX_ELEMENTS = 2000  # elements (and comments / processing instructions) in one document
MAX_DEPTH = 32  # nesting depth from the root element
MAX_CHILDREN = 200  # direct children of any one element


def raw_problem(body: bytes) -> str | None:
    """A cheap bound on the raw bytes: every element costs at least one '<'."""
    if body.count(b"<") > 4 * MAX_ELEMENTS + 64:  # CDATA and comments may hold a few '<' of their own
        return f"The XML document has more than {MAX_ELEMENTS} elements"
    return None


def tree_problem(root) -> str | None:
    """The first bound an lxml tree exceeds, or None. Stops at the first excess (bounded work)."""
    count = 0
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        count += 1
        if count > MAX_ELEMENTS:
            return f"The XML document has more than {MAX_ELEMENTS} elements"
        if depth > MAX_DEPTH:
            return f"The XML document is nested more than {MAX_DEPTH} elements deep"
        children = len(el)
        if children > MAX_CHILDREN:
            return f"An XML element has more than {MAX_CHILDREN} child elements"
        if children:
            stack.extend((child, depth + 1) for child in el)
    return None

