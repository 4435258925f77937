"""Property-based run of the Verified Tokens vendor OpenAPI against the live sandbox (issue 17:
"a schemathesis run of it in the suite like the Tokens one"; see test_access_schemathesis.py for
why schemathesis is driven through its Python API).

Both operations, positive and negative mode, 25 derandomised examples each. Checks:
`not_a_server_error` (no 5xx; the `ERROR` magic name is excluded from the generated names, as it
is the documented way to ask for a 500) and `response_schema_conformance` (a documented status's
body matches its schema). Not checked: `status_code_conformance`, because the OpenAPI documents
only 200/201/206/409 while the vendor answers invalid bodies with 400 (access.md §10).
"""

from __future__ import annotations

import pytest
import schemathesis
from access_helpers import luhn_pan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from verified_helpers import VT_SPEC, vt_card

CHECKS = [not_a_server_error, response_schema_conformance]
AUTH = ("vt-fuzz", "pw")
OPERATIONS = ["/verifiedTokens/cardOnFile", "/verifiedTokens/oneTime"]
RUNS = [(p, m) for p in OPERATIONS for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
RUN = settings(max_examples=25, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck), print_blob=True)


def _shop_cards():
    """Requests an integrating shop sends (the vendor's example shape): Luhn-valid cards of known
    and unknown BINs, future expiries, namespaces, and the refused magic name, so the run reaches
    201/200/409/206 and their schemas, not only the 400s a loose schema yields."""
    pans = st.builds(luhn_pan, st.sampled_from(["444433", "555555", "601100", "400000", "999999"]))
    names = st.sampled_from(["Sherlock Holmes", "John Watson", "REFUSED", "REFUSED51"])
    return st.builds(lambda pan, name, month, year, ns: vt_card(pan, name, month, year,
                                                                **({"namespace": ns} if ns else {})),
                     pans, names, st.integers(1, 12), st.integers(2030, 2040), st.sampled_from([None, "n1", "n2"]))


@pytest.mark.parametrize(("path", "mode"), RUNS, ids=[f"POST {p} {m.value}" for p, m in RUNS])
def test_verified_tokens_openapi_property_run(sandbox, http, path, mode):
    """Vendor OpenAPI (access-verified-tokens.openapi.yaml): no 5xx, documented bodies match."""
    if not VT_SPEC.exists():
        pytest.skip(f"vendor OpenAPI {VT_SPEC} is not present (only in the project workspace)")
    spec = schemathesis.openapi.from_path(VT_SPEC)
    spec.config.update(base_url=sandbox.url, basic_auth=AUTH)
    spec.config.generation.update(with_security_parameters=False)
    operation = spec[path]["POST"]
    strategy = operation.as_strategy(mode)
    if mode == GenerationMode.POSITIVE:
        strategy = st.one_of(strategy, _shop_cards().flatmap(lambda b: operation.as_strategy(mode, body=b)))

    @RUN
    @given(case=strategy)
    def run(case):
        body = case.body if isinstance(case.body, dict) else {}
        holder = (body.get("paymentInstrument") or {}).get("cardHolderName") if isinstance(
            body.get("paymentInstrument"), dict) else None
        if holder == "ERROR":  # the documented way to ask the issuer simulator for a 500
            return
        case.call_and_validate(checks=CHECKS)

    try:
        run()
    finally:
        http.post("/_sandbox/reset", params={"tenant": "access:" + AUTH[0]})  # namespaces stay under the cap
