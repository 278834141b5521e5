"""A small SNMP client for one probe: GET and multi-column GETBULK walks, with a deadline.

Built on pysnmp's asyncio high-level API with MIB lookups off (the exporter knows its OIDs
numerically). Transport timeout and retries are fixed per client so pysnmp's engine keeps
one target entry per device instead of one per request; the probe's own deadline cancels
whatever is still pending. Every failure becomes `SnmpError` with a message that never
holds the community or keys.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData, ContextData, ObjectIdentity, ObjectType, SnmpEngine, UdpTransportTarget,
    UsmUserData, bulk_cmd, get_cmd,
)
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

Oid = tuple[int, ...]

# Responses stay under snmpsim's and most agents' default of 64 var-binds per PDU.
MAX_VARBINDS = 60


class SnmpError(Exception):
    """The device did not give a usable answer (timeout, error status, bad data)."""


def oid(text: str) -> Oid:
    return tuple(int(p) for p in text.strip(".").split("."))


@dataclass(frozen=True)
class SnmpAuth:
    """v2c community or v3 USM user; `repr` never shows the secret parts."""

    version: str
    community: str | None = None
    user: str | None = None
    auth_protocol: str | None = None
    auth_key: str | None = None
    priv_protocol: str | None = None
    priv_key: str | None = None

    def __repr__(self) -> str:
        return f"SnmpAuth(version={self.version!r}, user={self.user!r})"

    def pysnmp(self):
        if self.version == "v2c":
            return CommunityData(self.community, mpModel=1)
        from pysnmp.hlapi.v3arch.asyncio import auth as _auth

        auth_protos = {"MD5": _auth.USM_AUTH_HMAC96_MD5, "SHA": _auth.USM_AUTH_HMAC96_SHA,
                       "SHA256": _auth.USM_AUTH_HMAC192_SHA256, "SHA512": _auth.USM_AUTH_HMAC384_SHA512}
        priv_protos = {"DES": _auth.USM_PRIV_CBC56_DES, "AES": _auth.USM_PRIV_CFB128_AES,
                       "AES256": _auth.USM_PRIV_CFB256_AES}
        return UsmUserData(
            self.user, authKey=self.auth_key, privKey=self.priv_key,
            authProtocol=auth_protos[self.auth_protocol or "SHA"],
            privProtocol=priv_protos[self.priv_protocol] if self.priv_protocol else _auth.USM_PRIV_NONE,
        )


class PduLimiter:
    """At most `limit` requests awaiting answers across all probes; the oldest probe goes first.

    When a burst of probes exceeds what the agents and this process can answer, sharing
    time equally makes every probe finish late together; serving the oldest probe's next
    PDU first lets probes finish one after another inside their deadlines. A device that
    does not answer gives its slot back after `hold` seconds while its request keeps
    waiting, so a site full of dead switches cannot starve the living ones.
    """

    def __init__(self, limit: int = 32, hold: float = 1.0):
        self.limit, self.hold = limit, hold
        self._busy = 0
        self._waiters: list[tuple[float, int, asyncio.Future]] = []
        self._seq = itertools.count()

    async def run(self, priority: float, request: Callable[[], Awaitable]):
        if self._busy < self.limit and not self._waiters:
            self._busy += 1
        else:
            grant = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (priority, next(self._seq), grant))
            try:
                await grant
            except asyncio.CancelledError:
                if grant.done() and not grant.cancelled():
                    self._release()  # the slot was handed over just as we were cancelled
                raise
        task = asyncio.ensure_future(request())
        try:
            await asyncio.wait({task}, timeout=self.hold)
        except asyncio.CancelledError:
            task.cancel()
            self._release()
            raise
        self._release()
        return await task

    def _release(self) -> None:
        while self._waiters:
            _, _, grant = heapq.heappop(self._waiters)
            if not grant.done():
                grant.set_result(None)  # the slot passes on; _busy is unchanged
                return
        self._busy -= 1


class SnmpClient:
    """One device, one probe. `requests` counts PDUs sent (for the probe log)."""

    def __init__(self, engine: SnmpEngine, host: str, port: int, auth: SnmpAuth,
                 timeout: float = 1.0, retries: int = 2, limiter: PduLimiter | None = None,
                 priority: float = 0.0):
        self.engine = engine
        self.host, self.port = host, port
        self._auth = auth.pysnmp()
        self._timeout, self._retries = timeout, retries
        self._target: UdpTransportTarget | None = None
        self._limiter, self._priority = limiter, priority
        self.requests = 0

    async def _send(self, request: Callable[[], Awaitable]):
        self.requests += 1
        if self._limiter is None:
            return await request()
        return await self._limiter.run(self._priority, request)

    async def _transport(self) -> UdpTransportTarget:
        if self._target is None:
            self._target = await UdpTransportTarget.create(
                (self.host, self.port), timeout=self._timeout, retries=self._retries)
        return self._target

    @staticmethod
    def _check(error_indication, error_status, error_index) -> None:
        if error_indication:
            raise SnmpError(str(error_indication))
        if error_status:
            raise SnmpError(f"agent error {error_status.prettyPrint()} at var-bind {int(error_index)}")

    async def get(self, oids: list[Oid]) -> dict[Oid, object]:
        """Values of exact OIDs; missing instances are left out."""
        out: dict[Oid, object] = {}
        for start in range(0, len(oids), MAX_VARBINDS):
            chunk = oids[start:start + MAX_VARBINDS]
            target = await self._transport()
            result = await self._send(lambda: get_cmd(
                self.engine, self._auth, target, ContextData(),
                *[ObjectType(ObjectIdentity(o)) for o in chunk], lookupMib=False))
            self._check(*result[:3])
            for vb in result[3]:
                name, value = vb[0], vb[1]
                if isinstance(value, (NoSuchObject, NoSuchInstance, EndOfMibView)):
                    continue
                out[tuple(name.get_oid() if hasattr(name, "get_oid") else name)] = value
        return out

    async def walk(self, columns: list[Oid]) -> dict[Oid, dict[Oid, object]]:
        """Every row of each column (table columns walked side by side with GETBULK).

        Returns column -> {index suffix -> value}. A column ends at the first OID outside it
        or at endOfMibView; an agent that goes backwards is an error, not a loop.
        """
        result: dict[Oid, dict[Oid, object]] = {c: {} for c in columns}
        cursor: dict[Oid, Oid] = {c: c for c in columns}
        active = list(columns)
        while active:
            reps = max(1, MAX_VARBINDS // len(active))
            target = await self._transport()
            request = [ObjectType(ObjectIdentity(cursor[c])) for c in active]
            ei, es, ex, vbs = await self._send(lambda: bulk_cmd(
                self.engine, self._auth, target, ContextData(), 0, reps, *request, lookupMib=False))
            self._check(ei, es, ex)
            if not vbs:
                raise SnmpError("empty GETBULK response")
            finished: set[Oid] = set()
            width = len(active)
            for i, vb in enumerate(vbs):
                col = active[i % width]
                if col in finished:
                    continue
                name, value = vb[0], vb[1]
                got = tuple(name.get_oid() if hasattr(name, "get_oid") else name)
                if isinstance(value, EndOfMibView) or got[:len(col)] != col:
                    finished.add(col)
                    continue
                if got <= cursor[col]:
                    raise SnmpError(f"agent returned non-increasing OID {'.'.join(map(str, got))}")
                result[col][got[len(col):]] = value
                cursor[col] = got
            active = [c for c in active if c not in finished]
        return result


_ENGINE: SnmpEngine | None = None


def shared_engine() -> SnmpEngine:
    """One engine per exporter process (it owns the UDP socket and request table)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = SnmpEngine()
    return _ENGINE
