"""`dcops prometheus render`: deterministic files that Prometheus' own tools accept."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from fixture_paths import LAB_INVENTORY

from dcops_exporters.prometheus_render import RenderOptions, render

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")


def run_render(out, *args):
    return subprocess.run([sys.executable, "-m", "dcops", "prometheus", "render", "--out", str(out),
                           "--inventory", str(LAB_INVENTORY), *args], capture_output=True, text=True, timeout=120)


def tree(path):
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_same_inventory_gives_byte_identical_output(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_render(a, "--shards", "3", "--remote-write", "http://127.0.0.1:9/api/v1/push").returncode == 0
    assert run_render(b, "--shards", "3", "--remote-write", "http://127.0.0.1:9/api/v1/push").returncode == 0
    assert tree(a) == tree(b)
    assert (a / "rules").is_dir()
    again = run_render(a, "--shards", "3", "--remote-write", "http://127.0.0.1:9/api/v1/push")
    assert "0 changed" in again.stdout


def test_rerender_with_fewer_shards_removes_stale_configs(tmp_path):
    assert run_render(tmp_path, "--shards", "2").returncode == 0
    assert run_render(tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.glob("prometheus*.yml")) == ["prometheus.yml"]


def test_targets_carry_inventory_labels_and_skip_unscrapable_devices(lab_inventory):
    files = render(lab_inventory, RenderOptions())
    # the lab inventory declares no scrape tiers: everything in the fallback 30s tier
    # health is probed every 60 s at most (its min_interval), whatever the tier
    assert sorted(f for f in files if f.startswith("targets/")) == [
        "targets/health_60s.json", "targets/if_mib_30s.json", "targets/wan_30s.json"]
    if_mib = json.loads(files["targets/if_mib_30s.json"])
    by_name = {e["targets"][0]: e["labels"] for e in if_mib}
    assert all(len(e["targets"]) == 1 for e in if_mib)
    assert by_name["sc-core-01"] == {"site": "sc", "rack": "sc-r01", "role": "core_switch", "model": "DCS-7050SX-64",
                                     "redundancy_group": "sc-core", "scrape_tier": "default"}
    assert "sc-ups-01" not in by_name, "no SNMP profile"
    assert "sc-edge-04" not in by_name, "planned device"
    wan = json.loads(files["targets/wan_30s.json"])
    assert [e["targets"] for e in wan] == [["sc-rtr-01"]]


def test_inventory_without_tiers_renders_one_30s_job_per_module(lab_inventory):
    import yaml

    config = yaml.safe_load(render(lab_inventory, RenderOptions())["prometheus.yml"])
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert list(jobs) == ["dcops_exporter", "dcops_health_60s", "dcops_if_mib_30s", "dcops_wan_30s"]
    assert [(j["scrape_interval"], j["scrape_timeout"]) for j in list(jobs.values())[1:]] == [
        ("60s", "10s"), ("30s", "10s"), ("30s", "10s")]
    assert (config["global"]["scrape_interval"], config["global"]["scrape_timeout"]) == ("30s", "10s")
    assert jobs["dcops_wan_30s"]["file_sd_configs"] == [{"files": ["targets/wan_30s.json"], "refresh_interval": "1m"}]
    assert {"target_label": "module", "replacement": "wan"} in jobs["dcops_wan_30s"]["relabel_configs"]


@needs_promtool
@pytest.mark.parametrize("args", [[], ["--shards", "3", "--remote-write", "http://127.0.0.1:9/api/v1/push"]])
def test_promtool_check_config_passes(tmp_path, args):
    assert run_render(tmp_path, *args).returncode == 0
    configs = sorted(tmp_path.glob("prometheus*.yml"))
    assert configs
    for config in configs:
        res = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr


def test_remote_write_and_shard_labels_are_in_every_shard(lab_inventory):
    import yaml

    files = render(lab_inventory, RenderOptions(shards=2, remote_write=("https://mimir.example/api/v1/push",)))
    for k in range(2):
        config = yaml.safe_load(files[f"prometheus-shard-{k}.yml"])
        assert config["remote_write"] == [{"url": "https://mimir.example/api/v1/push"}]
        assert config["global"]["external_labels"]["dcops_shard"] == f"{k}-of-2"
        keep = [r for job in config["scrape_configs"] for r in job.get("relabel_configs", []) if r.get("action") == "keep"]
        assert keep and all(r["regex"] == str(k) for r in keep)


def test_bad_inventory_fails_with_the_file_and_field(tmp_path):
    bad = tmp_path / "inv"
    bad.mkdir()
    (bad / "x.yaml").write_text("meta: {name: x, title: x}\ndevices:\n  - {name: a, role: bogus}\n")
    res = subprocess.run([sys.executable, "-m", "dcops", "prometheus", "render", "--out", str(tmp_path / "o"),
                          "--inventory", str(bad)], capture_output=True, text=True, timeout=60)
    assert res.returncode != 0
    assert "x.yaml:3" in res.stderr and "role" in res.stderr
