"""Each service's reliability-block diagram, built from the inventory for one scenario.

A path (where the service runs, scenario.py) is the series of:

- its VMs: a VM that belongs to a redundancy group counts through the group (k-of-n with
  k = the group's `needed`, common cause by beta); each VM needs the cluster it runs on;
- the cluster: on a vSphere HA cluster a VM restarts on any host, so the cluster is up
  while k of its n hosts are: k from the redundancy group that lists exactly its hosts,
  else n-1 for an HA cluster (vSphere HA admission control's default reserve, one host),
  else n;
- its physical devices (through their redundancy group, if any) and its circuits, each
  circuit in series with the device it ends on - the circuit cannot move to that device's
  partner, so a circuit's router counts by itself even when it has one;
- the site layers it uses at each site it touches: the network (core switches and
  firewalls), the storage (SAN switches and arrays) for VMs and servers, and the facility
  (UPS and cooling with the utility supply; where the inventory models neither, the site's
  availability goal, the Uptime tier it is designed to). A planned site that records no
  device of a layer is taken as built like today's data hall (each of its groups again).

The service is that path in series with its external parties (and the parties they are
reached through, `via`) and the services it depends on. With an alternate path the service
needs either path (1-of-2, no common cause between sites), plus the outage of switching
over: each failure of the primary path costs min(switchover time, the primary's mean
outage), weighted by how often the primary fails.
"""

from __future__ import annotations

from collections.abc import Callable

from dcops_availability.blocks import (
    Block,
    Leaf,
    availability,
    common_cause_group,
    common_cause_leaf,
    failure_frequency,
    k_of_n,
    series,
)
from dcops_availability.figures import (
    DEFAULT_BETA,
    SWITCHOVER_HOURS,
    SWITCHOVER_SOURCE,
    Figure,
    circuit_figure,
    device_figure,
    party_figure,
    site_goal_figure,
    utility_figure,
    vm_figure,
)
from dcops_availability.scenario import Path, Placement, VmAt, place, vm_in_path
from dcops_inventory import Inventory
from dcops_inventory.models import AvailabilityGoal, Device, RedundancyGroup

# The site layers and the device roles each is made of.
LAYERS: dict[str, tuple[str, ...]] = {
    "network": ("core_switch", "firewall"),
    "storage": ("san_switch", "storage"),
    "facility": ("ups", "cooling"),
}
DATA_HALL = "data_hall"  # the Location kind whose devices make a site's layers
STORAGE_USERS = ("server", "storage")  # device roles that use the site's SAN, as VMs do
NOT_COMPONENTS = ("common-cause", "switchover")  # leaves that are events, never a single point of failure


class GraphError(ValueError):
    """The inventory cannot be turned into a diagram (a cluster without hosts, a cycle)."""


def _at(name: str, home: str, site: str) -> str:
    """A record taken again at another site is named `<name>@<site>`."""
    return name if home == site else f"{name}@{site}"


def _unique(blocks: list[Block]) -> list[Block]:
    """Each named block once: two VMs of one group, two devices of one group, give one group."""
    seen: set[str] = set()
    out = []
    for block in blocks:
        if block.key is None or block.key not in seen:
            out.append(block)
            if block.key is not None:
                seen.add(block.key)
    return out


def _leaf(key: str, label: str, kind: str, figure: Figure) -> Leaf:
    return Leaf(key, figure.mtbf_hours, figure.mttr_hours, label, kind, figure.source)


class DiagramBuilder:
    """Builds and caches every block of one scenario, so a block shared by two services or
    two paths is one object under one key (blocks.py evaluates such sharing exactly)."""

    def __init__(self, inv: Inventory, scenario: str, beta: float = DEFAULT_BETA):
        if not 0 <= beta < 1:
            raise GraphError(f"beta must be in [0, 1) (got {beta})")
        self.inv, self.scenario, self.beta = inv, scenario, beta
        self.placements: dict[str, Placement] = place(inv, scenario)
        self.template = self._template_site()
        self._assumptions: dict[str, None] = {}  # ordered set of what the diagrams assume
        self._moved: dict[str, dict[str, None]] = {}  # site -> devices and circuits taken there
        self._blocks: dict[str, Block] = {}
        self._building: list[str] = []

    # -- services --------------------------------------------------------------------------
    def service(self, name: str) -> Block:
        key = f"service:{name}"
        if key in self._blocks:
            return self._blocks[key]
        if name in self._building:
            raise GraphError(f"service dependency cycle: {' -> '.join(self._building + [name])}")
        self._building.append(name)
        try:
            block = self._service(name)
        finally:
            self._building.pop()
        self._blocks[key] = block
        return block

    def _service(self, name: str) -> Block:
        svc = self.inv.get("services", name)
        placement = self.placements[name]
        parts: list[Block] = []
        paths = [self.path(name, p) for p in placement.paths]
        if len(paths) == 1:
            parts.append(paths[0])
        elif len(paths) > 1:
            parts.append(k_of_n(1, paths, key=f"sites:{name}", label=f"{name} at {' or '.join(placement.sites)}"))
            switch = self._switchover(name, paths[0], placement.paths[1])
            if switch is not None:
                parts.append(switch)
        for party in svc.external:
            parts.extend(self._external(party))
        for dep in svc.depends_on:
            parts.append(self.service(dep))
        return series(*_unique(parts), key=f"service:{name}", label=name)

    def _switchover(self, name: str, primary: Block, alternate: Path) -> Leaf | None:
        rate = failure_frequency(primary)  # primary-path failures per hour
        if rate <= 0:
            return None
        hours = SWITCHOVER_HOURS[alternate.switchover or "replica"]
        mean_outage = (1 - availability(primary)) / rate
        self._assume(f"failover to the alternate site, {SWITCHOVER_SOURCE}; each failure of the primary path costs "
                     "min(that time, the primary's mean outage)")
        return Leaf(f"switchover:{name}", 1 / rate, min(hours, mean_outage),
                    f"failover of {name} to {alternate.site}", "switchover", SWITCHOVER_SOURCE)

    def _external(self, name: str) -> list[Block]:
        """The party and every party it is reached through."""
        chain: list[Block] = []
        seen: set[str] = set()
        current: str | None = name
        while current is not None and current not in seen:
            seen.add(current)
            party = self.inv.get("external_parties", current)
            key = f"external:{party.name}"
            block = self._blocks.get(key)
            if block is None:
                block = self._blocks[key] = _leaf(key, party.name, f"external {party.kind}", party_figure(party))
            chain.append(block)
            current = party.via
        return chain

    # -- paths ----------------------------------------------------------------------------
    def path(self, service: str, path: Path) -> Block:
        key = f"path:{service}@{path.site}"
        return self._cached(key, lambda: self._path(service, path, key))

    def _path(self, service: str, path: Path, key: str) -> Block:
        parts: list[Block] = []
        needs_net: dict[str, None] = {}
        needs_storage: dict[str, None] = {}
        for vm in path.vms:
            group = self._group_of_vm(vm.stands_for)
            block = self._vm_group(group, path) if group is not None else self._vm(vm)
            parts.append(block)
            site = self.inv.get("clusters", vm.cluster).site
            needs_net[site] = needs_storage[site] = None
        for name in path.devices:
            device = self.inv.device(name)
            site = path.site if path.moved else device.site
            if site != device.site:
                self._moved.setdefault(site, {})[name] = None
            parts.append(self.device_or_group(device, site))
            needs_net[site] = None
            if device.role in STORAGE_USERS:
                needs_storage[site] = None
        for name in path.circuits:
            circuit = self.inv.get("circuits", name)
            site = path.site if path.moved else circuit.site
            if site != circuit.site:
                self._moved.setdefault(site, {})[name] = None
            parts.append(self.circuit_or_group(name, site))
            needs_net[site] = None
        for site in needs_net:
            parts.append(self.layer("network", site))
            if site in needs_storage:
                parts.append(self.layer("storage", site))
            parts.append(self.layer("facility", site))
        return series(*_unique(parts), key=key, label=f"{service} at {path.site}")

    def _group_of_vm(self, vm: str) -> RedundancyGroup | None:
        group = self.inv.redundancy_group_of(vm)
        return group if group is not None and len(group.members) > 1 else None

    def _vm(self, vm: VmAt) -> Block:
        return series(self._vm_leaf(vm), self.cluster(vm.cluster))

    def _vm_leaf(self, vm: VmAt) -> Leaf:
        label = f"{vm.name} (restored)" if vm.restored else vm.name
        return _leaf(f"vm:{vm.name}", label, "vm", vm_figure())

    def _vm_group(self, group: RedundancyGroup, path: Path) -> Block:
        """The group's members as this path runs them (stand-ins at the alternate site; one
        replica standing in for two members counts once)."""
        members: dict[str, VmAt] = {}
        for name in group.members:
            at = vm_in_path(self.inv, self.scenario, path, name)
            if at is not None:
                members.setdefault(at.name, at)
        own = all(at.name == at.stands_for for at in members.values())
        key = f"group:{group.name}" if own else f"group:{group.name}@{path.site}"
        label = group.name if own else f"{group.name}@{path.site}"
        return self._cached(key, lambda: common_cause_group(
            key, group.needed, [(self._vm_leaf(at), (self.cluster(at.cluster),)) for at in members.values()],
            self.beta, f"{label} ({group.needed} of {len(members)})"))

    # -- clusters -------------------------------------------------------------------------
    def cluster(self, name: str) -> Block:
        return self._cached(f"cluster:{name}", lambda: self._cluster(name))

    def _cluster(self, name: str) -> Block:
        cluster = self.inv.get("clusters", name)
        hosts = sorted((h for h in self.inv.hosts_of(name) if self._in_service(h)), key=lambda d: d.name)
        if not hosts:
            raise GraphError(f"cluster {name!r} runs VMs but has no hosts (devices with cluster: {name})")
        names = {h.name for h in hosts}
        group = next((g for g in self.inv.redundancy_groups if set(g.members) == names), None)
        if group is not None:
            k = group.needed
        elif cluster.ha_enabled and len(hosts) > 1:
            k = len(hosts) - 1
            self._assume(f"cluster {name} is up while {k} of its {len(hosts)} hosts are: no redundancy group lists "
                         "its hosts, and vSphere HA admission control reserves one host by default")
        else:
            k = len(hosts)
        members = [(self.device_leaf(h, h.site), ()) for h in hosts]
        return common_cause_group(f"cluster:{name}", k, members, self.beta, f"{name} ({k} of {len(hosts)} hosts)")

    # -- devices and circuits -------------------------------------------------------------
    def device_leaf(self, device: Device, site: str) -> Leaf:
        name = _at(device.name, device.site, site)
        types = self.inv.index("device_types")
        return _leaf(f"device:{name}", name, device.role, device_figure(device, types.get(device.device_type)))

    def device(self, device: Device, site: str) -> Block:
        """A device needed by itself. In a redundancy group it fails by its own independent
        failure or by the group's common cause (the same two leaves the group is made of)."""
        leaf = self.device_leaf(device, site)
        group = self.inv.redundancy_group_of(device.name)
        if group is None or len(group.members) < 2 or self.beta == 0:
            return leaf
        key, _, members = self._device_group_parts(group, site)
        independent = Leaf(leaf.key, leaf.mtbf_hours / (1 - self.beta), leaf.mttr_hours, leaf.label, leaf.kind,
                           leaf.source)
        return series(common_cause_leaf(key, [m for m, _ in members], self.beta, self._group_label(group, site)),
                      independent)

    def device_or_group(self, device: Device, site: str) -> Block:
        group = self.inv.redundancy_group_of(device.name)
        if group is None or len(group.members) < 2:
            return self.device(device, site)
        return self.device_group(group, site)

    def _group_label(self, group: RedundancyGroup, site: str) -> str:
        _, label, members = self._device_group_parts(group, site)
        return f"{label} ({group.needed} of {len(members)})"

    def _device_group_parts(self, group: RedundancyGroup, site: str) -> tuple[str, str, list[tuple[Leaf, tuple]]]:
        """Key, label and members of a group of devices or circuits taken at `site`."""
        devices = self.inv.index("devices")
        circuits = self.inv.index("circuits")
        members: list[tuple[Leaf, tuple]] = []
        homes = set()
        for name in group.members:
            if name in devices:
                homes.add(devices[name].site)
                members.append((self.device_leaf(devices[name], site), ()))
            elif name in circuits:
                circuit = circuits[name]
                homes.add(circuit.site)
                members.append(self._circuit_parts(circuit.name, site))
        own = homes == {site}
        label = group.name if own else f"{group.name}@{site}"
        return f"group:{label}", label, members

    def device_group(self, group: RedundancyGroup, site: str) -> Block:
        key, label, members = self._device_group_parts(group, site)
        return self._cached(key, lambda: common_cause_group(key, group.needed, members, self.beta,
                                                            f"{label} ({group.needed} of {len(members)})"))

    def _circuit_parts(self, name: str, site: str) -> tuple[Leaf, tuple]:
        circuit = self.inv.get("circuits", name)
        label = _at(name, circuit.site, site)
        leaf = _leaf(f"circuit:{label}", label, f"{circuit.kind} circuit", circuit_figure(circuit))
        ends = () if circuit.device is None else (self.device(self.inv.device(circuit.device), site),)
        return leaf, ends

    def circuit_or_group(self, name: str, site: str) -> Block:
        group = self.inv.redundancy_group_of(name)
        if group is not None and len(group.members) > 1:
            return self.device_group(group, site)
        leaf, ends = self._circuit_parts(name, site)
        return series(leaf, *ends) if ends else leaf

    # -- site layers ----------------------------------------------------------------------
    def layer(self, layer: str, site: str) -> Block:
        return self._cached(f"{layer}:{site}", lambda: self._layer(layer, site))

    def _layer(self, layer: str, site: str) -> Block:
        roles = LAYERS[layer]
        devices = self._layer_devices(roles, site)
        if not devices and layer == "facility":
            goal = self._site_goal(site)
            if goal is not None:
                self._assume(f"{site}: power and cooling not modelled; the site counts at its goal {goal.name} "
                             f"({goal.target_percent} %)")
                return _leaf(f"site:{site}", f"{site} site infrastructure", "site", site_goal_figure(goal))
        if not devices and self._is_planned(site) and self.template is not None and self.template != site:
            devices = self._layer_devices(roles, self.template)
            if devices:
                self._assume(f"{site}: its {layer} layer is not in the inventory; taken as built like "
                             f"{self.template}'s ({', '.join(sorted({d.role for d in devices}))})")
        parts: list[Block] = []
        for device in devices:
            parts.append(self.device_or_group(device, site))
        if layer == "facility":
            parts.append(self._cached(f"utility:{site}", lambda: _leaf(
                f"utility:{site}", f"{site} utility power", "utility", utility_figure())))
        return series(*_unique(parts), key=f"{layer}:{site}", label=f"{layer} at {site}")

    def _layer_devices(self, roles: tuple[str, ...], site: str) -> list[Device]:
        """The site's devices of these roles in its data hall (a site that records no data hall:
        all of them) - the closets' small UPSs do not carry the data center."""
        found = [d for d in self.inv.devices if d.site == site and d.role in roles and self._in_service(d)]
        halls = {loc.name for loc in self.inv.locations if loc.site == site and loc.kind == DATA_HALL}
        return [d for d in found if self._room(d) in halls] if halls else found

    def _room(self, device: Device) -> str | None:
        if device.location is not None:
            return device.location
        rack = self.inv.index("racks").get(device.rack) if device.rack else None
        return rack.location if rack is not None else None

    def _in_service(self, device: Device) -> bool:
        """Offline and retiring devices carry nothing; planned ones only in the planned scenario."""
        if device.status in ("offline", "decommissioning"):
            return False
        return device.status != "planned" or self.scenario == "planned"

    def _site_goal(self, site: str) -> AvailabilityGoal | None:
        return next((g for g in self.inv.availability_goals if g.scope == "site" and site in g.subjects), None)

    def _is_planned(self, site: str) -> bool:
        record = self.inv.index("sites").get(site)
        return record is not None and record.status == "planned"

    def _template_site(self) -> str | None:
        """The data hall a planned site is taken to copy: the site of the clusters the plan
        absorbs, else the active primary data center."""
        clusters = self.inv.index("clusters")
        absorbed = sorted({clusters[c].site for p in self.inv.cluster_plans for c in p.absorbs if c in clusters})
        if absorbed:
            return absorbed[0]
        active = sorted(s.name for s in self.inv.sites if s.role == "primary_dc" and s.status == "active")
        return active[0] if active else None

    # -- helpers --------------------------------------------------------------------------
    def _cached(self, key: str, make: Callable[[], Block]) -> Block:
        block = self._blocks.get(key)
        if block is None:
            block = self._blocks[key] = make()
        return block

    def _assume(self, text: str) -> None:
        self._assumptions.setdefault(text, None)

    @property
    def assumptions(self) -> list[str]:
        """What the diagrams built so far rest on beyond the inventory's records."""
        moved = [f"{site} gets its own copy of {', '.join(names)}: a service that moves there takes its physical "
                 "servers along, and the planned sites record no circuit (a copy ends on a router like the "
                 "original's)" for site, names in self._moved.items()]
        return list(self._assumptions) + moved
