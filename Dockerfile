# Token Sandbox container image, built from the project's wheel (works with docker and podman).
#
#   make wheel                                         # the wheel, in dist/
#   docker build -t token-sandbox .                    # podman: add --format docker (keeps HEALTHCHECK)
#   docker run --rm -p 127.0.0.1:8080:8080 -e SANDBOX_ADMIN_TOKEN=secret token-sandbox
# (`make image` does the first two.) docs/container.md has compose, CI and Testcontainers recipes.
#
# BASE must be a Debian-like image with python3 (>= 3.11, with the venv module), useradd and a
# CA store. The default is the official slim Python image; the project's own container test
# passes a base built from Debian packages (mmdebstrap -> podman import).
ARG BASE=python:3.12-slim

# ---- requirements: the wheel's runtime dependencies (with EXTRAS), one per line -------------
# A stage of its own so that the dependency layer below is rebuilt only when this list changes,
# not on every code change: builders cache `COPY --from` by the content copied.
FROM ${BASE} AS requirements
# Extras installed with the wheel: "fast" adds uvloop. Empty for none: --build-arg EXTRAS=
ARG EXTRAS=fast
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY dist/ /tmp/dist/
RUN set -eu; \
    set -- /tmp/dist/token_sandbox-*.whl; \
    if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then \
      echo "Dockerfile: expected exactly one token_sandbox wheel in dist/, found: $*" >&2; exit 1; fi; \
    python3 -m venv /tmp/venv; \
    /tmp/venv/bin/python -c 'import os, sys, zipfile; \
from pip._vendor.packaging.requirements import Requirement; \
extras = [e for e in os.environ.get("EXTRAS", "").split(",") if e] + [""]; \
wheel = zipfile.ZipFile(sys.argv[1]); \
meta = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")); \
reqs = [Requirement(line.split(":", 1)[1].strip()) for line in \
        wheel.read(meta).decode().split("\n\n", 1)[0].splitlines() if line.startswith("Requires-Dist:")]; \
keep = [r for r in reqs if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in extras)]; \
[setattr(r, "marker", None) for r in keep]; \
print("\n".join(sorted(str(r) for r in keep)))' "$1" > /tmp/requirements.txt; \
    cat /tmp/requirements.txt

# ---- build: a venv with the dependencies (binary wheels only), then the wheel itself ---------
FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ONLY_BINARY=:all:
COPY --from=requirements /tmp/requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/sandbox && /opt/sandbox/bin/python -m pip install -r /tmp/requirements.txt
COPY dist/ /tmp/dist/
RUN set -eu; \
    /opt/sandbox/bin/python -m pip install --no-deps /tmp/dist/token_sandbox-*.whl; \
    /opt/sandbox/bin/python -m pip check; \
    /opt/sandbox/bin/python -m pip uninstall -y -q pip setuptools wheel 2>/dev/null || true; \
    /opt/sandbox/bin/sandbox --version

# ---- final: the venv, a non-root user, nothing else -----------------------------------------
FROM ${BASE}
LABEL org.opencontainers.image.title="Token Sandbox" \
      org.opencontainers.image.description="Local emulator of Access Tokens v3, OPP registrations and paymentService XML" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /opt/sandbox /opt/sandbox
RUN groupadd --system --gid 10001 sandbox \
 && useradd --system --uid 10001 --gid sandbox --home-dir /home/sandbox --create-home \
      --shell /usr/sbin/nologin sandbox \
 && mkdir -p /fixtures /data && chown sandbox:sandbox /data
# Every `sandbox serve` flag has a SANDBOX_* variable; these two make it listen on all
# interfaces inside the container. Listening beyond loopback, the control plane (/_sandbox/)
# needs an admin token: set SANDBOX_ADMIN_TOKEN, or read the one the server generates and
# prints once at start (`docker logs`). Mount fixtures read-only at /fixtures and name them in
# SANDBOX_FIXTURES (comma-separated), e.g. -e SANDBOX_FIXTURES=/fixtures/team.yaml;
# /data is writable by the sandbox user for --state / SANDBOX_STATE=/data/state.json.
ENV PATH=/opt/sandbox/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SANDBOX_HOST=0.0.0.0 \
    SANDBOX_PORT=8080
USER sandbox
WORKDIR /home/sandbox
EXPOSE 8080
# stdlib only (no curl in slim images); /_sandbox/health never needs the admin token
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_sandbox/health' % os.environ.get('SANDBOX_PORT', '8080'), timeout=2)"]
STOPSIGNAL SIGTERM
CMD ["sandbox", "serve"]
