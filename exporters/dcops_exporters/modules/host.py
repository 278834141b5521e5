"""Servers that cannot run an agent: CPU load, memory, filesystems and uptime.

Which MIB and why: HOST-RESOURCES-MIB (RFC 2790, 1.3.6.1.2.1.25), the one MIB that the
SNMP agents shipped with every such OS in the MTPE inventory implement: Windows
2000/2003/2008's SNMP service (hostmib.dll), Solaris 10's System Management Agent,
VMware ESXi's built-in agent, and FreeBSD's bsnmpd (its hostres module). Linux servers
run node_exporter instead (see dcops_exporters.coverage for the OS rule).

- CPU: hrProcessorLoad, the percentage of the last minute each processor was busy.
- Memory: hrMemorySize, and the used part from the hrStorageRam row of hrStorageTable.
- Filesystems: hrStorageFixedDisk rows; size and used are counted in
  hrStorageAllocationUnits (Integer32: a volume past 2^31 units, e.g. 8 TiB in 4 KiB
  units, reads wrong on old Windows agents — a limit of the MIB, not of the module).
- Uptime: hrSystemUptime, the host's, not the agent's (sysUpTime restarts with the agent).
"""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily, Metric

from dcops_exporters.modules import Module, ProbeContext, index_label, number, register, text
from dcops_exporters.snmp import SnmpError, oid
from dcops_exporters.targets import InventoryIndex
from dcops_inventory.models import Device

HR = "1.3.6.1.2.1.25"
SYSTEM_UPTIME = oid(f"{HR}.1.1.0")  # TimeTicks
SYSTEM_PROCESSES = oid(f"{HR}.1.6.0")
MEMORY_SIZE = oid(f"{HR}.2.2.0")  # KiB
STORAGE_TYPE = oid(f"{HR}.2.3.1.2")
STORAGE_DESCR = oid(f"{HR}.2.3.1.3")
STORAGE_UNITS = oid(f"{HR}.2.3.1.4")
STORAGE_SIZE = oid(f"{HR}.2.3.1.5")
STORAGE_USED = oid(f"{HR}.2.3.1.6")
PROCESSOR_LOAD = oid(f"{HR}.3.3.1.2")
STORAGE_RAM = f"{HR}.2.1.2"  # hrStorageTypes
STORAGE_FIXED_DISK = f"{HR}.2.1.4"


def mountpoint(descr: str) -> str:
    """`C:\\ Label:System  Serial Number 5a3c` (Windows) -> `C:\\`; Unix agents give the path."""
    return descr.split(" Label:", 1)[0].strip()


@register
class Host(Module):
    name = "host"
    description = "CPU, memory, filesystems and uptime of agentless hosts (HOST-RESOURCES-MIB)"
    roles = ("server", "pbx", "voice_security")

    def unsupported(self, index: InventoryIndex, device: Device) -> str | None:
        from dcops_exporters.coverage import host_probe

        reason = super().unsupported(index, device)
        return reason or host_probe(index.inv, device)

    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        got = await ctx.snmp.get([SYSTEM_UPTIME, SYSTEM_PROCESSES, MEMORY_SIZE])
        if SYSTEM_UPTIME not in got:
            raise SnmpError("the host did not answer hrSystemUptime (HOST-RESOURCES-MIB)")
        table = await ctx.snmp.walk([PROCESSOR_LOAD, STORAGE_TYPE, STORAGE_DESCR, STORAGE_UNITS, STORAGE_SIZE,
                                     STORAGE_USED], rows=16)
        if not table[PROCESSOR_LOAD] or not table[STORAGE_TYPE]:
            raise SnmpError("hrProcessorTable or hrStorageTable is empty")
        ctx.log(f"HOST-RESOURCES-MIB: {len(table[PROCESSOR_LOAD])} processors, {len(table[STORAGE_TYPE])} storage rows")
        uptime = GaugeMetricFamily("dcops_host_uptime_seconds", "Time since the host booted (hrSystemUptime).")
        uptime.add_metric([], number(got[SYSTEM_UPTIME]) / 100)
        cpu = GaugeMetricFamily("dcops_host_cpu_load_ratio", "Share of the last minute each processor was busy, 0-1 "
                                "(hrProcessorLoad).", labels=["cpu"])
        for idx, value in sorted(table[PROCESSOR_LOAD].items()):
            cpu.add_metric([index_label(idx)], number(value) / 100)
        fams: list[Metric] = [uptime, cpu]
        if SYSTEM_PROCESSES in got:
            procs = GaugeMetricFamily("dcops_host_processes", "Processes running (hrSystemProcesses).")
            procs.add_metric([], number(got[SYSTEM_PROCESSES]))
            fams.append(procs)
        mem_size = GaugeMetricFamily("dcops_host_memory_size_bytes", "Physical memory (hrMemorySize).")
        mem_used = GaugeMetricFamily("dcops_host_memory_used_bytes", "Physical memory in use (hrStorageRam row).")
        fs_size = GaugeMetricFamily("dcops_host_filesystem_size_bytes", "Filesystem size (hrStorageSize x units).",
                                    labels=["mountpoint"])
        fs_used = GaugeMetricFamily("dcops_host_filesystem_used_bytes", "Filesystem space used (hrStorageUsed x units).",
                                    labels=["mountpoint"])
        if MEMORY_SIZE in got:
            mem_size.add_metric([], number(got[MEMORY_SIZE]) * 1024)
        seen: set[str] = set()
        for idx, kind in sorted(table[STORAGE_TYPE].items()):
            units = number(table[STORAGE_UNITS].get(idx, 0))
            size, used = table[STORAGE_SIZE].get(idx), table[STORAGE_USED].get(idx)
            if size is None or used is None:
                continue
            if text(kind) == STORAGE_RAM:
                mem_used.add_metric([], number(used) * units)
            elif text(kind) == STORAGE_FIXED_DISK:
                mount = mountpoint(text(table[STORAGE_DESCR].get(idx, b""))) or f"hrStorageIndex{index_label(idx)}"
                if mount in seen:  # two rows, one label: keep the first, as the agent listed them
                    continue
                seen.add(mount)
                fs_size.add_metric([mount], number(size) * units)
                fs_used.add_metric([mount], number(used) * units)
        return fams + [mem_size, mem_used, fs_size, fs_used]
