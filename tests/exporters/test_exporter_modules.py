"""The device-family modules against recorded walks: what each turns a device's answer into.

A `RecordedAgent` answers GET and column walks from a flat {OID: value} recording, with
values typed as gufo-snmp hands them over (ints, bytes for strings, dotted text for OIDs).
"""

from __future__ import annotations

import asyncio

import pytest

from dcops_exporters.modules import IfNameCache, ProbeContext, ProbeLog
from dcops_exporters.modules.cooling import Cooling
from dcops_exporters.modules.health import DeviceHealth
from dcops_exporters.modules.host import Host
from dcops_exporters.modules.storage import Storage
from dcops_exporters.modules.ups import Ups
from dcops_exporters.snmp import SnmpError, oid
from dcops_exporters.targets import InventoryIndex
from dcops_inventory import load_inventory


class RecordedAgent:
    def __init__(self, recording: dict[str, object]):
        self.values = {oid(k): v for k, v in recording.items()}
        self.requests = 0

    async def get(self, oids):
        self.requests += 1
        return {o: self.values[o] for o in oids if o in self.values}

    async def walk(self, columns, rows=None):
        self.requests += len(columns)
        return {c: {o[len(c):]: v for o, v in sorted(self.values.items()) if o[:len(c)] == c and len(o) > len(c)}
                for c in columns}


@pytest.fixture(scope="module")
def mtpe():
    inv = load_inventory()
    return inv, InventoryIndex.build(inv)


def collect(mtpe, module, device, recording, **ctx_args):
    inv, index = mtpe
    ctx = ProbeContext(index, inv.device(device), RecordedAgent(recording), ProbeLog(), IfNameCache(), **ctx_args)
    loop = asyncio.new_event_loop()
    try:
        families = loop.run_until_complete(module.collect(ctx))
    finally:
        loop.close()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


UPS = "1.3.6.1.2.1.33.1"
APC = "1.3.6.1.4.1.318.1.1.1"
SMART_UPS_ON_BATTERY = {  # a Smart-UPS SRT 3000 on battery, single phase, two alarms
    f"{UPS}.2.1.0": 2, f"{UPS}.2.2.0": 95, f"{UPS}.2.3.0": 31, f"{UPS}.2.4.0": 87, f"{UPS}.2.7.0": 27,
    f"{UPS}.3.1.0": 4, f"{UPS}.4.1.0": 5, f"{UPS}.6.1.0": 2,
    f"{UPS}.3.3.1.2.1": 0, f"{UPS}.3.3.1.3.1": 0, f"{UPS}.4.4.1.2.1": 230, f"{UPS}.4.4.1.4.1": 1450,
    f"{UPS}.4.4.1.5.1": 48,
    f"{UPS}.6.2.1.2.1": "1.3.6.1.2.1.33.1.6.3.2", f"{UPS}.6.2.1.2.2": "1.3.6.1.2.1.33.1.6.3.1",
    f"{APC}.2.2.3.0": 186_000, f"{APC}.2.2.4.0": 2, f"{APC}.4.1.1.0": 3,
}


def test_ups_reads_rfc1628_and_the_apc_extras(mtpe):
    s = collect(mtpe, Ups(), "sc-ups-01", SMART_UPS_ON_BATTERY)
    assert value(s, "dcops_ups_on_battery") == 1
    assert value(s, "dcops_ups_battery_runtime_seconds") == 1860, "APC TimeTicks win over whole minutes"
    assert value(s, "dcops_ups_battery_charge_ratio") == pytest.approx(0.87)
    assert value(s, "dcops_ups_load_ratio") == pytest.approx(0.48)
    assert value(s, "dcops_ups_output_voltage_volts", line="1") == 230
    assert value(s, "dcops_ups_battery_replace_needed") == 1
    assert value(s, "dcops_ups_input_line_bads_total") == 4
    assert value(s, "dcops_ups_alarm", alarm="onBattery") == 1
    assert value(s, "dcops_ups_alarm", alarm="batteryBad") == 1
    assert value(s, "dcops_ups_alarms") == 2


def test_ups_without_apc_mib_uses_minutes_and_a_card_without_ups_mib_fails(mtpe):
    plain = {k: v for k, v in SMART_UPS_ON_BATTERY.items() if not k.startswith(APC)}
    s = collect(mtpe, Ups(), "sc-ups-01", plain)
    assert value(s, "dcops_ups_battery_runtime_seconds") == 31 * 60
    assert ("dcops_ups_battery_replace_needed", ()) not in s
    with pytest.raises(SnmpError, match="upsOutputSource"):
        collect(mtpe, Ups(), "sc-ups-01", {f"{UPS}.2.4.0": 100, f"{UPS}.2.3.0": 60})


WIB = "1.3.6.1.4.1.29462.10.2.1"
STULZ = {  # one CyberAir unit at bus 1, address 1, module 1; the supply humidity sensor not fitted
    f"{WIB}.1.1.1.1.1.1.1192.1.1.1": 262, f"{WIB}.1.1.1.1.1.1.1193.1.1.1": 181,
    f"{WIB}.1.1.1.2.1.1.1194.1.1.1": 452, f"{WIB}.1.1.1.2.1.1.1195.1.1.1": 999,
    f"{WIB}.4.1.1.1.1013.1.1.1": 1, f"{WIB}.4.4.1.1.1.1010.1.1.1": 1,
}


def test_cooling_reads_the_stulz_wib8000_tables(mtpe):
    s = collect(mtpe, Cooling(), "sc-crac-01", STULZ)
    assert value(s, "dcops_cooling_supply_air_temperature_celsius", unit="1.1.1") == pytest.approx(18.1)
    assert value(s, "dcops_cooling_return_air_temperature_celsius", unit="1.1.1") == pytest.approx(26.2)
    assert value(s, "dcops_cooling_return_air_humidity_ratio", unit="1.1.1") == pytest.approx(0.452)
    assert ("dcops_cooling_supply_air_humidity_ratio", (("unit", "1.1.1"),)) not in s, "999: no sensor"
    assert value(s, "dcops_cooling_running", unit="1.1.1") == 1
    assert value(s, "dcops_cooling_alarm", unit="1.1.1") == 1
    with pytest.raises(SnmpError, match="unitOnOff"):
        collect(mtpe, Cooling(), "sc-crac-01", {f"{WIB}.1.1.1.1.1.1.1192.1.1.1": 262})


HR = "1.3.6.1.2.1.25"
WINDOWS_2003 = {
    f"{HR}.1.1.0": 864_000_00, f"{HR}.1.6.0": 61, f"{HR}.2.2.0": 4_194_304,
    f"{HR}.3.3.1.2.3": 12, f"{HR}.3.3.1.2.4": 30,
    f"{HR}.2.3.1.2.1": "1.3.6.1.2.1.25.2.1.4", f"{HR}.2.3.1.3.1": b"C:\\ Label:System  Serial Number 5a3c0f11",
    f"{HR}.2.3.1.4.1": 4096, f"{HR}.2.3.1.5.1": 18_000_000, f"{HR}.2.3.1.6.1": 9_000_000,
    f"{HR}.2.3.1.2.2": "1.3.6.1.2.1.25.2.1.7", f"{HR}.2.3.1.3.2": b"D:\\", f"{HR}.2.3.1.4.2": 0,
    f"{HR}.2.3.1.5.2": 0, f"{HR}.2.3.1.6.2": 0,
    f"{HR}.2.3.1.2.3": "1.3.6.1.2.1.25.2.1.2", f"{HR}.2.3.1.3.3": b"Physical Memory",
    f"{HR}.2.3.1.4.3": 65536, f"{HR}.2.3.1.5.3": 65536, f"{HR}.2.3.1.6.3": 40000,
}


def test_host_reads_host_resources_of_an_agentless_windows_server(mtpe):
    s = collect(mtpe, Host(), "sc-srv-22", WINDOWS_2003)
    assert value(s, "dcops_host_uptime_seconds") == 864_000
    assert value(s, "dcops_host_cpu_load_ratio", cpu="4") == pytest.approx(0.30)
    assert value(s, "dcops_host_memory_size_bytes") == 4 * 1024**3
    assert value(s, "dcops_host_memory_used_bytes") == 40000 * 65536
    assert value(s, "dcops_host_filesystem_size_bytes", mountpoint="C:\\") == 18_000_000 * 4096
    assert value(s, "dcops_host_filesystem_used_bytes", mountpoint="C:\\") == 9_000_000 * 4096
    assert not any(k[0].startswith("dcops_host_filesystem") and ("mountpoint", "D:\\") in k[1] for k in s), \
        "a CD-ROM drive is not a filesystem"


def test_host_module_follows_the_os_rule(mtpe):
    inv, index = mtpe
    assert Host().unsupported(index, inv.device("sc-srv-16")) is None  # Solaris 10
    assert Host().unsupported(index, inv.device("sc-srv-01")) is None  # ESXi
    assert "node_exporter" in Host().unsupported(index, inv.device("sc-srv-26"))  # RHEL 7


CISCO_3850 = {
    "1.3.6.1.4.1.9.9.109.1.1.1.1.8.1000": 7, "1.3.6.1.4.1.9.9.109.1.1.1.1.12.1000": 600_000,
    "1.3.6.1.4.1.9.9.109.1.1.1.1.13.1000": 200_000,
    "1.3.6.1.4.1.9.9.13.1.3.1.2.1010": b"Switch 1 - Inlet Temp Sensor", "1.3.6.1.4.1.9.9.13.1.3.1.3.1010": 31,
    "1.3.6.1.4.1.9.9.13.1.4.1.2.1019": b"Switch 1 - FAN - T1 1", "1.3.6.1.4.1.9.9.13.1.4.1.3.1019": 1,
    "1.3.6.1.4.1.9.9.13.1.4.1.2.1020": b"Switch 1 - FAN - T1 2", "1.3.6.1.4.1.9.9.13.1.4.1.3.1020": 6,
    "1.3.6.1.4.1.9.9.13.1.5.1.2.1013": b"Sw1, PS1 Normal", "1.3.6.1.4.1.9.9.13.1.5.1.3.1013": 1,
    "1.3.6.1.4.1.9.9.13.1.5.1.2.1014": b"Sw1, PS2 Absent", "1.3.6.1.4.1.9.9.13.1.5.1.3.1014": 5,
}
ARISTA = {
    "1.3.6.1.2.1.25.3.3.1.2.1": 10, "1.3.6.1.2.1.25.3.3.1.2.2": 20,
    "1.3.6.1.2.1.25.2.3.1.2.1": "1.3.6.1.2.1.25.2.1.2", "1.3.6.1.2.1.25.2.3.1.4.1": 1024,
    "1.3.6.1.2.1.25.2.3.1.5.1": 8_000_000, "1.3.6.1.2.1.25.2.3.1.6.1": 2_000_000,
    "1.3.6.1.2.1.47.1.1.1.1.2.100601110": b"Fan Tray 1", "1.3.6.1.2.1.47.1.1.1.1.5.100601110": 7,
    "1.3.6.1.2.1.47.1.1.1.1.2.100601111": b"Fan Tray 1 Fan 1 Sensor", "1.3.6.1.2.1.47.1.1.1.1.4.100601111": 100601110,
    "1.3.6.1.2.1.47.1.1.1.1.5.100601111": 8,
    "1.3.6.1.2.1.47.1.1.1.1.2.100711101": b"PowerSupply1", "1.3.6.1.2.1.47.1.1.1.1.5.100711101": 6,
    "1.3.6.1.2.1.47.1.1.1.1.2.100711102": b"PowerSupply1 Sensor", "1.3.6.1.2.1.47.1.1.1.1.4.100711102": 100711101,
    "1.3.6.1.2.1.47.1.1.1.1.5.100711102": 8,
    "1.3.6.1.2.1.47.1.1.1.1.2.100006001": b"Cpu temp sensor", "1.3.6.1.2.1.47.1.1.1.1.5.100006001": 8,
    "1.3.6.1.2.1.99.1.1.1.1.100601111": 10, "1.3.6.1.2.1.99.1.1.1.4.100601111": 9200,
    "1.3.6.1.2.1.99.1.1.1.5.100601111": 1,
    "1.3.6.1.2.1.99.1.1.1.1.100711102": 8, "1.3.6.1.2.1.99.1.1.1.3.100711102": 1,
    "1.3.6.1.2.1.99.1.1.1.4.100711102": 352, "1.3.6.1.2.1.99.1.1.1.5.100711102": 3,
    "1.3.6.1.2.1.99.1.1.1.1.100006001": 8, "1.3.6.1.2.1.99.1.1.1.3.100006001": 1,
    "1.3.6.1.2.1.99.1.1.1.4.100006001": 455, "1.3.6.1.2.1.99.1.1.1.5.100006001": 1,
}
FG = "1.3.6.1.4.1.12356.101"
FORTIGATE = {
    f"{FG}.4.1.3.0": 23, f"{FG}.4.1.4.0": 41, f"{FG}.4.1.5.0": 8_000_000, f"{FG}.4.1.8.0": 15234,
    f"{FG}.13.1.1.0": 3,
    f"{FG}.4.3.2.1.2.1": b"Fan 1", f"{FG}.4.3.2.1.3.1": b"5200", f"{FG}.4.3.2.1.4.1": 0,
    f"{FG}.4.3.2.1.2.2": b"PS1 Status", f"{FG}.4.3.2.1.3.2": b"0", f"{FG}.4.3.2.1.4.2": 1,
    f"{FG}.4.3.2.1.2.3": b"TD1 CPU", f"{FG}.4.3.2.1.3.3": b"48", f"{FG}.4.3.2.1.4.3": 0,
    f"{FG}.13.2.1.1.11.1": b"sc-fw-01", f"{FG}.13.2.1.1.12.1": 1,
    f"{FG}.13.2.1.1.11.2": b"sc-fw-02", f"{FG}.13.2.1.1.12.2": 0,
}
SW = "1.3.6.1.4.1.1588.2.1.1.1"
BROCADE = {
    f"{SW}.26.1.0": 4, f"{SW}.26.6.0": 37,
    f"{SW}.1.22.1.2.1": 1, f"{SW}.1.22.1.3.1": 4, f"{SW}.1.22.1.4.1": 39, f"{SW}.1.22.1.5.1": b"SLOT #0: TEMP #1",
    f"{SW}.1.22.1.2.4": 2, f"{SW}.1.22.1.3.4": 3, f"{SW}.1.22.1.4.4": 1200, f"{SW}.1.22.1.5.4": b"FAN #1",
    f"{SW}.1.22.1.2.7": 3, f"{SW}.1.22.1.3.7": 4, f"{SW}.1.22.1.4.7": 0, f"{SW}.1.22.1.5.7": b"Power Supply #1",
}


@pytest.mark.parametrize("device,recording,expect", [
    ("sc-dist-01", CISCO_3850, {("dcops_health_cpu_usage_ratio", ()): 0.07,
                                ("dcops_health_memory_usage_ratio", ()): 0.75,
                                ("dcops_health_temperature_celsius", (("sensor", "Switch 1 - Inlet Temp Sensor"),)): 31,
                                ("dcops_health_fan_up", (("fan", "Switch 1 - FAN - T1 1"),)): 1,
                                ("dcops_health_fan_up", (("fan", "Switch 1 - FAN - T1 2"),)): 0,
                                ("dcops_health_psu_up", (("psu", "Sw1, PS2 Absent"),)): 0}),
    ("sc-core-01", ARISTA, {("dcops_health_cpu_usage_ratio", ()): 0.15,
                            ("dcops_health_memory_usage_ratio", ()): 0.25,
                            ("dcops_health_temperature_celsius", (("sensor", "Cpu temp sensor"),)): 45.5,
                            ("dcops_health_fan_up", (("fan", "Fan Tray 1"),)): 1,
                            ("dcops_health_psu_up", (("psu", "PowerSupply1"),)): 0}),
    ("sc-fw-01", FORTIGATE, {("dcops_health_cpu_usage_ratio", ()): 0.23,
                             ("dcops_health_firewall_sessions", ()): 15234,
                             ("dcops_health_fan_up", (("fan", "Fan 1"),)): 1,
                             ("dcops_health_psu_up", (("psu", "PS1 Status"),)): 0,
                             ("dcops_health_temperature_celsius", (("sensor", "TD1 CPU"),)): 48,
                             ("dcops_health_ha_mode", ()): 3,
                             ("dcops_health_ha_members", ()): 2,
                             ("dcops_health_ha_member_synchronized", (("member", "sc-fw-02"),)): 0}),
    ("sc-san-01", BROCADE, {("dcops_health_cpu_usage_ratio", ()): 0.04,
                            ("dcops_health_temperature_celsius", (("sensor", "SLOT #0: TEMP #1"),)): 39,
                            ("dcops_health_fan_up", (("fan", "FAN #1"),)): 0,
                            ("dcops_health_psu_up", (("psu", "Power Supply #1"),)): 1}),
])
def test_health_reads_each_makes_mibs_into_the_same_metrics(mtpe, device, recording, expect):
    s = collect(mtpe, DeviceHealth(), device, recording)
    for key, want in expect.items():
        assert s[key] == pytest.approx(want), key


def test_health_refuses_a_make_without_reader_and_an_empty_answer(mtpe):
    inv, index = mtpe
    assert "no health reader" in DeviceHealth().unsupported(index, inv.device("sc-ups-01"))
    with pytest.raises(SnmpError, match="neither CPU nor temperatures"):
        collect(mtpe, DeviceHealth(), "sc-dist-01", {})


class FakeWsapi:
    def __init__(self, bodies):
        self.bodies, self.requests_sent, self.base_url = bodies, 0, "https://array"

    async def get(self, path):
        self.requests_sent += 1
        return self.bodies[path]


def wsapi_bodies(pool_used_mib=600_000):
    usage = {"totalMiB": 0, "usedMiB": 0, "rawTotalMiB": 0, "rawUsedMiB": 0}
    return {
        "/api/v1/cpgs": {"total": 1, "members": [{"name": "FC_r6", "id": 0, "state": 1,
                                                  "UsrUsage": {**usage, "totalMiB": 1_000_000, "usedMiB": pool_used_mib},
                                                  "SAUsage": {**usage, "totalMiB": 8192, "usedMiB": 4096},
                                                  "SDUsage": {**usage, "totalMiB": 100_000, "usedMiB": 10_000}}]},
        "/api/v1/capacity": {"allCapacity": {"totalMiB": 20_054_016, "failedCapacityMiB": 1_200_000}},
        "/api/v1/system": {"name": "sc-stor-01", "clusterNodes": [0, 1], "onlineNodes": [0]},
        "/api/v1/remotecopygroups": {"total": 1, "members": [{
            "name": "rcg-sgd", "targets": [{"targetName": "dca-stor-01", "state": 3}],
            "volumes": [{"localVolumeName": "sgd-data", "remoteVolumes": [
                {"targetName": "dca-stor-01", "syncStatus": 3, "lastSyncTime": "2026-03-01T10:00:00Z"}]},
                {"localVolumeName": "sgd-logs", "remoteVolumes": [
                    {"targetName": "dca-stor-01", "syncStatus": 5, "lastSyncTime": "2026-03-01T10:04:00Z"}]}]}]},
    }


def test_storage_turns_wsapi_into_pool_disk_controller_and_replication_metrics(mtpe, monkeypatch):
    from datetime import datetime

    monkeypatch.setattr(Storage, "client", lambda self, ctx: FakeWsapi(wsapi_bodies()))
    monkeypatch.setattr(Storage, "wall_clock", staticmethod(
        lambda: datetime.fromisoformat("2026-03-01T10:05:00+00:00").timestamp()))
    s = collect(mtpe, Storage(), "sc-stor-01", {})
    mib = 1024 * 1024
    assert value(s, "dcops_storage_pool_size_bytes", pool="FC_r6") == (1_000_000 + 8192 + 100_000) * mib
    assert value(s, "dcops_storage_pool_used_bytes", pool="FC_r6") == (600_000 + 4096 + 10_000) * mib
    assert value(s, "dcops_storage_failed_capacity_bytes") == 1_200_000 * mib
    assert value(s, "dcops_storage_controller_up", node="1") == 0
    assert value(s, "dcops_storage_replication_started", group="rcg-sgd", target="dca-stor-01") == 1
    assert value(s, "dcops_storage_replication_synced", group="rcg-sgd", target="dca-stor-01") == 0
    assert value(s, "dcops_storage_replication_lag_seconds", group="rcg-sgd", target="dca-stor-01") == 300


def test_storage_rejects_a_malformed_reply_and_arrays_without_a_login(mtpe, monkeypatch):
    bodies = wsapi_bodies()
    bodies["/api/v1/cpgs"] = {"members": [{"name": "x", "UsrUsage": {"totalMiB": "lots"}}]}
    monkeypatch.setattr(Storage, "client", lambda self, ctx: FakeWsapi(bodies))
    with pytest.raises(SnmpError, match="not a number|lacks"):
        collect(mtpe, Storage(), "sc-stor-01", {})
    inv, index = mtpe
    assert Storage().unsupported(index, inv.device("sc-stor-01")) is None
    assert "not an HPE 3PAR" in Storage().unsupported(index, inv.device("sc-ups-01"))
