"""Issue 16: the official PAY.ON Python wrapper (PyPI `opp` 1.3.1), unmodified, against the sandbox.

The wrapper authenticates only with the deprecated authentication.userId/password/entityId
parameters (opp.md §3) and builds its own URLs. drive_opp_wrapper.py (ours) runs its registration,
payment, back-office, SEPA, PayPal and decline calls through its core and facade interfaces.
The wrapper is not part of this repository: the test installs it from PyPI into a temporary venv
(or uses OPP_WRAPPER_PYTHON, an interpreter that has it) and skips when neither is available.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("drive_opp_wrapper.py")


@pytest.fixture(scope="module")
def wrapper_python(tmp_path_factory) -> str:
    given = os.environ.get("OPP_WRAPPER_PYTHON")
    if given:
        return given
    env_dir = tmp_path_factory.mktemp("opp-wrapper")
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    r = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "opp==1.3.1"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.skip(f"PyPI package opp==1.3.1 could not be installed (offline?): {r.stderr.strip()[-300:]}")
    return python


def test_pypi_opp_wrapper_runs_unmodified(sandbox, wrapper_python):
    """opp.md §3 (legacy parameters), E1-E5, E11-E12, §13.1 (SEPA, PayPal), §9 forced decline: every
    step ends in the wrapper's own SUCCESSFUL class (the decline steps must not)."""
    r = subprocess.run([wrapper_python, "-W", "error", str(DRIVER), sandbox.url, "--sepa", "--paypal", "--decline"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "26 steps, 26 passed, 0 failed" in r.stdout
