"""ActiveMerchant's OppGateway (Ruby gem source, unmodified) against the sandbox.

drive_am_opp.rb (ours) points the gateway's test_url at the sandbox and runs store, purchase
(card, token, create_registration, PA.CP), authorize/capture/refund/void, verify and the
failures it must report (opp.md §11). ActiveMerchant's source is not part of this repository:
set AM_LIB to its `lib/` directory (Debian's `ruby` plus ruby-activesupport and ruby-builder load
it); the test skips when ruby or AM_LIB is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("drive_am_opp.rb")


def test_activemerchant_opp_gateway_runs_unmodified(sandbox):
    """opp.md §11 (ActiveMerchant: success regex on result.code, authentication.entityId, empty
    fields sent as blanks) and E1-E3, E11: every step behaves as the gateway expects."""
    lib = os.environ.get("AM_LIB")
    if not shutil.which("ruby") or not lib or not Path(lib, "active_merchant.rb").exists():
        pytest.skip("ActiveMerchant is not available: install ruby and set AM_LIB to active_merchant's lib/")
    r = subprocess.run(["ruby", str(DRIVER), sandbox.url], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "AM_LIB": lib})
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "15 steps, 15 passed, 0 failed" in r.stdout
