"""Helpers for the install tests (tests/install/): build the wheel once per session from a
clean copy of the source tree, and cache what is slow to make (the wheel per source tree, a venv
per wheel, a container base image per recipe) outside the work tree, keyed by content hash, so
that reruns and fresh clones on the same machine are fast.

Cache: $TOKEN_SANDBOX_TEST_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/token-sandbox-tests.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("TOKEN_SANDBOX_TEST_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "token-sandbox-tests")
# Everything the wheel is built from; the rest of the tree (venvs, tests, bench, .git) is left out.
_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
                                 ".pytest_cache", ".ruff_cache", ".hypothesis", "test-artifacts",
                                 ".cache", "tests", "bench", "*.state.json")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def cache_lock(name: str):
    """An exclusive lock across processes (pytest-xdist workers, parallel runs)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run(cmd: list[str], timeout: float, **kw) -> subprocess.CompletedProcess:
    """Run a command; on failure raise with its output, so a failing build says why."""
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} -> exit {p.returncode} after {time.monotonic() - t0:.1f}s\n"
                             f"--- stdout\n{p.stdout[-4000:]}\n--- stderr\n{p.stderr[-4000:]}")
    return p


@dataclass(frozen=True)
class Wheel:
    path: Path
    build_log: str  # pip's verbose build output (setuptools warnings show up here)


def _tree_key(root: Path) -> str:
    """sha256 over the names and bytes of every file the wheel is built from."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(sha256_file(path).encode())
    return h.hexdigest()


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Wheel:
    """The project's wheel, built from a copy of the tree (an in-tree build would leave build/
    behind, and a stale build/lib can put deleted modules in the wheel). SOURCE_DATE_EPOCH makes
    the bytes reproducible, so the wheel's sha256 is a cache key; the wheel itself is cached by
    the source tree's hash (a rebuild costs ~20 s: pip sets up an isolated setuptools)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=_IGNORE)
    cached = CACHE / "wheels" / _tree_key(src)[:16]
    with cache_lock("wheels"):
        if not (cached / "build.log").exists():
            shutil.rmtree(cached, ignore_errors=True)
            env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
            p = run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(cached), str(src)],
                    timeout=300, env=env)
            (cached / "build.log").write_text(p.stdout + p.stderr)
            _prune(cached.parent, keep=cached)
        os.utime(cached)
    wheels = sorted(cached.glob("token_sandbox-*.whl"))
    assert len(wheels) == 1, wheels
    return Wheel(wheels[0], (cached / "build.log").read_text())


def _prune(root: Path, keep: Path, count: int = 3) -> None:
    """Keep the `count` newest cache entries of one kind (always `keep`)."""
    others = sorted((p for p in root.iterdir() if p.is_dir() and p != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[count - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def _requirements(wheel: Path) -> list[str]:
    """The wheel's declared dependencies (Requires-Dist in its METADATA)."""
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(meta).decode().split("\n\n", 1)[0].splitlines()
    return sorted(line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:"))


def installed_venv(wheel: Path, *also: str, extras: str = "") -> Path:
    """A venv with `wheel` installed NOT editable (plus `also` packages).

    Cached by what pip has to resolve: the wheel's declared dependencies, the extras and `also`.
    The first install resolves everything from the index into a fresh venv; when only the
    package's own code changed since, the new wheel replaces the old one with --no-deps
    --force-reinstall (pip removes every file the old version installed, so nothing stale stays):
    a code change costs seconds, not a dependency download."""
    spec = f"{wheel}[{extras}]" if extras else str(wheel)
    key = hashlib.sha256(json.dumps([_requirements(wheel), extras, sorted(also), sys.version]).encode())
    root = CACHE / "venvs"
    target = root / key.hexdigest()[:16]
    python = str(target / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    marker = target / ".installed-wheel"
    digest = sha256_file(wheel)
    with cache_lock("venvs"):
        if not marker.exists():
            shutil.rmtree(target, ignore_errors=True)
            venv.EnvBuilder(with_pip=True, clear=True).create(target)
            run([*pip, spec, *also], timeout=600)
        elif marker.read_text().strip() != digest:
            run([*pip, "--no-deps", "--force-reinstall", str(wheel)], timeout=300)
        marker.write_text(digest + "\n")
        os.utime(target)  # newest first when pruning
        _prune(root, keep=target, count=4)
    return target


def clean_env(**extra: str) -> dict:
    """The environment without this checkout on the path and without SANDBOX_* settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SANDBOX_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **extra}


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 10) -> tuple[int, dict, bytes]:
    """One request with the stdlib; returns (status, headers, body), 4xx/5xx included."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_healthy(base: str, deadline_s: float, alive=lambda: True) -> dict:
    """Poll /_sandbox/health until 200; `alive()` returning False fails at once."""
    end = time.monotonic() + deadline_s
    last: object = None
    while time.monotonic() < end:
        if not alive():
            raise AssertionError(f"server exited before it was healthy (last: {last!r})")
        try:
            status, _, body = http("GET", base + "/_sandbox/health", timeout=2)
            if status == 200:
                return json.loads(body)
            last = status
        except OSError as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"{base}/_sandbox/health not 200 after {deadline_s}s (last: {last!r})")


def basic(user: str, password: str) -> dict:
    import base64
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


# One request per API, shared by the wheel and container tests ---------------------------------
ENTITY = "8a8294174b7ecb28014b9699220015cc"
OPP_CARD = {"entityId": ENTITY, "paymentBrand": "VISA", "card.number": "4200000000000000",
            "card.holder": "Jane Jones", "card.expiryMonth": "05", "card.expiryYear": "2034", "card.cvv": "123"}
WPG_PATH = "/jsp/merchant/xml/paymentService.jsp"
WPG_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE paymentService PUBLIC "-//WorldPay//DTD '
            'WorldPay PaymentService v1//EN" "http://dtd.worldpay.com/paymentService_v1.dtd">\n')


def wpg_doc(inner: str, merchant: str = "MYMERCHANT") -> bytes:
    return f'{WPG_HEAD}<paymentService version="1.4" merchantCode="{merchant}">{inner}</paymentService>'.encode()


WPG_CREATE = wpg_doc(
    "<submit><paymentTokenCreate><authenticatedShopperID>shopper1</authenticatedShopperID><createToken/>"
    "<paymentInstrument><cardDetails><cardNumber>4444333322221111</cardNumber>"
    '<expiryDate><date month="06" year="2031"/></expiryDate><cardHolderName>J.Shopper</cardHolderName>'
    "</cardDetails></paymentInstrument></paymentTokenCreate></submit>")


def wpg_inquiry(token_id: str) -> bytes:
    return wpg_doc('<inquiry><paymentTokenInquiry tokenScope="shopper"><authenticatedShopperID>shopper1'
                   f"</authenticatedShopperID><paymentTokenID>{token_id}</paymentTokenID>"
                   "</paymentTokenInquiry></inquiry>")


def drive_three_apis(base: str, admin_headers: dict | None = None) -> None:
    """Access, OPP and paymentService XML each answer as documented, and the default catalogue
    (package data) is loaded: the checks a broken install fails."""
    from urllib.parse import urlencode, urlsplit
    from xml.etree import ElementTree

    # Access Tokens v3: create a token, read it back by its href, an unknown one is a JSON 404
    media = "application/vnd.worldpay.tokens-v3.hal+json"
    access = {**basic("shop1", "pw"), "Content-Type": media, "Accept": media}
    create = {"paymentInstrument": {"type": "card/front", "cardNumber": "4444333322221111",
                                    "cardHolderName": "Sherlock Holmes", "cardExpiryDate": {"month": 5, "year": 2035}},
              "merchant": {"entity": "default"}, "description": "install test"}
    status, headers, body = http("POST", base + "/tokens", json.dumps(create).encode(), access)
    assert status == 201, body
    token = json.loads(body)
    assert token["paymentInstrument"]["cardNumber"] == "4444********1111", token
    status, _, body = http("GET", base + urlsplit(headers["Location"]).path, headers=access)
    assert status == 200 and json.loads(body)["tokenId"] == token["tokenId"], body
    status, headers, body = http("GET", base + "/tokens/xyz", headers=access)
    assert status == 404 and "json" in headers.get("Content-Type", ""), (status, body)
    assert json.loads(body)["errorName"] == "resourceNotFound"

    # OPP: a registration succeeds; a magic card (default catalogue) gets its documented code
    form = {"Authorization": "Bearer anything", "Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = http("POST", base + "/v1/registrations", urlencode(OPP_CARD).encode(), form)
    reply = json.loads(body)
    assert status == 200 and reply["result"]["code"].startswith("000.100.1") and len(reply["id"]) == 32, body
    magic = {**OPP_CARD, "card.number": "4012001037461114", "amount": "92.00", "currency": "EUR",
             "paymentType": "DB"}
    status, _, body = http("POST", base + "/v1/payments", urlencode(magic).encode(), form)
    assert status == 400 and json.loads(body)["result"]["code"] == "100.390.112", body

    # paymentService XML: create a token, then inquire it (needs the packaged DTD)
    xml = {**basic("MYMERCHANT", "xmlpass"), "Content-Type": "text/xml; charset=UTF-8"}
    status, _, body = http("POST", base + WPG_PATH, WPG_CREATE, xml)
    assert status == 200 and b"<error" not in body, body
    token_id = ElementTree.fromstring(body).findtext(".//paymentTokenID")
    assert token_id, body
    status, _, body = http("POST", base + WPG_PATH, wpg_inquiry(token_id), xml)
    assert status == 200 and b"<error" not in body and token_id.encode() in body, body

    # control plane: the default card catalogue is there
    status, _, body = http("GET", base + "/_sandbox/cards", headers=admin_headers or {})
    assert status == 200 and json.loads(body)["bins"], body
