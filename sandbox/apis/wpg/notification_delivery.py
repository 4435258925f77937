"""Outbound notification delivery (HTTP client): POST text/xml to the merchant's URL in the background.

A 200 answer containing `[OK]` acknowledges (wpg.md §6.1: the check is a substring match in
practice); anything else, or no answer, is retried on the tenant's virtual clock (the schedule is
in core/wpg/notifications.py), so a test can advance the clock to see the retry at once. The
Notifier registers itself with the core (`notifications.listen`) at start-up: the core asks it to
render a queued event's XML and signals it when something is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from ...core import Core
from ...core.payments import Payment
from ...core.tenants import TenantId
from ...core.wpg import lifecycle, notifications
from ...core.wpg.env import Env
from . import render

log = logging.getLogger("sandbox.wpg.notify")
POLL_SECONDS = 0.2  # how often due retries are looked for (real time)
RESCAN_SECONDS = 2.0  # how often all merchants are looked at for restored schedules (real time)
TIMEOUT = ClientTimeout(total=10)  # per delivery; deliveries run concurrently (issue 14)
MAX_CONCURRENT = 64


class Notifier:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.pending: set[str] = set()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._session: ClientSession | None = None
        self._flying: dict[int, asyncio.Task] = {}  # id(note) -> its delivery task
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        self._scanned = 0.0

    def render(self, tid: str, payment: Payment, event: str, now: float) -> str:
        env = Env(self.core, tid)
        return render.notification(TenantId.parse(tid).name, payment.id, render.payment(payment, event),
                                   render.order_token(env, payment), event, payment, now)

    def wake(self, tid: str) -> None:
        self.pending.add(tid)
        if self._wake is not None:
            self._wake.set()

    async def start(self, app: web.Application) -> None:
        notifications.listen(self.core.store, self)
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self, app: web.Application) -> None:
        notifications.listen(self.core.store, None)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._flying.values()):
            task.cancel()
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()
            try:
                await self._deliver_due()
            except Exception:  # never let one bad delivery stop the loop
                log.exception("notification delivery failed")

    async def _deliver_due(self) -> None:
        store = self.core.store
        now = asyncio.get_running_loop().time()
        rescan = now - self._scanned >= RESCAN_SECONDS
        if rescan:
            self._scanned = now
        for tid in lifecycle.scheduled_tenants(store, rescan):  # later statuses due on the virtual clock
            lifecycle.advance(Env(self.core, tid))
        jobs = []
        for tid in list(self.pending):
            tenant = store.peek(tid)
            if not any(n["status"] == "pending" for n in notifications.outbox(tenant)):
                self.pending.discard(tid)
                continue
            in_order = self.core.options["wpg.notify_in_order"]
            jobs += [(tid, n) for n in notifications.due(tenant, store.now(tid), in_order) if id(n) not in self._flying]
        for tid, note in jobs:  # each its own task: one merchant's hanging endpoint delays only itself
            key = id(note)
            self._flying[key] = task = asyncio.create_task(self._bounded(tid, note))
            task.add_done_callback(functools.partial(self._landed, key))

    def _landed(self, key: int, _task: asyncio.Task) -> None:
        self._flying.pop(key, None)

    async def _bounded(self, tid: str, note: dict) -> None:
        async with self._slots:  # at most MAX_CONCURRENT deliveries (sockets) at once
            try:
                await self._deliver(tid, note)
            except Exception:
                log.exception("notification delivery failed")

    async def _deliver(self, tid: str, note: dict) -> None:
        if self._session is None:
            self._session = ClientSession(timeout=TIMEOUT)
        if note.get("body") is None:  # queued while no adapter listened (fixtures, unit tests)
            tenant = self.core.store.peek(tid)
            p = tenant.payments.get(note["orderCode"]) if tenant else None
            if p is None:
                return
            note["body"] = self.render(tid, p, note["event"], note["createdAt"])
        status, acknowledged, error = None, False, None
        try:
            async with self._session.post(note["url"], data=note["body"].encode(),
                                          headers={"Content-Type": "text/xml; charset=UTF-8"}) as resp:
                status = resp.status
                text = await resp.text(errors="replace")
                acknowledged = status == 200 and "[OK]" in text
        except (ClientError, TimeoutError, OSError, ValueError) as e:
            error = f"{type(e).__name__}: {e}"
        store = self.core.store
        tenant = store.peek(tid)
        if tenant is None or not any(n is note for n in notifications.outbox(tenant)):
            return  # reset while in flight
        options = self.core.options
        schedule = notifications.retry_schedule(options["wpg.notify_retry_first_seconds"],
                                                options["wpg.notify_retry_attempts"])
        notifications.record_attempt(note, store.now(tid), status=status, acknowledged=acknowledged, error=error,
                                     schedule=schedule)
        store.write(tid, whole=False)  # the outbox is in the tenant's head
        self.core.journal.record("notification", api="wpg", tenant=tid, operation="orderStatusEvent",
                                 detail=f"{note['id']} {note['event']} -> {note['url']}: "
                                        f"{'acknowledged' if acknowledged else error or status}")
