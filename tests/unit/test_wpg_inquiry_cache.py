"""parse_document keeps validated inquiry trees per body (apis/wpg/parse.py): only inquiries,
only valid ones, bounded, and the same answers as parsing again."""

from __future__ import annotations

import pytest
from lxml import etree

from sandbox.apis.wpg import document, parse

HEAD = '<?xml version="1.0"?><paymentService version="1.4" merchantCode="M">'


def inquiry(token: str) -> bytes:
    return (HEAD + f'<inquiry><paymentTokenInquiry tokenScope="merchant"><paymentTokenID>{token}'
            "</paymentTokenID></paymentTokenInquiry></inquiry></paymentService>").encode()


def test_an_inquiry_body_is_parsed_once_and_reads_the_same():
    document._INQUIRIES.clear()
    body = inquiry("9912345")
    first = parse.parse_document(body)
    again = parse.parse_document(bytes(bytearray(body)))  # an equal body, another object
    assert again is first
    assert etree.tostring(first) == etree.tostring(document._parse_document(body))
    name, op = parse.operation(again)
    assert name == "paymentTokenInquiry" and parse.text(op, "paymentTokenID") == "9912345"


def test_submits_and_invalid_bodies_are_not_kept():
    document._INQUIRIES.clear()
    submit = (HEAD + '<submit><paymentTokenCreate><createToken tokenScope="merchant"/><paymentInstrument>'
              "<cardDetails><cardNumber>4444333322221111</cardNumber></cardDetails></paymentInstrument>"
              "</paymentTokenCreate></submit></paymentService>").encode()
    parse.parse_document(submit)
    bad = inquiry("1").replace(b"paymentTokenID>", b"nosuch>")
    for _ in range(2):
        with pytest.raises(parse.Invalid):
            parse.parse_document(bad)
    assert document._INQUIRIES == {}


def test_the_cache_is_bounded_oldest_first():
    document._INQUIRIES.clear()
    bodies = [inquiry(f"99{i}") for i in range(document._INQUIRIES_MAX + 5)]
    for b in bodies:
        parse.parse_document(b)
    assert list(document._INQUIRIES) == bodies[5:]
    big = inquiry("9" * (document._INQUIRY_BODY_MAX + 1))
    parse.parse_document(big)
    assert big not in document._INQUIRIES
