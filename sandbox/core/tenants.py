"""Tenants: who owns a piece of state (DESIGN §3), and what one tenant holds.

A tenant id is `<api>:<name>` (`wpg:MYMERCHANT`): the API and the name its credentials give
(Access Basic username, OPP entityId, paymentService merchantCode). `TenantId` is that string
with `.api` and `.name`, built once per request by the adapter and never re-split elsewhere.
One name rule applies everywhere (APIs, control plane, fixtures, snapshots): 1-128 printable
characters without whitespace, so a tenant an API can create is one the control plane can address.

Each API keeps its own typed state beside the shared token book and payments (`Tenant.state`:
`core/access/state.py`, `core/opp/state.py`, `core/wpg/state.py`), registered here by
`sandbox/core/__init__.py`, so this floor never imports an API's package.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from .clock import Clock
from .errors import SnapshotError
from .payments import Payment, PaymentBook
from .tokens import Token, TokenBook

APIS = ("access", "opp", "wpg")
_NAME = re.compile(r"[!-~\u00a1-\U0010ffff]{1,128}")  # no whitespace or control characters


class TenantId(str):
    """`<api>:<name>` as a str (JSON, journal, dict keys) that knows its parts."""

    __slots__ = ()

    @property
    def api(self) -> str:
        return self.partition(":")[0]

    @property
    def name(self) -> str:
        return self.partition(":")[2]

    @classmethod
    def of(cls, api: str, name: str) -> TenantId | None:
        """The id for credentials naming `name`, or None when the name breaks the rule (the API
        then answers with its own 401: a tenant we could not address is never created)."""
        if api not in APIS or not isinstance(name, str) or not _NAME.fullmatch(name):
            return None
        return cls(f"{api}:{name}")

    @classmethod
    def parse(cls, text: Any) -> TenantId | None:
        """A control-plane `tenant=` value, fixture key or snapshot key; None when invalid."""
        if isinstance(text, TenantId):
            return text
        if not isinstance(text, str):
            return None
        api, sep, name = text.partition(":")
        return cls.of(api, name) if sep else None


def valid_tenant_id(tid: Any) -> bool:
    return TenantId.parse(tid) is not None


class ApiState(Protocol):
    """What each API's typed tenant state provides (see the modules named above)."""

    INDEX_TOKENS: bool  # whether tokens are matched by (owner, PAN): not OPP registrations

    def to_dict(self) -> dict: ...

    def empty(self) -> bool: ...


_STATE_TYPES: dict[str, Any] = {}


def register_state(api: str, state_type: Any) -> None:
    _STATE_TYPES[api] = state_type


def new_state(api: str, data: dict | None = None) -> ApiState:
    cls = _STATE_TYPES[api]
    return cls.from_dict(data or {}) if data else cls()


class Tenant:
    __slots__ = ("id", "tokens", "payments", "state", "clock", "secret")

    def __init__(self, tid: TenantId, secret: str, state: ApiState | None = None) -> None:
        self.id = tid
        self.tokens = TokenBook()
        self.payments = PaymentBook()
        self.state = state if state is not None else new_state(tid.api)
        self.clock: Clock | None = None  # own clock, else the global one
        self.secret = secret  # keys this tenant's opaque links; never leaves the process except in state

    @property
    def api(self) -> str:
        return self.id.api

    @property
    def tracked(self) -> bool:
        """Whether its books record which tokens and payments change (persistence.py)."""
        return self.tokens.changed is not None

    def track(self) -> tuple[dict[str, None], dict[str, None]]:
        """Start (or restart) recording changed records; returns the token and payment ids recorded
        until now, in the order they changed."""
        changed = (self.tokens.changed or {}, self.payments.changed or {})
        self.tokens.changed, self.payments.changed = {}, {}
        return changed

    def head(self) -> dict:
        """Everything but the tokens and payments: one row of the state database."""
        return {"secret": self.secret, "clock": self.clock.to_dict() if self.clock else None,
                "data": self.state.to_dict()}

    @property
    def name(self) -> str:
        return self.id.name

    def to_dict(self) -> dict:
        return {
            "secret": self.secret,
            "clock": self.clock.to_dict() if self.clock else None,
            "tokens": [t.to_dict() for t in self.tokens.by_id.values()],
            "payments": [p.to_dict() for p in self.payments.values()],
            "data": self.state.to_dict(),  # the snapshot key stays "data": old state files load as is
        }

    @classmethod
    def from_dict(cls, key: Any, d: Any) -> Tenant:
        tid = TenantId.parse(key)
        if tid is None:
            raise SnapshotError(f"tenants: {key!r} is not a tenant id (<access|opp|wpg>:<name>)")
        if not isinstance(d, dict):
            raise SnapshotError(f"tenants.{tid}: expected an object")
        try:
            data = d.get("data") or {}
            if not isinstance(data, dict):
                raise SnapshotError(f"tenants.{tid}.data: expected an object")
            try:
                state = new_state(tid.api, data)
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise SnapshotError(f"tenants.{tid}.data: {e!r}") from None
            t = cls(tid, str(d.get("secret") or ""), state)
            if d.get("clock") is not None:
                t.clock = Clock.from_dict(d["clock"])
            for i, raw in enumerate(d.get("tokens") or []):
                try:
                    tok = Token.from_dict(raw)
                except (KeyError, TypeError, ValueError) as e:
                    raise SnapshotError(f"tenants.{tid}.tokens[{i}]: {e!r}") from None
                t.tokens.add(tok, indexed=state.INDEX_TOKENS)
            for i, raw in enumerate(d.get("payments") or []):
                try:
                    pay = Payment.from_dict(raw)
                except (KeyError, TypeError, ValueError) as e:
                    raise SnapshotError(f"tenants.{tid}.payments[{i}]: {e!r}") from None
                t.payments[pay.id] = pay
        except SnapshotError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise SnapshotError(f"tenants.{tid}: {e!r}") from None
        return t
