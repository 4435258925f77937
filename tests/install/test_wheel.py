"""Issue 13 "Package data inside the package": the wheel as users install it (`pip install
token-sandbox`), built from the tree, installed NON-editable in a fresh venv, `sandbox serve
--port 0` started from that venv in a directory outside the work tree, then the three APIs driven
over HTTP. A piece of package data missing from the wheel (grammar, default catalogue, examples)
fails here, as do setuptools warnings about the packaging metadata.

The wheel is cached by the source tree's hash and the venv by the dependencies pip resolves
(dist_support.installed_venv): first run ~1 min (pip downloads and installs the runtime
dependencies), after a code change ~20 s (a new wheel, reinstalled without its dependencies),
unchanged sources a few seconds.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest
from dist_support import ROOT, clean_env, drive_three_apis, installed_venv, run, wait_healthy

READY = re.compile(r"Token Sandbox listening on (http://\S+)")


@pytest.fixture(scope="module")
def wheel_venv(built_wheel) -> Path:
    return installed_venv(built_wheel.path)


def test_wheel_carries_the_package_data_and_license(built_wheel):
    """Every file sandbox.data.REQUIRED names is inside the wheel, and so is the LICENSE."""
    from sandbox.data import REQUIRED

    names = set(zipfile.ZipFile(built_wheel.path).namelist())
    assert {f"sandbox/{rel}" for rel in REQUIRED} <= names, sorted({f"sandbox/{r}" for r in REQUIRED} - names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(built_wheel.path).read(meta).decode()
    assert "License-Expression: MIT" in text and "Project-URL: " in text, text[:2000]
    assert "Provides-Extra: fast" in text and not any(n.startswith(("tests/", "fixtures/", "dtd/")) for n in names)


def test_wheel_build_has_no_setuptools_warnings(built_wheel):
    """Issue 13 "Release hygiene": no SetuptoolsDeprecationWarning (license field etc.) on build."""
    assert "SetuptoolsDeprecationWarning" not in built_wheel.build_log, built_wheel.build_log[-4000:]
    assert "License classifiers are deprecated" not in built_wheel.build_log


def test_wheel_installs_the_package_not_the_work_tree(wheel_venv, tmp_path):
    p = run([str(wheel_venv / "bin" / "python"), "-c", "import sandbox; print(sandbox.__file__)"],
            timeout=60, cwd=tmp_path, env=clean_env())
    location = Path(p.stdout.strip()).resolve()
    assert wheel_venv.resolve() in location.parents, location
    assert ROOT not in location.parents, location
    version = run([str(wheel_venv / "bin" / "sandbox"), "--version"], timeout=60, cwd=tmp_path, env=clean_env())
    assert version.stdout.startswith("Token Sandbox "), version.stdout


def test_wheel_serves_the_three_apis(wheel_venv, tmp_path):
    proc = subprocess.Popen([str(wheel_venv / "bin" / "sandbox"), "serve", "--port", "0",
                             "--fixtures", "example:returning-shopper"], cwd=tmp_path,
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()
    found: list[str] = []

    def reader():  # keeps draining the pipe, so the server never blocks on a full stdout
        for line in proc.stdout:
            lines.append(line)
            m = READY.search(line)
            if m and not found:
                found.append(m.group(1))
                ready.set()

    threading.Thread(target=reader, daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while not ready.wait(0.1):
            assert proc.poll() is None, f"sandbox exited {proc.returncode}:\n{''.join(lines)}"
            assert time.monotonic() < deadline, f"no ready line after 30 s:\n{''.join(lines)}"
        base = found[0]
        health = wait_healthy(base, 10, alive=lambda: proc.poll() is None)
        assert health["status"] == "ok" and health["tenants"] >= 1, health  # the shipped example loaded
        drive_three_apis(base)
        time.sleep(0.2)  # the last access-log lines
        logged = "".join(lines)
        assert "Traceback" not in logged and "ERROR" not in logged, logged
        assert "POST /jsp/merchant/xml/paymentService.jsp 200 api=wpg tenant=wpg:MYMERCHANT" in logged, logged
    finally:
        proc.terminate()
        try:
            assert proc.wait(15) == 0, "".join(lines)
        finally:
            if proc.poll() is None:
                proc.kill()
