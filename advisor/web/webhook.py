"""Hand-offs delivered to the operator's webhook, at least once, never in a turn's way.

A hand-off is put in the store's outbox with the request that asks for it; every worker
runs a courier that takes what is due from the outbox and POSTs it, signed, to
`--handoff-url`. A delivery that fails is tried again later, each time waiting twice as
long (up to `LONGEST_WAIT`); one that a worker took and never settled (the worker died)
is due again after its lease. So a restart, or losing a worker, loses nothing, and a
receiver may get a hand-off twice: it tells them apart by `handoff_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time

import anyio.to_thread
import httpx

from advisor.web.stores import Outgoing, Store, StoreError

log = logging.getLogger("advisor.web.webhook")

SIGNATURE = "X-Advisor-Signature"
LEASE = 60.0  # seconds a taken delivery is hidden from the other workers
LONGEST_WAIT = 600.0  # seconds between two tries, at most
GIVE_UP = 3 * 24 * 3600.0  # seconds of failures after which a delivery is dropped, logged
POLL = 1.0  # seconds between two looks at the outbox when nothing woke the courier


def signature(secret: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of the body: what the receiver recomputes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones, with jitter so that many
    deliveries that failed together do not come back together."""
    return min(LONGEST_WAIT, 2.0 ** min(attempts, 20)) * random.uniform(0.8, 1.2)


def _given_up(attempts: int) -> bool:
    return sum(min(LONGEST_WAIT, 2.0**n) for n in range(1, attempts + 1)) > GIVE_UP


class Courier:
    def __init__(self, store: Store, url: str, secret: str | None, timeout: float = 10.0):
        self.store, self.url, self.secret, self.timeout = store, url, secret, timeout
        self.wake = asyncio.Event()

    async def run(self) -> None:
        """Deliver until cancelled."""
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            while True:
                try:
                    due = await anyio.to_thread.run_sync(self.store.due, LEASE, 20)
                except StoreError as exc:
                    log.warning("the outbox cannot be read: %s", exc)
                    due = []
                for item in due:
                    await self._deliver(client, item)
                if len(due) < 20:
                    self.wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), POLL)

    async def _deliver(self, client: httpx.AsyncClient, item: Outgoing) -> None:
        body = item.body.encode()
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SIGNATURE] = signature(self.secret, body)
        try:
            response = await client.post(self.url, content=body, headers=headers)
            ok = response.is_success
            failure = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, failure = False, f"{type(exc).__name__}: {exc}"
        try:
            if ok:
                await anyio.to_thread.run_sync(self.store.delivered, item.id)
                return
            attempts = item.attempts + 1
            if _given_up(attempts):
                log.error("hand-off %s dropped after %d tries: %s", item.id, attempts, failure)
                await anyio.to_thread.run_sync(self.store.delivered, item.id)
                return
            log.warning("hand-off %s not delivered (%s); try %d", item.id, failure, attempts)
            at = time.time() + backoff(attempts)
            await anyio.to_thread.run_sync(self.store.retry, item.id, attempts, at)
        except StoreError as exc:  # the lease runs out and the delivery is due again
            log.warning("the outbox cannot be updated: %s", exc)
