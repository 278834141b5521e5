"""HTTP basic auth against the web config's bcrypt hashes, with a verification cache.

bcrypt is slow on purpose: one check at cost 10 takes about 60 ms of CPU. Prometheus
sends the same credentials with every scrape (178 targets, 5.6 scrapes/s for MTPE), so
checking each one would cost a third of a core; like exporter-toolkit, dcops remembers
the outcome of a (user, password) pair it has checked. Unlike exporter-toolkit's single
cache, accepted and refused pairs are kept apart: a flood of wrong passwords can evict
only other wrong passwords, never the scraper's accepted one, so a brute-force attempt
does not turn every scrape back into a bcrypt check. The cache holds keyed digests
(HMAC-SHA256 under a key made at startup), not passwords. bcrypt checks run one at a
time, so guessing costs the exporter at most one core and leaves the rest to probes.

An unknown user is checked against a decoy hash of the highest configured cost, so the
response time does not tell which user names exist.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import bcrypt

# Why a request was refused: the `reason` label of dcops_exporter_http_requests_unauthorized_total.
UNAUTHORIZED_REASONS = ("missing", "malformed", "invalid")


class BasicAuth:
    """`check(header)` is None when the Authorization header carries a valid user and
    password, else one of UNAUTHORIZED_REASONS. `bcrypt_checks` counts real bcrypt runs."""

    def __init__(self, users: dict[str, bytes], cache_size: int = 100, accepted_size: int = 16,
                 checkpw: Callable[[bytes, bytes], bool] = bcrypt.checkpw):
        self._users = dict(users)
        self._checkpw = checkpw
        self._key = secrets.token_bytes(32)
        cost = max((int(h.split(b"$")[2]) for h in users.values()), default=10)
        self._decoy = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(cost))
        self._accepted: OrderedDict[bytes, None] = OrderedDict()
        self._refused: OrderedDict[bytes, None] = OrderedDict()
        self._sizes = (accepted_size, cache_size)
        self._cache_lock = threading.Lock()
        self._bcrypt_lock = threading.Lock()
        self.bcrypt_checks = 0

    def check(self, header: str | None) -> str | None:
        if not header:
            return "missing"
        credentials = _parse(header)
        if credentials is None:
            return "malformed"
        user, password = credentials
        hashed = self._users.get(user)
        known = hashed is not None
        digest = hmac.new(self._key, b"\0".join((user.encode(), hashed or self._decoy, password)),
                          hashlib.sha256).digest()
        with self._cache_lock:
            if digest in self._accepted:
                self._accepted.move_to_end(digest)
                return None if known else "invalid"
            if digest in self._refused:
                self._refused.move_to_end(digest)
                return "invalid"
        with self._bcrypt_lock:
            self.bcrypt_checks += 1
            try:
                ok = self._checkpw(password, hashed or self._decoy)
            except ValueError:  # a hash bcrypt cannot read; the web config check makes this unlikely
                ok = False
        ok = ok and known
        with self._cache_lock:
            cache, size = (self._accepted, self._sizes[0]) if ok else (self._refused, self._sizes[1])
            if size > 0:
                cache[digest] = None
                while len(cache) > size:
                    cache.popitem(last=False)
        return None if ok else "invalid"


def _parse(header: str) -> tuple[str, bytes] | None:
    """(user, password) of a `Basic` Authorization header, or None if it is not one."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return None
    try:
        return user.decode("utf-8"), password
    except UnicodeDecodeError:
        return None


class FailureLog:
    """Logs a refused request at most once a minute per client address, with how many
    were not logged: a password-guessing client must not flood the log. Never logs the
    Authorization header or anything decoded from it."""

    def __init__(self, logger, interval: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 1024):
        self._log, self._interval, self._clock, self._max = logger, interval, clock, max_clients
        self._seen: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def __call__(self, client: str, path: str, reason: str) -> None:
        now = self._clock()
        with self._lock:
            last, quiet = self._seen.get(client, (None, 0))
            if last is not None and now - last < self._interval:
                self._seen[client] = (last, quiet + 1)
                return
            if len(self._seen) >= self._max:
                self._seen.clear()
            self._seen[client] = (now, 0)
        more = f"; {quiet} more from this address not logged" if quiet else ""
        self._log.warning("unauthorized request from %s for %s (%s credentials)%s", client, path, reason, more)
