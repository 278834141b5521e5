"""Synthetic inventories of any size, shaped like a real data center, for benchmarks and tests.

    python -m dcops_lab.synthetic 50000 /tmp/inv50k [--vms N]   # writes YAML that load_inventory accepts

The one generator every benchmark and test uses (`from dcops_lab.synthetic import generate`).

Why synthetic: the MTPE inventory is ~300 devices; the loader, checks and query views must
stay fast for a site a hundred times that size, and a reproducible generator (seeded) is the
only honest way to measure that. The shape follows the usual three-tier layout:

* sites of up to ~5000 devices, each with a data hall, two UPS and A/B power feeds;
* a network rack per site with two core switches (arista_eos) cabled to each other;
* pods of 16 racks, each pod with a pair of distribution switches uplinked to both cores;
* every rack: a top-of-rack edge switch at U42 uplinked to its pod's pair, and 2U servers
  from U1 up, each cabled to the edge switch, grouped one cluster per rack;
* VMs (about one per device) on the clusters, OS from a software list with EOL dates;
* mgmt addresses in one /16 per site (VRF mgmt), server data addresses in VRF prod;
* services running on VMs, with dependencies and availability goals; redundancy groups for
  core pairs, distribution pairs and clusters (N+1).
"""

from __future__ import annotations

import argparse
import ipaddress
import random
from pathlib import Path

import yaml

try:
    _BaseDumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - LibYAML missing
    _BaseDumper = yaml.SafeDumper


class _Dumper(_BaseDumper):
    """No `&id001` anchors for shared lists: people do not write inventories that way."""

    def ignore_aliases(self, data) -> bool:
        return True

RACK_U = 42
SERVERS_PER_RACK = 16
RACKS_PER_POD = 16
DEVICES_PER_SITE = 5000
A = "assumption: synthetic benchmark data"
CHANNELS = ("G2C", "G2B", "G2G", "G2E")  # declared in meta.channels, as any inventory's channels

DEVICE_TYPES = [
    {"name": "synth-core", "manufacturer": "Arista", "model": "7280R3", "u_height": 1,
     "typical_power_w": 450, "max_power_w": 750,
     "interfaces": [{"name": "Ethernet{n}", "count": 48, "type": "10gbase-x-sfpp", "speed_mbps": 10000},
                    {"name": "Ethernet{n}", "count": 4, "start": 49, "type": "100gbase-x-qsfp28",
                     "speed_mbps": 100000},
                    {"name": "Management1", "type": "1000base-t", "mgmt_only": True}]},
    {"name": "synth-dist", "manufacturer": "Cisco", "model": "C9500-48Y4C", "u_height": 1,
     "typical_power_w": 350, "max_power_w": 650,
     "interfaces": [{"name": "TenGigabitEthernet1/0/{n}", "count": 48, "type": "10gbase-x-sfpp",
                     "speed_mbps": 10000},
                    {"name": "FortyGigabitEthernet1/1/{n}", "count": 4, "type": "40gbase-x-qsfpp",
                     "speed_mbps": 40000},
                    {"name": "GigabitEthernet0/0", "type": "1000base-t", "mgmt_only": True}]},
    {"name": "synth-edge", "manufacturer": "Cisco", "model": "C9300-48T", "u_height": 1,
     "typical_power_w": 150, "max_power_w": 350,
     "interfaces": [{"name": "GigabitEthernet1/0/{n}", "count": 48, "type": "1000base-t",
                     "speed_mbps": 1000},
                    {"name": "TenGigabitEthernet1/1/{n}", "count": 4, "type": "10gbase-x-sfpp",
                     "speed_mbps": 10000},
                    {"name": "GigabitEthernet0/0", "type": "1000base-t", "mgmt_only": True}]},
    {"name": "synth-server", "manufacturer": "Dell", "model": "PowerEdge R750", "u_height": 2,
     "typical_power_w": 420, "max_power_w": 1100,
     "interfaces": [{"name": "eth{n}", "count": 2, "start": 0, "type": "1000base-t", "speed_mbps": 1000},
                    {"name": "idrac", "type": "1000base-t", "mgmt_only": True}]},
    {"name": "synth-ap", "manufacturer": "Cisco", "model": "C9120AXI", "u_height": 0,
     "typical_power_w": 15, "max_power_w": 25,
     "interfaces": [{"name": "GigabitEthernet0", "type": "1000base-t", "speed_mbps": 1000}]},
    {"name": "synth-ups", "manufacturer": "APC", "model": "Symmetra PX 50kVA", "u_height": 0,
     "typical_power_w": 0, "max_power_w": 0,
     "interfaces": [{"name": "nmc", "type": "1000base-t", "mgmt_only": True}]},
]

# name, title, category, version, eol_date (None: supported), platform of VMs running it
SOFTWARE = [
    ("centos-7", "CentOS Linux 7", "operating_system", "7", "2024-06-30", "linux"),
    ("rhel-8", "Red Hat Enterprise Linux 8", "operating_system", "8", "2029-05-31", "linux"),
    ("rhel-9", "Red Hat Enterprise Linux 9", "operating_system", "9", "2032-05-31", "linux"),
    ("ubuntu-22-04", "Ubuntu 22.04 LTS", "operating_system", "22.04", "2027-04-01", "linux"),
    ("debian-12", "Debian 12", "operating_system", "12", "2028-06-30", "linux"),
    ("windows-2012", "Windows Server 2012 R2", "operating_system", "2012 R2", "2023-10-10", "windows"),
    ("windows-2019", "Windows Server 2019", "operating_system", "2019", "2029-01-09", "windows"),
    ("oracle-19c", "Oracle Database 19c", "database", "19c", "2027-04-30", None),
    ("mssql-2000", "Microsoft SQL Server 2000", "database", "2000", "2013-04-09", None),
    ("postgresql-16", "PostgreSQL 16", "database", "16", "2028-11-09", None),
]


def _rec(**fields) -> dict:
    """Drops None fields so the YAML only holds what a person would have written."""
    return {k: v for k, v in fields.items() if v is not None}


class _Site:
    """Addresses handed out in order inside one site's prefixes: never duplicated."""

    def __init__(self, index: int):
        self.index = index
        self.name = f"s{index:02d}"
        self.mgmt = ipaddress.IPv4Network(f"10.{index}.0.0/16")
        self.vm_mgmt = ipaddress.IPv4Network(f"10.{100 + index}.0.0/16")
        self.data = ipaddress.IPv4Network(f"100.{64 + index // 4}.{(index % 4) * 64}.0/18")
        self._next = {"mgmt": 1, "vm_mgmt": 1, "data": 1}

    def address(self, which: str) -> str:
        net = getattr(self, which)
        n = self._next[which]
        self._next[which] = n + 1
        if n >= net.num_addresses - 1:
            raise ValueError(f"site {self.name}: {which} prefix {net} is full")
        return f"{net.network_address + n}/{net.prefixlen}"


def generate(n_devices: int, out_dir: str | Path, seed: int = 1, vms: int | None = None) -> dict[str, int]:
    """Write an inventory of exactly `n_devices` devices and `vms` VMs (default: as many as
    devices) to `out_dir`; returns record counts."""
    if vms is not None and vms < 0:
        raise ValueError("vms must be >= 0")
    if n_devices < 20:
        raise ValueError("need at least 20 devices (two sites of cores, a pod and a rack)")
    rnd = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_sites = max(2, -(-n_devices // DEVICES_PER_SITE))
    if n_sites > 99:
        raise ValueError("at most 99 sites (~495k devices)")
    per_site = [n_devices // n_sites + (1 if i < n_devices % n_sites else 0) for i in range(n_sites)]
    counts: dict[str, int] = {}
    all_clusters: list[tuple[str, str, list[str]]] = []  # (site, cluster, hosts)

    common = {
        "meta": {"name": "synthetic", "title": f"Synthetic data center, {n_devices} devices", "mgmt_vrf": "mgmt",
                 "channels": [{"name": c, "title": f"{c} channel"} for c in CHANNELS]},
        "vrfs": [{"name": "mgmt", "provenance": A}, {"name": "prod", "provenance": A}],
        "device_types": [dict(t, provenance=A) for t in DEVICE_TYPES],
        "software": [_rec(name=n, title=t, category=c, vendor=None, version=v, install_count=0,
                          eol_date=e, provenance=A) for n, t, c, v, e, _ in SOFTWARE],
        "secrets": [{"name": "net-password", "kind": "env", "ref": "DCOPS_NET_PASSWORD", "provenance": A},
                    {"name": "snmp-community", "kind": "env", "ref": "DCOPS_SNMP_COMMUNITY", "provenance": A}],
        "credentials": [{"name": "net-admin", "username": "netops", "password_secret": "net-password",
                         "provenance": A}],
        "snmp_profiles": [{"name": "snmp-v2c", "version": "v2c", "community_secret": "snmp-community",
                           "provenance": A}],
        "prefixes": [{"prefix": "10.0.0.0/8", "vrf": "mgmt", "role": "container", "provenance": A},
                     {"prefix": "100.64.0.0/10", "vrf": "prod", "role": "container", "provenance": A}],
        "staff": [{"name": "network-admins", "title": "Network administrator", "count": 2, "provenance": A},
                  {"name": "sysadmins", "title": "Systems administrator", "count": 4, "provenance": A}],
        "availability_goals": [
            {"name": "tier3-site", "scope": "site", "target_percent": 99.982, "window_days": 365,
             "source": "Uptime Institute Tier III", "indicative": True, "provenance": A},
            {"name": "service-999", "scope": "service", "target_percent": 99.9, "window_days": 30,
             "source": "synthetic SLO", "indicative": True, "provenance": A}],
        "asset_pools": [{"name": "desktops", "title": "Desktop computers", "category": "desktop",
                         "count": n_devices // 2, "provenance": A}],
        "sites": [], "locations": [], "circuits": [],
    }
    sites = {f"s{i:02d}": _Site(i) for i in range(1, n_sites + 1)}
    for site, n_site in zip(sites.values(), per_site):
        _write_site(out, site, n_site, rnd, common, counts, all_clusters)
    vm_names: list[str] = []
    _write_vms(out, common, all_clusters, n_devices if vms is None else vms, rnd, counts, vm_names, sites)
    _write_services(out, common, vm_names, rnd)
    for key, value in common.items():
        if isinstance(value, list):
            counts[key] = counts.get(key, 0) + len(value)
    _dump(out / "common.yaml", common)
    return counts


def _write_site(out: Path, site: _Site, n_site: int, rnd: random.Random, common: dict,
                counts: dict, all_clusters: list) -> None:
    sn = site.name
    common["sites"].append({"name": sn, "title": f"Synthetic site {site.index}",
                            "role": "primary_dc" if site.index == 1 else "alternate_dc",
                            "status": "active", "provenance": A})
    common["locations"].append({"name": f"{sn}-hall", "site": sn, "kind": "data_hall", "provenance": A})
    devices: list[dict] = []
    racks: list[dict] = []
    cables: list[dict] = []
    interfaces: list[dict] = []
    groups: list[dict] = []
    ips: list[dict] = []
    net = {"credentials": "net-admin", "snmp_profile": "snmp-v2c"}

    def device(name, role, dtype, rack=None, position=None, platform=None, **extra):
        devices.append(_rec(name=name, role=role, device_type=dtype, site=sn, location=f"{sn}-hall",
                            rack=rack, position=position, platform=platform,
                            serial=f"SN{site.index:02d}{len(devices):06d}",
                            mgmt_ip=site.address("mgmt"), provenance=A, **extra))

    def cable(a_dev, a_if, b_dev, b_if, kind):
        cables.append({"a": {"device": a_dev, "interface": a_if}, "b": {"device": b_dev, "interface": b_if},
                       "type": kind, "provenance": A})

    # power: two UPS (not racked), A and B feeds to every rack
    for _side, n in (("A", 1), ("B", 2)):
        device(f"{sn}-ups-{n:02d}", "ups", "synth-ups", ups={"capacity_kva": 50, "runtime_minutes": 15})
    feeds = [{"name": f"{sn}-feed-{side.lower()}", "site": sn, "ups": f"{sn}-ups-{n:02d}", "side": side,
              "max_power_w": 40000, "provenance": A} for side, n in (("A", 1), ("B", 2))]
    feed_names = [f["name"] for f in feeds]

    def rack(name, capacity):
        racks.append({"name": name, "site": sn, "location": f"{sn}-hall", "u_height": RACK_U,
                      "power_capacity_w": capacity, "feeds": feed_names, "provenance": A})

    net_rack = f"{sn}-r000"
    rack(net_rack, 6000)
    cores = [f"{sn}-core-{i:02d}" for i in (1, 2)]
    for i, core in enumerate(cores):
        device(core, "core_switch", "synth-core", net_rack, 40 + i, "arista_eos", **net)
    cable(cores[0], "Ethernet49", cores[1], "Ethernet49", "dac")
    cable(cores[0], "Ethernet50", cores[1], "Ethernet50", "dac")
    groups.append({"name": f"{sn}-core", "requirement": "2N", "members": cores, "provenance": A})

    remaining = n_site - len(devices)
    core_port = 1
    pod = 0
    rack_no = 0
    dist_pos = 1
    while remaining > 0:
        pod += 1
        dists = [f"{sn}-dist-{pod:02d}{x}" for x in "ab"]
        if remaining < 2 + 2 or dist_pos + 1 > 38:
            break
        for d in dists:
            device(d, "distribution_switch", "synth-dist", net_rack, dist_pos, "cisco_ios", **net)
            dist_pos += 1
        for k, d in enumerate(dists):
            for j, core in enumerate(cores):
                cable(d, f"FortyGigabitEthernet1/1/{j + 1}", core, f"Ethernet{core_port + k}", "om4")
        core_port += 2
        groups.append({"name": f"{sn}-dist-{pod:02d}", "requirement": "N+1", "needed": 1,
                       "members": dists, "provenance": A})
        remaining -= 2
        for r in range(RACKS_PER_POD):
            if remaining <= 0:
                break
            rack_no += 1
            rname = f"{sn}-r{rack_no:03d}"
            rack(rname, rnd.choice((8000, 10000, 12000)))
            edge = f"{sn}-edge-{rack_no:03d}"
            device(edge, "edge_switch", "synth-edge", rname, RACK_U, "cisco_ios", **net)
            remaining -= 1
            for j, d in enumerate(dists):
                cable(edge, f"TenGigabitEthernet1/1/{j + 1}", d, f"TenGigabitEthernet1/0/{r + 1}", "om3")
                interfaces.append({"device": edge, "name": f"TenGigabitEthernet1/1/{j + 1}",
                                   "description": f"uplink to {d}", "role": "uplink", "mode": "trunk",
                                   "provenance": A})
            n_srv = min(SERVERS_PER_RACK, remaining)
            if n_srv == 0:
                break
            cluster = f"{sn}-cl-{rack_no:03d}"
            hosts = []
            for k in range(n_srv):
                srv = f"{sn}-srv-{rack_no:03d}{k:02d}"
                device(srv, "server", "synth-server", rname, 1 + 2 * k, "vmware_esxi", cluster=cluster)
                cable(srv, "eth0", edge, f"GigabitEthernet1/0/{k + 1}", "cat6")
                ips.append({"address": site.address("data"), "vrf": "prod", "device": srv,
                            "interface": "eth1", "dns_name": f"{srv}.synth.example", "provenance": A})
                hosts.append(srv)
            remaining -= n_srv
            common.setdefault("clusters", []).append({"name": cluster, "site": sn, "provenance": A})
            all_clusters.append((sn, cluster, hosts))
            if len(hosts) >= 2:
                groups.append({"name": cluster, "requirement": "N+1", "needed": len(hosts) - 1,
                               "members": hosts, "provenance": A})
    # leftovers (at most a few, when no whole pod fits): unracked access points
    for k in range(remaining):
        device(f"{sn}-ap-{k + 1:03d}", "access_point", "synth-ap", platform="cisco_ios", **net)

    common["circuits"].append({"name": f"{sn}-internet", "provider": "Synthetic ISP", "kind": "internet",
                               "site": sn, "commit_rate_mbps": 1000, "device": cores[0],
                               "interface": "Ethernet48", "provenance": A})
    common["prefixes"] += [
        {"prefix": str(site.mgmt), "vrf": "mgmt", "site": sn, "vlan": f"{sn}-mgmt", "role": "mgmt", "provenance": A},
        {"prefix": str(site.vm_mgmt), "vrf": "mgmt", "site": sn, "vlan": f"{sn}-mgmt", "role": "mgmt",
         "provenance": A},
        {"prefix": str(site.data), "vrf": "prod", "site": sn, "vlan": f"{sn}-servers", "role": "servers",
         "provenance": A},
    ]
    vlans = [{"name": f"{sn}-{role}", "vid": vid, "site": sn, "role": role, "provenance": A}
             for role, vid in (("mgmt", 10), ("servers", 20), ("storage", 30), ("vmotion", 40))]
    vlans += [{"name": f"{sn}-users-{p:02d}", "vid": 100 + p, "site": sn, "role": "users", "provenance": A}
              for p in range(1, pod + 1)]
    body = {"power_feeds": feeds, "racks": racks, "devices": devices, "interfaces": interfaces,
            "cables": cables, "redundancy_groups": groups, "ip_addresses": ips, "vlans": vlans}
    for key, value in body.items():
        counts[key] = counts.get(key, 0) + len(value)
    _dump(out / "sites" / f"{sn}.yaml", body)


def _write_vms(out: Path, common: dict, clusters: list, n_vms: int, rnd: random.Random,
               counts: dict, names: list[str], sites: dict[str, _Site]) -> None:
    if not clusters:
        return
    by_site: dict[str, list[dict]] = {}
    oses = [s for s in SOFTWARE if s[5]]
    installs: dict[str, int] = {}
    for i in range(n_vms):
        sn, cluster, hosts = clusters[i % len(clusters)]
        os_name, _, _, _, _, platform = oses[rnd.randrange(len(oses))]
        name = f"{cluster}-vm-{i // len(clusters) + 1:03d}"
        installs[os_name] = installs.get(os_name, 0) + 1
        by_site.setdefault(sn, []).append(_rec(
            name=name, cluster=cluster, host=hosts[i % len(hosts)], vcpus=rnd.choice((2, 4, 8, 16)),
            memory_gb=rnd.choice((4, 8, 16, 32, 64)), disk_gb=rnd.choice((50, 100, 200, 500)),
            os=os_name, platform=platform, status="active" if i % 50 else "offline",
            mgmt_ip=sites[sn].address("vm_mgmt"), provenance=A))
        names.append(name)
    for sn, vms in by_site.items():
        _dump(out / "vms" / f"{sn}.yaml", {"vms": vms})
    counts["vms"] = n_vms
    for sw in common["software"]:
        sw["install_count"] = installs.get(sw["name"], rnd.randrange(1, 20))


def _write_services(out: Path, common: dict, vm_names: list[str], rnd: random.Random) -> None:
    n = max(3, len(vm_names) // 100)
    services = []
    for i in range(n):
        runs = sorted(rnd.sample(vm_names, min(3, len(vm_names)))) if vm_names else []
        deps = sorted({f"svc-{rnd.randrange(i):04d}" for _ in range(2)}) if i else []
        services.append(_rec(name=f"svc-{i:04d}", title=f"Synthetic service {i}",
                             channels=[rnd.choice(CHANNELS)],
                             criticality=rnd.choice(("critical", "high", "medium", "low")),
                             runs_on={"vms": runs}, depends_on=deps,
                             availability_goal="service-999", owner="sysadmins", provenance=A))
    common["services"] = services


def _dump(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        yaml.dump(doc, fh, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("devices", type=int, help="number of devices")
    parser.add_argument("out", type=Path, help="directory to write (created)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vms", type=int, default=None, help="number of VMs (default: as many as devices)")
    args = parser.parse_args()
    counts = generate(args.devices, args.out, args.seed, vms=args.vms)
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
