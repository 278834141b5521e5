"""A small client for the HPE 3PAR Web Services API (WSAPI), the arrays' REST interface.

Login is `POST /api/v1/credentials` with the user and password, which returns a session
key sent as `X-HP3PAR-WSAPI-SessionKey` on every request. The array allows few
sessions per user and expires them after 15 idle minutes, so one key per array is kept
(`sessions`, shared by the caller across probes) and a new one is asked for only when
the array answers 401/403 to the old one. HTTPS certificates are verified: point
REQUESTS_CA_BUNDLE at the arrays' CA (a self-signed array cert is its own CA).

requests is blocking; each call runs in a worker thread with the probe's remaining time
as its timeout, so a slow array holds one thread, never the event loop. Every failure
is a `WsapiError` whose message never contains the password or the session key.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import requests

SESSION_HEADER = "X-HP3PAR-WSAPI-SessionKey"
DEFAULT_PORT = 8080  # WSAPI's HTTPS port


class WsapiError(Exception):
    """The array did not give a usable answer."""


@dataclass
class WsapiClient:
    base_url: str  # https://host:port
    user: str
    password: str = field(repr=False)
    timeout: float = 5.0
    sessions: dict[str, str] = field(default_factory=dict, repr=False)  # base_url -> session key
    # kept-alive HTTPS connections per array (shared across probes like the keys): one TLS
    # handshake per array instead of one per request
    connections: dict[str, requests.Session] = field(default_factory=dict, repr=False)
    requests_sent: int = 0

    async def get(self, path: str) -> dict:
        return await asyncio.to_thread(self._get, path)

    def _get(self, path: str) -> dict:
        for attempt in (1, 2):
            key = self.sessions.get(self.base_url) or self._login()
            response = self._send("GET", path, headers={SESSION_HEADER: key})
            if response.status_code in (401, 403) and attempt == 1:
                self.sessions.pop(self.base_url, None)  # expired or revoked: log in again once
                continue
            if response.status_code != 200:
                raise WsapiError(f"GET {path}: HTTP {response.status_code}")
            try:
                body = response.json()
            except ValueError:
                raise WsapiError(f"GET {path}: the reply is not JSON") from None
            if not isinstance(body, dict):
                raise WsapiError(f"GET {path}: expected a JSON object, got {type(body).__name__}")
            return body
        raise WsapiError(f"GET {path}: refused after a fresh login")

    def _login(self) -> str:
        response = self._send("POST", "/api/v1/credentials", json={"user": self.user, "password": self.password})
        if response.status_code in (400, 401, 403):
            raise WsapiError(f"login refused for user {self.user!r} (HTTP {response.status_code})")
        try:
            key = response.json()["key"]
        except (ValueError, KeyError, TypeError):
            raise WsapiError(f"login: HTTP {response.status_code} without a session key") from None
        self.sessions[self.base_url] = str(key)
        return str(key)

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        self.requests_sent += 1
        try:
            http = self.connections.setdefault(self.base_url, requests.Session())
            return http.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError:
            raise WsapiError("TLS verification failed (set REQUESTS_CA_BUNDLE to the array's CA)") from None
        except requests.exceptions.Timeout:
            raise WsapiError(f"no answer within {self.timeout:.1f}s") from None
        except requests.exceptions.RequestException as exc:
            raise WsapiError(f"{type(exc).__name__}: cannot reach the array") from None
