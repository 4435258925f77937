"""The paymentService request document: safe XML parsing and our request grammar (wpg.md §1.3).

lxml parses with entity resolution, network access and DTD loading off: requests name the
vendor DTD by URL and it is never fetched. A DOCTYPE with an internal subset (entity or element
declarations: XXE, billion laughs) is refused outright. The document is then validated against
the sandbox's own request grammar (grammar/paymentService_sandbox.dtd, read with
importlib.resources so it ships in the wheel), loaded once on first use, after the bounds of
web/xml_bounds.py. lxml itself is imported on first request, to keep it off the start-up path.
parse.py turns the validated document into typed requests.
"""

from __future__ import annotations

from importlib import resources

from ...web import xml_bounds
from ...web.xml_bounds import raw_problem

GRAMMAR = "paymentService_sandbox.dtd"
_state: dict = {}


class Invalid(Exception):
    """A request the vendor would refuse with `<error code=...>` (code 2 for parse/DTD)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def grammar_text() -> bytes:
    return resources.files(__package__).joinpath("grammar", GRAMMAR).read_bytes()


def _tools():
    if not _state:
        from io import BytesIO

        from lxml import etree

        _state["etree"] = etree
        _state["parser"] = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                           huge_tree=False, dtd_validation=False)
        _state["dtd"] = etree.DTD(BytesIO(grammar_text()))
        # A document valid against a grammar that nests no deeper than MAX_DEPTH cannot break the
        # depth bound, the only one a document of few nodes can break (xml_bounds.few_nodes).
        depth = xml_bounds.grammar_depth(_state["dtd"], "paymentService")
        _state["shallow_grammar"] = depth is not None and depth <= xml_bounds.MAX_DEPTH
    return _state["etree"], _state["parser"], _state["dtd"]


# Validated inquiry trees per body: a client polling a token or an order sends the same bytes again
# and again (the journal keeps its masked text per body for the same reason). The readers never
# change a tree, so one parsed and validated once answers every copy. Only inquiries (read-only:
# submits are unique, an orderCode is used once), small bodies, and a bounded number are kept;
# the oldest goes first, so trees are freed one at a time.
_INQUIRIES: dict[bytes, object] = {}
_INQUIRIES_MAX = 64
_INQUIRY_BODY_MAX = 4096


def parse_document(body: bytes):
    """The validated `paymentService` root element, or Invalid(2, parser-style message)."""
    root = _INQUIRIES.get(body)
    if root is not None:
        return root
    root = _parse_document(body)
    if len(body) <= _INQUIRY_BODY_MAX and first_element(root).tag == "inquiry":
        if len(_INQUIRIES) >= _INQUIRIES_MAX:
            del _INQUIRIES[next(iter(_INQUIRIES))]
        _INQUIRIES[body] = root
    return root


def _parse_document(body: bytes):
    etree, parser, dtd = _tools()
    if not body.strip():
        raise Invalid(2, "Premature end of file: the request body is empty")
    if problem := raw_problem(body):  # bounded work: refused before parsing (web/xml_bounds.py)
        raise Invalid(2, problem)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        raise Invalid(2, f"The XML could not be parsed: {e.msg}") from None
    except ValueError as e:  # e.g. a str with an encoding declaration; never reached with bytes
        raise Invalid(2, f"The XML could not be parsed: {e}") from None
    internal = root.getroottree().docinfo.internalDTD
    if internal is not None and (any(True for _ in internal.iterentities())
                                 or any(True for _ in internal.iterelements())):
        raise Invalid(2, "The DOCTYPE must not declare entities or elements (internal DTD subset refused)")
    if not isinstance(root.tag, str) or root.tag != "paymentService":
        raise Invalid(2, f'Document root element "{root.tag}", must match DOCTYPE root "paymentService".')
    valid = None
    if _state["shallow_grammar"] and xml_bounds.few_nodes(body, root):
        # Validating a document that can only break the depth bound is cheap, and when it is valid
        # it cannot break that either: the bounds (the depth XPath, 1.5-4 us) are only checked for
        # invalid ones, before their DTD error is shown, so every request gets the error it got
        # when the bounds came first.
        valid = dtd.validate(root)
    if not valid:
        if problem := xml_bounds.problem(body, root):  # bounded work before the super-linear DTD validation
            raise Invalid(2, problem)
    if valid is None:
        valid = dtd.validate(root)
    if not valid:
        errors = dtd.error_log.filter_from_errors() or dtd.error_log
        first = errors[0]
        raise Invalid(2, f"{first.message} (line {first.line})")
    if not root.get("merchantCode"):
        # #IMPLIED in the vendor DTD, but every operation needs it (wpg.md §1.2).
        raise Invalid(2, "Attribute merchantCode of paymentService is required")
    return root


def first_element(el):
    """The first element child (None when there is none) without listing the rest."""
    for child in el:
        if isinstance(child.tag, str):
            return child
    return None
