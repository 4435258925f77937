"""Bounded work for XML request bodies, checked before (super-linear) DTD validation.

libxml2's DTD validation grows faster than linearly with the number of sibling elements: a
400 KB paymentService body of 100,000 `<x/>` siblings held the event loop for 31 s (issue 14).
No real paymentService request comes near these limits (the sandbox DTD is not recursive and
nests at most 15 deep; its few repeated elements are lists of order lines and the like), so
anything beyond them is refused with the parser-style error before validation starts. Parsing itself is linear and, at the `--max-body` limit, takes milliseconds.
"""

from __future__ import annotations

from itertools import islice

MAX_ELEMENTS = 2000  # elements (and comments / processing instructions) in one document
MAX_DEPTH = 32  # nesting depth from the root element
MAX_CHILDREN = 200  # direct children of any one element


def raw_problem(body: bytes) -> str | None:
    """A cheap bound on the raw bytes: every element costs at least one '<'."""
    if body.count(b"<") > 4 * MAX_ELEMENTS + 64:  # CDATA and comments may hold a few '<' of their own
        return f"The XML document has more than {MAX_ELEMENTS} elements"
    return None


# Below this many bytes no element can hold more than MAX_CHILDREN children (nor a document
# MAX_ELEMENTS nodes): each child is at least 4 characters (`<a/>`; a comment `<!---->` 7, a
# processing instruction `<?a?>` 5), the markup of two nodes never overlaps, and a character is
# at least one byte in every encoding. Only depth can then be exceeded (33 nested elements fit in
# 228 bytes), and that is one XPath in C instead of a walk in Python (8 -> 3 us per request).
SMALL_BODY = 4 * (MAX_CHILDREN + 1)
_deep: list = []  # the compiled XPath, built on first use (lxml is imported lazily, as in apis/wpg)


def _too_deep(root) -> bool:
    """Whether any node other than text sits deeper than MAX_DEPTH (the root is depth 1): the
    nodes the walk below visits are elements, comments and processing instructions."""
    if not _deep:
        from lxml import etree

        _deep.append(etree.XPath("boolean(" + "*/" * (MAX_DEPTH - 1) + "node()[not(self::text())])"))
    return _deep[0](root)


def few_nodes(body: bytes, root) -> bool:
    """Whether only the depth bound can be broken: below SMALL_BODY bytes (above), or at most
    MAX_CHILDREN nodes in all (no element can then hold more children, nor the document more
    nodes). root.iter() yields the nodes the walk below visits (elements, comments, processing
    instructions, entities), counted in C and never more than one past the bound: a real client's
    1-7 KB request is counted in ~2 us where the walk took ~15 us."""
    return len(body) < SMALL_BODY or len(list(islice(root.iter(), MAX_CHILDREN + 1))) <= MAX_CHILDREN


def problem(body: bytes, root) -> str | None:
    """tree_problem(root) for the tree parsed from `body`, without the walk when it cannot find one."""
    if few_nodes(body, root) and not _too_deep(root):
        return None
    return tree_problem(root)  # the walk decides the message, so it is the same either way


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



def grammar_depth(dtd, root: str) -> int | None:
    """How deep a document valid against `dtd` (an lxml DTD) can nest below an element `root` (the
    root is depth 1), or None when the grammar is recursive and validity bounds no depth."""
    kids: dict[str, set[str]] = {}
    for decl in dtd.iterelements():
        names: set[str] = set()
        todo = [decl.content]
        while todo:
            c = todo.pop()
            if c is not None:
                if c.type == "element":
                    names.add(c.name)
                todo += (c.left, c.right)
        kids[decl.name] = names
    depth: dict[str, int | None] = {}  # None while being measured: met again, the grammar recurses

    def measure(name: str) -> int:
        if name in depth:
            if depth[name] is None:
                raise RecursionError(name)
            return depth[name]
        depth[name] = None
        depth[name] = 1 + max((measure(k) for k in kids.get(name, ())), default=0)
        return depth[name]

    try:
        return measure(root)
    except RecursionError:  # a cycle, or a chain of declarations deeper than Python's stack
        return None
