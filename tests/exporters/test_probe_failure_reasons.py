"""Why a probe failed: `dcops_probe_failure_reason{reason}`, one case per reason.

Every probe here runs in-process against a real socket (a loopback port nobody listens
on, a fault agent that never answers or answers garbage) or with the configuration at
fault (no credential, an address the lab guard refuses). `dcops_probe_success` stays 0
for all of them; the reason series says which it was, one series at 1 and the rest at 0.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from dcops_exporters.admission import Refused
from dcops_exporters.probe import FAILURE_REASONS, Prober
from dcops_exporters.server import Exporter
from dcops_exporters.snmp import SNMP_FAILURE_REASONS, SnmpError, _reason
from dcops_inventory import AddressMap, Endpoint
from dcops_lab.snmp.faults import FaultAgent
from dcops_lab.snmp.lab import free_udp_ports

COMMUNITY_VAR = "DCOPS_TEST_SNMP_COMMUNITY"


def run(coro):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def reasons(body: bytes) -> tuple[float, dict[str, float]]:
    """(dcops_probe_success, {reason: value}) of a probe answer."""
    success, why = None, {}
    for fam in text_string_to_metric_families(body.decode()):
        for s in fam.samples:
            if s.name == "dcops_probe_success":
                success = s.value
            elif s.name == "dcops_probe_failure_reason":
                why[s.labels["reason"]] = s.value
    return success, why


def assert_reason(result, reason: str) -> None:
    success, why = reasons(result.body)
    assert success == 0 and not result.success
    assert set(why) == set(FAILURE_REASONS), "every reason has a series, so alerts and sums see all of them"
    assert {r for r, v in why.items() if v == 1} == {reason}, f"{why}\n{result.log}"
    assert result.reason == reason


def prober_at(lab_inventory, port: int, device: str = "sc-edge-01") -> Prober:
    amap = AddressMap(devices={device: {"snmp": Endpoint("127.0.0.1", port)}}, source="test-map")
    return Prober(lab_inventory, address_map=amap)


@pytest.fixture
def community(monkeypatch):
    monkeypatch.setenv(COMMUNITY_VAR, "lab-value")


def test_nothing_listening_is_unreachable_at_once(lab_inventory, community):
    port, = free_udp_ports(1)
    result = run(prober_at(lab_inventory, port).probe("sc-edge-01", "if_mib", 3.0))
    assert_reason(result, "unreachable")
    assert result.duration < 0.5, "a refused datagram fails at once, not at the timeout"
    assert any("ICMP port unreachable" in line for line in result.log)


def test_an_agent_that_never_answers_is_a_timeout(lab_inventory, community):
    agent = FaultAgent("hang")
    try:
        result = run(prober_at(lab_inventory, agent.port).probe("sc-edge-01", "if_mib", 1.5))
    finally:
        agent.stop()
    assert_reason(result, "timeout")
    assert agent.received > 0


@pytest.mark.parametrize("mode", ["garbage", "truncated"])
def test_an_unusable_reply_is_a_protocol_failure(lab_inventory, community, mode):
    agent = FaultAgent(mode)
    try:
        result = run(prober_at(lab_inventory, agent.port).probe("sc-edge-01", "if_mib", 2.0))
    finally:
        agent.stop()
    assert_reason(result, "protocol")


def test_a_missing_secret_is_a_missing_credential_naming_the_variable(lab_inventory, monkeypatch):
    monkeypatch.delenv(COMMUNITY_VAR, raising=False)
    port, = free_udp_ports(1)
    result = run(prober_at(lab_inventory, port).probe("sc-edge-01", "if_mib", 2.0))
    assert_reason(result, "missing_credential")
    assert any(COMMUNITY_VAR in line for line in result.log)


def test_an_address_the_lab_guard_refuses_is_lab_guard(lab_inventory, community):
    # DCOPS_LAB_ONLY=1 (conftest) and no address map: the inventory address 10.99.0.21 is refused.
    result = run(Prober(lab_inventory).probe("sc-edge-01", "if_mib", 2.0))
    assert_reason(result, "lab_guard")


def test_a_device_missing_from_the_lab_map_is_lab_guard(lab_inventory, community):
    port, = free_udp_ports(1)
    result = run(prober_at(lab_inventory, port, device="sc-core-01").probe("sc-edge-01", "if_mib", 2.0))
    assert_reason(result, "lab_guard")


def test_a_device_without_a_management_address_is_a_configuration_problem(lab_inventory, community, monkeypatch):
    prober = Prober(lab_inventory)
    monkeypatch.setattr(prober.inv, "mgmt_address", lambda device, which="mgmt": None)
    result = run(prober.probe("sc-edge-01", "if_mib", 2.0))
    assert_reason(result, "configuration")
    assert any("no management address" in line for line in result.log)


def test_a_probe_refused_by_admission_control_is_overload(lab_inventory, community, monkeypatch):
    prober = prober_at(lab_inventory, free_udp_ports(1)[0])

    async def refuse(key, deadline):
        raise Refused("queue", "refused: the wait alone exceeds the deadline")

    monkeypatch.setattr(prober.admission, "acquire", refuse)
    result = run(prober.probe("sc-edge-01", "if_mib", 2.0))
    assert_reason(result, "overload")
    assert result.refused == "queue"


def test_a_bug_in_a_module_is_internal(lab_inventory, community, monkeypatch):
    class Broken:
        requests = answers = 0

        def __init__(self, *args, **kwargs):
            pass

        async def walk(self, columns, rows=None):
            raise RuntimeError("a bug")

        get = walk

    monkeypatch.setattr("dcops_exporters.probe.SnmpClient", Broken)
    result = run(prober_at(lab_inventory, free_udp_ports(1)[0]).probe("sc-edge-01", "if_mib", 2.0))
    assert_reason(result, "internal")


def test_a_successful_probe_has_every_reason_at_zero(lab_inventory, community, monkeypatch):
    class Answers:
        requests = answers = 1

        def __init__(self, *args, **kwargs):
            pass

        async def walk(self, columns, rows=None):
            return {c: {(1,): 1} for c in columns}

    monkeypatch.setattr("dcops_exporters.probe.SnmpClient", Answers)
    result = run(prober_at(lab_inventory, free_udp_ports(1)[0]).probe("sc-edge-01", "if_mib", 2.0))
    success, why = reasons(result.body)
    assert success == 1 and result.reason is None
    assert why == dict.fromkeys(FAILURE_REASONS, 0.0)


def test_gufo_errors_map_to_reasons():
    from gufo.snmp import SnmpAuthError, SnmpDecodeError

    assert _reason(SnmpAuthError("x")) == "auth"
    assert _reason(SnmpDecodeError("x")) == "protocol"
    assert _reason(ConnectionRefusedError(111, "refused")) == "unreachable"
    assert _reason(OSError(101, "Network is unreachable")) == "unreachable"
    assert _reason(ValueError("bad")) == "protocol"
    assert SnmpError("x").reason == "protocol"
    assert set(SNMP_FAILURE_REASONS) < set(FAILURE_REASONS)


def test_an_unknown_reason_is_refused_not_rendered(lab_inventory):
    prober = Prober(lab_inventory)
    with pytest.raises(ValueError, match="unknown failure reason 'bogus'"):
        prober.render(lab_inventory.device("sc-edge-01"), [], "bogus", 0.1)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
def test_promtool_accepts_a_failed_probe_answer(lab_inventory, community):
    result = run(prober_at(lab_inventory, free_udp_ports(1)[0]).probe("sc-edge-01", "if_mib", 2.0))
    res = subprocess.run(["promtool", "check", "metrics"], input=result.body, capture_output=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_exporter_counts_failures_by_module_and_reason(lab_inventory, community):
    port, = free_udp_ports(1)
    exporter = Exporter(prober_at(lab_inventory, port))
    httpd = exporter.bind("127.0.0.1", 0)
    thread = threading.Thread(target=exporter.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        for _ in range(2):
            r = requests.get(f"{url}/probe", params={"target": "sc-edge-01", "module": "if_mib"}, timeout=10)
            assert r.status_code == 200 and reasons(r.content)[1]["unreachable"] == 1
        counts = {(s.labels["module"], s.labels["reason"]): s.value
                  for fam in text_string_to_metric_families(requests.get(f"{url}/metrics", timeout=5).text)
                  for s in fam.samples if s.name == "dcops_exporter_probe_failures_total"}
        assert counts[("if_mib", "unreachable")] == 2
        assert counts[("wan", "timeout")] == 0, "every (module, reason) pair exists from the start"
    finally:
        httpd.shutdown()
        thread.join(5)


@pytest.mark.slow
def test_a_wrong_snmpv3_key_is_auth(tmp_path, monkeypatch):
    """A real snmpsim agent with a USM user; the exporter holds another auth key."""
    from fixture_paths import LAB_INVENTORY

    from dcops_inventory import load_inventory
    from dcops_lab.snmp.lab import start_snmp_lab

    inv = load_inventory(LAB_INVENTORY.parent / "inventory-snmpv3")
    lab, amap = start_snmp_lab(inv, ["sc-v3-01"], tmp_path)
    try:
        for name, value in lab.env.items():
            monkeypatch.setenv(name, value)
        good = run(Prober(inv, address_map=amap).probe("sc-v3-01", "if_mib", 4.0))
        assert good.success, good.log
        monkeypatch.setenv("DCOPS_TEST_SNMPV3_AUTH", "lab-wrong-auth-key")
        bad = run(Prober(inv, address_map=amap).probe("sc-v3-01", "if_mib", 4.0))
    finally:
        lab.stop()
    assert_reason(bad, "auth")
    assert bad.duration < 2.0, "a wrong key is refused at once, not at the timeout"
