"""How reliable each component is: declared figures first, then documented per-type defaults.

Every figure is an MTBF / MTTR pair (hours) with the source it comes from, so a report
can always say why a component counts as it does. The order:

1. `reliability:` declared on the device (the device as it serves, software included),
   the circuit or the external party;
2. `reliability:` declared on the device's type (the vendor's MTBF of that model's
   hardware), with the software layer added for servers, as for 3;
3. the default of the component's type below. A server is hardware plus its software
   layer: a hypervisor host adds the hypervisor's figure, any other server its operating
   system's.

The defaults are orders of magnitude, not measurements: the plan states no figure, and
each source line says what the number rests on. Declare a figure in the inventory to
override one.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_inventory.models import AvailabilityGoal, Circuit, Device, DeviceType, ExternalParty

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class Figure:
    mtbf_hours: float
    mttr_hours: float
    source: str

    @property
    def availability(self) -> float:
        return self.mtbf_hours / (self.mtbf_hours + self.mttr_hours)

    @classmethod
    def from_availability(cls, availability: float, mttr_hours: float, source: str) -> Figure:
        """The MTBF that gives `availability` with outages of `mttr_hours` each (an SLA
        states the availability; its typical outage length sets the frequency)."""
        if not 0 < availability < 1:
            raise ValueError(f"availability must lie strictly between 0 and 1 (got {availability})")
        return cls(mttr_hours * availability / (1 - availability), mttr_hours, source)

    def then(self, other: Figure) -> Figure:
        """Two layers in series as one component (hardware, then the software on it): the
        failure rates add, the repair time is their rate-weighted mean."""
        rate = 1 / self.mtbf_hours + 1 / other.mtbf_hours
        mttr = (self.mttr_hours / self.mtbf_hours + other.mttr_hours / other.mtbf_hours) / rate
        return Figure(1 / rate, mttr, f"{self.source}; plus {other.source}")


# The defaults, by component type. Sources say what each number rests on.
_NETWORK_MTTR = "MTTR 4 h: a 24x7 four-hour hardware replacement contract, configuration restored from backup"
DEFAULTS: dict[str, Figure] = {
    "switch": Figure(200_000, 4, "dcops default: vendor datasheet MTBFs of fixed-configuration enterprise "
                                 f"switches are of the order of 150,000-400,000 h (Telcordia SR-332 predictions); "
                                 f"{_NETWORK_MTTR}"),
    "router": Figure(150_000, 4, "dcops default: vendor datasheet MTBFs of branch/edge routers are of the order "
                                 f"of 100,000-200,000 h (Telcordia SR-332 predictions); {_NETWORK_MTTR}"),
    "firewall": Figure(100_000, 4, "dcops default: firewall appliances, of the order of 100,000 h in vendor "
                                   f"datasheets (Telcordia SR-332 predictions); {_NETWORK_MTTR}"),
    "server": Figure(50_000, 8, "dcops default: 2-socket rack server hardware, of the order of tens of thousands "
                                "of hours predicted MTBF (Telcordia SR-332 / MIL-HDBK-217F); MTTR 8 h: "
                                "four-hour parts contract plus rebuild and restore"),
    "storage": Figure(500_000, 6, "dcops default: dual-controller midrange arrays, which vendors rate at "
                                  "99.999 % and above; MTTR 6 h: on-site engineer with parts"),
    "ups": Figure(100_000, 8, "dcops default: static UPS module, of the order of 100,000 h MTBF (module "
                              "figures in vendor literature range 100,000-300,000 h); MTTR 8 h: service visit"),
    "cooling": Figure(20_000, 12, "dcops default: precision air-conditioning unit (compressors, fans: mechanical "
                                  "wear), of the order of 20,000 h MTBF; MTTR 12 h: refrigeration technician and "
                                  "parts"),
    "pdu": Figure(1_000_000, 4, "dcops default: rack PDU (passive distribution), of the order of 10^6 h"),
    "appliance": Figure(100_000, 8, "dcops default: single-purpose appliance (telephony, security, building "
                                    "systems), of the order of 100,000 h; MTTR 8 h: provider's field service"),
    "hypervisor": Figure(2654, 100 / 60, "Nguyen, Kim & Park, 'A comprehensive availability modeling and "
                                         "analysis of a virtualized servers system using stochastic reward "
                                         "nets', The Scientific World Journal 2014, Table 3: VMM non-aging "
                                         "failure mean time 2654 h, repair 100 min"),
    "vm": Figure(2893, 0.5, "Nguyen, Kim & Park 2014 (as for the hypervisor), Table 3: VM non-aging failure "
                            "mean time 2893 h, repair 30 min"),
    "operating_system": Figure(2893, 0.5, "the VM figure of Nguyen, Kim & Park 2014 (guest OS and its "
                                          "application stack) applied to a physical server's OS"),
    "internet_circuit": Figure.from_availability(0.999, 4, "dcops default: a single dedicated Internet access "
                                                           "circuit at the usual carrier SLA of 99.9 %, "
                                                           "outages of 4 h"),
    "wan_circuit": Figure.from_availability(0.999, 4, "dcops default: a carrier WAN/MPLS circuit at the usual "
                                                      "SLA of 99.9 %, outages of 4 h"),
    "pri_circuit": Figure.from_availability(0.999, 4, "dcops default: a telephony PRI (E1) line at 99.9 %, "
                                                      "outages of 4 h"),
    "utility_power": Figure(4380, 2, "assumption: the utility supply of an urban site is lost about twice a "
                                     "year for about 2 h, longer than a UPS's battery runtime (minutes); the "
                                     "inventory records no generator"),
    "government": Figure.from_availability(0.995, 4, "assumption: State web services publish no SLA; 99.5 % "
                                                     "with outages of 4 h"),
    "platform": Figure.from_availability(0.995, 4, "assumption: the State interoperability platform publishes "
                                                   "no SLA; 99.5 % with outages of 4 h"),
    "bank": Figure.from_availability(0.999, 2, "assumption: a bank's B2B interface at 99.9 %, outages of 2 h"),
    "provider": Figure.from_availability(0.999, 4, "the 99.9 % monthly uptime SLA that the large cloud mail "
                                                   "and collaboration suites and carriers publish; outages "
                                                   "of 4 h"),
}

# Which default a device role, circuit kind and party kind take (every vocabulary value).
ROLE_TYPE: dict[str, str] = {
    "core_switch": "switch", "distribution_switch": "switch", "edge_switch": "switch", "poe_switch": "switch",
    "san_switch": "switch", "access_point": "switch", "router": "router", "firewall": "firewall",
    "server": "server", "storage": "storage", "backup_library": "storage", "ups": "ups", "cooling": "cooling",
    "pdu": "pdu", "pbx": "appliance", "media_gateway": "appliance", "voice_security": "appliance",
    "fire_detection": "appliance", "access_control": "appliance",
}
CIRCUIT_TYPE: dict[str, str] = {"internet": "internet_circuit", "wan": "wan_circuit", "mpls": "wan_circuit",
                                "dark_fiber": "wan_circuit", "pri": "pri_circuit"}
PARTY_TYPE: dict[str, str] = {"government": "government", "platform": "platform", "bank": "bank",
                              "provider": "provider"}

# The common-cause share of a redundant group's failures.
DEFAULT_BETA = 0.05
BETA_SOURCE = ("IEC 61508-6 Annex D beta-factor model: beta 1-10 % for redundant hardware; 5 % for identical units "
               "that share a room, power, firmware and change process")

# How long bringing a service up at the alternate site takes, by how it stands by there.
SWITCHOVER_HOURS: dict[str, float] = {"replica": 0.25, "placeholder": 4.0}
SWITCHOVER_SOURCE = ("assumption: a running replica takes over when DNS/global load balancing moves (15 min); a "
                     "placeholder is restored from replication and started (4 h)")

# A site whose power and cooling the inventory does not model stands for its declared site
# goal (the Uptime Institute tier it is designed to); one site-caused outage a year sets the
# frequency.
SITE_EVENTS_PER_YEAR = 1.0


def software_layer(device: Device) -> str:
    """What runs on a server: a hypervisor on cluster hosts, an operating system otherwise."""
    return "hypervisor" if device.cluster is not None or device.platform == "vmware_esxi" else "operating_system"


def device_figure(device: Device, device_type: DeviceType | None) -> Figure:
    if device.reliability is not None:
        r = device.reliability
        return Figure(r.mtbf_hours, r.mttr_hours, f"declared on device {device.name}: {r.source}")
    if device_type is not None and device_type.reliability is not None:
        r = device_type.reliability
        hardware = Figure(r.mtbf_hours, r.mttr_hours, f"declared on device type {device_type.name}: {r.source}")
    else:
        hardware = DEFAULTS[ROLE_TYPE[device.role]]
    if device.role == "server":
        return hardware.then(DEFAULTS[software_layer(device)])
    return hardware


def vm_figure() -> Figure:
    return DEFAULTS["vm"]


def circuit_figure(circuit: Circuit) -> Figure:
    if circuit.reliability is not None:
        r = circuit.reliability
        return Figure(r.mtbf_hours, r.mttr_hours, f"declared on circuit {circuit.name}: {r.source}")
    return DEFAULTS[CIRCUIT_TYPE[circuit.kind]]


def party_figure(party: ExternalParty) -> Figure:
    if party.reliability is not None:
        r = party.reliability
        return Figure(r.mtbf_hours, r.mttr_hours, f"declared on external party {party.name}: {r.source}")
    return DEFAULTS[PARTY_TYPE[party.kind]]


def utility_figure() -> Figure:
    return DEFAULTS["utility_power"]


def site_goal_figure(goal: AvailabilityGoal) -> Figure:
    """The site infrastructure as designed to its goal: the goal's yearly downtime spread
    over SITE_EVENTS_PER_YEAR outages."""
    availability = goal.target_percent / 100
    downtime = (1 - availability) * HOURS_PER_YEAR / SITE_EVENTS_PER_YEAR
    return Figure.from_availability(availability, downtime,
                                    f"site goal {goal.name} ({goal.source}), taken as the design figure of "
                                    f"a site whose power and cooling the inventory does not model; "
                                    f"{SITE_EVENTS_PER_YEAR:g} outage a year")
