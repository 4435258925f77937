"""Who may call, and which tenant their credentials name (DESIGN §3).

Permissive (default, like moto): any non-empty credentials pass and name the tenant; listed
credentials still map to their tenant and carry their rights (detokenisation). Strict
(`--credentials FILE`): only listed credentials pass. The file, and a fixture's `credentials:`
section, have one shape:

    access: [{username, password, tenant?, detokenize?}]
    opp:    [{bearer | userId+password, entities?: [entityId, ...]}]   (one row = one merchant)
    wpg:    [{username, password, merchantCodes?: [code, ...]}]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from .errors import FixtureError


@dataclass(frozen=True, slots=True)
class AccessPrincipal:
    tenant: str  # tenant name (the id is "access:<name>")
    detokenize: bool = False


@dataclass(slots=True)
class _Access:
    password: str
    tenant: str
    detokenize: bool


@dataclass(slots=True)
class _Opp:
    entities: frozenset[str] | None  # None: any entity


@dataclass(slots=True)
class _Wpg:
    password: str
    merchant_codes: frozenset[str]


def grants_detokenize(doc: Any) -> bool:
    """Whether a credentials section (file or fixture) lists an Access user allowed to detokenise."""
    rows = doc.get("access") if isinstance(doc, dict) else None
    return isinstance(rows, list) and any(isinstance(r, dict) and r.get("detokenize") for r in rows)


def _same(known: str, sent: str) -> bool:
    """Constant-time equality of two passwords as UTF-8 bytes (compare_digest raises TypeError on
    non-ASCII str, which answered 500 to any client sending one: issue 14 §13)."""
    return hmac.compare_digest(known.encode("utf-8", "surrogateescape"), sent.encode("utf-8", "surrogateescape"))


@dataclass
class Credentials:
    strict: bool = False
    _access: dict[str, _Access] = field(default_factory=dict)
    _opp: dict[str, _Opp] = field(default_factory=dict)
    _wpg: dict[str, _Wpg] = field(default_factory=dict)

    # -- loading -------------------------------------------------------------------------------
    def add(self, doc: Any, source: str) -> None:
        """Add the entries of a credentials file or fixture section; every mistake is named."""
        if not isinstance(doc, dict):
            raise FixtureError(f"{source}: credentials: expected a mapping with access/opp/wpg lists")
        for api, rows in doc.items():
            if api not in ("access", "opp", "wpg"):
                raise FixtureError(f"{source}: credentials.{api}: unknown API (access, opp, wpg)")
            if not isinstance(rows, list):
                raise FixtureError(f"{source}: credentials.{api}: expected a list")
            for i, row in enumerate(rows):
                where = f"{source}: credentials.{api}[{i}]"
                if not isinstance(row, dict):
                    raise FixtureError(f"{where}: expected a mapping")
                getattr(self, f"_add_{api}")(row, where)

    def _add_access(self, row: dict, where: str) -> None:
        _only(row, {"username", "password", "tenant", "detokenize"}, where)
        user, pw = _text(row, "username", where), _text(row, "password", where)
        self._access[user] = _Access(pw, str(row.get("tenant") or user), bool(row.get("detokenize", False)))

    def _add_opp(self, row: dict, where: str) -> None:
        _only(row, {"bearer", "userId", "password", "entities"}, where)
        if "bearer" in row or not ("userId" in row or "password" in row):
            bearer = _text(row, "bearer", where)
        else:  # the legacy pair is the Bearer token base64(userId|password) (opp.md §3)
            bearer = legacy_bearer(_text(row, "userId", where), _text(row, "password", where))
        ents = row.get("entities")
        if ents is not None and not (isinstance(ents, list) and all(isinstance(e, str) for e in ents)):
            raise FixtureError(f"{where}.entities: expected a list of entityId strings")
        self._opp[bearer] = _Opp(frozenset(ents) if ents is not None else None)

    def _add_wpg(self, row: dict, where: str) -> None:
        _only(row, {"username", "password", "merchantCodes"}, where)
        user, pw = _text(row, "username", where), _text(row, "password", where)
        codes = row.get("merchantCodes") or [user]
        if not (isinstance(codes, list) and all(isinstance(c, str) and c for c in codes)):
            raise FixtureError(f"{where}.merchantCodes: expected a list of merchant codes")
        self._wpg[user] = _Wpg(pw, frozenset(codes))

    def snapshot(self) -> tuple:
        return dict(self._access), dict(self._opp), dict(self._wpg)

    def restore(self, snap: tuple) -> None:
        self._access, self._opp, self._wpg = (dict(d) for d in snap)

    # -- checks --------------------------------------------------------------------------------
    def access(self, username: str, password: str) -> AccessPrincipal | None:
        known = self._access.get(username)
        if known is not None:
            if _same(known.password, password):
                return AccessPrincipal(known.tenant, known.detokenize)
            return None
        if self.strict or not username or not password:
            return None
        return AccessPrincipal(username)

    def opp(self, bearer: str, entity: str) -> bool:
        known = self._opp.get(bearer)
        if known is not None:
            return known.entities is None or entity in known.entities
        return not self.strict and bool(bearer)

    def opp_merchant(self, bearer: str) -> tuple[str, frozenset[str] | None]:
        """The merchant a Bearer token names: (a fingerprint of the token, never the token itself;
        the entities listed with it, if any). One token's entities form one merchant (opp.md §13.3)."""
        known = self._opp.get(bearer)
        return merchant_key(bearer), (known.entities if known is not None else None)

    def wpg(self, username: str, password: str) -> frozenset[str] | None:
        """The merchant codes these credentials may use, or None when they are wrong."""
        known = self._wpg.get(username)
        if known is not None:
            return known.merchant_codes if _same(known.password, password) else None
        if self.strict or not username or not password:
            return None
        return frozenset({username})

    def to_dict(self) -> dict:
        """For the control plane: who is listed, never the secrets."""
        return {
            "strict": self.strict,
            "access": [
                {"username": u, "tenant": a.tenant, "detokenize": a.detokenize} for u, a in self._access.items()
            ],
            "opp": [
                {"bearer": b[:4] + "…", "entities": sorted(o.entities) if o.entities is not None else None}
                for b, o in self._opp.items()
            ],
            "wpg": [{"username": u, "merchantCodes": sorted(w.merchant_codes)} for u, w in self._wpg.items()],
        }


def _text(row: dict, key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise FixtureError(f"{where}.{key}: expected a non-empty string")
    return value


def _only(row: dict, allowed: set[str], where: str) -> None:
    unknown = set(row) - allowed
    if unknown:
        raise FixtureError(f"{where}.{sorted(unknown)[0]}: unknown key (allowed: {', '.join(sorted(allowed))})")


def legacy_bearer(user_id: str, password: str) -> str:
    """OPP's migration rule for the pre-2020 `authentication.userId/password` parameters: the Bearer
    token is base64(userId|password) (opp.md §3: the public demo tokens decode that way)."""
    return base64.b64encode(f"{user_id}|{password}".encode()).decode()


def merchant_key(bearer: str) -> str:
    """What state shows for a merchant: a short hash of its credential."""
    return "m-" + hashlib.sha256(bearer.encode()).hexdigest()[:16]
