"""`dcops prometheus render` scrapes the textfiles the exporter serves: its own job is always
there (no --textfile-exporter needed), the config alerts select by name, not by job, and
with shards only shard 0 keeps the textfile series."""

from __future__ import annotations

import yaml

from dcops_exporters.prometheus_render import RenderOptions, render, render_rules


def test_render_scrapes_the_exporter_always_and_the_rules_read_by_name(lab_inventory):
    config = yaml.safe_load(render(lab_inventory, RenderOptions(exporter="127.0.0.1:19116"))["prometheus.yml"])
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert jobs["dcops_exporter"] == {"job_name": "dcops_exporter",
                                      "static_configs": [{"targets": ["127.0.0.1:19116"]}]}
    assert "dcops_textfile" not in jobs, "no node_exporter job unless --textfile-exporter"
    rules = yaml.safe_load(render_rules(lab_inventory, RenderOptions())["rules/dcops-config-alerts.yml"])
    exprs = [r["expr"] for r in rules["groups"][0]["rules"]]
    assert len(exprs) == 4 and not any("job" in e for e in exprs), "the config alerts must not pin a job"


def test_only_shard_zero_keeps_the_textfile_series(lab_inventory):
    files = render(lab_inventory, RenderOptions(shards=3))
    for k in range(3):
        config = yaml.safe_load(files[f"prometheus-shard-{k}.yml"])
        job = next(j for j in config["scrape_configs"] if j["job_name"] == "dcops_exporter")
        if k == 0:
            assert "metric_relabel_configs" not in job
        else:
            assert job["metric_relabel_configs"] == [
                {"source_labels": ["__name__"], "regex": "(dcops_exporter|process)_.*", "action": "keep"}]
