"""Every MTPE device with a management interface is watched by something, or says why not.

"Watched" means what the rendered Prometheus configuration does: the device is a target
of at least one exporter module's job, or of the node_exporter job; otherwise
`coverage.exemption` must give the reason. The test enumerates the inventory itself, so
a device added without a collector fails here.
"""

from __future__ import annotations

from collections import Counter

import pytest

from dcops_exporters.coverage import EXEMPT, exemption
from dcops_exporters.prometheus_render import RenderOptions, node_jobs, probe_jobs
from dcops_inventory import AddressMap, Endpoint, load_inventory


@pytest.fixture(scope="module")
def mtpe():
    return load_inventory()


def watched(inv) -> dict[str, set[str]]:
    """device -> the collectors the rendered config points at it."""
    out: dict[str, set[str]] = {}
    for job in probe_jobs(inv, RenderOptions()):
        for name in job.targets:
            out.setdefault(name, set()).add(job.module)
    # the node_exporter job, with every Linux server at a lab address (rendering MTPE's real
    # addresses is refused in lab-only mode, which the test suite runs in)
    lab = AddressMap(devices={d.name: {"http": Endpoint("127.0.0.1", 9100)} for d in inv.devices})
    for job in node_jobs(inv, RenderOptions(node_addresses=lab)):
        for name, _ in job.targets:
            out.setdefault(name, set()).add("node_exporter")
    return out


def test_every_managed_device_is_probed_or_declares_why_not(mtpe):
    by = watched(mtpe)
    managed = [d for d in mtpe.devices if d.mgmt_ip]
    unwatched = [d.name for d in managed if d.name not in by and not exemption(d)]
    assert not unwatched, f"no module probes {unwatched} and coverage.EXEMPT gives no reason"
    watched_exempt = [d.name for d in managed if d.name in by and exemption(d)]
    assert not watched_exempt, f"declared exempt but probed: {watched_exempt}"
    # what the issue names is really watched, by the module meant for it
    roles = Counter(mtpe.device(n).role for n, mods in by.items() if mods & {"ups", "cooling", "storage"})
    assert roles == {"ups": 14, "cooling": 2, "storage": 6}
    servers = [d for d in managed if d.role == "server" and d.status == "active"]
    assert len(servers) == 43
    assert all(by[d.name] & {"host", "node_exporter"} for d in servers)
    assert {d.platform for d in servers if "node_exporter" in by[d.name]} == {"linux"}
    firewalls = [d.name for d in managed if d.role == "firewall"]
    assert len(firewalls) == 4 and all({"health", "if_mib"} <= by[n] for n in firewalls)
    routers = [d.name for d in managed if d.role == "router"]
    assert len(routers) == 2 and all("health" in by[n] for n in routers)


def test_exemptions_are_few_and_each_is_used(mtpe):
    exempt = Counter(d.device_type if d.device_type in EXEMPT else d.role
                     for d in mtpe.devices if d.mgmt_ip and exemption(d) and d.status == "active")
    assert set(exempt) == set(EXEMPT), "an EXEMPT entry no device needs is stale"
    print("exempt:", dict(exempt))


def test_a_new_device_without_collector_is_caught(mtpe):
    """The check is not vacuous: a device of a role nothing probes is reported."""
    from dcops_exporters.coverage import exemption as exempt_of

    pbx = next(d for d in mtpe.devices if d.role == "media_gateway")
    assert exempt_of(pbx)
    stray = pbx.model_copy(update={"name": "sc-new-01", "role": "phone_system", "device_type": "zkteco-inbio460"})
    assert exempt_of(stray) is None and stray.name not in watched(mtpe)
