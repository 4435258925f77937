"""Complete validation of a state snapshot's raw JSON before any of it is built (issue 14 §12).

`PUT /_sandbox/state`, a `--state` file and a migrated state file all pass here first. The typed
constructors (`Token.from_dict`, ...) convert what they are given; this module makes sure that
what they are given is what the sandbox itself would have written: the right type, a sane range,
a well-formed id, no unknown key. A snapshot that passes can be read back by every API without a
500, because every value has the type the renderers expect. One message names the first problem.
"""

from __future__ import annotations

import math
from typing import Any

from .clock import in_range
from .errors import SnapshotError

MAX_DEPTH = 16  # nesting inside free-form objects (meta, API data)
MAX_TEXT = 1_000_000  # characters of any one free-form string (a holder name may be odd, not unbounded)
_TOKEN_KEYS = {"id", "owner", "pan", "expiryMonth", "expiryYear", "holder", "address", "createdAt", "expiresAt",
               "lastUsedAt", "updates", "meta"}
_PAYMENT_KEYS = {"id", "amount", "currency", "status", "createdAt", "tokenId", "captured", "refunded", "events",
                 "meta"}
_TENANT_KEYS = {"secret", "clock", "tokens", "payments", "data"}


def _fail(where: str, message: str):
    raise SnapshotError(f"{where}: {message}")


def _int(value: Any, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        _fail(where, f"expected a whole number from {low} to {high}, got {value!r:.60}")
    return value


def _time(value: Any, where: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or not in_range(value):
        _fail(where, f"expected a time in seconds within the years 1970 to 9999, got {value!r:.60}")


def _text(value: Any, where: str, optional: bool = False, limit: int = MAX_TEXT) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > limit:
        _fail(where, f"expected a string of at most {limit} characters")


def _ident(value: Any, where: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= 128 or not value.isprintable() or any(
            c.isspace() for c in value):
        _fail(where, "expected an id of 1 to 128 printable characters without spaces")


def json_value(value: Any, where: str, depth: int = 0) -> None:
    """A free-form JSON value the sandbox could have written: bounded depth, finite numbers."""
    if depth > MAX_DEPTH:
        _fail(where, f"nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            _fail(where, "numbers must be finite")
    elif isinstance(value, str):
        if len(value) > MAX_TEXT:
            _fail(where, "string too long")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            json_value(item, f"{where}[{i}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                _fail(where, "object keys must be strings")
            json_value(item, f"{where}.{key}", depth + 1)
    else:
        _fail(where, f"not a JSON value: {type(value).__name__}")


def _object(value: Any, where: str, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, dict):
        _fail(where, "expected an object")
    json_value(value, where)


def _only(raw: dict, keys: set[str], where: str) -> None:
    unknown = set(raw) - keys
    if unknown:
        _fail(f"{where}.{sorted(map(str, unknown))[0]}", "unknown key")


def check_clock(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        _fail(where, "expected an object {\"now\": seconds, \"frozen\": bool}")
    _only(raw, {"now", "frozen"}, where)
    _time(raw.get("now"), f"{where}.now")
    if not isinstance(raw.get("frozen", False), bool):
        _fail(f"{where}.frozen", "expected true or false")


def check_token(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        _fail(where, "expected an object")
    _only(raw, _TOKEN_KEYS, where)
    _ident(raw.get("id"), f"{where}.id")
    _text(raw.get("owner"), f"{where}.owner", optional=True, limit=256)
    pan = raw.get("pan")
    meta = raw.get("meta")
    # An OPP non-card registration (SEPA bank account, PayPal virtual account) stores no card number.
    non_card = pan == "" and isinstance(meta, dict) and ("bankAccount" in meta or "virtualAccount" in meta)
    if not non_card and (not isinstance(pan, str) or not (pan.isascii() and pan.isdigit() and 12 <= len(pan) <= 19)):
        _fail(f"{where}.pan", "expected 12 to 19 digits (or \"\" for a non-card registration)")
    if raw.get("expiryMonth") is not None:
        _int(raw["expiryMonth"], f"{where}.expiryMonth", 1, 12)
    if raw.get("expiryYear") is not None:
        _int(raw["expiryYear"], f"{where}.expiryYear", 1900, 9999)
    _text(raw.get("holder"), f"{where}.holder", optional=True)
    _object(raw.get("address"), f"{where}.address")
    _time(raw.get("createdAt"), f"{where}.createdAt")
    _time(raw.get("expiresAt"), f"{where}.expiresAt", optional=True)
    _time(raw.get("lastUsedAt"), f"{where}.lastUsedAt", optional=True)
    updates = raw.get("updates", [])
    if not isinstance(updates, list) or len(updates) > 100_000:
        _fail(f"{where}.updates", "expected a list of times")
    for i, t in enumerate(updates):
        _time(t, f"{where}.updates[{i}]")
    _object(raw.get("meta"), f"{where}.meta")


def check_payment(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        _fail(where, "expected an object")
    _only(raw, _PAYMENT_KEYS, where)
    _ident(raw.get("id"), f"{where}.id")
    amount = _int(raw.get("amount"), f"{where}.amount", 0, 10**15)
    _text(raw.get("currency"), f"{where}.currency", limit=16)
    _text(raw.get("status"), f"{where}.status", limit=64)
    _time(raw.get("createdAt"), f"{where}.createdAt")
    if raw.get("tokenId") is not None:
        _ident(raw["tokenId"], f"{where}.tokenId")
    for key in ("captured", "refunded"):
        if key in raw:
            _int(raw[key], f"{where}.{key}", 0, amount)
    events = raw.get("events", [])
    if events is not None and not isinstance(events, list):
        _fail(f"{where}.events", "expected a list")
    json_value(events, f"{where}.events")
    _object(raw.get("meta"), f"{where}.meta")


def check_tenant(tid: str, raw: Any) -> None:
    """Everything in one tenant's raw snapshot; SnapshotError naming the first problem."""
    where = f"tenants.{tid}"
    if not isinstance(raw, dict):
        _fail(where, "expected an object")
    _only(raw, _TENANT_KEYS, where)
    _text(raw.get("secret"), f"{where}.secret", optional=True, limit=256)
    if raw.get("clock") is not None:
        check_clock(raw["clock"], f"{where}.clock")
    for key, check in (("tokens", check_token), ("payments", check_payment)):
        items = raw.get(key) or []
        if not isinstance(items, list):
            _fail(f"{where}.{key}", "expected a list")
        seen: set[str] = set()
        for i, item in enumerate(items):
            check(item, f"{where}.{key}[{i}]")
            if item["id"] in seen:
                _fail(f"{where}.{key}[{i}].id", f"{item['id']!r} appears twice")
            seen.add(item["id"])
    _object(raw.get("data"), f"{where}.data")
    if raw.get("data"):
        _DATA_CHECKS[tid.partition(":")[0]](raw["data"], f"{where}.data")


# -- each API's `data` section: the fields its code reads, with the types it expects ----------
def _opp_data(data: dict, where: str) -> None:
    checkouts = data.get("checkouts") or {}
    if not isinstance(checkouts, dict):
        _fail(f"{where}.checkouts", "expected an object of checkout sessions")
    for cid, co in checkouts.items():
        at = f"{where}.checkouts.{cid}"
        if not isinstance(co, dict):
            _fail(at, "expected an object")
        if co.get("id") != cid:
            _fail(f"{at}.id", "expected the checkout's own id")
        _ident(cid, f"{at}.id")
        _time(co.get("createdAt"), f"{at}.createdAt")
        _time(co.get("expiresAt"), f"{at}.expiresAt")
        _time(co.get("completedAt"), f"{at}.completedAt", optional=True)
        _text(co.get("state"), f"{at}.state", limit=32)
        for key in ("amount", "currency", "paymentType", "shopperResultUrl"):
            _text(co.get(key), f"{at}.{key}", optional=True, limit=4096)
        if not isinstance(co.get("createRegistration", False), bool):
            _fail(f"{at}.createRegistration", "expected true or false")
        if co.get("result") is not None and not isinstance(co["result"], dict):
            _fail(f"{at}.result", "expected an object")
        regs = co.get("registrations")
        if regs is not None and not (isinstance(regs, list) and all(isinstance(r, str) for r in regs)):
            _fail(f"{at}.registrations", "expected a list of registration ids")


def _wpg_data(data: dict, where: str) -> None:
    wpg = data.get("wpg") or {}
    if not isinstance(wpg, dict):
        _fail(f"{where}.wpg", "expected an object")
    for key in ("seq", "notifySeq"):
        if key in wpg:
            _int(wpg[key], f"{where}.wpg.{key}", 0, 10**15)
    notify = wpg.get("notify")
    if notify is not None:
        if not isinstance(notify, dict):
            _fail(f"{where}.wpg.notify", "expected an object")
        _text(notify.get("url"), f"{where}.wpg.notify.url", limit=4096)
        events = notify.get("events")
        if not (isinstance(events, list) and all(isinstance(e, str) for e in events)):
            _fail(f"{where}.wpg.notify.events", "expected a list of event names")
    outbox = wpg.get("outbox") or []
    if not isinstance(outbox, list):
        _fail(f"{where}.wpg.outbox", "expected a list")
    for i, note in enumerate(outbox):
        at = f"{where}.wpg.outbox[{i}]"
        if not isinstance(note, dict):
            _fail(at, "expected an object")
        for key in ("id", "tenant", "orderCode", "event", "url", "status", "body"):
            _text(note.get(key), f"{at}.{key}")
        if note["status"] not in ("pending", "delivered", "failed"):
            _fail(f"{at}.status", "expected pending, delivered or failed")
        _time(note.get("createdAt"), f"{at}.createdAt")
        _time(note.get("nextAttemptAt"), f"{at}.nextAttemptAt", optional=True)
        attempts = note.get("attempts")
        if not (isinstance(attempts, list) and all(isinstance(a, dict) for a in attempts)):
            _fail(f"{at}.attempts", "expected a list of objects")


def _access_data(data: dict, where: str) -> None:
    network = data.get("accessNetwork") or {}
    if not isinstance(network, dict) or not all(isinstance(r, dict) for r in network.values()):
        _fail(f"{where}.accessNetwork", "expected an object of network token records")


_DATA_CHECKS = {"access": _access_data, "opp": _opp_data, "wpg": _wpg_data}
