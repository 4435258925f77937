"""The shared reply encoder (sandbox/core/jsontext.py, issue 18 per-request cost) writes exactly
what json.dumps writes: the JSON APIs' reply bytes must not change with the encoder."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.core.jsontext import dumps

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@given(_JSON)
@settings(max_examples=1500, deadline=None)
def test_dumps_writes_what_json_dumps_writes(value):
    assert dumps(value) == json.dumps(value)


def test_keys_json_dumps_converts_are_converted_alike():
    value = {1: "a", 2.5: "b", False: "c", None: "d", "é\u2028": float("nan")}
    assert dumps(value) == json.dumps(value)


def test_what_json_dumps_refuses_is_refused():
    with pytest.raises(TypeError):
        dumps({"a": object()})
