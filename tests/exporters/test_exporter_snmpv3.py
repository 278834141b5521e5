"""SNMPv3 end to end: snmpsim agents answering a USM user (authPriv) and the exporter probing them.

The inventory `inventory-snmpv3` has one switch per auth/priv pair (SHA/AES, SHA256/AES256,
SHA/AES256, MD5/DES) sharing one user and its keys, and a v2c switch beside them. The lab
invents the keys; an exporter given other keys must fail fast, say why, and never show a key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from pathlib import Path

import pytest
import requests
from fixture_paths import LAB_INVENTORY
from prometheus_client.parser import text_string_to_metric_families

from dcops_inventory import load_inventory
from dcops_lab.snmp.lab import start_snmp_lab, usm_answers
from dcops_lab.snmp.services import start_dcops_exporter
from dcops_lab.snmp.wire import snmp_get

pytestmark = pytest.mark.slow

V3_INVENTORY = LAB_INVENTORY.parent / "inventory-snmpv3"
V3_DEVICES = {"sc-v3-01": ("SHA", "AES"), "sc-v3-02": ("SHA256", "AES256"),
              "sc-v3-03": ("SHA", "AES256"), "sc-v3-04": ("MD5", "DES")}
AUTH_VAR, PRIV_VAR = "DCOPS_TEST_SNMPV3_AUTH", "DCOPS_TEST_SNMPV3_PRIV"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SCRAPE_TIMEOUT = 5.0
HEADERS = {"X-Prometheus-Scrape-Timeout-Seconds": str(SCRAPE_TIMEOUT)}


@pytest.fixture(scope="module")
def v3_inventory():
    return load_inventory(V3_INVENTORY)


@pytest.fixture(scope="module")
def v3_lab(v3_inventory, tmp_path_factory):
    lab, _ = start_snmp_lab(v3_inventory, None, tmp_path_factory.mktemp("snmpv3-lab"))
    yield lab
    lab.stop()


def _exporter(lab, tmp_path_factory, name: str, **wrong: str):
    env = {**lab.env, **wrong}
    return start_dcops_exporter(V3_INVENTORY, lab.address_map, tmp_path_factory.mktemp(name), secret_env=env)


@pytest.fixture(scope="module")
def v3_exporter(v3_lab, tmp_path_factory):
    service = _exporter(v3_lab, tmp_path_factory, "v3-exporter")
    yield service
    service.stop()


@pytest.fixture(scope="module", params=["auth", "priv"])
def wrong_key_exporter(request, v3_lab, tmp_path_factory):
    """An exporter whose auth (or priv) key is another fresh value; the other key is right."""
    var = AUTH_VAR if request.param == "auth" else PRIV_VAR
    wrong = "lab" + secrets.token_hex(8)
    service = _exporter(v3_lab, tmp_path_factory, f"v3-exporter-wrong-{request.param}", **{var: wrong})
    yield request.param, wrong, service
    service.stop()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def by_interface(s: dict, name: str) -> dict[str, float]:
    return {dict(labels)["interface"]: v for (n, labels), v in s.items() if n == name}


def probe(service, target: str, module: str = "if_mib", **params) -> tuple[requests.Response, float]:
    start = time.monotonic()
    r = requests.get(f"{service.url}/probe", params={"target": target, "module": module, **params},
                     headers=HEADERS, timeout=SCRAPE_TIMEOUT + 5)
    return r, time.monotonic() - start


def lab_keys(lab) -> list[str]:
    return [lab.env[AUTH_VAR], lab.env[PRIV_VAR]]


def assert_no_key(text: str, keys: list[str], where: str) -> None:
    for key in keys:
        assert key not in text, f"a v3 key appears in {where}"


def test_lab_gives_each_v3_device_the_profile_user_with_fresh_keys(v3_lab, v3_inventory):
    assert {n: (u.auth_protocol, u.priv_protocol) for n, u in v3_lab.usm_users.items()} == V3_DEVICES
    assert {u.user for u in v3_lab.usm_users.values()} == {"dcops-ro"}
    auth, priv = lab_keys(v3_lab)
    assert auth != priv and min(len(auth), len(priv)) >= 8
    assert "sc-v2c-01" in v3_lab.communities and not set(V3_DEVICES) & set(v3_lab.communities)
    assert_no_key(repr(v3_lab) + repr(v3_lab.usm_users), [auth, priv], "the lab's repr")
    # the keys reach snmpsim through its args file, not its command line or its log
    for proc in v3_lab.processes:
        assert_no_key(Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace"), [auth, priv],
                      "a command line")
    for log in v3_lab.logdir.glob("snmpsim-*.log"):
        assert_no_key(log.read_text(errors="replace"), [auth, priv], log.name)


def test_v3_agents_answer_only_their_user_with_the_right_keys(v3_lab):
    async def checks(port, user):
        return [await usm_answers(port, u) for u in (
            user,
            dataclasses.replace(user, auth_key=user.auth_key + "x"),
            dataclasses.replace(user, priv_key=user.priv_key + "x"),
            dataclasses.replace(user, user="someone-else"),
        )]

    for name, user in v3_lab.usm_users.items():
        port = v3_lab.address_map.endpoint(name, "snmp").port
        assert asyncio.run(checks(port, user)) == [True, False, False, False], name
        # no v2c door into a v3 agent: not the empty community, not a key, not the v2c community
        for community in ["", "public", *lab_keys(v3_lab), v3_lab.communities["sc-v2c-01"]]:
            assert snmp_get(("127.0.0.1", port), community, SYS_NAME, timeout=0.3) is None, name
    v2c = v3_lab.address_map.endpoint("sc-v2c-01", "snmp")
    assert str(snmp_get((v2c.host, v2c.port), v3_lab.communities["sc-v2c-01"], SYS_NAME)) == "sc-v2c-01"


@pytest.mark.parametrize("device", sorted(V3_DEVICES))
def test_if_mib_probe_of_a_v3_device_reports_every_inventory_port(v3_exporter, v3_inventory, device):
    r, _ = probe(v3_exporter, device)
    assert r.status_code == 200
    s = samples(r.text)
    assert s[("dcops_probe_success", ())] == 1, probe(v3_exporter, device, debug="true")[0].text[-600:]
    ports = v3_inventory.device_interfaces(v3_inventory.device(device))
    assert len(ports) == 10
    rx = by_interface(s, "dcops_interface_receive_bytes_total")
    tx = by_interface(s, "dcops_interface_transmit_bytes_total")
    assert set(rx) == set(tx) == {p.name for p in ports}
    assert by_interface(s, "dcops_interface_speed_bytes_per_second") == {p.name: p.speed_mbps * 1e6 / 8 for p in ports}
    up = [n for n, v in by_interface(s, "dcops_interface_oper_status").items() if v == 1]
    assert up and all(rx[n] > 0 and tx[n] > 0 for n in up)


def test_v3_counters_grow_between_probes(v3_exporter):
    first = by_interface(samples(probe(v3_exporter, "sc-v3-01")[0].text), "dcops_interface_receive_bytes_total")
    time.sleep(1.0)
    second = by_interface(samples(probe(v3_exporter, "sc-v3-01")[0].text), "dcops_interface_receive_bytes_total")
    assert second["TenGigabitEthernet1/1/1"] > first["TenGigabitEthernet1/1/1"]


def test_a_v2c_device_beside_v3_ones_still_succeeds(v3_exporter):
    r, _ = probe(v3_exporter, "sc-v2c-01")
    assert samples(r.text)[("dcops_probe_success", ())] == 1


def test_v3_keys_appear_in_no_probe_output_log_or_metrics(v3_exporter, v3_lab):
    keys = lab_keys(v3_lab)
    for device in V3_DEVICES:
        for params in ({}, {"debug": "true"}):
            r, _ = probe(v3_exporter, device, **params)
            assert_no_key(r.text, keys, f"the probe of {device} {params}")
    assert_no_key(requests.get(f"{v3_exporter.url}/metrics", timeout=5).text, keys, "/metrics")
    assert_no_key(v3_exporter.log.read_text(errors="replace"), keys, "the exporter log")


def test_a_wrong_key_fails_fast_with_a_reason_and_without_the_key(wrong_key_exporter, v3_lab):
    which, wrong, service = wrong_key_exporter
    keys = [*lab_keys(v3_lab), wrong]
    for device in sorted(V3_DEVICES):
        r, took = probe(service, device)
        assert r.status_code == 200
        s = samples(r.text)
        assert s[("dcops_probe_success", ())] == 0, f"{device} accepted a wrong {which} key"
        assert ("dcops_probe_duration_seconds", ()) in s
        assert took < SCRAPE_TIMEOUT / 2, f"{device}: a wrong {which} key took {took:.2f}s to fail"
        assert_no_key(r.text, keys, f"the probe of {device}")
        debug, _ = probe(service, device, debug="true")
        log = debug.text.split("\n\nMetrics:\n")[0]
        assert "SNMP failure: " in log, f"{device}: no reason in the debug output:\n{log}"
        assert_no_key(debug.text, keys, f"the debug probe of {device}")
    # the v2c device does not depend on the v3 keys
    assert samples(probe(service, "sc-v2c-01")[0].text)[("dcops_probe_success", ())] == 1
    assert_no_key(requests.get(f"{service.url}/metrics", timeout=5).text, keys, "/metrics")
    assert_no_key(service.log.read_text(errors="replace"), keys, "the exporter log")
