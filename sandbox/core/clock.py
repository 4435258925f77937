"""The virtual clock: wall time by default, and a test can freeze, set or advance it.

The core reads time only from here (never `datetime.now()`), so a test can advance a tenant's
clock by fourteen months and watch a registration lapse.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

# The instants a clock may hold: what datetime, ISO 8601 and JSON can all represent (1970 .. 9999).
EARLIEST, LATEST = 0.0, 253402300799.0


def in_range(ts: float) -> bool:
    """True for a finite instant from 1970-01-01 to 9999-12-31T23:59:59Z (never inf or nan)."""
    return isinstance(ts, int | float) and EARLIEST <= ts <= LATEST


class Clock:
    """Virtual time = anchor + (wall time elapsed since the anchor), unless frozen."""

    __slots__ = ("_virtual", "_wall", "frozen")

    def __init__(self, start: float | None = None, frozen: bool = False) -> None:
        self._wall = time.time()
        self._virtual = self._wall if start is None else start
        self.frozen = frozen

    def now(self) -> float:
        """Seconds since the epoch on the virtual timeline."""
        if self.frozen:
            return self._virtual
        return self._virtual + (time.time() - self._wall)

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def set(self, when: float) -> None:
        self._virtual = when
        self._wall = time.time()

    def advance(self, seconds: float) -> None:
        self.set(self.now() + seconds)

    def freeze(self, frozen: bool = True) -> None:
        self.set(self.now())
        self.frozen = frozen

    def to_dict(self) -> dict:
        return {"now": self.now(), "frozen": self.frozen}

    @classmethod
    def from_dict(cls, data: dict) -> Clock:
        start = float(data["now"])
        if not in_range(start):  # Infinity would be written back as invalid JSON
            raise ValueError(f"now: {data['now']!r} is outside 1970..9999")
        return cls(start=start, frozen=bool(data.get("frozen", False)))


_ISO_MAX = 1024
_isos: dict[int, str] = {}


def iso(ts: float) -> str:
    """`2021-06-24T09:19:35Z`: the UTC form every API here uses."""
    # Cached per whole second (strftime is the costly part of rendering a token, and every new
    # token has a new instant, so a per-value cache always missed on creates). fromtimestamp
    # rounds to the microsecond, half to even: only a fraction of .9999995 or more can carry into
    # the next second, so those (and instants before 1970) take the exact path.
    second = int(ts)
    if 0 <= ts and ts - second < 0.999999:
        hit = _isos.get(second)
        if hit is None:
            hit = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if len(_isos) >= _ISO_MAX:
                _isos.clear()
            _isos[second] = hit
        return hit
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """ISO 8601 date-time with an offset (or Z) to epoch seconds; ValueError otherwise."""
    if not isinstance(text, str) or not text:
        raise ValueError("not a date-time")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError("date-time needs a UTC offset or Z")
    return dt.timestamp()


_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str, now: float | None = None) -> float:
    """ISO 8601 duration (`P30D`, `PT1H`, `P14M`) to seconds.

    Years and months are calendar units: with `now` they are applied to that instant, so
    `P1M` from 31 Jan lands on the last day of February, as a person would expect.
    """
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not m or text.strip() in ("P", "-P", "PT", "-PT") or text.strip().endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    g = {k: v for k, v in m.groupdict().items() if v is not None and k != "sign"}
    sign = -1 if m.group("sign") else 1
    months = int(g.get("y", 0)) * 12 + int(g.get("mo", 0))
    seconds = sign * (
        int(g.get("w", 0)) * 7 * 86400
        + int(g.get("d", 0)) * 86400
        + int(g.get("h", 0)) * 3600
        + int(g.get("mi", 0)) * 60
        + float(g.get("s", 0))
    )
    if months:
        base = now if now is not None else time.time()
        try:
            seconds += add_months(base, sign * months) - base
        except (OverflowError, ValueError):  # beyond what a calendar holds
            raise ValueError(f"duration {text!r} is out of range") from None
    return seconds


_MONTHS_MAX = 1024
_months: dict[tuple[float, int], float] = {}


def add_months(ts: float, months: int) -> float:
    """Calendar-month arithmetic, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    # Cached per (instant, months) like iso(): an OPP registration's retention anchor and lapse
    # time are computed from the same instants on every use of it (4 calls per payment).
    key = (ts, months)
    hit = _months.get(key)
    if hit is None:
        hit = _add_months(ts, months)  # out of range raises, and nothing is cached
        if len(_months) >= _MONTHS_MAX:
            _months.clear()
        _months[key] = hit
    return hit


def _add_months(ts: float, months: int) -> float:
    # Months move the date and keep the time of day (UTC has no DST), so the result is the
    # day's midnight moved, plus the time of day: cached per (day, months), every create of the
    # day hits (Access checks a token's expiry cap against now + N months on each create). The
    # microseconds are rounded exactly as fromtimestamp rounds them (half to even, carrying into
    # the next second), and the sum is one integer division: the same float as the exact path.
    if ts < 0:
        return _add_months_exact(ts, months)
    whole = int(ts)
    micros = round((ts - whole) * 1e6)
    if micros == 1_000_000:
        whole, micros = whole + 1, 0
    day = whole - whole % 86400
    key = (day, months)
    moved = _day_months.get(key)
    if moved is None:
        moved = int(_add_months_exact(float(day), months))
        if len(_day_months) >= _MONTHS_MAX:
            _day_months.clear()
        _day_months[key] = moved
    return ((moved + whole - day) * 1_000_000 + micros) / 1_000_000


_day_months: dict[tuple[int, int], int] = {}


def _add_months_exact(ts: float, months: int) -> float:
    dt = datetime.fromtimestamp(ts, UTC)
    total = dt.year * 12 + (dt.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(dt.day, _days_in_month(year, month))
    return dt.replace(year=year, month=month, day=day).timestamp()


def _days_in_month(year: int, month: int) -> int:
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return (nxt - timedelta(days=1)).day


def end_of_month(year: int, month: int) -> float:
    """The last second of a card's expiry month (cards are valid through the whole month)."""
    return datetime(year, month, _days_in_month(year, month), 23, 59, 59, tzinfo=UTC).timestamp()
