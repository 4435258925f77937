"""OPP reply rendering (apis/opp/render.py): the cached and prebuilt fast paths give the bytes the
plain calls give -- json.dumps() for bodies, time.strftime() for the envelope's timestamp."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.apis.opp import render

BODIES = [
    {},
    {"id": "8be174b8e0bebc6e903be5f0b6625015", "amount": "10.00", "card": {"bin": "420000", "holder": None}},
    {"customer": {"givenName": "Jörg", "surname": "Müller \"the\" \\ 😀\n\t\x01"}, "list": [1, 2.5, True, False, None]},
    {"nested": [{"a": []}, {"b": {}}], "n": -0.0, "big": 10**30, "f": 1e-7, "nan": float("nan")},
]


@pytest.mark.parametrize("body", BODIES)
def test_dumps_is_json_dumps(body):
    assert render.dumps(body) == json.dumps(body).encode()


def test_dumps_refuses_what_json_dumps_refuses():
    with pytest.raises(TypeError):
        render.dumps({"x": object()})


@pytest.mark.parametrize("now", [0, 0.5, 59.999, 1_900_000_000, 1_900_000_000.75, 4_102_444_799.9, -1.5, -0.25])
def test_timestamp_is_strftime(now):
    want = time.strftime("%Y-%m-%d %H:%M:%S+0000", time.gmtime(now))
    assert render.timestamp(now) == want
    assert render.timestamp(now) == want  # the cached second too


def test_envelope_keeps_a_fields_place_as_a_dict_display_does():
    fields = {"timestamp": "early", "id": "x"}
    assert list(render.envelope("000.100.110", None, "n", 0, **fields).items()) == list(
        {**fields, "result": {"code": "000.100.110", "description": render.describe("000.100.110")},
         "buildNumber": render.BUILD_NUMBER, "timestamp": render.timestamp(0), "ndc": "n"}.items())
