"""What a paymentService merchant holds beside tokens and orders: the use counter, the
notification endpoint and outbox (notifications.py), and the detokenisation key (detokenise.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class WpgState:
    INDEX_TOKENS = True  # tokens match by (shopper or merchant scope, PAN)

    seq: int = 0  # orders "last used" when the virtual clock is frozen (tokens.next_seq)
    notify: dict | None = None  # {"url", "events"}
    notify_seq: int = 0
    outbox: list[dict] = field(default_factory=list)
    key: dict | None = None  # {"public_key", "padding"}
    idempotency: dict[str, dict] = field(default_factory=dict)  # Idempotency-Key -> stored reply (idempotency.py)
    schedule: list[dict] = field(default_factory=list)  # later order statuses {orderCode, event, at} (lifecycle.py)

    def empty(self) -> bool:
        return not (self.seq or self.notify or self.notify_seq or self.outbox or self.key or self.idempotency or self.schedule)

    def to_dict(self) -> dict:
        wpg: dict = {}
        if self.seq:
            wpg["seq"] = self.seq
        if self.notify is not None:
            wpg["notify"] = self.notify
        if self.notify_seq:
            wpg["notifySeq"] = self.notify_seq
        if self.outbox:
            wpg["outbox"] = self.outbox
        if self.idempotency:
            wpg["idempotency"] = self.idempotency
        if self.schedule:
            wpg["schedule"] = self.schedule
        out: dict = {"wpg": wpg} if wpg else {}
        if self.key is not None:
            out["keys"] = self.key
        return out

    @classmethod
    def from_dict(cls, d: dict) -> WpgState:
        unknown = set(d) - {"wpg", "keys"}
        if unknown:
            raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
        wpg = d.get("wpg") or {}
        if not isinstance(wpg, dict):
            raise ValueError("wpg: expected an object")
        known = {"seq", "notify", "notifySeq", "outbox", "idempotency", "schedule"}
        if set(wpg) - known:
            raise ValueError(f"wpg: unknown key {sorted(set(wpg) - known)[0]!r}")
        notify, outbox, key = wpg.get("notify"), wpg.get("outbox") or [], d.get("keys")
        if notify is not None and not isinstance(notify, dict):
            raise ValueError("wpg.notify: expected an object")
        if not isinstance(outbox, list) or not all(isinstance(n, dict) for n in outbox):
            raise ValueError("wpg.outbox: expected a list of notifications")
        if key is not None and not isinstance(key, dict):
            raise ValueError("keys: expected an object")
        idem = wpg.get("idempotency") or {}
        if not isinstance(idem, dict) or not all(isinstance(v, dict) and {"reply", "expiresAt"} <= set(v)
                                                 for v in idem.values()):
            raise ValueError("wpg.idempotency: expected an object of {reply, expiresAt}")
        schedule = wpg.get("schedule") or []
        if not isinstance(schedule, list) or not all(isinstance(e, dict) and {"orderCode", "event", "at"} <= set(e)
                                                     for e in schedule):
            raise ValueError("wpg.schedule: expected a list of {orderCode, event, at}")
        return cls(seq=int(wpg.get("seq", 0)), notify=notify, notify_seq=int(wpg.get("notifySeq", 0)),
                   outbox=list(outbox), key=key, idempotency=dict(idem), schedule=list(schedule))
