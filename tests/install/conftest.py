"""Fixtures of the install tests; the helpers live in dist_support.py (imported by name, as
tests/opp does with opp_support)."""

from dist_support import built_wheel  # noqa: F401  (session fixture)
