"""Issue 13 "pytest plugin", from ANOTHER project: a temporary project whose venv has only the
built wheel, pytest and pytest-xdist runs its own suite with `--strict-markers -n 2` against one
shared `--sandbox-url` server, several times in a row. Each test writes through the APIs into
its own tenants, pauses, and checks exactly what it wrote is still there: a worker whose reset
wiped the other worker's state (the old global per-test reset) fails it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from dist_support import clean_env, installed_venv, run

PROJECT_TESTS = textwrap.dedent('''
    import base64, json, time, urllib.parse, urllib.request
    import pytest
    from sandbox.pytest_plugin import SharedSandboxError

    def call(method, url, body=None, headers=None):
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def register(base, entity):
        form = {"entityId": entity, "paymentBrand": "VISA", "card.number": "4200000000000000",
                "card.holder": "Jane Jones", "card.expiryMonth": "05", "card.expiryYear": "2034",
                "card.cvv": "123"}
        status, body = call("POST", base + "/v1/registrations", urllib.parse.urlencode(form).encode(),
                            {"Authorization": "Bearer t", "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body

    @pytest.mark.parametrize("n", range(8))
    def test_my_registrations_survive_the_other_worker(sandbox, sandbox_tenant, n):
        for _ in range(n % 3 + 1):
            register(sandbox.url, sandbox_tenant.name)
        time.sleep(0.15)  # the other worker resets and writes meanwhile
        state = sandbox_tenant.state()
        assert len(state["tenants"][sandbox_tenant.opp]["tokens"]) == n % 3 + 1, state
        assert [e["status"] for e in sandbox_tenant.journal(api="opp")] == [200] * (n % 3 + 1)

    @pytest.mark.parametrize("n", range(4))
    def test_access_tokens_in_my_tenant(sandbox, sandbox_tenant, n):
        media = "application/vnd.worldpay.tokens-v3.hal+json"
        auth = base64.b64encode(f"{sandbox_tenant.name}:pw".encode()).decode()
        body = {"paymentInstrument": {"type": "card/front", "cardNumber": "4444333322221111",
                                      "cardHolderName": "S H", "cardExpiryDate": {"month": 5, "year": 2035}},
                "merchant": {"entity": "default"}, "namespace": f"ns{n}"}
        status, reply = call("POST", sandbox.url + "/tokens", json.dumps(body).encode(),
                             {"Authorization": "Basic " + auth, "Content-Type": media, "Accept": media})
        assert status == 201, reply
        time.sleep(0.1)
        assert len(sandbox_tenant.state()["tenants"][sandbox_tenant.access]["tokens"]) == 1

    @pytest.mark.sandbox_fixture("world.yaml")
    def test_marker_fixture_on_a_shared_server(sandbox):
        snap = sandbox.state(tenant="wpg:PROJECTMERCHANT")
        assert len(snap["tenants"]["wpg:PROJECTMERCHANT"]["tokens"]) == 2

    def test_a_global_reset_is_refused_on_a_shared_server(sandbox):
        with pytest.raises(SharedSandboxError, match="reset.tenant=|sandbox_tenant"):
            sandbox.reset()
''')

WORLD = textwrap.dedent('''
    version: 1
    tenants:
      wpg:PROJECTMERCHANT:
        tokens:
          - {authenticatedShopperID: shopper-a}
          - {authenticatedShopperID: shopper-b}
''')


@pytest.fixture(scope="module")
def project_venv(built_wheel):
    return installed_venv(built_wheel.path, "pytest>=8,<10", "pytest-xdist>=3.5,<4")


def test_another_project_uses_the_plugin_with_xdist_on_a_shared_server(project_venv, tmp_path):
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_payments.py").write_text(PROJECT_TESTS)
    (project / "tests" / "world.yaml").write_text(WORLD)
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    env = clean_env()
    server = subprocess.Popen([str(project_venv / "bin" / "sandbox"), "serve", "--port", "0", "--log-level",
                               "warning"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    try:
        ready = server.stdout.readline()
        assert "listening on http://" in ready, ready
        url = ready.split("listening on ", 1)[1].strip()
        for attempt in range(3):
            p = subprocess.run([str(project_venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "--strict-markers", "-n", "2", f"--sandbox-url={url}", "tests"],
                               cwd=project, env=env, capture_output=True, text=True, timeout=300)
            assert p.returncode == 0 and "14 passed" in p.stdout, \
                f"run {attempt + 1}:\n{p.stdout[-6000:]}\n{p.stderr[-3000:]}"
            assert "PytestUnknownMarkWarning" not in p.stdout + p.stderr
        # nothing the project wrote is left on the shared server
        left = run([sys.executable, "-c", f"import json,urllib.request;print(json.load(urllib.request.urlopen("
                                          f"'{url}/_sandbox/state'))['tenants'].keys())"], timeout=60).stdout
        assert left.strip() == "dict_keys([])", left
    finally:
        server.terminate()
        server.wait(15)
