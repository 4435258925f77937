"""Fixtures for the Access Tokens v3 tests (helpers in access_helpers.py)."""

from __future__ import annotations

import pytest
from access_helpers import session


@pytest.fixture
def api(sandbox):
    """An authenticated v3 session (tenant access:shop1); every body is schema-checked."""
    with session(sandbox.url) as s:
        yield s
