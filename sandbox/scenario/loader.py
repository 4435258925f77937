"""Load a scenario fixture: validate the whole file first, then apply it in one step.

A file that has any mistake changes nothing (FixtureError names file, line and key). A tenant
already present keeps what the fixture does not name (tokens and payments merge by id). With `baseline=True` (start-up
`--fixtures`, and `POST /_sandbox/fixtures` by default) the result becomes what
`POST /_sandbox/reset` returns to; with `baseline=False` (one test's fixture) reset undoes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..core import Core
from ..core.catalogue import Catalogue
from ..core.clock import Clock
from ..core.credentials import Credentials
from ..core.errors import FixtureError
from ..core.ids import Ids
from ..core.options import OptionError, Options
from ..core.store import SNAPSHOT_VERSION, valid_tenant_id
from ..core.tenants import TenantId
from ..web.faults import MAX_RULES, Faults, FaultSpecError, Rule
from . import access, common, opp, wpg
from .fake import Filler
from .fields import Fields
from .source import Located

TOP = {"version", "description", "seed", "clock", "options", "credentials", "catalogue", "tenants", "faults"}
TENANT = {"clock", "tokens", "payments", "notifications", "data", "networkTokens"}


@dataclass
class Plan:
    """Everything a fixture will change, built before anything is changed."""

    source: str
    clock: dict | None = None
    options: dict = field(default_factory=dict)
    credentials: Any = None
    catalogue: Any = None
    tenants: dict[str, dict] = field(default_factory=dict)
    faults: list[Rule] = field(default_factory=list)
    tokens: int = 0
    payments: int = 0

    def summary(self) -> dict:
        return {"source": self.source, "tenants": sorted(self.tenants), "tokens": self.tokens,
                "payments": self.payments, "faults": [r.id for r in self.faults],
                "clock": self.clock}


def plan(loc: Located, core: Core, faults: Faults) -> Plan:
    top = Fields(loc, (), loc.data if loc.data is not None else {}, TOP)
    version = top.integer("version", 1)
    if version != 1:
        raise top.err("version", "expected 1 (the only fixture format so far)")
    p = Plan(source=loc.source)
    seed = top.raw("seed", 0)
    if not isinstance(seed, int | str) or isinstance(seed, bool):
        raise top.err("seed", "expected a number or text")
    now = core.store.clock.now()
    clock = top.sub("clock", {"start", "frozen"})
    if clock is not None:
        start = clock.time("start", now, now)
        p.clock = {"now": start, "frozen": clock.boolean("frozen")}
        now = start
    options = top.mapping("options") or {}
    for k, v in options.items():
        if not isinstance(v, str | int | float | bool):
            raise top.err("options", f"{k}: expected a text, number or true/false value")
        try:
            p.options.update(Options.parse({str(k): v}))
        except OptionError as e:
            raise top.err("options", str(e)) from None
    if top.has("credentials"):
        p.credentials = loc.data["credentials"]
        _with_line(loc, ("credentials",), lambda: Credentials().add(p.credentials, loc.source))
    if top.has("catalogue"):
        p.catalogue = loc.data["catalogue"]
        _with_line(loc, ("catalogue",), lambda: Catalogue().merge(p.catalogue, loc.source))
    option = core.options.overlay(p.options)
    fill = Filler(seed)
    ids = Ids(f"fixture:{seed}")
    tenants = top.mapping("tenants") or {}
    for tid, raw in tenants.items():
        path = ("tenants", str(tid))
        if not valid_tenant_id(str(tid)):
            raise loc.error(path, "not a tenant id: expected <access|opp|wpg>:<name>, e.g. wpg:MYMERCHANT")
        ctx = common.Ctx(now, fill, ids, core.mode, option, core.catalogue.profile)
        p.tenants[str(tid)] = _tenant(loc, path, str(tid), raw or {}, ctx, seed, p)
    for i, spec in enumerate(top.items("faults")):
        try:
            rule = faults.parse(spec, f"faults[{i}]")
        except FaultSpecError as e:
            raise _located_message(loc, str(e)) from None
        if any(r.id == rule.id for r in p.faults):
            raise loc.error(("faults", f"[{i}]", "id"), f"two rules have the id {rule.id!r}")
        p.faults.append(rule)
    if p.faults and len(faults.rules) + len(p.faults) > MAX_RULES:  # checked here: apply() must not fail
        raise loc.error(("faults",), f"at most {MAX_RULES} fault rules can be in force "
                                     f"({len(faults.rules)} are, {len(p.faults)} more in this fixture)")
    return p


def _tenant(loc, path, tid, raw, ctx: common.Ctx, seed, p: Plan) -> dict:
    f = Fields(loc, path, raw, TENANT)
    api = TenantId.parse(tid).api
    clock = f.sub("clock", {"start", "frozen"})
    tclock = None
    if clock is not None:
        start = clock.time("start", ctx.now, ctx.now)
        tclock = {"now": start, "frozen": clock.boolean("frozen")}
        ctx = common.Ctx(start, ctx.fill, ctx.ids, ctx.mode, ctx.options, ctx.profile)
    data = dict(f.mapping("data") or {})
    counter = {"seq": int(data.get("wpg", {}).get("seq", 0)) if isinstance(data.get("wpg"), dict) else 0}

    def seq() -> int:
        counter["seq"] += 1
        return counter["seq"]

    allowed = {"access": access.ACCESS_TOKEN, "opp": opp.OPP_TOKEN, "wpg": wpg.WPG_TOKEN}[api]
    tokens: dict[str, dict] = {}
    owners: dict[tuple, str] = {}
    for i, raw_tok in enumerate(f.items("tokens")):
        tf = Fields(loc, path + ("tokens", f"[{i}]"), raw_tok, allowed)
        count = tf.integer("count", 1, lo=1, hi=10000)
        if count > 1 and any(tf.has(k) for k in ("tokenId", "id", "paymentTokenID")):
            raise tf.err("count", "a repeated entry cannot name one token id")
        for _ in range(count):
            if api == "access":
                tok = access.access_token(tf, ctx)
            elif api == "opp":
                tok = opp.opp_registration(tf, ctx)
            else:
                tok = wpg.wpg_token(tf, ctx, seq)
            if tok.id in tokens:
                raise tf.err(None, f"token id {tok.id} is used twice in {tid}")
            if api != "opp":  # OPP registrations never match, so the same card may be stored twice
                key = (tok.owner, tok.pan)
                if key in owners:
                    raise tf.err(None, f"the same card is already stored for this owner (token {owners[key]}): "
                                       "the API would MATCH it, so it cannot be seeded twice")
                owners[key] = tok.id
            tokens[tok.id] = tok.to_dict()
    p.tokens += len(tokens)
    if f.has("networkTokens"):  # Access network tokens, in the lookup reply's shape (scenario/access.py)
        if api != "access":
            raise f.err("networkTokens", "only Access (access:) tenants have network tokens")
        network = data.setdefault("accessNetwork", {})
        for i, raw_nt in enumerate(f.items("networkTokens")):
            nf = Fields(loc, path + ("networkTokens", f"[{i}]"), raw_nt, access.NETWORK_TOKEN)
            record = access.access_network_token(nf, ctx)
            network[record["ref"]] = record
    payments: dict[str, dict] = {}
    rows = f.items("payments")
    for i, raw_pay in enumerate(rows):
        if api == "access":  # Payments API payments made with a seeded token (scenario/access.py)
            pf = Fields(loc, path + ("payments", f"[{i}]"), raw_pay, access.ACCESS_PAYMENT)
            pay = access.access_payment(pf, ctx, tokens)
        else:
            pf = Fields(loc, path + ("payments", f"[{i}]"), raw_pay, common.PAYMENT)
            pay = common.payment(pf, ctx, api, tokens)
        if pay.id in payments:
            raise pf.err(None, f"payment {pay.id} is listed twice")
        if pay.token_id is not None and pay.token_id not in tokens:
            key = "registrationId" if api == "opp" else "paymentTokenID"
            raise pf.err(key, f"no token {pay.token_id} is seeded for {tid}")
        payments[pay.id] = pay.to_dict()
    p.payments += len(payments)
    if f.has("notifications"):
        if api != "wpg":
            raise f.err("notifications", "only paymentService (wpg:) merchants have order notifications")
        data.setdefault("wpg", {})["notify"] = _notifications(f.sub("notifications", {"url", "events"}))
    if api == "wpg" and counter["seq"]:
        data.setdefault("wpg", {})["seq"] = counter["seq"]
    secret = hashlib.sha256(f"{seed}:{tid}".encode()).hexdigest()[:32]  # stable links across restarts
    return {"secret": secret, "clock": tclock, "tokens": list(tokens.values()),
            "payments": list(payments.values()), "data": data}


def _notifications(f: Fields) -> dict:
    """`data["wpg"]["notify"]`, checked by the same rules as the control plane (core/notifications)."""
    from ..core.store import Store
    from ..core.wpg import notifications

    try:
        return notifications.configure(Store(), "wpg:check", f.text("url", required=True), f.raw("events"))
    except notifications.NotificationConfigError as e:
        raise f.err("events" if "event" in str(e) else "url", str(e)) from None


def _located_message(loc: Located, message: str) -> FixtureError:
    """Add the line to a message of the form `<where>.<key>: text` from a shared validator."""
    head, _, rest = message.partition(": ")
    head = head.split(": ")[-1]
    parts: list[str] = []
    for piece in head.replace("[", ".[").split("."):
        if piece:
            parts.append(piece)
    return loc.error(tuple(parts), rest or message)


def _with_line(loc: Located, prefix: tuple, check) -> None:
    try:
        check()
    except FixtureError as e:
        text = str(e)
        if text.startswith(loc.source + ": "):
            text = text[len(loc.source) + 2:]
        raise _located_message(loc, text) from None


def apply(p: Plan, core: Core, faults: Faults, baseline: bool) -> None:
    store = core.store
    if p.options:
        core.options.set(p.options)
    if p.credentials is not None:
        core.credentials.add(p.credentials, p.source)
    if p.catalogue is not None:
        core.catalogue.merge(p.catalogue, p.source)
    if p.tenants:
        merged = {tid: _merge(store.peek(tid), t) for tid, t in p.tenants.items()}
        store.restore({"version": SNAPSHOT_VERSION, "tenants": merged}, replace=False)
    if p.clock is not None:
        store.clock = Clock.from_dict(p.clock)
        store.touch()
    faults.add(p.faults)


def _merge(existing, seeded: dict) -> dict:
    """A tenant already in the store keeps what the fixture does not name: tokens and payments
    are added or replaced by id, each API's `data` section is merged one level deep."""
    if existing is None:
        return seeded
    old = existing.to_dict()
    tokens = {t["id"]: t for t in old["tokens"]} | {t["id"]: t for t in seeded["tokens"]}
    payments = {x["id"]: x for x in old["payments"]} | {x["id"]: x for x in seeded["payments"]}
    data = dict(old["data"])
    for key, value in seeded["data"].items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    return {"secret": old["secret"], "clock": seeded["clock"] or old["clock"], "tokens": list(tokens.values()),
            "payments": list(payments.values()), "data": data}


def load(loc: Located, core: Core, faults: Faults, baseline: bool = True, keep: dict | None = None) -> dict:
    """Validate and apply one fixture; returns a summary. `keep` remembers the fixture clock
    across loads (reset returns to the last fixture clock even when later files have none)."""
    p = plan(loc, core, faults)
    apply(p, core, faults, baseline)
    if baseline:
        keep = keep if keep is not None else {}
        if p.clock is not None:
            keep["clock"] = p.clock
        core.store.mark_baseline()
        core.mark_baseline()
        if keep.get("clock") is not None:
            core.store.set_baseline_clock(keep["clock"])
        faults.mark_baseline()
    return p.summary()
