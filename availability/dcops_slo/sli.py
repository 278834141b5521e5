"""Service level indicators: what "good" means for each subject of an availability goal.

No subject in the data center reports request counts, so every SLI here is time-based:
at each rule evaluation a subject is good (1) or bad (0), and the error ratio over a
window is the share of bad evaluations in it. A subject is good when every *measured
component* it needs is good:

- a device: it answers. A probed device when an exporter probe of it succeeds
  (`dcops_probe_success`, any module); a device Prometheus scrapes itself (node_exporter
  on a Linux server) when that scrape succeeds (`up`, which is 0, not absent, when it fails);
- a redundancy group: at least `needed` of its members answer, judged only while every
  member's probe result is known;
- a circuit: the operational status of the port it terminates on (`dcops_wan_up`, from
  IF-MIB ifOperStatus); a failed probe of that device counts as down.

A component whose series are absent is *unknown*: the exporter's scrape failed (the
target's `up` is 0 and its probe series go stale) or it was not scraped yet. The subject is then unknown
too, and that time counts neither as good nor as bad; MonitoringExporterDown covers it.

Subjects: a site needs the shared infrastructure of its data halls (SITE_ROLES: network
core, SAN, storage, power, cooling; every such device of the site if it has no data
hall), as redundancy groups where the inventory declares them; a redundancy group needs
itself; a service needs the data halls of the sites it runs at, its circuits, the devices
it runs on and the hosts of its VMs' clusters (each as its redundancy group when it is in
one), and the same for the services it depends on. Whatever a subject needs that no exporter
module measures (VMs, servers, external parties, voice trunks) is listed in the rule's
comment, so the SLI never looks more complete than it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_inventory import Inventory
from dcops_inventory.models import AvailabilityGoal, Device, RedundancyGroup, Service
from dcops_slo.view import MonitoredView, promql_match

COMPONENT_GOOD = "component:dcops_sli_good:bool"
SUBJECT_GOOD = "slo:dcops_sli_good:min"
DATA_HALL = "data_hall"
# What a data hall needs to serve anything: network core and edge, SAN, storage, power, cooling.
SITE_ROLES = ("core_switch", "router", "firewall", "san_switch", "storage", "ups", "cooling", "pdu")


@dataclass(frozen=True)
class Component:
    kind: str  # device | redundancy_group | circuit
    name: str
    expr: str  # one sample: 1 good, 0 bad, none when unknown
    definition: str  # one line for the rule's comment
    site: str | None

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Subject:
    goal: AvailabilityGoal
    kind: str  # service | site | redundancy_group
    name: str
    site: str | None
    components: tuple[Component, ...]
    unmeasured: tuple[str, ...]  # "vm vm-portal-web-01", "external party sunat", ...

    @property
    def measured(self) -> bool:
        return bool(self.components)

    @property
    def labels(self) -> dict[str, str]:
        labels = {"slo": self.goal.name, "subject": self.name, "subject_kind": self.kind}
        if self.site:
            labels["site"] = self.site
        return labels

    def expr(self) -> str:
        selector = f"{COMPONENT_GOOD}{{{promql_match('component', [c.key for c in self.components])}}}"
        return f"min({selector})\n  and on() (count({selector}) == {len(self.components)})"


class SliBuilder:
    """Components and subjects of one inventory, given what the Prometheus config measures."""

    def __init__(self, inv: Inventory, view: MonitoredView):
        self.inv, self.view = inv, view
        self._components: dict[str, Component] = {}

    # -- components ----------------------------------------------------------------------
    def components(self) -> list[Component]:
        """Every component some subject uses, by key."""
        return [self._components[k] for k in sorted(self._components)]

    def _keep(self, component: Component) -> Component:
        return self._components.setdefault(component.key, component)

    def device(self, device: Device) -> Component | None:
        if device.status != "active" or not self.view.measured(device.name):
            return None
        return self._keep(Component(
            "device", device.name, f"max({self.view.signals([device.name])})",
            f"device {device.name}: 1 while it answers ({self._how(device.name)})", device.site))

    def _how(self, device: str) -> str:
        if device in self.view.device_jobs:
            return f"up of job {self.view.device_jobs[device]}"
        return "dcops_probe_success of its exporter probes"

    def group(self, group: RedundancyGroup) -> Component | None:
        members = [self.inv.device(m) for m in group.members if m in self.inv.index("devices")]
        if len(members) != len(group.members) or any(d.status != "active" or not self.view.measured(d.name)
                                                      for d in members):
            return None
        probes = self.view.answers(group.members)
        sites = {d.site for d in members}
        return self._keep(Component(
            "redundancy_group", group.name,
            f"(sum({probes}) >= bool {group.needed})\n  and on() (count({probes}) == {len(group.members)})",
            f"redundancy group {group.name}: 1 while at least {group.needed} of its {len(group.members)} "
            f"members answer ({group.requirement}); unknown unless every member's probe result is known",
            sites.pop() if len(sites) == 1 else None))

    def circuit(self, name: str) -> Component | None:
        device = self.view.circuits.get(name)
        if device is None:
            return None
        circuit = self.inv.get("circuits", name)
        return self._keep(Component(
            "circuit", name,
            f'max(dcops_wan_up{{circuit="{name}"}})\n'
            f'  or on() (0 * max(dcops_probe_success{{instance="{device}", module="wan"}}))',
            f"circuit {name}: 1 while its port on {device} is operationally up (dcops_wan_up, ifOperStatus); "
            f"0 when the wan probe of {device} fails", circuit.site))

    # -- what subjects need ----------------------------------------------------------------
    def _site_needs(self, site: str) -> tuple[list[Component], list[str]]:
        """The shared infrastructure of the site's data halls (SITE_ROLES): its measured redundancy
        groups and ungrouped devices, and what of it is not measured."""
        halls = {loc.name for loc in self.inv.locations if loc.site == site and loc.kind == DATA_HALL}
        devices = [d for d in self.inv.devices if d.site == site and d.status == "active" and d.role in SITE_ROLES
                   and (not halls or d.location in halls)]
        if not devices:
            return [], [f"no active infrastructure device {'in its data halls' if halls else 'at the site'}"]
        names = {d.name for d in devices}
        found: list[Component] = []
        missing: list[str] = []
        grouped: set[str] = set()
        for group in sorted(self.inv.redundancy_groups, key=lambda g: g.name):
            if group.members and set(group.members) <= names:
                grouped.update(group.members)
                component = self.group(group)
                if component:
                    found.append(component)
                else:
                    missing.append(f"redundancy group {group.name}")
        for device in sorted((d for d in devices if d.name not in grouped), key=lambda d: d.name):
            component = self.device(device)
            if component:
                found.append(component)
            else:
                missing.append(f"device {device.name}")
        return found, missing

    def _member_needs(self, name: str) -> tuple[list[Component], list[str]]:
        """A runs_on device or VM: its measured redundancy group, else itself; for a VM also the
        hosts of its cluster (their group when they form one). Returns (components, unmeasured)."""
        found: list[Component] = []
        missing: list[str] = []
        group = self.inv.redundancy_group_of(name)
        component = self.group(group) if group is not None else None
        if component:
            found.append(component)
        elif name in self.inv.index("devices"):
            device = self.device(self.inv.device(name))
            if device:
                found.append(device)
            else:
                missing.append(f"device {name}")
        else:
            missing.append(f"vm {name}")
        if name not in self.inv.index("devices"):
            cluster = self.inv.get("vms", name).cluster
            for host in sorted(self.inv.hosts_of(cluster), key=lambda d: d.name):
                host_found, host_missing = self._member_needs(host.name)
                found += host_found
                missing += [f"{m} (a host of cluster {cluster})" for m in host_missing]
        return found, missing

    def _service_sites(self, service: Service) -> set[str]:
        sites = {self.inv.device(d).site for d in service.runs_on.devices}
        sites |= {self.inv.get("clusters", self.inv.get("vms", v).cluster).site for v in service.runs_on.vms}
        sites |= {self.inv.get("circuits", c).site for c in service.runs_on.circuits}
        return sites

    def _service_needs(self, service: Service) -> tuple[list[Component], list[str], set[str]]:
        found: dict[str, Component] = {}
        missing: list[str] = []
        sites: set[str] = set()
        seen: set[str] = set()
        queue = [service]
        while queue:  # the service and everything it depends on (checks.py rejects cycles)
            svc = queue.pop(0)
            if svc.name in seen:
                continue
            seen.add(svc.name)
            svc_sites = self._service_sites(svc)
            sites |= svc_sites
            for site in sorted(svc_sites):
                site_found, site_missing = self._site_needs(site)
                found.update((c.key, c) for c in site_found)
                missing += [f"site {site}: {m}" for m in site_missing]
            for member in [*svc.runs_on.devices, *svc.runs_on.vms]:
                member_found, member_missing = self._member_needs(member)
                found.update((c.key, c) for c in member_found)
                missing += member_missing
            for name in svc.runs_on.circuits:
                component = self.circuit(name)
                if component:
                    found[component.key] = component
                else:
                    missing.append(f"circuit {name}")
            missing += [f"external party {p}" for p in svc.external]
            queue += [self.inv.get("services", d) for d in svc.depends_on]
        return [found[k] for k in sorted(found)], sorted(set(missing)), sites

    # -- subjects ----------------------------------------------------------------------------
    def subjects(self, goal: AvailabilityGoal) -> list[Subject]:
        """Every subject of the goal, measured or not, by name."""
        out = []
        site: str | None
        if goal.scope == "site":
            for name in sorted(goal.subjects):
                found, missing = self._site_needs(name)
                out.append(Subject(goal, "site", name, name, tuple(found), tuple(missing)))
        elif goal.scope == "component_group":
            for name in sorted(goal.subjects):
                group = self.inv.get("redundancy_groups", name)
                component = self.group(group)
                unmeasured = () if component else (f"redundancy group {name} (not every member is probed)",)
                site = component.site if component else None
                out.append(Subject(goal, "redundancy_group", name, site, (component,) if component else (),
                                   unmeasured))
        else:
            names = set(goal.subjects) | {s.name for s in self.inv.services if s.availability_goal == goal.name}
            for name in sorted(names):
                found, missing, sites = self._service_needs(self.inv.get("services", name))
                site = next(iter(sites)) if len(sites) == 1 else None
                out.append(Subject(goal, "service", name, site, tuple(found), tuple(missing)))
        return out
