"""The MTPE inventory renders into a config Prometheus accepts, identically every time."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from dcops_exporters.prometheus_cli import write_tree
from dcops_exporters.prometheus_render import RenderOptions, render
from dcops_exporters.targets import DATA_CIRCUIT_KINDS
from dcops_inventory import load_inventory


@pytest.fixture(scope="module")
def mtpe():
    return load_inventory()


def test_mtpe_targets_cover_every_active_network_device_once(mtpe):
    files = render(mtpe, RenderOptions())
    if_mib = [e["targets"][0] for e in json.loads(files["targets/if_mib.json"])]
    expected = sorted(d.name for d in mtpe.devices if d.status == "active" and d.snmp_profile and d.role in (
        "core_switch", "distribution_switch", "edge_switch", "poe_switch", "san_switch", "router", "firewall"))
    assert if_mib == expected and len(set(if_mib)) == len(if_mib)
    wan = json.loads(files["targets/wan.json"])
    circuits = {c.device for c in mtpe.circuits if c.device and c.kind in DATA_CIRCUIT_KINDS and c.status == "active"}
    assert {e["targets"][0] for e in wan} == circuits
    assert render(mtpe, RenderOptions()) == files


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
def test_mtpe_config_passes_promtool(mtpe, tmp_path):
    write_tree(tmp_path, render(mtpe, RenderOptions(shards=2, remote_write=("http://127.0.0.1:9/api/v1/push",))))
    for config in sorted(tmp_path.glob("prometheus-shard-*.yml")):
        res = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr


def test_bad_options_are_refused_with_the_option_name():
    with pytest.raises(ValueError, match="--exporter must be HOST:PORT"):
        RenderOptions(exporter="http://x")
    with pytest.raises(ValueError, match="--shards"):
        RenderOptions(shards=0)
    with pytest.raises(ValueError, match="--remote-write"):
        RenderOptions(remote_write=("mimir:9009",))
