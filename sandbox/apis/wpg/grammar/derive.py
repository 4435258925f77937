"""Derive the sandbox's request grammar from the vendor's paymentService DTD.

    python -m sandbox.apis.wpg.grammar.derive ../shared/reference/paymentService_v1.dtd > \
        sandbox/apis/wpg/grammar/paymentService_sandbox.dtd

The vendor's DTD (v1.4.2, 1,100+ elements on the request side alone) is read with lxml and only
what a request can reach from `submit`, `modify` and `inquiry` is written out again, in our own
layout, from each element's parsed content model and attribute list: the grammar accepts what the
vendor's accepts for requests, and nothing that only a reply or notification may carry. Two
request-side content models are not deterministic, which libxml2 refuses to validate against;
they are rewritten to deterministic models of the same language (REWRITES). The runtime never
needs the vendor's file; tests/wpg/test_wpg_grammar_conformance.py re-derives the grammar from it
and checks the committed file element by element.
"""

from __future__ import annotations

import sys

ROOT = "paymentService"
REQUEST_WRAPPERS = ("submit", "modify", "inquiry")
# Deterministic rewrites of the vendor's non-deterministic request-side models (same language).
REWRITES = {
    "defend": "((disputeDefence, disputeAttachment?) | disputeAttachment)",
    "instalmentPlan": "(planId, planRef?, ((numberOfInstalments, termsId?) | termsId | "
                      "(planAcceptanceId, planActivationStatus?) | planActivationStatus)?)",
}
OCCUR = {"once": "", "opt": "?", "mult": "*", "plus": "+"}


def _flatten(node, kind: str) -> list:
    out = []
    for child in (node.left, node.right):
        if child is None:
            continue
        if child.type == kind and child.occur == "once":
            out += _flatten(child, kind)
        else:
            out.append(child)
    return out


def model(node) -> str:
    """A content model as DTD text from lxml's parsed tree (seq/or are binary there)."""
    if node.type == "pcdata":
        return "#PCDATA"
    if node.type == "element":
        return node.name + OCCUR[node.occur]
    sep = ", " if node.type == "seq" else " | "
    return "(" + sep.join(model(c) for c in _flatten(node, node.type)) + ")" + OCCUR[node.occur]


def content(decl) -> str:
    if decl.name in REWRITES:
        return REWRITES[decl.name]
    if decl.type == "empty":
        return "EMPTY"
    if decl.type == "any":
        return "ANY"
    node = decl.content
    if node.type in ("element", "pcdata"):  # a single particle: DTD syntax needs the group
        return f"({model(node).rstrip('?*+')}){OCCUR[node.occur]}"
    return model(node)


def attribute(a) -> str:
    name = f"{a.prefix}:{a.name}" if a.prefix else a.name
    if a.type == "enumeration":
        kind = "(" + " | ".join(a.values()) + ")"
    elif a.type == "notation":
        kind = "NOTATION (" + " | ".join(a.values()) + ")"
    else:
        kind = a.type.upper()
    if a.default == "required":
        default = "#REQUIRED"
    elif a.default == "implied":
        default = "#IMPLIED"
    elif a.default == "fixed":
        default = f'#FIXED "{a.default_value}"'
    else:
        default = f'"{a.default_value}"'
    return f"{name} {kind} {default}"


def children(node, acc: set) -> set:
    if node is None:
        return acc
    if node.type == "element":
        acc.add(node.name)
    children(node.left, acc)
    children(node.right, acc)
    return acc


def request_elements(dtd) -> list:
    """Vendor declarations reachable from submit/modify/inquiry, in the vendor file's order."""
    decls = {e.name: e for e in dtd.elements()}
    seen, todo = set(), list(REQUEST_WRAPPERS)
    while todo:
        name = todo.pop()
        if name in seen or name not in decls:
            continue
        seen.add(name)
        todo += sorted(children(decls[name].content, set()))
    return [decls[n] for n in decls if n in seen]


def derive(dtd) -> str:
    decls = {e.name: e for e in dtd.elements()}
    root_attrs = "\n    ".join(attribute(a) for a in decls[ROOT].attributes())
    out = [
        "<!-- paymentService request grammar of the Token Sandbox (written by the sandbox, not the",
        "     vendor's file). Derived by sandbox/apis/wpg/grammar/derive.py from the content models",
        "     of the vendor's paymentService_v1.dtd v1.4.2, request side only (submit, modify,",
        "     inquiry); non-deterministic models rewritten: " + ", ".join(sorted(REWRITES)) + ". -->",
        "",
        f"<!ELEMENT {ROOT} ({' | '.join(REQUEST_WRAPPERS)})>",
        f"<!ATTLIST {ROOT}\n    {root_attrs}>",
    ]
    for decl in request_elements(dtd):
        out.append(f"<!ELEMENT {decl.name} {content(decl)}>")
        attrs = list(decl.attributes())
        if attrs:
            out.append(f"<!ATTLIST {decl.name}\n    " + "\n    ".join(attribute(a) for a in attrs) + ">")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    from lxml import etree

    if len(argv) != 1:
        print("usage: python -m sandbox.apis.wpg.grammar.derive VENDOR_DTD", file=sys.stderr)
        return 2
    sys.stdout.write(derive(etree.DTD(argv[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
