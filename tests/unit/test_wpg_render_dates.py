"""render.full_date's per-second cache answers what formatting the instant itself answers."""

from __future__ import annotations

import random

from sandbox.apis.wpg import render


def test_cached_dates_equal_formatting_each_instant():
    rnd = random.Random(3)
    base = 1_750_000_000
    instants = [base + d for d in (0, 0.5, 0.998, 0.999, 0.9994, 0.9999995, 0.99999949, 0.9999996, 1.0)]
    instants += [rnd.uniform(0, 253402300799.0) for _ in range(2000)]
    instants += [float(rnd.randrange(0, 2**31)) + rnd.choice((0.0, 0.4999995, 0.9999995, 0.9999999)) for _ in range(2000)]
    instants += [0, 0.0, 253402300799.0, 86399.9999996]
    for ts in instants * 2:  # the second round answers from the cache
        assert render.full_date(ts) == render._full_date(ts), ts
