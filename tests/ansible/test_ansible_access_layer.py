"""The access layer's contract: one result per host, failures sorted into the exception
tree, secrets never printed."""

from __future__ import annotations

import threading

import pytest


def test_bulk_returns_one_result_per_host_and_never_aborts():
    from dcops_devices.access import ConnectFailed, HostDone, HostFailed, run_bulk

    running, peak, lock = [0], [0], threading.Lock()

    def work(name: str) -> str:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            if name == "b":
                raise ConnectFailed(name, "port closed")
            if name == "c":
                raise RuntimeError("bug")
            threading.Event().wait(0.05)
            return name.upper()
        finally:
            with lock:
                running[0] -= 1

    results = run_bulk(["a", "b", "c", "d", "e", "f"], work, workers=2)
    assert [r.name for r in results] == ["a", "b", "c", "d", "e", "f"]
    assert [type(r) for r in results] == [HostDone, HostFailed, HostFailed, HostDone, HostDone, HostDone]
    assert [r.value for r in results if isinstance(r, HostDone)] == ["A", "D", "E", "F"]
    assert [r.ok for r in results] == [True, False, False, True, True, True]
    assert results[1] == HostFailed("b", "connect", "port closed", results[1].seconds)
    assert results[1].reason == "connect: port closed"
    assert results[2].error_kind == "internal" and results[2].error == "RuntimeError: bug"
    assert peak[0] <= 2


def test_target_resolves_lab_endpoint_and_hides_password(inv, monkeypatch):
    from dcops_devices.access import CredentialsMissing, target_for
    from dcops_inventory import AddressMap
    from dcops_inventory.endpoints import Endpoint

    amap = AddressMap({"sc-fw-01": {"ssh": Endpoint("127.0.0.1", 2222)}})
    monkeypatch.delenv("DCOPS_NET_PASSWORD", raising=False)
    with pytest.raises(CredentialsMissing, match="DCOPS_NET_PASSWORD is not set"):
        target_for(inv, "sc-fw-01", amap)
    monkeypatch.setenv("DCOPS_NET_PASSWORD", "hunter2-value")
    target = target_for(inv, "sc-fw-01", amap)
    assert (target.host, target.port, target.platform, target.username) == ("127.0.0.1", 2222, "fortinet", "netadmin")
    assert "hunter2-value" not in repr(target)


def test_unknown_platform_names_the_known_drivers(inv):
    from dcops_devices.access import AccessError, Target, open_connection

    with pytest.raises(AccessError, match="no driver for platform 'windows'; known: arista_eos"):
        open_connection(Target("x", "windows", "127.0.0.1", 22, "u", "p"))
