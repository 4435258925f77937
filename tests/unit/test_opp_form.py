"""OPP form decoding (apis/opp/form.py): the whole-body fast path answers exactly as decoding
every pair on its own does -- the same parameters, the same errors in the same order."""

from __future__ import annotations

import random
import re
from urllib.parse import unquote_to_bytes

import pytest

from sandbox.apis.opp.form import decode, merge

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reference_decode(raw: bytes, errors: list[dict], source: str = "body") -> dict[str, str]:
    """The pair-by-pair decoder the fast path must agree with (the adapter's original one)."""
    into: dict[str, str] = {}
    for pair in raw.split(b"&") if raw else ():
        if not pair:
            continue
        key_b, _, value_b = pair.partition(b"=")
        try:
            key = unquote_to_bytes(key_b.replace(b"+", b" ")).decode("utf-8")
            value = unquote_to_bytes(value_b.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            errors.append({"name": key_b.decode("ascii", "replace")[:64], "value": None,
                           "message": f"invalid UTF-8 in the {source}"})
            continue
        if value == "":
            continue
        if _CONTROL.search(key) or _CONTROL.search(value):
            errors.append({"name": _CONTROL.sub("?", key)[:64], "value": None,
                           "message": "must not contain control characters"})
            continue
        if key in into:
            errors.append({"name": key, "value": value, "message": "parameter given more than once"})
            continue
        into[key] = value
    return into


CASES = [
    b"",
    b"&&&",
    b"entityId=8a8294174b7ecb28014b9699220015cc&amount=10.00&currency=EUR&paymentType=DB",
    b"card.holder=Bench+Shopper&card.number=4111111111111111&card.cvv=123",
    b"card%2Enumber=4111111111111111&card.number=4111111111111111",
    b"a=1&a=1&a=2&b=&b=3&=x&=y&c",
    b"customer.givenName=J%C3%B6rg&customer.surname=M\xc3\xbcller",
    b"bad=%FF&good=1&x%FE=2",
    b"raw=\xff\xfe&good=1",
    b"nul=%00&ctl=a\x01b&tab=a\tb&nl=a%0Ab&good=1",
    b"k\x7f=v&ok=1",
    b"plus+key=a+b+c&plus+key=a+b+c",
    b"pct=100%25&pct2=%&pct3=%G1&pct4=%4",
    b"emoji=%F0%9F%98%80&emoji2=\xf0\x9f\x98\x80",
    b"eq=a=b=c&eq2==",
]


@pytest.mark.parametrize("raw", CASES)
def test_decode_agrees_with_the_pair_by_pair_decoder(raw):
    got_errors: list[dict] = []
    want_errors: list[dict] = []
    assert decode(raw, got_errors, "query string") == reference_decode(raw, want_errors, "query string")
    assert got_errors == want_errors


def test_decode_agrees_on_random_forms():
    rng = random.Random(20261130)
    alphabet = [b"a", b"b", b".", b"=", b"&", b"+", b"%", b"2", b"F", b"0", b"C3", b"\xc3", b"\xb6", b"\x00",
                b"\x1f", b"\t", b"\xff", b"%00", b"%FF", b"%C3%B6", b"%26", b"%3D", b" "]
    for _ in range(3000):
        raw = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        got_errors: list[dict] = []
        want_errors: list[dict] = []
        assert decode(raw, got_errors) == reference_decode(raw, want_errors), raw
        assert got_errors == want_errors, raw


def test_merge_rejects_a_key_the_query_and_body_give_differently():
    errors: list[dict] = []
    assert merge({"entityId": "a", "x": "1"}, {"entityId": "a", "x": "2"}, errors) == {"entityId": "a", "x": "2"}
    assert errors == [{"name": "x", "value": "2", "message": "parameter given more than once (query and body differ)"}]
    body = {"amount": "1.00"}
    assert merge({}, body, errors) == body
