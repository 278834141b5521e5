"""Storage arrays (HPE 3PAR StoreServ): pools, disks, controllers and replication.

Which interface and why: the 3PAR Web Services API (WSAPI, REST over HTTPS, port 8080),
not SNMP. The array's SNMP agent serves MIB-II and the ThreeParMIB, whose objects are the
alert table behind its traps (about 25 in all): no pool, capacity or replication object.
WSAPI is HPE's documented interface for exactly these, read-only with a "browse" user:

- `/api/v1/cpgs`: pools (CPGs), each with user, snapshot and admin space (UsrUsage,
  SDUsage, SAUsage: totalMiB, usedMiB) and `state` (1 normal, 2 degraded, 3 failed).
  Pool size is the three spaces' totals, used their used parts, as HPE's own tools sum them.
- `/api/v1/capacity`: allCapacity.failedCapacityMiB, the capacity on failed disks (0
  when every disk works): disk health without listing 100+ disks each scrape.
- `/api/v1/system`: controller nodes, `clusterNodes` (configured) and `onlineNodes`.
- `/api/v1/remotecopygroups`: per group and target, the target's `state` (3 started,
  5 stopped), each volume's `syncStatus` (3 synced) and `lastSyncTime`; the lag is the
  age of the oldest last sync among the group's volumes.

The login comes from the device's `credentials` in the inventory (user, password secret).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric

from dcops_exporters.modules import Module, ProbeContext, register
from dcops_exporters.snmp import SnmpError
from dcops_exporters.targets import InventoryIndex
from dcops_exporters.wsapi import DEFAULT_PORT, WsapiClient, WsapiError
from dcops_inventory import resolve_endpoint
from dcops_inventory.models import Device
from dcops_inventory.secrets import resolve_secret

MIB = 1024 * 1024
SPACES = ("UsrUsage", "SAUsage", "SDUsage")
RC_STARTED, RC_SYNCED = 3, 3


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels or [])


def _mib(record: dict, *path: str) -> float:
    value: object = record
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise SnmpError(f"WSAPI reply lacks {'.'.join(path)}")
        value = value[key]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise SnmpError(f"WSAPI {'.'.join(path)} is not a number")
    return float(value) * MIB


def _members(body: dict, what: str) -> list[dict]:
    members = body.get("members")
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise SnmpError(f"WSAPI {what}: 'members' is not a list of objects")
    return members


def _timestamp(text: object) -> float | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@register
class Storage(Module):
    name = "storage"
    description = "Storage pools, failed disk capacity, controllers and replication (HPE 3PAR WSAPI)"
    roles = ("storage",)
    wall_clock: Callable[[], float] = staticmethod(time.time)  # replication lag is wall-clock age

    def unsupported(self, index: InventoryIndex, device: Device) -> str | None:
        if index.inv.device_type_of(device).manufacturer != "HPE":
            return f"device {device.name} is not an HPE 3PAR array (the storage module speaks WSAPI)"
        if not device.credentials:
            return f"device {device.name} has no credentials for the array's WSAPI login"
        return None

    def client(self, ctx: ProbeContext) -> WsapiClient:
        inv = ctx.index.inv
        endpoint = resolve_endpoint(ctx.device.name, inv.mgmt_address(ctx.device, "primary"), "http", ctx.address_map)
        port = endpoint.port if ctx.address_map is not None else DEFAULT_PORT
        creds = inv.get("credentials", ctx.device.credentials)
        password = resolve_secret(inv, creds.password_secret, ctx.vault_vars)
        return WsapiClient(f"https://{endpoint.host}:{port}", creds.username, password,
                           timeout=max(0.5, ctx.timeout / 2), sessions=ctx.state.setdefault("wsapi_sessions", {}),
                           connections=ctx.state.setdefault("wsapi_connections", {}))

    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        api = self.client(ctx)
        try:
            cpgs = await api.get("/api/v1/cpgs")
            capacity = await api.get("/api/v1/capacity")
            system = await api.get("/api/v1/system")
            groups = await api.get("/api/v1/remotecopygroups")
        except WsapiError as exc:
            raise SnmpError(f"WSAPI: {exc}") from None
        ctx.log(f"WSAPI: {api.requests_sent} requests to {api.base_url}")
        return self._pools(_members(cpgs, "cpgs")) + self._array(capacity, system) + \
            self._replication(_members(groups, "remotecopygroups"))

    @staticmethod
    def _pools(cpgs: list[dict]) -> list[Metric]:
        size = _gauge("dcops_storage_pool_size_bytes", "Pool (CPG) size: user, snapshot and admin space.", ["pool"])
        used = _gauge("dcops_storage_pool_used_bytes", "Pool (CPG) space in use.", ["pool"])
        free = _gauge("dcops_storage_pool_free_bytes", "Pool (CPG) space not in use.", ["pool"])
        state = _gauge("dcops_storage_pool_state", "Pool state: 1 normal, 2 degraded, 3 failed.", ["pool"])
        for cpg in sorted(cpgs, key=lambda c: str(c.get("name"))):
            name = str(cpg.get("name", ""))
            total = sum(_mib(cpg, space, "totalMiB") for space in SPACES)
            in_use = sum(_mib(cpg, space, "usedMiB") for space in SPACES)
            size.add_metric([name], total)
            used.add_metric([name], in_use)
            free.add_metric([name], total - in_use)
            state.add_metric([name], float(cpg.get("state", 0)))
        return [size, used, free, state]

    @staticmethod
    def _array(capacity: dict, system: dict) -> list[Metric]:
        failed = _gauge("dcops_storage_failed_capacity_bytes", "Capacity on failed disks; 0 when every disk works.")
        failed.add_metric([], _mib(capacity, "allCapacity", "failedCapacityMiB"))
        total = _gauge("dcops_storage_capacity_bytes", "Physical capacity of the array.")
        total.add_metric([], _mib(capacity, "allCapacity", "totalMiB"))
        nodes = system.get("clusterNodes")
        online = system.get("onlineNodes")
        if not isinstance(nodes, list) or not isinstance(online, list):
            raise SnmpError("WSAPI system lacks clusterNodes/onlineNodes")
        up = _gauge("dcops_storage_controller_up", "1 when the controller node is online.", ["node"])
        for node in sorted(nodes, key=str):
            up.add_metric([str(node)], 1.0 if node in online else 0.0)
        return [failed, total, up]

    def _replication(self, groups: list[dict]) -> list[Metric]:
        started = _gauge("dcops_storage_replication_started", "1 when remote copy to the target is started.",
                         ["group", "target"])
        synced = _gauge("dcops_storage_replication_synced", "1 when every volume of the group is synced on the target.",
                        ["group", "target"])
        lag = _gauge("dcops_storage_replication_lag_seconds", "Age of the oldest last sync among the group's volumes.",
                     ["group", "target"])
        now = self.wall_clock()
        for group in sorted(groups, key=lambda g: str(g.get("name"))):
            name = str(group.get("name", ""))
            remote: dict[str, list[dict]] = {}
            for volume in group.get("volumes") or []:
                for rv in volume.get("remoteVolumes") or []:
                    remote.setdefault(str(rv.get("targetName", "")), []).append(rv)
            for target in group.get("targets") or []:
                tname = str(target.get("targetName", target.get("target", "")))
                vols = remote.get(tname, [])
                started.add_metric([name, tname], 1.0 if target.get("state") == RC_STARTED else 0.0)
                synced.add_metric([name, tname], 1.0 if vols and all(v.get("syncStatus") == RC_SYNCED for v in vols)
                                  else 0.0)
                stamps = [_timestamp(v.get("lastSyncTime")) for v in vols]
                if stamps and None not in stamps:
                    lag.add_metric([name, tname], max(0.0, now - min(s for s in stamps if s is not None)))
        return [started, synced, lag]
