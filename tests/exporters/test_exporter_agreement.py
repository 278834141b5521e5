"""Agreement with the reference: Debian's prometheus-snmp-exporter 0.21 and dcops scrape the
same snmpsim agent; speeds and statuses are equal and every counter the reference reads
lies between dcops' readings just before and just after it (the counters keep growing)."""

from __future__ import annotations

import shutil

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from dcops_lab.snmp.services import start_snmp_exporter

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("prometheus-snmp-exporter") is None,
                                                   reason="Debian prometheus-snmp-exporter missing")]

DEVICE = "sc-edge-01"
# reference metric -> (dcops metric, scale from the reference's unit to dcops')
PAIRS = {
    "ifHCInOctets": ("dcops_interface_receive_bytes_total", 1),
    "ifHCOutOctets": ("dcops_interface_transmit_bytes_total", 1),
    "ifInErrors": ("dcops_interface_receive_errors_total", 1),
    "ifOutDiscards": ("dcops_interface_transmit_discards_total", 1),
}
GAUGES = {
    "ifHighSpeed": ("dcops_interface_speed_bytes_per_second", 1e6 / 8),
    "ifOperStatus": ("dcops_interface_oper_status", 1),
    "ifAdminStatus": ("dcops_interface_admin_status", 1),
}


def parse(text: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            key = s.labels.get("ifIndex") or s.labels.get("interface")
            if key is not None:  # the parser names counter samples `<family>_total`
                name = s.name.removesuffix("_total") if fam.type == "counter" and "ifIndex" in s.labels else s.name
                out.setdefault(name, {})[key] = s.value
    return out


def dcops_by_ifindex(exporter) -> dict[str, dict[str, float]]:
    text = requests.get(f"{exporter.url}/probe", params={"target": DEVICE, "module": "if_mib"}, timeout=10).text
    samples = parse(text)
    index_of = {}
    for fam in text_string_to_metric_families(text):
        if fam.name in ("dcops_interface", "dcops_interface_info"):
            for s in fam.samples:
                index_of[s.labels["interface"]] = s.labels["ifindex"]
    return {name: {index_of[i]: v for i, v in values.items()} for name, values in samples.items()
            if name.startswith("dcops_interface_") and name != "dcops_interface_info"}


def test_counters_and_speeds_agree_with_snmp_exporter(snmp_lab, exporter, tmp_path):
    ep = snmp_lab.address_map.endpoint(DEVICE, "snmp")
    with start_snmp_exporter(snmp_lab.communities[DEVICE], tmp_path) as ref:
        before = dcops_by_ifindex(exporter)
        r = requests.get(f"{ref.url}/snmp", params={"target": f"{ep.host}:{ep.port}", "module": "if_mib"}, timeout=30)
        after = dcops_by_ifindex(exporter)
    assert r.status_code == 200, r.text
    reference = parse(r.text)
    assert len(reference["ifHCInOctets"]) == 50
    moved = 0
    for ref_name, (ours, scale) in PAIRS.items():
        assert set(reference[ref_name]) == set(before[ours])
        for idx, value in reference[ref_name].items():
            assert before[ours][idx] <= value * scale <= after[ours][idx], f"{ref_name}.{idx}"
            moved += after[ours][idx] > before[ours][idx]
    assert moved > 0, "no counter moved: the comparison proved nothing"
    for ref_name, (ours, scale) in GAUGES.items():
        assert {i: v * scale for i, v in reference[ref_name].items()} == before[ours] == after[ours]
