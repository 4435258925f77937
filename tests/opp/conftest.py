"""The `opp` fixture: an OPP client that sends the Bearer token and entityId."""

from __future__ import annotations

import pytest
from opp_support import Opp


@pytest.fixture
def opp(http) -> Opp:
    return Opp(http)
