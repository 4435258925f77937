"""Issue 13 "Container image": the repository's Dockerfile built with podman from the wheel, run
with its port mapped to loopback, healthy (its own HEALTHCHECK too), answering the three APIs,
honouring SANDBOX_* variables and a fixture mounted at /fixtures, running as a non-root user
without test extras, and stopping cleanly on SIGTERM.

Container registries are not reachable from our machines, so the Dockerfile's BASE is a local
image: a minimal Debian rootfs made with mmdebstrap from the host's apt sources (python3,
python3-venv, ca-certificates, passwd; the host's CA store copied in so pip inside the build
trusts the same authorities as the host), then `podman import`ed. Set TOKEN_SANDBOX_TEST_BASE to
use another base instead (e.g. python:3.12-slim where a registry is reachable).

Both images are cached by content hash (base: recipe + apt sources + CA store; app: wheel +
Dockerfile + base). Measured on 2 busy cores: base ~60 s once (mmdebstrap + import); app image
~100 s the first time, ~30-50 s after a code change (the dependency layer is reused); unchanged
sources ~6 s.
Skips, saying why, when podman (or, for the base, mmdebstrap or root) is missing;
`.ci/run` installs them with apt when run as root.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from dist_support import CACHE, ROOT, cache_lock, drive_three_apis, http, run, sha256_file, wait_healthy

ENGINE = os.environ.get("TOKEN_SANDBOX_CONTAINER_ENGINE", "podman")
BASE_REPO = "localhost/token-sandbox-test-base"
APP_REPO = "localhost/token-sandbox-test"
BASE_PACKAGES = "python3,python3-venv,ca-certificates,passwd"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
LOCAL_CAS = Path("/usr/local/share/ca-certificates")


def _limits() -> list[str]:
    """podman's default RLIMIT_NOFILE is above this machine's hard limit (runc: 'error setting
    rlimit type 7: operation not permitted'), so ask for what the host allows."""
    out = []
    for name, res, want in (("nofile", resource.RLIMIT_NOFILE, 20000), ("nproc", resource.RLIMIT_NPROC, 32768)):
        hard = resource.getrlimit(res)[1]
        n = want if hard == resource.RLIM_INFINITY else min(hard, want)
        out += ["--ulimit", f"{name}={n}:{n}"]
    return out


def engine(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return run([ENGINE, *args], timeout=timeout, **kw)


def _image_exists(ref: str) -> bool:
    return subprocess.run([ENGINE, "image", "exists", ref], capture_output=True, timeout=60).returncode == 0


def _apt_sources() -> Path:
    override = os.environ.get("TOKEN_SANDBOX_TEST_APT_SOURCES")
    for p in ([Path(override)] if override else
              [Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list")]):
        if p.is_file() and p.read_text().strip():
            return p
    pytest.skip("no Debian apt sources on this host to build the container base from "
                "(set TOKEN_SANDBOX_TEST_BASE=python:3.12-slim where a registry is reachable)")


def _codename() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip('"')
    pytest.skip("cannot tell this host's Debian release (VERSION_CODENAME in /etc/os-release)")


def _base_image() -> str:
    """The Dockerfile's BASE: TOKEN_SANDBOX_TEST_BASE, else a cached mmdebstrap import."""
    if os.environ.get("TOKEN_SANDBOX_TEST_BASE"):
        return os.environ["TOKEN_SANDBOX_TEST_BASE"]
    if not shutil.which("mmdebstrap"):
        pytest.skip("mmdebstrap not installed (apt-get install mmdebstrap), needed to build the container base")
    if os.geteuid() != 0:
        pytest.skip("building the container base with mmdebstrap and importing it into podman needs root here")
    sources, suite = _apt_sources(), _codename()
    hooks = [
        # the host's CA store: pip in the build must trust what the host trusts
        f'mkdir -p "$1{LOCAL_CAS}" && (cp {LOCAL_CAS}/*.crt "$1{LOCAL_CAS}/" 2>/dev/null || true)'
        f' && cp {CA_BUNDLE} "$1{CA_BUNDLE}"',
        'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
    ]
    cmd = ["mmdebstrap", "--variant=essential", "--mode=root", f"--include={BASE_PACKAGES}",
           "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/doc/*",
           "--dpkgopt=path-exclude=/usr/share/locale/*", "--dpkgopt=path-include=/usr/share/doc/*/copyright",
           *(f"--customize-hook={h}" for h in hooks)]
    key = hashlib.sha256(json.dumps([cmd, suite, os.uname().machine, sources.read_text(),
                                     sha256_file(CA_BUNDLE) if CA_BUNDLE.exists() else None]).encode())
    ref = f"{BASE_REPO}:{key.hexdigest()[:16]}"
    with cache_lock("base-image"):
        if not _image_exists(ref):
            CACHE.mkdir(parents=True, exist_ok=True)
            tar = CACHE / f"base-{os.getpid()}.tar"
            try:
                run([*cmd, suite, str(tar), str(sources)], timeout=900)
                engine("import", "--change", 'CMD ["/bin/bash"]', str(tar), ref, timeout=300)
            finally:
                tar.unlink(missing_ok=True)
            _remove_other_tags(BASE_REPO, keep=ref, newest=0)
    return ref


def _remove_other_tags(repo: str, keep: str, newest: int = 1) -> None:
    """Old cached images of ours go, so the cache does not grow with every change; the `newest`
    ones stay (besides `keep`). Removing an image also removes the build's intermediate layers it
    created, including the dependency layer later builds reuse, so app images keep a few."""
    p = subprocess.run([ENGINE, "images", "--sort", "created", "--format", "{{.Repository}}:{{.Tag}}", repo],
                       capture_output=True, text=True, timeout=60)
    refs = [r for r in p.stdout.split() if r.startswith(repo + ":") and r != keep]
    for ref in refs[newest:]:  # newest first
        subprocess.run([ENGINE, "rmi", ref], capture_output=True, timeout=120)


def _app_image(wheel: Path, base: str, tmp_path: Path) -> str:
    dockerfile = ROOT / "Dockerfile"
    base_id = engine("image", "inspect", "--format", "{{.Id}}", base).stdout.strip() if _image_exists(base) else base
    key = hashlib.sha256(json.dumps([sha256_file(wheel), sha256_file(dockerfile), base_id]).encode())
    ref = f"{APP_REPO}:{key.hexdigest()[:16]}"
    with cache_lock("app-image"):
        if not _image_exists(ref):
            ctx = tmp_path / "context"  # the context the Dockerfile expects: dist/<one wheel>
            (ctx / "dist").mkdir(parents=True)
            shutil.copy2(wheel, ctx / "dist" / wheel.name)
            # --format docker: the OCI format has no HEALTHCHECK and podman would drop it. Layers
            # are kept (podman's default): the Dockerfile installs the dependencies in a layer of
            # their own, reused while they do not change, so a code change rebuilds in seconds.
            engine("build", "--format", "docker", "--build-arg", f"BASE={base}", "-f", str(dockerfile),
                   "-t", ref, str(ctx), timeout=900)
            _remove_other_tags(APP_REPO, keep=ref, newest=2)
    return ref


@pytest.fixture(scope="module")
def podman_ok():
    if not shutil.which(ENGINE):
        pytest.skip(f"{ENGINE} not installed (as root: apt-get install podman runc mmdebstrap uidmap "
                    "slirp4netns; `.ci/run` does this)")
    p = subprocess.run([ENGINE, "info", "--format", "{{.Host.OCIRuntime.Name}}"], capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        pytest.skip(f"{ENGINE} cannot run here: {p.stderr.strip()[-300:]}")


@pytest.fixture(scope="module")
def image(podman_ok, built_wheel, tmp_path_factory) -> str:
    return _app_image(built_wheel.path, _base_image(), tmp_path_factory.mktemp("image"))


@pytest.fixture
def fixtures_dir(tmp_path) -> Path:
    d = tmp_path / "fixtures"
    d.mkdir()
    (d / "team.yaml").write_text(
        "version: 1\ntenants:\n  access:shop1:\n    tokens:\n      - namespace: alice-42\n"
        "        description: mounted fixture\n"
        "        paymentInstrument: {cardNumber: \"4444333322221111\", cardHolderName: Alice,"
        " cardExpiryDate: {month: 5, year: 2030}}\n")
    # the sandbox user (uid 10001) must be able to read it through the bind mount
    for p in (tmp_path, d, d / "team.yaml"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return d


def test_image_serves_the_three_apis(image, fixtures_dir):
    name = f"token-sandbox-test-{os.getpid()}-{secrets.token_hex(3)}"
    admin = secrets.token_hex(16)
    engine("run", "-d", "--name", name, *_limits(),
           "-p", "127.0.0.1::8080",  # any free loopback port; `podman port` says which
           "-v", f"{fixtures_dir}:/fixtures:ro",
           "-e", "SANDBOX_FIXTURES=/fixtures/team.yaml", "-e", f"SANDBOX_ADMIN_TOKEN={admin}",
           image)
    try:
        hostport = engine("port", name, "8080/tcp").stdout.split()[0]  # 127.0.0.1:NNNNN
        base = f"http://{hostport}"

        def alive() -> bool:
            p = subprocess.run([ENGINE, "inspect", "--format", "{{.State.Running}}", name],
                               capture_output=True, text=True, timeout=60)
            return p.stdout.strip() == "true"

        try:
            health = wait_healthy(base, 60, alive=alive)
        except AssertionError as e:
            logs = subprocess.run([ENGINE, "logs", name], capture_output=True, text=True, timeout=60)
            raise AssertionError(f"{e}\n--- container log\n{logs.stdout}{logs.stderr}") from None
        assert health["status"] == "ok" and health["tenants"] >= 1, health  # the mounted fixture
        # the image's own HEALTHCHECK (kept by --format docker) passes too
        engine("healthcheck", "run", name, timeout=60)
        auth = {"Authorization": f"Bearer {admin}"}
        assert http("GET", base + "/_sandbox/state")[0] == 401  # admin token honoured from SANDBOX_*
        drive_three_apis(base, admin_headers=auth)
        user = engine("exec", name, "id", "-u").stdout.strip()
        assert user != "0", "the image must not run as root"
        # the `fast` extra is in, the test extras are not
        engine("exec", name, "python3", "-c", "import uvloop, sandbox.data as d; assert not d.missing()")
        probe = subprocess.run([ENGINE, "exec", name, "python3", "-c", "import pytest"], capture_output=True,
                               timeout=60)
        assert probe.returncode != 0, "pytest (a dev extra) must not be in the image"
        engine("stop", "-t", "10", name, timeout=60)  # SIGTERM; a kill after 10 s would exit 137
        code = engine("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        assert code == "0", engine("logs", name).stdout
    finally:
        subprocess.run([ENGINE, "rm", "-f", "-t", "0", name], capture_output=True, timeout=120)
