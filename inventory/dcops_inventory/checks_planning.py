"""Cross-record checks for the build-out plan (models/planning.py), registered with CHECKS.

Kept apart from checks.py so the plan's records can grow without touching today's checks.
"""

from __future__ import annotations

from typing import Iterator

from dcops_inventory.checks import Context, check
from dcops_inventory.errors import Problem

# (collection, field, target collection), as checks.REFERENCES
PLANNING_REFERENCES: list[tuple[str, str, str]] = [
    ("datastore_clusters", "site", "sites"),
    ("datastores", "datastore_cluster", "datastore_clusters"),
    ("datastores", "host", "devices"),
    ("datastores", "storage", "devices"),
    ("cluster_plans", "cluster", "clusters"),
    ("cluster_plans", "datastore_cluster", "datastore_clusters"),
    ("cluster_plans", "absorbs", "clusters"),
    ("host_capacities", "host", "devices"),
    ("vm_placements", "vm", "vms"),
    ("vm_placements", "cluster", "clusters"),
    ("vm_placements", "host", "devices"),
    ("vm_placements", "datastore", "datastores"),
    ("counterparts", "primary", "vms"),
    ("counterparts", "site", "sites"),
    ("counterparts", "replica", "vms"),
]


@check
def planning_references(ctx: Context) -> Iterator[Problem]:
    for collection, field, target in PLANNING_REFERENCES:
        for rec in getattr(ctx.inv, collection):
            value = getattr(rec, field)
            for item in (value if isinstance(value, list) else [value]):
                if item is not None and not ctx.exists(target, item):
                    yield ctx.problem(collection, rec.key, field, f"unknown {target} {item!r}")


@check
def planning_consistency(ctx: Context) -> Iterator[Problem]:
    inv = ctx.inv
    clusters = inv.index("clusters")
    devices = inv.index("devices")
    stores = inv.index("datastores")
    pods = inv.index("datastore_clusters")
    vms = inv.index("vms")
    plans = inv.index("cluster_plans")
    capacities = inv.index("host_capacities")
    for plan in inv.cluster_plans:
        cluster, pod = clusters.get(plan.cluster), pods.get(plan.datastore_cluster)
        if cluster and pod and cluster.site != pod.site:
            yield ctx.problem("cluster_plans", plan.key, "datastore_cluster",
                              f"datastore cluster {pod.name!r} is at site {pod.site!r}, cluster {cluster.name!r} at {cluster.site!r}")
        for host in inv.hosts_of(plan.cluster):
            if host.name not in capacities and not ctx.unverifiable("host_capacities"):
                yield ctx.problem("cluster_plans", plan.key, "cluster",
                                  f"host {host.name!r} has no host_capacities record (needed for the N+1 check)")
    for store in inv.datastores:
        store_host = devices.get(store.host)
        pod = pods.get(store.datastore_cluster)
        if store_host and pod and store_host.site != pod.site:
            yield ctx.problem("datastores", store.key, "host", f"host {store_host.name!r} is not at site {pod.site!r}")
    for place in inv.vm_placements:
        on_host = devices.get(place.host) if place.host else None
        if on_host is not None and on_host.cluster != place.cluster:
            yield ctx.problem("vm_placements", place.key, "host",
                              f"host {on_host.name!r} is in cluster {on_host.cluster!r}, not {place.cluster!r}")
        on_store = stores.get(place.datastore) if place.datastore else None
        cluster_plan = plans.get(place.cluster)
        if on_store is not None and cluster_plan is not None and on_store.datastore_cluster != cluster_plan.datastore_cluster:
            yield ctx.problem("vm_placements", place.key, "datastore",
                              f"datastore {on_store.name!r} is not in {place.cluster!r}'s datastore cluster "
                              f"{cluster_plan.datastore_cluster!r}")
    for cp in inv.counterparts:
        replica = vms.get(cp.replica) if cp.replica else None
        if replica is not None and replica.cluster in clusters and clusters[replica.cluster].site != cp.site:
            yield ctx.problem("counterparts", cp.key, "replica",
                              f"replica {replica.name!r} runs in cluster {replica.cluster!r}, not at site {cp.site!r}")
