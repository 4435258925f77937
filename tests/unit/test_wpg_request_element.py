"""RequestElement.find() answers exactly what lxml's find() answers (apis/wpg/request_element.py),
including repeated tags, comments, processing instructions and namespaced children."""

from __future__ import annotations

import itertools
import random

import pytest
from lxml import etree

from sandbox.apis.wpg.request_element import RequestElement

TAGS = ("a", "b", "c")
PATHS = ["a", "b", "c", "d", "a/b", "a/c", "b/a", "a/b/c", "a/a", "a/b/a", "c/c/c", "a/d", "d/a",
         "*", "a/*", ".", "./a", ".//b", "a//c", "{urn:x}a", "a[2]", "b/c[1]", ""]


def random_tree(rnd: random.Random, depth: int = 0):
    el = etree.Element(rnd.choice(TAGS))
    el.text = rnd.choice([None, "", " t ", "x"])
    if depth < 3:
        for _ in range(rnd.randint(0, 4)):
            kind = rnd.random()
            if kind < 0.1:
                el.append(etree.Comment("c"))
            elif kind < 0.15:
                el.append(etree.ProcessingInstruction("pi", "x"))
            elif kind < 0.2:
                el.append(etree.Element("{urn:x}" + rnd.choice(TAGS)))
            else:
                el.append(random_tree(rnd, depth + 1))
    return el


def same(mine, theirs) -> bool:
    if theirs is None:
        return mine is None
    return mine is not None and mine.el is theirs


@pytest.mark.parametrize("seed", range(200))
def test_find_matches_lxml_on_random_trees(seed):
    rnd = random.Random(seed)
    root = etree.fromstring(etree.tostring(random_tree(rnd)))  # a parsed tree, as requests are
    node = RequestElement(root)
    for path in PATHS:
        try:
            expected = root.find(path)
        except SyntaxError:
            continue
        assert same(node.find(path), expected), (path, etree.tostring(root))
    # the same answers from every element reached, asked in any order (indexes are built lazily)
    for sub, path in itertools.product(list(node), PATHS[:12]):
        assert same(sub.find(path), sub.el.find(path))


def test_a_path_through_a_repeated_tag_reaches_the_later_one():
    root = etree.fromstring(b"<r><a><x/></a><a><b>2</b></a></r>")
    node = RequestElement(root)
    assert node.find("a/b").text == "2"  # lxml: the first b under any a
    assert node.find("a").find("b") is None  # the first a has none


def test_element_api_subset():
    root = etree.fromstring(b'<r k="v"><!--c--><a>t</a><?pi x?><b/><a/></r>')
    node = RequestElement(root)
    assert node.tag == "r" and node.get("k") == "v" and node.get("z", "d") == "d"
    assert [c.tag for c in node] == ["a", "b", "a"]
    assert node.find("a").text == "t"
