"""One reader per manufacturer of the inventory's network devices, each turning its MIBs
into a `Health` record. READERS maps the device type's manufacturer to its reader."""

from __future__ import annotations

from dcops_exporters.modules import ProbeContext, index_label, number, text
from dcops_exporters.modules.health import Health
from dcops_exporters.snmp import oid


class CiscoEnvmon:
    """Cisco IOS/IOS-XE (Catalyst 3850/2960-X, ISR 4431).

    CISCO-PROCESS-MIB cpmCPUTotalTable: 5-minute CPU (cpmCPUTotal5minRev) and memory used
    and free in KiB (cpmCPUMemoryUsed/Free, which IOS-XE fills; the older
    CISCO-MEMORY-POOL-MIB misses IOS-XE's memory outside the pools). CISCO-ENVMON-MIB's
    temperature, fan and supply tables: the states every IOS platform reports (1 normal,
    2 warning, 3 critical, 4 shutdown, 5 notPresent, 6 notFunctioning). A fan or supply in
    `warning` still runs: it counts as up, the temperature it causes shows elsewhere.
    """

    CPU_5MIN = oid("1.3.6.1.4.1.9.9.109.1.1.1.1.8")
    MEM_USED = oid("1.3.6.1.4.1.9.9.109.1.1.1.1.12")
    MEM_FREE = oid("1.3.6.1.4.1.9.9.109.1.1.1.1.13")
    TEMP_DESCR, TEMP_VALUE = oid("1.3.6.1.4.1.9.9.13.1.3.1.2"), oid("1.3.6.1.4.1.9.9.13.1.3.1.3")
    FAN_DESCR, FAN_STATE = oid("1.3.6.1.4.1.9.9.13.1.4.1.2"), oid("1.3.6.1.4.1.9.9.13.1.4.1.3")
    PSU_DESCR, PSU_STATE = oid("1.3.6.1.4.1.9.9.13.1.5.1.2"), oid("1.3.6.1.4.1.9.9.13.1.5.1.3")
    WORKING = (1, 2)

    @classmethod
    async def read(cls, ctx: ProbeContext) -> Health:
        t = await ctx.snmp.walk([cls.CPU_5MIN, cls.MEM_USED, cls.MEM_FREE, cls.TEMP_DESCR, cls.TEMP_VALUE,
                                 cls.FAN_DESCR, cls.FAN_STATE, cls.PSU_DESCR, cls.PSU_STATE], rows=8)
        h = Health()
        if t[cls.CPU_5MIN]:
            h.cpu_ratio = max(number(v) for v in t[cls.CPU_5MIN].values()) / 100
        used = sum(number(v) for v in t[cls.MEM_USED].values())
        free = sum(number(v) for v in t[cls.MEM_FREE].values())
        if used + free:
            h.memory_ratio, h.memory_size_bytes = used / (used + free), (used + free) * 1024
        h.temperatures = {_name(t[cls.TEMP_DESCR], i): number(v) for i, v in t[cls.TEMP_VALUE].items()}
        h.fans = {_name(t[cls.FAN_DESCR], i): number(v) in cls.WORKING for i, v in t[cls.FAN_STATE].items()}
        h.psus = {_name(t[cls.PSU_DESCR], i): number(v) in cls.WORKING for i, v in t[cls.PSU_STATE].items()}
        return h


class EntitySensor:
    """Arista EOS (7280SR): the standard ENTITY-MIB and ENTITY-SENSOR-MIB (RFC 3433), which
    EOS implements for every sensor, plus HOST-RESOURCES-MIB for CPU and memory (EOS is
    Linux; Arista publishes no CPU MIB of its own).

    entPhysicalClass says what an entity is (6 powerSupply, 7 fan, 8 sensor); a fan or
    supply works when every sensor inside it (entPhysicalContainedIn) reports
    entPhySensorOperStatus ok(1). Celsius sensors (entPhySensorType 8) are temperatures,
    scaled by entPhySensorPrecision.
    """

    DESCR, CONTAINED_IN, CLASS = (oid(f"1.3.6.1.2.1.47.1.1.1.1.{c}") for c in (2, 4, 5))
    S_TYPE, S_PRECISION, S_VALUE, S_STATUS = (oid(f"1.3.6.1.2.1.99.1.1.1.{c}") for c in (1, 3, 4, 5))
    PROCESSOR_LOAD = oid("1.3.6.1.2.1.25.3.3.1.2")
    STORAGE_TYPE, STORAGE_UNITS, STORAGE_SIZE, STORAGE_USED = (oid(f"1.3.6.1.2.1.25.2.3.1.{c}") for c in (2, 4, 5, 6))
    STORAGE_RAM = "1.3.6.1.2.1.25.2.1.2"
    PSU, FAN, CELSIUS, OK = 6, 7, 8, 1

    @classmethod
    async def read(cls, ctx: ProbeContext) -> Health:
        t = await ctx.snmp.walk([cls.DESCR, cls.CONTAINED_IN, cls.CLASS, cls.S_TYPE, cls.S_PRECISION, cls.S_VALUE,
                                 cls.S_STATUS, cls.PROCESSOR_LOAD, cls.STORAGE_TYPE, cls.STORAGE_UNITS,
                                 cls.STORAGE_SIZE, cls.STORAGE_USED], rows=24)
        h = Health()
        if t[cls.PROCESSOR_LOAD]:
            loads = [number(v) for v in t[cls.PROCESSOR_LOAD].values()]
            h.cpu_ratio = sum(loads) / len(loads) / 100
        for i, kind in t[cls.STORAGE_TYPE].items():
            if text(kind) == cls.STORAGE_RAM and i in t[cls.STORAGE_SIZE] and i in t[cls.STORAGE_USED]:
                size = number(t[cls.STORAGE_SIZE][i]) * number(t[cls.STORAGE_UNITS].get(i, 1))
                if size:
                    h.memory_size_bytes = size
                    h.memory_ratio = number(t[cls.STORAGE_USED][i]) * number(t[cls.STORAGE_UNITS].get(i, 1)) / size
                break
        sensors_in: dict[tuple[int, ...], list[bool]] = {}
        for i, status in t[cls.S_STATUS].items():
            parent = t[cls.CONTAINED_IN].get(i)
            if parent is not None:
                sensors_in.setdefault((int(number(parent)),), []).append(number(status) == cls.OK)
            if number(t[cls.S_TYPE].get(i, 0)) == cls.CELSIUS and i in t[cls.S_VALUE]:
                scale = 10 ** -number(t[cls.S_PRECISION].get(i, 0))
                h.temperatures[_name(t[cls.DESCR], i)] = number(t[cls.S_VALUE][i]) * scale
        for i, kind in t[cls.CLASS].items():
            target = {cls.FAN: h.fans, cls.PSU: h.psus}.get(int(number(kind)))
            if target is not None:
                states = sensors_in.get(i, [])
                target[_name(t[cls.DESCR], i)] = bool(states) and all(states)
        return h


_FG = "1.3.6.1.4.1.12356.101"  # FORTINET-FORTIGATE-MIB fgModel's parent, fortinet.101
_SW = "1.3.6.1.4.1.1588.2.1.1.1"  # Brocade SW-MIB


class FortiGate:
    """FortiGate (600D): FORTINET-FORTIGATE-MIB, the only source of what operators read on a
    FortiGate: fgSysCpuUsage/fgSysMemUsage (percent) and fgSysMemCapacity (KiB),
    fgSysSesCount, the hardware sensor table (fgHwSensorEntName/Value/AlarmStatus: fans
    are the sensors named "Fan...", supplies "PS..."/"PSU...", the rest with a numeric
    value are temperatures) and HA: fgHaSystemMode and fgHaStatsSyncStatus per member
    (fgHaStatsHostname), 0 unsynchronized, 1 synchronized.
    """

    CPU, MEM, MEM_CAPACITY, SESSIONS = (oid(f"{_FG}.4.1.{c}.0") for c in (3, 4, 5, 8))
    HA_MODE = oid(f"{_FG}.13.1.1.0")
    SENSOR_NAME, SENSOR_VALUE, SENSOR_ALARM = (oid(f"{_FG}.4.3.2.1.{c}") for c in (2, 3, 4))
    HA_HOSTNAME, HA_SYNC = oid(f"{_FG}.13.2.1.1.11"), oid(f"{_FG}.13.2.1.1.12")

    @classmethod
    async def read(cls, ctx: ProbeContext) -> Health:
        got = await ctx.snmp.get([cls.CPU, cls.MEM, cls.MEM_CAPACITY, cls.SESSIONS, cls.HA_MODE])
        t = await ctx.snmp.walk([cls.SENSOR_NAME, cls.SENSOR_VALUE, cls.SENSOR_ALARM, cls.HA_HOSTNAME, cls.HA_SYNC],
                                rows=16)
        h = Health()
        if cls.CPU in got:
            h.cpu_ratio = number(got[cls.CPU]) / 100
        if cls.MEM in got:
            h.memory_ratio = number(got[cls.MEM]) / 100
        if cls.MEM_CAPACITY in got:
            h.memory_size_bytes = number(got[cls.MEM_CAPACITY]) * 1024
        if cls.SESSIONS in got:
            h.sessions = number(got[cls.SESSIONS])
        for i, raw in t[cls.SENSOR_NAME].items():
            name, ok = text(raw), number(t[cls.SENSOR_ALARM].get(i, 0)) == 0
            lower = name.lower()
            if lower.startswith("fan"):
                h.fans[name] = ok
            elif lower.startswith(("ps", "power supply")):
                h.psus[name] = ok
            elif i in t[cls.SENSOR_VALUE]:
                try:
                    h.temperatures[name] = number(t[cls.SENSOR_VALUE][i])
                except Exception:  # a sensor whose value is text ("OK"): not a temperature
                    continue
        if cls.HA_MODE in got:
            h.ha_mode = number(got[cls.HA_MODE])
            h.ha_synchronized = {text(t[cls.HA_HOSTNAME].get(i, b"")) or f"member{index_label(i)}": number(v) == 1
                                 for i, v in t[cls.HA_SYNC].items()}
        return h


class BrocadeSw:
    """Brocade Fabric OS (6505): SW-MIB. swSensorTable types each sensor (1 temperature,
    2 fan, 3 power-supply) and rates it (1 unknown, 2 faulty, 3 below-min, 4 nominal,
    5 above-max, 6 absent); swCpuUsage and swMemUsage are percentages (FOS 6.1+). A fan
    below its minimum speed is failing and counts as down; above the maximum it still runs.
    """

    CPU, MEM = oid(f"{_SW}.26.1.0"), oid(f"{_SW}.26.6.0")
    S_TYPE, S_STATUS, S_VALUE, S_INFO = (oid(f"{_SW}.1.22.1.{c}") for c in (2, 3, 4, 5))
    TEMPERATURE, FAN, PSU = 1, 2, 3
    WORKING = (4, 5)

    @classmethod
    async def read(cls, ctx: ProbeContext) -> Health:
        got = await ctx.snmp.get([cls.CPU, cls.MEM])
        t = await ctx.snmp.walk([cls.S_TYPE, cls.S_STATUS, cls.S_VALUE, cls.S_INFO], rows=12)
        h = Health()
        if cls.CPU in got:
            h.cpu_ratio = number(got[cls.CPU]) / 100
        if cls.MEM in got:
            h.memory_ratio = number(got[cls.MEM]) / 100
        for i, kind in t[cls.S_TYPE].items():
            name = text(t[cls.S_INFO].get(i, b"")) or f"sensor{index_label(i)}"
            working = number(t[cls.S_STATUS].get(i, 1)) in cls.WORKING
            if number(kind) == cls.TEMPERATURE and i in t[cls.S_VALUE]:
                h.temperatures[name] = number(t[cls.S_VALUE][i])
            elif number(kind) == cls.FAN:
                h.fans[name] = working
            elif number(kind) == cls.PSU:
                h.psus[name] = working
        return h


def _name(descr: dict[tuple[int, ...], object], index: tuple[int, ...]) -> str:
    return text(descr.get(index, b"")) or f"entity{index_label(index)}"


READERS = {"Cisco": CiscoEnvmon, "Arista": EntitySensor, "Fortinet": FortiGate, "Brocade": BrocadeSw}
