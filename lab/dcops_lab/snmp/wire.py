"""A few blocking SNMP v2c datagrams for the lab itself (readiness checks, fault agents).

The lab must know when an agent answers without depending on the exporter it is there to
test, so it builds one GET with pysnmp's message layer and waits on a plain UDP socket.
"""

from __future__ import annotations

import random
import socket

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

_V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]


def snmp_get(address: tuple[str, int], community: str, oid: str, timeout: float = 1.0):
    """The value of one OID, or None when nothing (or nothing sensible) came back in time."""
    pdu = _V2C.GetRequestPDU()
    _V2C.apiPDU.set_defaults(pdu)
    request_id = random.randint(1, 2**31 - 1)
    _V2C.apiPDU.set_request_id(pdu, request_id)
    _V2C.apiPDU.set_varbinds(pdu, [(oid, _V2C.Null(""))])
    msg = _V2C.Message()
    _V2C.apiMessage.set_defaults(msg)
    _V2C.apiMessage.set_community(msg, community)
    _V2C.apiMessage.set_pdu(msg, pdu)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(encoder.encode(msg), address)
        try:
            data, _ = sock.recvfrom(65535)
        except (TimeoutError, ConnectionRefusedError, OSError):
            return None
    try:
        reply, _ = decoder.decode(data, asn1Spec=_V2C.Message())
    except Exception:
        return None
    rpdu = _V2C.apiMessage.get_pdu(reply)
    if _V2C.apiPDU.get_request_id(rpdu) != request_id or _V2C.apiPDU.get_error_status(rpdu):
        return None
    (_, value), = _V2C.apiPDU.get_varbinds(rpdu)
    return value
