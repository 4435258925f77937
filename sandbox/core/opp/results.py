"""OPP result codes: the platform's full catalogue (resultcodes.json, 667 codes and the 26 regex
groups, derived from ../shared/reference/opp.md §13.5 and §8.1), and their classification. Clients decide
success with the documented regex `^(000\\.000\\.|000\\.100\\.1|000\\.[36])`, pending with
`^(000\\.200)`; `classify()` applies the same groups so the sandbox and its clients agree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

SUCCESS = re.compile(r"^(000\.000\.|000\.100\.1|000\.[36]|000\.400\.[1][12]0)")
REVIEW = re.compile(r"^(000\.400\.0[^3]|000\.400\.100)")
PENDING = re.compile(r"^(000\.200)")
CODE_FORMAT = re.compile(r"^[0-9]{3}\.[0-9]{3}\.[0-9]{3}\Z")

LIVE_OK = "000.000.000"
INTEGRATOR_TEST_OK = "000.100.110"
CONNECTOR_TEST_OK = "000.100.112"
PENDING_OK = "000.200.000"
CHECKOUT_CREATED = "000.200.100"
INVALID_PARAMETER = "200.300.404"
AUTH_FAILED = "800.900.300"

_CATALOGUE = json.loads(Path(__file__).with_name("resultcodes.json").read_text(encoding="utf-8"))
# The platform's published list (opp.md §13.5): every code the sandbox answers or lets a test force.
DESCRIPTIONS: dict[str, str] = {c["code"]: c["description"] for c in _CATALOGUE["codes"]}
# The documented regex groups, in application order (opp.md §8.1): name, class, regex.
GROUPS: list[dict] = _CATALOGUE["groups"]
_GROUP_RES = [(g, re.compile(g["regex"])) for g in GROUPS]


def group_of(code: str) -> dict | None:
    """The first documented group whose regex matches (what clients classify with)."""
    return next((g for g, rx in _GROUP_RES if rx.match(code)), None)


def describe(code: str) -> str:
    return DESCRIPTIONS.get(code, "result code not in the catalogue")


def classify(code: str) -> str:
    """success | review | pending | rejected, by the documented regex groups (opp.md §8.1)."""
    if SUCCESS.match(code):
        return "success"
    if REVIEW.match(code):
        return "review"
    if PENDING.match(code):
        return "pending"
    return "rejected"


def success_code(mode: str, test_mode: str | None) -> str:
    """`000.000.000` live; on the test system `000.100.112` for EXTERNAL, else `000.100.110` (opp.md §9)."""
    if mode == "live":
        return LIVE_OK
    return CONNECTOR_TEST_OK if test_mode == "EXTERNAL" else INTEGRATOR_TEST_OK
