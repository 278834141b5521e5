"""The lab Prometheus the dashboard queries run against: the MTPE data center simulated on
127.0.0.1 (snmpsim agents, the storage arrays' WSAPI, node_exporter, the dcops exporter), a
real Prometheus scraping it at the inventory's scrape tiers with the configuration and the
availability rules rendered from the inventory (lab rule profile: groups every 5 s).

The whole inventory, not a subset, because the committed dashboards are MTPE's: every panel
of them is checked against the series it will really read. Started once per session and
always stopped; MTPE's tiers (15 s core, 60 s the rest) are what keep it on 2 cores.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from dcops_exporters.coverage import runs_node_exporter
from dcops_exporters.prometheus_render import RenderOptions, render_rules
from dcops_exporters.render_files import write_tree
from dcops_inventory import AddressMap, Endpoint, load_inventory
from dcops_lab.snmp.monitoring import start_monitoring_lab
from dcops_lab.snmp.services import start_prometheus
from dcops_slo import RuleOptions

REPO = Path(__file__).resolve().parents[2]
MTPE = REPO / "inventory" / "mtpe"


@pytest.fixture(scope="session")
def mtpe():
    return load_inventory(MTPE)


@pytest.fixture(scope="session")
def lab_prometheus(mtpe, tmp_path_factory):
    """(MonitoringLab, Prometheus URL, start time) with the rules loaded; data accumulates from then on."""
    if shutil.which("prometheus") is None:
        pytest.skip("Debian prometheus missing")
    work = tmp_path_factory.mktemp("dashboards-lab")
    lab = start_monitoring_lab(mtpe, work, prometheus=False)
    try:
        linux = sorted(d.name for d in mtpe.devices if d.status == "active" and d.mgmt_ip and runs_node_exporter(d))
        node = None
        if lab.node_exporter is not None:
            port = int(lab.node_exporter.url.rsplit(":", 1)[1])
            node = AddressMap(devices={n: {"http": Endpoint("127.0.0.1", port)} for n in linux}, source="lab")
        # The same options start_monitoring_lab rendered the scrape config with, so the rules
        # see the jobs Prometheus runs; the lab profile evaluates them every 5 s.
        opts = RenderOptions(exporter=lab.exporter.url.removeprefix("http://"), node_addresses=node,
                             rules=RuleOptions("lab"))
        write_tree(lab.config_dir, render_rules(mtpe, opts))
        lab.prometheus = start_prometheus(lab.config_dir / "prometheus.yml", work)
        yield lab, lab.prometheus.url, time.time()
    finally:
        lab.stop()
