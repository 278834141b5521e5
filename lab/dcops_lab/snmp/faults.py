"""Misbehaving SNMP agents for fault tests, on 127.0.0.1.

A real network has agents that never answer, answer with garbage, or send a reply cut
short by a broken middlebox. Each FaultAgent is one UDP socket on loopback with a serving
thread; the exporter must report each as `dcops_probe_success 0` inside the scrape timeout.
"""

from __future__ import annotations

import os
import socket
import threading

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

MODES = ("hang", "garbage", "truncated")

_V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]


def _response(data: bytes) -> bytes:
    """A well-formed GetResponse echoing the request's var-binds with zero values."""
    msg, _ = decoder.decode(data, asn1Spec=_V2C.Message())
    req = _V2C.apiMessage.get_pdu(msg)
    rsp = _V2C.apiPDU.get_response(req)
    _V2C.apiPDU.set_varbinds(rsp, [(oid, _V2C.Counter64(0)) for oid, _ in _V2C.apiPDU.get_varbinds(req)])
    _V2C.apiMessage.set_pdu(msg, rsp)
    return encoder.encode(msg)


class FaultAgent:
    """`mode`: hang (reads, never replies), garbage (random bytes), truncated (half a
    valid reply)."""

    def __init__(self, mode: str, host: str = "127.0.0.1"):
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; valid: {', '.join(MODES)}")
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.2)
        self.address = self.sock.getsockname()
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"snmp-fault-{mode}", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.address[1]

    def _reply(self, data: bytes) -> bytes | None:
        if self.mode == "hang":
            return None
        if self.mode == "garbage":
            return os.urandom(64)
        try:
            full = _response(data)
        except Exception:
            return os.urandom(16)
        return full[: len(full) // 2]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.received += 1
            reply = self._reply(data)
            if reply is not None:
                try:
                    self.sock.sendto(reply, peer)
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def __enter__(self) -> "FaultAgent":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
