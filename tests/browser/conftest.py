"""Headless Chromium for browser tests: Debian's `chromium` driven by selenium through `chromedriver`.

`make test` installs both when missing (see the Makefile `browsers` step); browsers cannot be
downloaded here, so selenium is pointed at the system binaries and never fetches a driver.
A test that fails leaves a screenshot and the page's HTML in test-artifacts/.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1200,1000",
)


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return found
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def browser(request, tmp_path):
    """A fresh headless Chromium (own profile dir) per test."""
    chromium = _binary("chromium", "chromium-browser")
    driver_path = _binary("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver; "
                    "`make test` does this when run as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        failed = any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            try:
                driver.save_screenshot(str(ARTIFACTS / f"{stem}.png"))
                (ARTIFACTS / f"{stem}.html").write_text(driver.page_source)
            except Exception as e:  # the browser may be the thing that broke
                print(f"could not save browser artifacts: {e!r}")
        driver.quit()


@pytest.fixture
def wait():
    """wait(driver, predicate, message): poll until predicate(driver) is truthy, else fail saying what."""
    from selenium.webdriver.support.ui import WebDriverWait

    def wait_for(driver, predicate, message: str = "condition", timeout: float = 10.0):
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
            predicate, message=f"timed out waiting for {message}")

    return wait_for
