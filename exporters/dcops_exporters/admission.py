"""Admission control: a probe starts only if it can still finish inside its deadline.

Without it, an exporter offered more probes than it and its agents can answer starts them
all; every probe slows down together, most miss their deadline, and the work they did is
wasted, so the overload feeds itself and outlives the burst that caused it (congestion
collapse). Here a bounded number of probes run at once and the rest wait in arrival order;
a probe whose deadline can no longer be met — judged from what probes of the same device
and module took before — is refused at once, cheaply, so the admitted ones finish.

The bound adapts (additive increase, multiplicative decrease, as TCP does): a probe that
used more than half of its budget, or timed out on a device that answered recently,
means the agents or this process are saturated, so the bound shrinks; fast probes let it
grow again, but only while the bound is what holds probes back (a bound nobody reaches
would grow without limit and take long to shrink when a burst comes). On a network of
independent devices it grows to what the load needs; on a lab where every agent shares
two cores it settles where probes stay fast.
Runs on the exporter's event loop only (no locks).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


class Refused(Exception):
    """The probe was not started; `reason` is the counter label, the message says why."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class _Waiter:
    key: tuple[str, str]
    deadline: float
    grant: asyncio.Future


class ServiceTimes:
    """Recent probe durations per (device, module): an exponentially weighted mean."""

    def __init__(self, weight: float = 0.3, default: float = 0.25):
        self.weight, self.default = weight, default
        self._mean: dict[tuple[str, str], float] = {}
        self.overall = default

    def expected(self, key: tuple[str, str]) -> float:
        return self._mean.get(key, self.overall)

    def observe(self, key: tuple[str, str], seconds: float) -> None:
        old = self._mean.get(key)
        self._mean[key] = seconds if old is None else old + self.weight * (seconds - old)
        self.overall += 0.05 * (seconds - self.overall)


class Admission:
    """Bounded concurrency with deadline-aware queueing; `acquire` then `release`."""

    def __init__(self, initial_limit: float = 8, min_limit: float = 2, max_limit: float = 512,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.min_limit, self.max_limit = float(initial_limit), float(min_limit), float(max_limit)
        self.clock = clock
        self.times = ServiceTimes()
        self.in_flight = 0
        self._queue: deque[_Waiter] = deque()
        self._last_decrease = float("-inf")
        self._silent: set[tuple[str, str]] = set()  # keys whose last probe got no reply at all
        self.bypassing = 0

    @property
    def queued(self) -> int:
        return len(self._queue)

    def _slots(self) -> int:
        return max(1, int(self.limit))

    async def acquire(self, key: tuple[str, str], deadline: float) -> bool:
        """Return when the probe may start; raise `Refused` when it could not finish in time.

        Returns whether the probe holds a slot. A device whose last probe got no reply at
        all (down, unreachable, wrong community) is probed beside the slots, up to as many
        again: it costs a few datagrams, and holding a slot for its whole timeout would
        let a site of dead switches starve the living ones.
        """
        now = self.clock()
        need = self.times.expected(key)
        if key in self._silent and self.bypassing < self._slots():
            self.bypassing += 1
            return False
        if self.in_flight < self._slots() and not self._queue:
            self.in_flight += 1
            return True
        # Waiting ahead of us: the queue, served `limit` at a time at the usual pace.
        wait = (len(self._queue) + 1) / self._slots() * self.times.overall
        if now + wait + need > deadline:
            raise Refused("queue", f"refused: {len(self._queue)} probes waiting and {self.in_flight} running; "
                                   f"expected wait {wait:.2f}s + probe {need:.2f}s exceeds the "
                                   f"{max(0.0, deadline - now):.2f}s left")
        waiter = _Waiter(key, deadline, asyncio.get_running_loop().create_future())
        self._queue.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.grant), max(0.0, deadline - need - now))
        except (TimeoutError, asyncio.TimeoutError):
            self._forget(waiter)
            if not waiter.grant.done():
                raise Refused("deadline", f"refused after waiting {self.clock() - now:.2f}s: "
                                          f"{max(0.0, deadline - self.clock()):.2f}s left, the probe usually "
                                          f"takes {need:.2f}s") from None
        except asyncio.CancelledError:
            self._forget(waiter)
            if waiter.grant.done() and waiter.grant.exception() is None:
                self._handoff()  # the slot was ours just as we were cancelled: pass it on
            raise
        if waiter.grant.exception() is not None:
            raise waiter.grant.exception()
        return True

    def release(self, key: tuple[str, str], seconds: float, budget: float, completed: bool,
                answered: bool = True, slot: bool = True) -> None:
        """A started probe ended after `seconds` of its `budget`; adapt, then wake a waiter.

        `answered`: the device replied at least once. A probe that timed out after replies
        ran out of time on a live device — congestion; one that got none says nothing
        about load (the device may be down).
        """
        if completed:
            self.times.observe(key, seconds)
        (self._silent.discard if answered else self._silent.add)(key)
        if not slot:
            self.bypassing -= 1
            return
        now = self.clock()
        congested = (completed and seconds > 0.5 * budget) or (not completed and answered)
        if congested:
            # Only a probe started after the last decrease says the smaller bound is still
            # too big (TCP reacts once per round trip the same way): the slow probes of one
            # burst are one signal, not one each.
            if now - seconds >= self._last_decrease:
                self.limit = max(self.min_limit, self.limit * 0.8)
                self._last_decrease = now
        elif completed and self.in_flight + len(self._queue) >= int(self.limit):
            self.limit = min(self.max_limit, self.limit + 1.0 / self.limit)
        self._handoff()

    def _handoff(self) -> None:
        """Give a free slot to the first waiter that can still make its deadline."""
        self.in_flight -= 1
        now = self.clock()
        while self._queue and self.in_flight < self._slots():
            waiter = self._queue.popleft()
            if waiter.grant.done():
                continue
            need = self.times.expected(waiter.key)
            if now + need > waiter.deadline:
                waiter.grant.set_exception(Refused(
                    "deadline", f"refused when its turn came: {max(0.0, waiter.deadline - now):.2f}s left, "
                                f"the probe usually takes {need:.2f}s"))
                continue
            self.in_flight += 1
            waiter.grant.set_result(None)

    def _forget(self, waiter: _Waiter) -> None:
        try:
            self._queue.remove(waiter)
        except ValueError:
            pass
