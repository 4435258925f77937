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
