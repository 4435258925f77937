"""The pytest plugin as a user's suite would use it (DESIGN §4.4; issue #2 part 7)."""

from __future__ import annotations

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
            assert sandbox_tenant.access in sandbox_tenant.state()
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
