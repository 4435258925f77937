"""A validated request element whose `find()` is a dict lookup instead of lxml's ElementPath.

Reading an order asks about 30 child paths (`paymentDetails/info3DSecure`, `expiryDate/date`,
...), mostly absent ones. lxml answers each through ElementPath (path cache, generator chain):
1.5-2.5 us each, about 40 us of the 52 us `parse.order_request` took. Here each element lists
its element children once, by tag, and a path is a walk through those dicts.

Answers are exactly lxml's: `find("a/b")` is the first `b` child of the first `a` child that has
one. That is the first `a`'s `b` unless `a` is repeated; a path through a repeated tag is asked
of lxml itself. Comments, processing instructions and entity references are never children
(lxml's find() skips them too), and a namespaced `{uri}a` is not `a`, as in lxml.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"[A-Za-z_][\w.-]*\Z")
_STEPS: dict[str, tuple[str, ...]] = {}  # path -> its tag names; (): not a plain path


def _steps(path: str) -> tuple[str, ...]:
    parts = tuple(path.split("/"))
    steps = parts if all(_NAME.match(p) for p in parts) else ()  # ".", "*", "[..]": lxml's reading
    if len(_STEPS) >= 512:  # the code asks a few dozen literal paths; bounded all the same
        _STEPS.clear()
    _STEPS[path] = steps
    return steps


class RequestElement:
    """The subset of lxml's element API the request readers use: tag, text, get, find, iteration."""

    __slots__ = ("el", "tag", "_kids", "_repeated")

    def __init__(self, el, tag: str | None = None) -> None:
        self.el = el
        self.tag = el.tag if tag is None else tag
        self._kids: dict | None = None
        self._repeated: set | None = None

    @property
    def text(self) -> str | None:
        return self.el.text

    def get(self, key: str, default=None):
        return self.el.get(key, default)

    def _index(self) -> dict:
        kids: dict = {}
        for child in self.el:
            tag = child.tag
            if tag.__class__ is not str:  # comment, processing instruction, entity
                continue
            if tag in kids:
                if self._repeated is None:
                    self._repeated = set()
                self._repeated.add(tag)
            else:
                kids[tag] = RequestElement(child, tag)
        self._kids = kids
        return kids

    def find(self, path: str) -> RequestElement | None:
        kids = self._kids if self._kids is not None else self._index()
        child = kids.get(path)
        if child is not None:  # `path` is one child's tag (a tag holds no "/"): its first such child
            return child
        steps = _STEPS.get(path) or _steps(path)
        if len(steps) < 2:  # one tag name that is not a child; or not a plain path: lxml's answer
            return None if steps else _wrap(self.el.find(path))
        node = self
        for step in steps[:-1]:
            child = kids.get(step)
            if child is None:
                return None
            if node._repeated is not None and step in node._repeated:
                return _wrap(self.el.find(path))  # a later `step` may hold the rest of the path
            node = child
            kids = node._kids if node._kids is not None else node._index()
        return kids.get(steps[-1])

    def first_element(self) -> RequestElement:
        """The first element child (IndexError when there is none, as elements(el)[0]): the
        index keeps document order, so it is the first tag indexed."""
        kids = self._kids if self._kids is not None else self._index()
        for child in kids.values():
            return child
        raise IndexError("no element child")

    def __iter__(self):
        """The element children in document order (what `for c in el` gives, less non-elements)."""
        for child in self.el:
            tag = child.tag
            if tag.__class__ is str:
                yield RequestElement(child, tag)

    def __repr__(self) -> str:
        return f"<RequestElement {self.tag}>"


def _wrap(el) -> RequestElement | None:
    return RequestElement(el) if el is not None else None
