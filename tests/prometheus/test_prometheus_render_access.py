"""`dcops prometheus render`: option errors exit 2 before anything is written; `--fragment`
writes the scrape_configs alone; `--exporter-tls-*` / `--exporter-basic-auth-*` give every
job aimed at the dcops exporter https, tls_config and basic_auth with a password file."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml
from fixture_paths import LAB_INVENTORY

from dcops_exporters.prometheus_access import ExporterAccess
from dcops_exporters.prometheus_render import RenderOptions, render

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")


def exporter_jobs(config: dict, exporter: str = "localhost:19116") -> list[dict]:
    """The scrape jobs aimed at the dcops exporter: its own /metrics and every probe job
    (whose __address__ is rewritten to it); jobs of other exporters are left out."""
    return [job for job in config["scrape_configs"]
            if any(exporter in c.get("targets", []) for c in job.get("static_configs", []))
            or any(r.get("target_label") == "__address__" and r.get("replacement") == exporter
                   for r in job.get("relabel_configs", []))]


def run_render(out, *args):
    return subprocess.run([sys.executable, "-m", "dcops", "prometheus", "render", "--out", str(out),
                           "--inventory", str(LAB_INVENTORY), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,message", [
    (["--scrape-interval", "banana"],
     "--scrape-interval: 'banana' is not a Prometheus duration (such as 15s, 1m, 1m30s or 500ms)"),
    (["--scrape-timeout", "10 s"], "--scrape-timeout: '10 s' is not a Prometheus duration"),
    (["--scrape-interval", "0s"], "--scrape-interval: '0s' must be longer than zero"),
    (["--scrape-interval", "5s", "--scrape-timeout", "10s"], "--scrape-timeout 10s is longer than --scrape-interval 5s"),
    (["--scrape-timeout", "45s"], "--scrape-timeout 45s is longer than the 30s interval of scrape tier 'default'"),
    (["--exporter-basic-auth-user", "prometheus"],
     "--exporter-basic-auth-user and --exporter-basic-auth-password-file go together"),
    (["--exporter-basic-auth-user", "prometheus", "--exporter-basic-auth-password-file", "pw"],
     "basic auth over http would send the password in clear text"),
    (["--exporter-scheme", "http", "--exporter-tls-ca", "ca.pem"],
     "--exporter-tls-ca configures TLS, but --exporter-scheme is http"),
    (["--exporter-tls-ca", "ca.pem", "--exporter-tls-cert-file", "client.pem"],
     "--exporter-tls-cert-file and --exporter-tls-key-file go together"),
    (["--exporter-scheme", "ftp"], "--exporter-scheme must be http or https, got 'ftp'"),
])
def test_bad_options_exit_2_with_the_option_named_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    res = run_render(out, *args)
    assert res.returncode == 2, res.stdout + res.stderr
    assert message in res.stderr
    assert not out.exists(), "nothing is written when an option is wrong"


def test_fragment_holds_exactly_the_scrape_configs_of_the_full_config(tmp_path):
    assert run_render(tmp_path, "--fragment").returncode == 0
    full = yaml.safe_load((tmp_path / "prometheus.yml").read_text())
    fragment = yaml.safe_load((tmp_path / "scrape-configs.yml").read_text())
    assert list(fragment) == ["scrape_configs"]
    assert fragment["scrape_configs"] == full["scrape_configs"]
    assert {"dcops_exporter", "dcops_if_mib_30s", "dcops_wan_30s"} <= {j["job_name"] for j in fragment["scrape_configs"]}
    # rendered again without --fragment: the fragment is ours and stale, so it goes
    res = run_render(tmp_path)
    assert res.returncode == 0 and "1 stale removed" in res.stdout
    assert not (tmp_path / "scrape-configs.yml").exists()


def test_fragment_per_shard(lab_inventory):
    files = render(lab_inventory, RenderOptions(shards=2, fragment=True))
    for k in range(2):
        full = yaml.safe_load(files[f"prometheus-shard-{k}.yml"])
        assert yaml.safe_load(files[f"scrape-configs-shard-{k}.yml"]) == {"scrape_configs": full["scrape_configs"]}
    assert "scrape-configs.yml" not in files


@needs_promtool
def test_promtool_accepts_the_fragment_inside_an_existing_config(tmp_path):
    assert run_render(tmp_path, "--fragment", "--exporter-tls-ca", "ca.pem").returncode == 0
    existing = tmp_path / "existing.yml"
    existing.write_text("global:\n  scrape_interval: 1m\n" + (tmp_path / "scrape-configs.yml").read_text())
    res = subprocess.run(["promtool", "check", "config", str(existing)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_exporter_job_gets_https_tls_and_basic_auth_from_a_password_file(lab_inventory):
    access = ExporterAccess(tls_ca_file="/etc/prometheus/dcops-ca.pem", tls_server_name="dcops-exporter.lab",
                            tls_cert_file="prom.pem", tls_key_file="prom-key.pem", basic_auth_user="prometheus",
                            basic_auth_password_file="/etc/prometheus/dcops-exporter.password")
    text = render(lab_inventory, RenderOptions(access=access))["prometheus.yml"].decode()
    jobs = exporter_jobs(yaml.safe_load(text))
    assert {"dcops_exporter", "dcops_if_mib_30s", "dcops_wan_30s"} <= {j["job_name"] for j in jobs}
    for job in jobs:
        assert job["scheme"] == "https", job["job_name"]
        assert job["tls_config"] == {"ca_file": "/etc/prometheus/dcops-ca.pem", "cert_file": "prom.pem",
                                     "key_file": "prom-key.pem", "server_name": "dcops-exporter.lab"}
        assert job["basic_auth"] == {"username": "prometheus",
                                     "password_file": "/etc/prometheus/dcops-exporter.password"}
    assert "password:" not in text


def test_without_access_options_jobs_stay_plain_http(lab_inventory):
    jobs = exporter_jobs(yaml.safe_load(render(lab_inventory, RenderOptions())["prometheus.yml"]))
    assert len(jobs) >= 3
    assert not any({"scheme", "tls_config", "basic_auth"} & set(job) for job in jobs)
    assert ExporterAccess(scheme="https").job_fields() == {"scheme": "https"}  # a publicly trusted certificate


@needs_promtool
def test_promtool_accepts_the_secured_config(tmp_path):
    for name in ("ca.pem", "pw"):
        (tmp_path / name).write_text("x\n")
    assert run_render(tmp_path, "--exporter-tls-ca", "ca.pem", "--exporter-tls-server-name", "dcops-exporter.lab",
                      "--exporter-basic-auth-user", "prometheus",
                      "--exporter-basic-auth-password-file", "pw").returncode == 0
    res = subprocess.run(["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
