"""Generate vendor-valid paymentService requests from the vendor DTD, and vendor-invalid mutants
(for tests/wpg/test_wpg_grammar_conformance.py; issue 15 "The request grammar is the vendor's").

Introspects the vendor DTD with lxml (each element's content tree of type/occur/name/left/right,
its attributes with type/default/values) and walks it from paymentService/(submit|modify|inquiry):
depth is bounded (past the bound the walker takes the cheapest expansion), required attributes
always, implied ones sometimes, enumerations respected, #FIXED honoured, text filled with
plausible values keyed by name. Mutators: swap two adjacent siblings of a sequence, insert an
undeclared element, put a value outside an enumeration, drop a required attribute; callers keep
only mutants the vendor DTD refuses.
"""

from __future__ import annotations

import random

from lxml import etree

REQUEST_WRAPPERS = ("submit", "modify", "inquiry")
DOCTYPE = ('<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD WorldPay PaymentService v1//EN" '
           '"http://dtd.worldpay.com/paymentService_v1.dtd">')
INF = 10 ** 9
XML_NS = "http://www.w3.org/XML/1998/namespace"
# libxml2 refuses to validate these (non-deterministic content models in the vendor DTD): never generate them.
NON_DETERMINISTIC = {"instalmentPlan", "accountUpdater", "defend"}


class Grammar:
    def __init__(self, dtd: etree.DTD):
        self.dtd = dtd
        self.el = {e.name: e for e in dtd.elements()}
        self.attrs = {e.name: list(e.attributes()) for e in dtd.elements()}
        self.min_h = self._min_heights()

    # -- minimal height of each element (fixpoint), used to terminate at the depth bound -----------
    def _min_heights(self) -> dict[str, int]:
        h = {n: INF for n in self.el}
        changed = True
        while changed:
            changed = False
            for n, e in self.el.items():
                if n in NON_DETERMINISTIC:
                    continue
                v = 1 if e.type in ("empty", "any") else 1 + self._node_cost(e.content, h)
                if v < h[n]:
                    h[n], changed = v, True
        return h

    def _node_cost(self, node, h) -> int:
        """Height needed below an element to satisfy content node `node` minimally (0 = nothing)."""
        if node is None:
            return 0
        if node.occur in ("opt", "mult"):
            return 0
        if node.type == "pcdata":
            return 0
        if node.type == "element":
            return h.get(node.name, INF)
        if node.type == "seq":
            return max(self._node_cost(node.left, h), self._node_cost(node.right, h))
        if node.type == "or":
            return min(self._node_cost(node.left, h), self._node_cost(node.right, h))
        return 0

    def node_min(self, node) -> int:
        return self._node_cost(node, self.min_h)


# -- values --------------------------------------------------------------------------------------
def attr_value(rng: random.Random, el: str, a) -> str:
    n = a.name
    if a.type == "enumeration":
        return rng.choice(list(a.values()))
    if n == "value":
        return str(rng.randint(0, 99999))
    if n == "currencyCode":
        return rng.choice(["GBP", "EUR", "USD", "JPY"])
    if n == "exponent":
        return rng.choice(["0", "2", "3"])
    if n in ("dayOfMonth",):
        return str(rng.randint(1, 28))
    if n == "month":
        return f"{rng.randint(1, 12):02d}"
    if n == "year":
        return str(rng.randint(2026, 2035))
    if n in ("hour", "minute", "second"):
        return f"{rng.randint(0, 59 if n != 'hour' else 23):02d}"
    if n == "orderCode":
        return f"gen-order-{rng.randint(1, 10 ** 6)}"
    if n == "merchantCode":
        return "MYMERCHANT"
    if n == "shopperIPAddress":
        return "127.0.0.1"
    if "Code" in n or a.type in ("nmtoken", "nmtokens"):
        return f"tok{rng.randint(1, 9999)}"
    if "URL" in n or "Url" in n:
        return "https://merchant.example/return"
    return f"v{rng.randint(1, 9999)}"


TEXT = {
    "cardNumber": "4444333322221111", "cvc": "123", "cardHolderName": "Jane Shopper",
    "authenticatedShopperID": "shopper1", "paymentTokenID": "9914233375932813341",
    "tokenEventReference": "TOK7854321", "tokenReason": "ClothesDepartment", "description": "Generated order",
    "countryCode": "GB", "postalCode": "CB4 0WE", "city": "Cambridge", "shopperEmailAddress": "jane@example.com",
    "schemeTransactionIdentifier": "020110105012345", "paResponse": "eJzVWFmPo8iWfs9fUap6",
    "encryptedData": "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMjU2R0NNIn0.c2FuZGJveA.aXY.Y2lwaGVy.dGFn",
}


def text_value(rng: random.Random, el: str) -> str:
    return TEXT.get(el, f"{el[:12]}-{rng.randint(1, 999)}")


# -- generation ----------------------------------------------------------------------------------
class Generator:
    def __init__(self, g: Grammar, rng: random.Random, max_depth: int = 7, p_opt: float = 0.35, ops=None):
        self.g, self.rng, self.max_depth, self.p_opt = g, rng, max_depth, p_opt
        self.ops = ops  # e.g. ["submit/order", "modify/orderModification"]; None = any request operation

    def document(self) -> etree._Element:
        root = etree.Element("paymentService", version="1.4", merchantCode="MYMERCHANT")
        if self.ops:
            wrapper, op = self.rng.choice(self.ops).split("/")
            w = etree.SubElement(root, wrapper)
            w.append(self.element(op, 2))
        else:
            root.append(self.element(self.rng.choice(REQUEST_WRAPPERS), 1))
        return root

    def element(self, name: str, depth: int) -> etree._Element:
        e = etree.Element(name)
        for a in self.g.attrs[name]:
            key = f"{{{XML_NS}}}{a.name}" if a.prefix == "xml" else a.name
            if a.default == "fixed":
                e.set(key, a.default_value)
            elif a.default == "required" or (self.rng.random() < 0.3 and depth < self.max_depth + 3):
                e.set(key, attr_value(self.rng, name, a))
        decl = self.g.el[name]
        if decl.type in ("empty", "any"):
            return e
        self.fill(e, decl.content, depth)
        return e

    def budget_ok(self, node, depth) -> bool:
        return depth + self.g.node_min(node) <= self.max_depth

    def fill(self, parent, node, depth):
        """Append children of `parent` satisfying content node `node` (occurrence included)."""
        if node.occur == "once":
            reps = 1
        elif node.occur == "opt":
            reps = 1 if (self.rng.random() < self.p_opt and self.budget_ok_strict(node, depth)) else 0
        elif node.occur == "mult":
            reps = self.rng.choice([0, 0, 1, 2]) if self.budget_ok_strict(node, depth) else 0
        else:  # plus
            reps = self.rng.choice([1, 1, 2]) if self.budget_ok_strict(node, depth) else 1
        for _ in range(reps):
            self.once(parent, node, depth)

    def budget_ok_strict(self, node, depth) -> bool:
        # height of the node's content if instantiated once, compared with the remaining budget
        return depth + self.g._node_cost(_Once(node), self.g.min_h) <= self.max_depth

    def once(self, parent, node, depth):
        t = node.type
        if t == "pcdata":
            self.add_text(parent)
        elif t == "element":
            parent.append(self.element(node.name, depth + 1))
        elif t == "seq":
            self.fill(parent, node.left, depth)
            self.fill(parent, node.right, depth)
        elif t == "or":
            branches = _alternatives(node)
            ok = [b for b in branches if depth + self.g._node_cost(_Once(b), self.g.min_h) <= self.max_depth]
            pick = self.rng.choice(ok) if ok else min(branches, key=lambda b: self.g._node_cost(_Once(b), self.g.min_h))
            self.fill(parent, pick, depth)

    def add_text(self, parent):
        if len(parent):
            return  # mixed content: keep it element-only after the first child
        parent.text = text_value(self.rng, parent.tag)


class _Once:
    """View of a content node with occurrence forced to 'once' (for cost computations)."""

    def __init__(self, node):
        self.n = node

    def __getattr__(self, k):
        return "once" if k == "occur" else getattr(self.n, k)


def _alternatives(node):
    """Flatten a right-leaning 'or' chain into its alternatives (only nodes with occur once continue the chain)."""
    out = []
    while node is not None and node.type == "or":
        out.append(node.left)
        r = node.right
        if r is not None and r.type == "or" and r.occur == "once":
            node = r
        else:
            out.append(r)
            break
    return [b for b in out if b is not None]


# -- mutation ------------------------------------------------------------------------------------
def _seq_names(node, acc):
    if node is None:
        return acc
    if node.type == "element":
        acc.append(node.name)
    elif node.type in ("seq", "or"):
        _seq_names(node.left, acc)
        _seq_names(node.right, acc)
    return acc


def mutate(g: Grammar, root, rng: random.Random, kind: str):
    doc = etree.fromstring(etree.tostring(root))
    elems = [e for e in doc.iter() if isinstance(e.tag, str)]
    if kind == "swap":
        cands = []
        for e in elems:
            kids = [c for c in e if isinstance(c.tag, str)]
            for i in range(len(kids) - 1):
                if kids[i].tag != kids[i + 1].tag and g.el[e.tag].content is not None \
                        and g.el[e.tag].content.type == "seq":
                    cands.append((e, i))
        if not cands:
            return None
        e, i = rng.choice(cands)
        kids = [c for c in e if isinstance(c.tag, str)]
        a, b = kids[i], kids[i + 1]
        e.remove(b)
        a.addprevious(b)
        return doc
    if kind == "unknown":
        target = rng.choice(elems[1:] or elems)
        target.insert(rng.randint(0, len(target)), etree.Element("sandboxUnknownElement"))
        return doc
    if kind == "badenum":
        cands = [(e, a) for e in elems for a in g.attrs[e.tag] if a.type == "enumeration"]
        if not cands:
            return None
        e, a = rng.choice(cands)
        e.set(a.name, "NOT_IN_ENUMERATION")
        return doc
    if kind == "dropreq":
        cands = [(e, a) for e in elems for a in g.attrs[e.tag] if a.default == "required" and e.get(a.name) is not None]
        if not cands:
            return None
        e, a = rng.choice(cands)
        del e.attrib[a.name]
        return doc
    raise ValueError(kind)


def serialise(root) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n' + DOCTYPE.encode() + b"\n"
            + etree.tostring(root, pretty_print=True))


def documents(vendor: etree.DTD, n: int, seed: int, max_depth: int = 7, ops=None) -> list:
    """n generated request roots, each valid against `vendor` (asserted)."""
    g = Grammar(vendor)
    gen = Generator(g, random.Random(seed), max_depth, ops=ops)
    out = []
    for _ in range(n):
        root = gen.document()
        assert vendor.validate(root), f"generator bug: {vendor.error_log.filter_from_errors()[:1]}"
        out.append(root)
    return out
