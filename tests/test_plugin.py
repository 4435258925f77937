"""The pytest plugin as a user's suite would use it (DESIGN §4.4; issue #2 part 7)."""

from __future__ import annotations

from sandbox.client import SandboxClient

pytest_plugins = ["pytester"]


def test_fixture_gives_a_reset_sandbox_per_test(pytester):
    pytester.makepyfile(
        """
        import urllib.request, json

        def test_one(sandbox):
            assert sandbox.url.startswith("http://127.0.0.1:")
            assert sandbox.health()["status"] == "ok"
            sandbox.clock.set("2031-01-01T00:00:00Z")
            sandbox.clock.freeze()
            assert sandbox.clock.now().year == 2031
            sandbox.restore({"version": 1, "tenants": {"opp:e": {"tokens": [], "payments": [], "data": {}}}})

        def test_two_starts_clean(sandbox):
            assert sandbox.state()["tenants"] == {}
            assert sandbox.clock.now().year != 2031
            sandbox.clock.advance("P1D")
            assert isinstance(sandbox.journal(), list)
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=2)


def test_sandbox_url_option_targets_an_external_server(pytester, sandbox):
    pytester.makepyfile(
        f"""
        def test_external(sandbox):
            assert sandbox.url == "{sandbox.url}"
        """
    )
    result = pytester.runpytest_subprocess("-q", f"--sandbox-url={sandbox.url}")
    result.assert_outcomes(passed=1)


def test_load_faults_journal_marker_and_tenant_helpers(pytester):
    """Issue 6 part 5: the plugin as a user's suite uses it (load, faults, journal, marker, tenants)."""
    pytester.makefile(".yaml", world="version: 1\ntenants:\n  access:shop1:\n    tokens:\n"
                                     "      - {namespace: alice, count: 2}\n")
    pytester.makepyfile(
        """
        import pytest, urllib.request, urllib.error

        @pytest.mark.sandbox_fixture("world.yaml")
        def test_marker_loads_for_this_test(sandbox):
            assert len(sandbox.state("access:shop1")["tenants"]["access:shop1"]["tokens"]) == 2

        def test_marker_does_not_leak(sandbox):
            assert sandbox.state()["tenants"] == {}

        def test_load_dict_and_faults(sandbox):
            sandbox.load({"version": 1, "tenants": {"wpg:M": {"tokens": [{"authenticatedShopperID": "s"}]}}})
            rule = sandbox.faults.add(api="opp", status=503, times=1)
            assert [r["id"] for r in sandbox.faults.list()] == [rule["id"]]
            req = urllib.request.Request(sandbox.url + "/v1/registrations", data=b"x=1", method="POST")
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req)
            assert e.value.code == 503
            assert sandbox.journal(api="opp")[-1]["status"] == 503
            sandbox.faults.clear()
            assert sandbox.faults.list() == []

        def test_tenant_names_are_unique(sandbox_tenant, request):
            assert sandbox_tenant.wpg == "wpg:" + sandbox_tenant.name.upper()
            assert len(sandbox_tenant.name) == 32
            sandbox_tenant.client.load({"version": 1, "tenants": {sandbox_tenant.access: {}}})
            assert sandbox_tenant.access in sandbox_tenant.state()["tenants"]
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


# -- issue 13: markers registered, journal per test, one snapshot shape, shared server ------------

def test_markers_registered_strict_markers_journal_and_state_shape(pytester):
    """Issue 13 "pytest plugin": --strict-markers passes with the plugin's own marker (no
    PytestUnknownMarkWarning), a shipped example loads by name, the journal is emptied by each
    test's reset, and sandbox_tenant.state() is the same snapshot document as sandbox.state()."""
    pytester.makepyfile(
        """
        import urllib.request
        import pytest

        @pytest.mark.sandbox_fixture("example:failing-gateway")
        def test_example_by_name(sandbox):
            assert {r["id"] for r in sandbox.faults.list()} == {"wpg-retry", "opp-down"}

        def test_a_makes_journal_entries(sandbox):
            urllib.request.urlopen(sandbox.url + "/_sandbox/health").read()
            assert sandbox.journal()

        def test_b_starts_with_an_empty_journal(sandbox):
            assert sandbox.journal() == []
            assert sandbox.faults.list() == []

        def test_state_shapes_match(sandbox, sandbox_tenant):
            sandbox.load({"version": 1, "tenants": {sandbox_tenant.access: {"tokens": [{"namespace": "n"}]},
                                                    sandbox_tenant.wpg: {"tokens": [{"authenticatedShopperID": "s"}]}}})
            mine, everything = sandbox_tenant.state(), sandbox.state()
            assert set(mine) == {"version", "tenants"} and set(mine) <= set(everything)
            assert set(mine["tenants"]) == {sandbox_tenant.access, sandbox_tenant.wpg}
            for tid, tenant in mine["tenants"].items():
                assert tenant == everything["tenants"][tid] == sandbox.state(tenant=tid)["tenants"][tid]
            assert [e["tenant"] for e in sandbox_tenant.journal()] == []
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--strict-markers",
                                           "-W", "error::pytest.PytestUnknownMarkWarning")
    result.assert_outcomes(passed=4)


def test_shared_server_resets_only_the_tests_own_tenants(pytester, start_sandbox):
    """Issue 13: with --sandbox-url, a global reset is refused with a clear error, a test's marker
    tenants are reset after it, and state another session owns on the server survives."""
    server = start_sandbox()
    other = SandboxClient(server.url)
    other.load({"version": 1, "tenants": {"access:someone-else": {"tokens": [{"namespace": "x"}]}}})
    pytester.makefile(".yaml", mine="version: 1\ntenants:\n  access:mine:\n    tokens:\n      - {namespace: m}\n")
    pytester.makepyfile(
        """
        import pytest
        from sandbox.pytest_plugin import SharedSandboxError

        @pytest.mark.sandbox_fixture("mine.yaml")
        def test_marker_tenant(sandbox):
            assert sandbox.shared
            assert len(sandbox.state(tenant="access:mine")["tenants"]["access:mine"]["tokens"]) == 1

        def test_marker_tenant_was_reset(sandbox):
            assert sandbox.state(tenant="access:mine")["tenants"] == {}

        def test_global_reset_is_refused(sandbox):
            for call in (sandbox.reset, sandbox.clear_journal, lambda: sandbox.restore({"version": 1, "tenants": {}})):
                with pytest.raises(SharedSandboxError, match="shared sandbox"):
                    call()

        def test_tenant_journal_and_reset(sandbox_tenant):
            sandbox_tenant.client.load({"version": 1, "tenants": {sandbox_tenant.opp: {}}})
            sandbox_tenant.reset()
            assert sandbox_tenant.state()["tenants"] == {} and sandbox_tenant.journal() == []
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", f"--sandbox-url={server.url}")
    result.assert_outcomes(passed=4)
    assert "access:someone-else" in other.state()["tenants"]
    assert "access:mine" not in other.state()["tenants"]
