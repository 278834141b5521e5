"""The SNMP client a probe uses: GET of exact OIDs and table-column walks, with a deadline.

Modules see only `SnmpClient` (`get`, `walk`, `requests`); which library answers is this
file's business. It is gufo-snmp: its BER codec and socket I/O are Rust, so decoding a
48-port IF-MIB walk costs about 3 ms of CPU where pysnmp's pure-Python pyasn1 cost 40-120
ms — the difference between an exporter that fits beside its agents on two cores and one
that collapses. gufo-snmp speaks v1, v2c and v3 (USM with MD5/SHA/SHA-2 auth and
DES/AES priv) through one session type, so v3 needs no second library.

Every failure becomes `SnmpError` with a message that never holds the community or keys,
and a `reason` an SRE can alert on (see FAILURE_REASONS): the device did not answer
(`timeout`), its host refused the datagram (`unreachable`), SNMPv3 authentication failed
(`auth`), or the reply was unusable (`protocol`). A wrong v2c community looks like a
timeout: the agent drops the request without a word, as the RFC asks.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from gufo.snmp import (
    Aes128Key,
    Aes256Key,
    DesKey,
    KeyExpansion,
    Md5Key,
    NoSuchInstance,
    Sha1Key,
    Sha256Key,
    Sha512Key,
    SnmpAuthError,
    User,
)
from gufo.snmp import SnmpError as GufoError
from gufo.snmp.aio.client import SnmpSession

Oid = tuple[int, ...]

# Requests stay under snmpsim's and most agents' default of 64 var-binds per PDU.
MAX_VARBINDS = 60
# A walk asks for one more row than the table is known to have, so the reply that
# carries the last row also shows where the column ends: one PDU per column.
DEFAULT_REPETITIONS = 25


# Why a device gave no usable answer; the `reason` of SnmpError.
SNMP_FAILURE_REASONS = ("timeout", "unreachable", "auth", "protocol")


class SnmpError(Exception):
    """The device did not give a usable answer; `reason` is one of SNMP_FAILURE_REASONS."""

    def __init__(self, message: str, reason: str = "protocol"):
        super().__init__(message)
        self.reason = reason


def oid(text: str) -> Oid:
    return tuple(int(p) for p in text.strip(".").split("."))


def _dotted(o: Oid) -> str:
    return ".".join(map(str, o))


_AUTH_KEYS = {"MD5": Md5Key, "SHA": Sha1Key, "SHA256": Sha256Key, "SHA512": Sha512Key}
_PRIV_KEYS = {"DES": DesKey, "AES": Aes128Key, "AES256": Aes256Key}


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

    def usm_user(self) -> User:
        """The v3 user as gufo-snmp wants it (keys given as passwords, localized per engine).

        AES-256 uses the Cisco/Reeder key expansion, as most devices that offer it (and
        net-snmp's and pysnmp's plain `AES256`) do.
        """
        auth = _AUTH_KEYS[self.auth_protocol or "SHA"](self.auth_key.encode()) if self.auth_key else None
        priv = _PRIV_KEYS[self.priv_protocol or "AES"](self.priv_key.encode()) if self.priv_key else None
        return User(self.user or "", auth_key=auth, priv_key=priv, key_expansion=KeyExpansion.Cisco)


class SnmpClient:
    """One device, one probe; `requests` counts PDUs sent (for the probe log).

    `timeout` bounds each request; the probe's own deadline cancels the whole exchange.
    A request that times out is sent again `retries` times (UDP can lose a datagram);
    the v3 engine id, learned once, is kept in `engine_ids` (shared by the caller) so a
    probe does not pay a discovery round trip each time.
    """

    def __init__(self, host: str, port: int, auth: SnmpAuth, timeout: float = 1.0, retries: int = 1,
                 engine_ids: dict[tuple[str, int], bytes] | None = None):
        self.host, self.port = host, port
        self._auth = auth
        self._timeout, self._retries = timeout, retries
        self._engine_ids = engine_ids if engine_ids is not None else {}
        self._session: SnmpSession | None = None
        self.requests = 0
        self.answers = 0  # replies received: a device that gave none may be down, not slow

    async def _open(self) -> SnmpSession:
        if self._session is not None:
            return self._session
        key = (self.host, self.port)
        began = time.monotonic()
        try:
            if self._auth.version == "v3":
                session = SnmpSession(addr=self.host, port=self.port, user=self._auth.usm_user(),
                                      engine_id=self._engine_ids.get(key), timeout=self._timeout)
                self.requests += 1
                await session.refresh()  # engine discovery, then boots/time (USM)
                self.answers += 1
                self._engine_ids[key] = session.get_engine_id()
            else:
                session = SnmpSession(addr=self.host, port=self.port, community=self._auth.community or "",
                                      timeout=self._timeout)
        except TimeoutError:
            self._engine_ids.pop(key, None)
            if self._refused(began):
                raise SnmpError(REFUSED, "unreachable") from None
            raise SnmpError(f"no answer to SNMPv3 engine discovery within {self._timeout:.1f}s", "timeout") from None
        except (GufoError, OSError, ValueError) as exc:
            self._engine_ids.pop(key, None)
            raise SnmpError(_describe(exc), _reason(exc)) from None
        except BaseException as exc:
            self._engine_ids.pop(key, None)
            _reraise_unless_decoder_panic(exc)
        self._session = session
        return session

    def _refused(self, began: float) -> bool:
        """gufo-snmp reports a datagram its host refused (ICMP port unreachable: no agent
        listens there) as a TimeoutError raised at once, without waiting. A real timeout
        comes only after the whole wait; one well before it is a refusal."""
        return time.monotonic() - began < self._timeout / 2

    async def _retrying(self, request):
        """Run one request/response exchange, resending it on a timeout."""
        refusals = 0
        for attempt in range(self._retries + 1):
            self.requests += 1
            began = time.monotonic()
            try:
                reply = await request()
                self.answers += 1
                return reply
            except TimeoutError:
                refusals += self._refused(began)
                if attempt == self._retries:
                    if refusals == attempt + 1:
                        raise SnmpError(REFUSED, "unreachable") from None
                    raise SnmpError(f"no answer within {self._timeout:.1f}s "
                                    f"({self._retries + 1} tries)", "timeout") from None
            except (StopAsyncIteration, NoSuchInstance):
                self.answers += 1  # the end of a walk, or no such instance, is an answer too
                raise
            except (GufoError, OSError, ValueError) as exc:
                raise SnmpError(_describe(exc), _reason(exc)) from None
            except BaseException as exc:
                _reraise_unless_decoder_panic(exc)

    async def get(self, oids: list[Oid]) -> dict[Oid, object]:
        """Values of exact OIDs; instances the agent does not have are left out."""
        session = await self._open()
        out: dict[Oid, object] = {}
        for start in range(0, len(oids), MAX_VARBINDS):
            chunk = {_dotted(o): o for o in oids[start:start + MAX_VARBINDS]}
            try:
                values = await self._retrying(lambda names=list(chunk): session.get_many(names))
            except NoSuchInstance:
                values = {}
            for name, value in values.items():
                if value is not None and name in chunk:
                    out[chunk[name]] = value
        return out

    async def walk(self, columns: list[Oid], rows: int | None = None) -> dict[Oid, dict[Oid, object]]:
        """Every row of each column: column -> {index suffix -> value}.

        `rows` (how many rows the table had last time) sets GETBULK's max-repetitions so a
        column usually takes one request. An agent that goes backwards is an error, not a loop.
        """
        session = await self._open()
        repetitions = min(MAX_VARBINDS, rows + 1) if rows else DEFAULT_REPETITIONS
        result: dict[Oid, dict[Oid, object]] = {}
        for col in columns:
            rows_of: dict[Oid, object] = {}
            prefix = _dotted(col) + "."
            cut = len(prefix)
            last: Oid = ()
            iterator: AsyncIterator = session.getbulk(_dotted(col), max_repetitions=repetitions).__aiter__()
            first = True
            while True:
                try:
                    # Only a call that empties gufo's buffer sends a request; count those.
                    if first or not iterator._buffer:  # noqa: SLF001 (read-only peek)
                        name, value = await self._retrying(iterator.__anext__)
                    else:
                        name, value = await iterator.__anext__()
                except (StopAsyncIteration, NoSuchInstance):
                    break
                first = False
                if not name.startswith(prefix):
                    break
                index = tuple(map(int, name[cut:].split(".")))  # the row, without the column
                if index <= last:
                    raise SnmpError(f"agent returned non-increasing OID {name}")
                last = index
                rows_of[index] = value
            result[col] = rows_of
        return result


def _reraise_unless_decoder_panic(exc: BaseException):
    """A malformed datagram can make gufo-snmp's Rust decoder panic (seen with 0.13.0 on
    random bytes: "index out of bounds"). PyO3 raises that as PanicException, a
    BaseException that would otherwise escape every handler and stop the exporter's event
    loop. It is a bad reply from one device, so it fails that probe only."""
    if type(exc).__name__ == "PanicException":
        raise SnmpError("malformed reply: the SNMP decoder could not parse it") from None
    raise exc


REFUSED = "unreachable: the device's host refused the request (ICMP port unreachable: no SNMP agent listens)"


def _reason(exc: BaseException) -> str:
    """The SNMP_FAILURE_REASONS entry for an exception gufo-snmp or the socket raised."""
    if isinstance(exc, SnmpAuthError):
        return "auth"
    if isinstance(exc, OSError):  # no route, network down, refused: the packet never reached an agent
        return "unreachable"
    return "protocol"


def _describe(exc: BaseException) -> str:
    """What went wrong, by kind: gufo's own messages can quote what it was given."""
    kind = type(exc).__name__
    text = str(exc)
    if isinstance(exc, GufoError) and "auth" in kind.lower():
        return "SNMPv3 authentication failed (wrong user, key or protocol)"
    if isinstance(exc, OSError):
        return f"socket error: {exc.strerror or kind}"
    return f"{kind}: {text}" if text and len(text) < 200 else kind
