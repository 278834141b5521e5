"""The MTPE inventory renders into a config Prometheus accepts, identically every time."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

from dcops_exporters.prometheus_cli import write_tree
from dcops_exporters.prometheus_render import RenderOptions, render
from dcops_exporters.targets import DATA_CIRCUIT_KINDS
from dcops_inventory import load_inventory


@pytest.fixture(scope="module")
def mtpe():
    return load_inventory()


def targets(files: dict[str, bytes], path: str) -> list[str]:
    return [e["targets"][0] for e in json.loads(files[path])]


def test_mtpe_targets_cover_every_active_network_device_once(mtpe):
    files = render(mtpe, RenderOptions())
    if_mib = [n for path in ("targets/if_mib_15s.json", "targets/if_mib_60s.json") for n in targets(files, path)]
    expected = sorted(d.name for d in mtpe.devices if d.status == "active" and d.snmp_profile and d.role in (
        "core_switch", "distribution_switch", "edge_switch", "poe_switch", "san_switch", "router", "firewall"))
    assert sorted(if_mib) == expected and len(set(if_mib)) == len(if_mib), "every if_mib target in exactly one job"
    wan = targets(files, "targets/wan_15s.json")
    circuits = {c.device for c in mtpe.circuits if c.device and c.kind in DATA_CIRCUIT_KINDS and c.status == "active"}
    assert set(wan) == circuits
    # the device-family modules (health every 60 s at most); node_exporter targets are left
    # out under DCOPS_LAB_ONLY without a lab address for them (see test_module_coverage)
    assert sorted(f for f in files if f == "prometheus.yml" or f.startswith("targets/")) == [
        "prometheus.yml", "targets/cooling_60s.json", "targets/health_60s.json", "targets/host_60s.json",
        "targets/if_mib_15s.json", "targets/if_mib_60s.json", "targets/storage_60s.json", "targets/ups_60s.json",
        "targets/wan_15s.json"]
    assert render(mtpe, RenderOptions()) == files


def test_mtpe_jobs_follow_the_scrape_tiers(mtpe):
    files = render(mtpe, RenderOptions())
    config = yaml.safe_load(files["prometheus.yml"])
    jobs = {j["job_name"]: (j["scrape_interval"], j["scrape_timeout"], j["file_sd_configs"][0]["files"][0],
                            j["params"]["module"][0]) for j in config["scrape_configs"][1:]}
    assert jobs == {
        "dcops_if_mib_15s": ("15s", "10s", "targets/if_mib_15s.json", "if_mib"),
        "dcops_if_mib_60s": ("60s", "10s", "targets/if_mib_60s.json", "if_mib"),
        "dcops_wan_15s": ("15s", "10s", "targets/wan_15s.json", "wan"),
        **{f"dcops_{m}_60s": ("60s", "10s", f"targets/{m}_60s.json", m)
           for m in ("cooling", "health", "host", "storage", "ups")},
    }
    assert config["global"] == {"scrape_interval": "15s", "scrape_timeout": "10s", "evaluation_interval": "15s",
                                "external_labels": {"dcops_inventory": "mtpe"}}
    fast, slow = targets(files, "targets/if_mib_15s.json"), targets(files, "targets/if_mib_60s.json")
    assert "sc-core-01" in fast and "sc-edge-001" in slow
    roles = lambda names: {mtpe.device(n).role for n in names}  # noqa: E731
    assert roles(fast) == {"core_switch", "distribution_switch", "san_switch", "router", "firewall"}
    assert roles(slow) == {"edge_switch", "poe_switch"}
    assert (len(fast), len(slow), len(targets(files, "targets/wan_15s.json"))) == (51, 127, 1)
    labels = {e["targets"][0]: e["labels"]["scrape_tier"] for e in json.loads(files["targets/if_mib_60s.json"])}
    assert set(labels.values()) == {"access"}


def test_override_puts_every_tier_in_one_job_per_module(mtpe):
    files = render(mtpe, RenderOptions(scrape_interval="2s", scrape_timeout="2s"))
    config = yaml.safe_load(files["prometheus.yml"])
    jobs = {j["job_name"]: (j["scrape_interval"], j["scrape_timeout"]) for j in config["scrape_configs"][1:]}
    assert jobs == {f"dcops_{m}_2s": ("2s", "2s") for m in ("cooling", "health", "host", "if_mib", "storage", "ups", "wan")}
    assert len(targets(files, "targets/if_mib_2s.json")) == 178
    assert (config["global"]["scrape_interval"], config["global"]["evaluation_interval"]) == ("2s", "2s")
    # an interval alone: the timeout is min(10s, interval); a timeout alone keeps each tier's interval
    only_interval = yaml.safe_load(render(mtpe, RenderOptions(scrape_interval="1m"))["prometheus.yml"])
    assert [(j["job_name"], j["scrape_timeout"]) for j in only_interval["scrape_configs"][1:]] == [
        (f"dcops_{m}_60s", "10s") for m in ("cooling", "health", "host", "if_mib", "storage", "ups", "wan")]
    only_timeout = yaml.safe_load(render(mtpe, RenderOptions(scrape_timeout="5s"))["prometheus.yml"])
    assert [(j["job_name"], j["scrape_timeout"]) for j in only_timeout["scrape_configs"][1:]] == [
        ("dcops_cooling_60s", "5s"), ("dcops_health_60s", "5s"), ("dcops_host_60s", "5s"), ("dcops_if_mib_15s", "5s"),
        ("dcops_if_mib_60s", "5s"), ("dcops_storage_60s", "5s"), ("dcops_ups_60s", "5s"), ("dcops_wan_15s", "5s")]
    with pytest.raises(ValueError, match="--scrape-timeout 20s is longer than the 15s interval of scrape tier 'network-core'"):
        render(mtpe, RenderOptions(scrape_timeout="20s"))


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
@pytest.mark.parametrize("shards", [1, 2])
def test_mtpe_config_passes_promtool(mtpe, tmp_path, shards):
    write_tree(tmp_path, render(mtpe, RenderOptions(shards=shards, remote_write=("http://127.0.0.1:9/api/v1/push",))))
    configs = sorted(tmp_path.glob("prometheus*.yml"))
    assert len(configs) == shards
    for config in configs:
        res = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr


def test_bad_options_are_refused_with_the_option_name():
    with pytest.raises(ValueError, match="--exporter must be HOST:PORT"):
        RenderOptions(exporter="http://x")
    with pytest.raises(ValueError, match="--shards"):
        RenderOptions(shards=0)
    with pytest.raises(ValueError, match="--remote-write"):
        RenderOptions(remote_write=("mimir:9009",))
    with pytest.raises(ValueError, match="--scrape-interval: '15 sec' is not a Prometheus duration"):
        RenderOptions(scrape_interval="15 sec")
    with pytest.raises(ValueError, match="--scrape-timeout 3s is longer than --scrape-interval 2s"):
        RenderOptions(scrape_interval="2s", scrape_timeout="3s")
