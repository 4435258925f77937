"""Fault rules (`/_sandbox/faults`): the hook points the middleware and adapters call.

A rule names what it matches (api, tenant, path, method, operation) and what it does (answer
with an error, add latency, drop the connection, or the paymentService plain-text "Temporary
Failure"), for the next N matches or with a seeded probability.

Rules that only look at api/path/method fire in `before()`, ahead of the handler, so they work
even for routes that do not exist. Rules that look at tenant or operation can only be judged once
the adapter names them (`set_context` -> `on_context`), still before the store is touched.
With no rules the middleware skips every hook, so faults cost nothing on the normal path.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import random
import re
import re._constants as sre_constants  # the parser behind re: inspect a pattern before trusting it
import re._parser as sre_parse
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .guard import FAULT_CSP, secure_page

ACTIONS = ("error", "delay", "drop", "temporary-failure")
DROP_WHEN = ("before-headers", "after-headers")
TEMPORARY_FAILURE = "Temporary Failure, please Retry"  # wpg.md §1.1: plain text, not XML
_KEYS = {"id", "api", "tenant", "path", "pathRegex", "method", "operation", "action", "status", "message",
         "body", "contentType", "headers", "latency", "drop", "times", "probability", "seed"}
MAX_RULES = 1000  # rules in force: every request is checked against each (100k rules: +411 MB, 2.6 s each)
MAX_PATTERN = 256  # characters of a glob or pathRegex
MAX_BODY = 1024 * 1024  # characters of a rule's own reply body
DROPPED_STATUS = 444  # what the journal records for a connection closed before any header (nginx's "no response")


class FaultInjected(Exception):
    def __init__(self, rule: Rule) -> None:
        super().__init__(rule.id)
        self.rule = rule


class ConnectionDropped(Exception):
    pass


class FaultSpecError(ValueError):
    """A rule that cannot be used; the message names the key."""


@dataclass
class Rule:
    id: str
    spec: dict  # the rule as given (normalised), for listing and for reset
    api: str | None = None
    tenant: str | None = None
    path: str | None = None
    path_regex: re.Pattern | None = None
    method: str | None = None
    operation: str | None = None
    action: str = "error"
    status: int | None = None
    message: str = "Injected fault"
    body: Any = None
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    latency: Any = None
    drop: str = "before-headers"
    times: int | None = None
    probability: float | None = None
    rng: random.Random = field(default_factory=random.Random)
    fired: int = 0

    @property
    def needs_context(self) -> bool:
        return self.tenant is not None or self.operation is not None

    def matches(self, request: web.Request) -> bool:
        if self.api is not None and request.get("api") != self.api:
            return False
        if self.method is not None and request.method.upper() != self.method:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(request.path, self.path):
            return False
        if self.path_regex is not None and not self.path_regex.search(request.path):
            return False
        if self.tenant is not None and not fnmatch.fnmatchcase(request.get("tenant") or "", self.tenant):
            return False
        if self.operation is not None and not fnmatch.fnmatchcase(request.get("operation") or "", self.operation):
            return False
        return True

    def view(self) -> dict:
        left = None if self.times is None else self.times - self.fired
        return {**self.spec, "id": self.id, "fired": self.fired, "remaining": left}


def parse_rule(spec: Any, rule_id: str, where: str = "fault") -> Rule:
    """Validate one rule; every mistake names the key (FaultSpecError)."""
    if not isinstance(spec, dict):
        raise FaultSpecError(f"{where}: expected an object")
    unknown = set(spec) - _KEYS
    if unknown:
        raise FaultSpecError(f"{where}.{sorted(unknown)[0]}: unknown key (allowed: {', '.join(sorted(_KEYS))})")
    spec = dict(spec)
    rid = spec.pop("id", None) or rule_id
    if not isinstance(rid, str) or not rid:
        raise FaultSpecError(f"{where}.id: expected a non-empty string")
    r = Rule(id=rid, spec=spec)
    for key in ("api", "tenant", "path", "operation", "message", "contentType"):
        if key in spec and not isinstance(spec[key], str):
            raise FaultSpecError(f"{where}.{key}: expected a string")
    r.api = spec.get("api")
    if r.api is not None and r.api not in ("access", "opp", "wpg"):
        raise FaultSpecError(f"{where}.api: expected access, opp or wpg, got {r.api!r}")
    r.tenant, r.path, r.operation = spec.get("tenant"), spec.get("path"), spec.get("operation")
    for key in ("tenant", "path", "operation"):
        if len(spec.get(key) or "") > MAX_PATTERN:
            raise FaultSpecError(f"{where}.{key}: longer than {MAX_PATTERN} characters")
    if "pathRegex" in spec:
        r.path_regex = safe_regex(spec["pathRegex"], f"{where}.pathRegex")
    if "method" in spec:
        if not isinstance(spec["method"], str) or not spec["method"].isalpha():
            raise FaultSpecError(f"{where}.method: expected an HTTP method like POST")
        r.method = spec["method"].upper()
    r.action = spec.get("action") or ("delay" if "latency" in spec and "status" not in spec else "error")
    if r.action not in ACTIONS:
        raise FaultSpecError(f"{where}.action: expected one of {', '.join(ACTIONS)}, got {r.action!r}")
    if "status" in spec:
        st = spec["status"]
        if not isinstance(st, int) or isinstance(st, bool) or not 200 <= st <= 599:
            raise FaultSpecError(f"{where}.status: expected an HTTP status 200-599")
        r.status = st
    r.message = spec.get("message", r.message)
    r.body = spec.get("body")
    if r.body is not None and not isinstance(r.body, str | dict | list):
        raise FaultSpecError(f"{where}.body: expected a string or a JSON value")
    if isinstance(r.body, str) and len(r.body) > MAX_BODY:
        raise FaultSpecError(f"{where}.body: longer than {MAX_BODY} characters")
    r.content_type = spec.get("contentType")
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise FaultSpecError(f"{where}.headers: expected an object of strings")
    r.headers = headers
    if "latency" in spec:
        r.latency = _latency(spec["latency"], f"{where}.latency")
    if "drop" in spec:
        if spec["drop"] not in DROP_WHEN:
            raise FaultSpecError(f"{where}.drop: expected before-headers or after-headers")
        r.drop = spec["drop"]
    if "times" in spec:
        t = spec["times"]
        if not isinstance(t, int) or isinstance(t, bool) or t < 1:
            raise FaultSpecError(f"{where}.times: expected a whole number of at least 1")
        r.times = t
    if "probability" in spec:
        p = spec["probability"]
        if not isinstance(p, int | float) or isinstance(p, bool) or not 0 <= p <= 1:
            raise FaultSpecError(f"{where}.probability: expected a number from 0 to 1")
        r.probability = float(p)
    seed = spec.get("seed")
    if seed is not None and not isinstance(seed, int | str):
        raise FaultSpecError(f"{where}.seed: expected a number or a string")
    r.rng = random.Random(seed if seed is not None else rid)
    return r


def safe_regex(pattern: Any, where: str) -> re.Pattern:
    """A compiled pathRegex that cannot backtrack catastrophically.

    Python's `re` backtracks, so `(a+)+$` takes exponential time on a 30-character path and would
    hold the event loop on every request. Refused: a repeat inside a repeat (`(a+)+`, `(a|aa)*`),
    back-references, and patterns over MAX_PATTERN characters. What remains runs in time
    polynomial in the path length, and paths are at most 8 KiB (the request-line limit).
    """
    if not isinstance(pattern, str):
        raise FaultSpecError(f"{where}: expected a string")
    if len(pattern) > MAX_PATTERN:
        raise FaultSpecError(f"{where}: longer than {MAX_PATTERN} characters")
    try:
        compiled = re.compile(pattern)
        tree = sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError) as e:
        raise FaultSpecError(f"{where}: not a regular expression: {e}") from None
    problem = _regex_risk(tree, in_repeat=False)
    if problem:
        raise FaultSpecError(f"{where}: {problem} can make matching take exponential time; "
                             "use a simpler pattern or a `path` glob")
    return compiled


_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}


def _regex_risk(tree, in_repeat: bool) -> str | None:
    for op, arg in tree:
        if op in _REPEATS:
            low, high, sub = arg
            unbounded_ish = high == sre_constants.MAXREPEAT or high > 16
            if in_repeat and unbounded_ish:
                return "a repeat inside a repeat"
            found = _regex_risk(sub, in_repeat or unbounded_ish)
        elif op in (sre_constants.GROUPREF, sre_constants.GROUPREF_EXISTS):
            return "a back-reference"
        elif op == sre_constants.SUBPATTERN:
            found = _regex_risk(arg[-1], in_repeat)
        elif op == sre_constants.BRANCH:
            if in_repeat and len(arg[1]) > 1:
                return "an alternation inside a repeat"
            found = next((p for b in arg[1] if (p := _regex_risk(b, in_repeat))), None)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found = _regex_risk(arg[1], in_repeat)
        else:
            found = None
        if found:
            return found
    return None


def _error_of(request: web.Request):
    """The owning API's error constructor, put on the request by the middleware."""
    return request["error"]


def _latency(value: Any, where: str) -> tuple:
    """Seconds: a number, `{min, max}` (uniform) or `{mean, stddev}` (normal, never below 0)."""
    num = (int, float)
    if isinstance(value, num) and not isinstance(value, bool) and value >= 0:
        return ("fixed", float(value))
    if isinstance(value, dict):
        if set(value) == {"min", "max"} and all(isinstance(value[k], num) for k in value) \
                and 0 <= value["min"] <= value["max"]:
            return ("uniform", float(value["min"]), float(value["max"]))
        if set(value) == {"mean", "stddev"} and all(isinstance(value[k], num) for k in value) \
                and value["mean"] >= 0 and value["stddev"] >= 0:
            return ("normal", float(value["mean"]), float(value["stddev"]))
    raise FaultSpecError(f"{where}: expected seconds (a number >= 0), {{min, max}} or {{mean, stddev}}")


class Faults:
    Injected = FaultInjected
    Dropped = ConnectionDropped

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self._baseline: list[dict] = []  # specs loaded as fixtures: reset brings them back
        self._next = 0

    # -- rules ---------------------------------------------------------------------------------
    def parse(self, spec: Any, where: str = "fault") -> Rule:
        self._next += 1
        rule = parse_rule(spec, f"f{self._next}", where)
        if any(r.id == rule.id for r in self.rules):
            raise FaultSpecError(f"{where}.id: a rule with id {rule.id!r} already exists")
        return rule

    def add(self, rules: list[Rule]) -> None:
        if len(self.rules) + len(rules) > MAX_RULES:
            raise FaultSpecError(f"rules: at most {MAX_RULES} fault rules can be in force "
                                 f"({len(self.rules)} are, {len(rules)} more sent); delete some first")
        self.rules.extend(rules)

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules = []

    def mark_baseline(self) -> None:
        """The rules now in force are what reset returns to (fixture-loaded rules)."""
        self._baseline = [{**r.spec, "id": r.id} for r in self.rules]

    def reset(self) -> None:
        self.rules = [parse_rule(spec, spec["id"]) for spec in self._baseline]

    def views(self) -> list[dict]:
        return [r.view() for r in self.rules]

    # -- hooks ---------------------------------------------------------------------------------
    def _pick(self, request: web.Request, with_context: bool) -> Rule | None:
        for rule in self.rules:
            if rule.needs_context != with_context or not rule.matches(request):
                continue
            if rule.probability is not None and rule.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            if rule.times is not None and rule.fired >= rule.times:
                self.rules = [r for r in self.rules if r is not rule]
            return rule
        return None

    async def before(self, request: web.Request) -> web.StreamResponse | None:
        rule = self._pick(request, with_context=False)
        if rule is None:
            return None
        if rule.action == "delay":
            await self._sleep(rule)
            return None
        return await self._act(request, rule, _error_of(request))

    def on_context(self, request: web.Request) -> None:
        if request.get("fault_checked"):
            return
        request["fault_checked"] = True  # one decision per request, even if set_context runs twice
        rule = self._pick(request, with_context=True)
        if rule is None:
            return
        if rule.action == "delay":
            request["fault_delay"] = rule  # a sync hook cannot sleep: after() adds it to the reply
            return
        raise FaultInjected(rule)

    async def after(self, request: web.Request) -> None:
        rule = request.get("fault_delay")
        if rule is not None:
            await self._sleep(rule)

    async def respond(self, request: web.Request, injected: FaultInjected, error) -> web.StreamResponse:
        return await self._act(request, injected.rule, error)

    # -- actions -------------------------------------------------------------------------------
    async def _sleep(self, rule: Rule) -> None:
        if rule.latency is None:
            return
        kind, *args = rule.latency
        if kind == "fixed":
            seconds = args[0]
        elif kind == "uniform":
            seconds = rule.rng.uniform(*args)
        else:
            seconds = max(0.0, rule.rng.gauss(*args))
        await asyncio.sleep(seconds)

    async def _act(self, request: web.Request, rule: Rule, error) -> web.StreamResponse:
        await self._sleep(rule)
        if rule.action == "drop":
            return await self._drop(request, rule)
        if rule.action == "temporary-failure":
            resp = web.Response(status=rule.status or 200, text=rule.body if isinstance(rule.body, str)
                                else TEMPORARY_FAILURE, content_type=rule.content_type or "text/plain")
        elif rule.body is not None:
            text = rule.body if isinstance(rule.body, str) else json.dumps(rule.body)
            ctype = rule.content_type or ("text/plain" if isinstance(rule.body, str) else "application/json")
            resp = web.Response(status=rule.status or 500, body=text.encode(), content_type=ctype.split(";")[0])
            if ";" in ctype:
                resp.headers["Content-Type"] = ctype
        else:
            # The API's own error envelope. The status asked for is the status sent, even where the
            # API would say 200 (paymentService puts errors in a 200 reply): a rule is explicit.
            status = rule.status or 500
            resp = error(request, status, rule.message)
            if resp.status != status:
                resp.set_status(status)
        resp.headers.update(rule.headers)
        if rule.body is not None or rule.content_type is not None:
            # A rule's own body is served on the sandbox's origin: never as a document that runs
            # script there (a text/html body could read /_sandbox/state, issue 14 §5). Set after
            # the rule's headers, so they cannot lift the policy.
            secure_page(resp, FAULT_CSP)
        return resp

    async def _drop(self, request: web.Request, rule: Rule) -> web.StreamResponse:
        """Close the connection. Returned (not raised) so aiohttp ends the request quietly."""
        transport = request.transport
        if rule.drop == "before-headers":
            if transport is not None:
                transport.close()
            return web.Response(status=DROPPED_STATUS)
        resp = web.StreamResponse(status=rule.status or 200)
        resp.content_type = rule.content_type or "application/octet-stream"
        resp.headers.update(rule.headers)
        resp.content_length = 1024  # promise a body that never comes
        await resp.prepare(request)
        await resp.write(b"{")
        if transport is not None:
            transport.close()
        return resp
