"""A real Prometheus scrapes the exporter over TLS with basic auth, as an SRE would expose it.

The exporter runs `--web.config.file` with a certificate made by the test and a bcrypt
hash; the scrape configs come from `dcops prometheus render --fragment --exporter-tls-ca
... --exporter-basic-auth-password-file ...`, pasted into a Prometheus config of its own
(the "existing Prometheus" case). Every target must be up over https, a wrong password
must get 401 and be counted, and neither the password nor its hash may reach a log.
Everything listens on 127.0.0.1 and is stopped by the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import bcrypt
import pytest
import requests
import yaml
from fixture_paths import LAB_INVENTORY
from prometheus_client.parser import text_string_to_metric_families
from test_exporter_webconfig import SERVER_NAME, make_pki

from dcops_lab.snmp.services import LOOPBACK, Service, ServiceError, free_tcp_port, start_prometheus, write_address_map

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("prometheus") is None, reason="Debian prometheus missing")]

USER = "prometheus"


def start_secured_exporter(snmp_lab, web_config, workdir, ca, auth) -> Service:
    port = free_tcp_port()
    amap = write_address_map(snmp_lab.address_map, workdir / "address-map.yaml")
    log = workdir / "exporter.log"
    cmd = [sys.executable, "-m", "dcops", "exporter", "serve", "--listen", f"{LOOPBACK}:{port}",
           "--inventory", str(LAB_INVENTORY), "--address-map", str(amap), "--web.config.file", str(web_config),
           "--log-level", "debug"]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env={**os.environ, **snmp_lab.env, "DCOPS_LAB_ONLY": "1"})
    service = Service("dcops exporter (TLS)", proc, f"https://{LOOPBACK}:{port}", log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"exporter exited with {proc.returncode}:\n{service.log_tail()}")
        try:
            if requests.get(service.url + "/metrics", verify=ca, auth=auth, timeout=2).status_code == 200:
                return service
        except requests.RequestException:
            pass
        time.sleep(0.2)
    service.stop()
    raise ServiceError(f"exporter not ready on {service.url}:\n{service.log_tail()}")


def unauthorized(service: Service, ca, auth) -> dict[str, float]:
    text = requests.get(service.url + "/metrics", verify=ca, auth=auth, timeout=5).text
    return {s.labels["reason"]: s.value for fam in text_string_to_metric_families(text) for s in fam.samples
            if s.name == "dcops_exporter_http_requests_unauthorized_total"}


def exporter_jobs(scrape_configs: list[dict], exporter: str) -> list[dict]:
    """Jobs aimed at the dcops exporter (its /metrics, and probe jobs rewritten to it)."""
    return [job for job in scrape_configs
            if any(exporter in c.get("targets", []) for c in job.get("static_configs", []))
            or any(r.get("target_label") == "__address__" and r.get("replacement") == exporter
                   for r in job.get("relabel_configs", []))]


def test_prometheus_scrapes_over_tls_with_basic_auth_and_a_wrong_password_is_refused(snmp_lab, tmp_path):
    pki = make_pki(tmp_path / "pki")
    password = "lab-" + os.urandom(12).hex()
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(10)).decode()
    password_file = tmp_path / "exporter.password"
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    web = tmp_path / "web.yml"
    web.write_text(f"tls_server_config:\n  cert_file: {pki.cert}\n  key_file: {pki.key}\n"
                   f"basic_auth_users:\n  {USER}: '{hashed}'\n")
    good = (USER, password)
    exporter = start_secured_exporter(snmp_lab, web, tmp_path, pki.ca, good)
    prom = None
    try:
        address = exporter.url.removeprefix("https://")
        out = tmp_path / "prometheus"
        res = subprocess.run([sys.executable, "-m", "dcops", "prometheus", "render", "--out", str(out),
                              "--inventory", str(LAB_INVENTORY), "--exporter", address, "--fragment",
                              "--scrape-interval", "2s", "--scrape-timeout", "2s",
                              "--exporter-tls-ca", str(pki.ca), "--exporter-tls-server-name", SERVER_NAME,
                              "--exporter-basic-auth-user", USER,
                              "--exporter-basic-auth-password-file", str(password_file)],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        fragment = yaml.safe_load((out / "scrape-configs.yml").read_text())["scrape_configs"]
        jobs = exporter_jobs(fragment, address)
        assert len(jobs) >= 3 and all(job["scheme"] == "https" for job in jobs)
        # an existing Prometheus: its own global section, the rendered scrape configs pasted in
        config = out / "existing-prometheus.yml"
        config.write_text(yaml.safe_dump({"global": {"scrape_interval": "2s", "scrape_timeout": "2s"},
                                          "scrape_configs": jobs}, sort_keys=False))
        prom = start_prometheus(config, tmp_path)
        expected = {(job["job_name"], name) for job in jobs if job["job_name"] != "dcops_exporter"
                    for name in (e["targets"][0] for f in job["file_sd_configs"][0]["files"]
                                 for e in yaml.safe_load((out / f).read_text()))}
        assert len(expected) >= 9

        deadline = time.monotonic() + 60
        while True:
            active = requests.get(f"{prom.url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
            ok = {(t["labels"]["job"], t["labels"]["instance"]) for t in active if t["health"] == "up"}
            succeeded = requests.get(f"{prom.url}/api/v1/query", params={"query": "dcops_probe_success == 1"},
                                     timeout=5).json()["data"]["result"]
            probed = {(s["metric"]["job"], s["metric"]["instance"]) for s in succeeded}
            if (expected <= ok and probed >= expected) or time.monotonic() > deadline:
                break
            time.sleep(1)
        errors = {t["labels"]["instance"]: t["lastError"] for t in active if t["health"] != "up"}
        assert expected <= ok, f"targets not up: {errors}"
        assert probed >= expected, f"probes not succeeding: {expected - probed}"
        assert {t["scrapeUrl"].split("://")[0] for t in active} == {"https"}
        assert ("dcops_exporter", address) in ok, "the exporter's own /metrics, with the same credentials"

        # Prometheus never sent a bad credential; a wrong password is refused and counted
        assert unauthorized(exporter, pki.ca, good) == {"missing": 0, "malformed": 0, "invalid": 0}
        r = requests.get(exporter.url + "/probe", params={"target": "sc-edge-01", "module": "if_mib"},
                         verify=pki.ca, auth=(USER, "not-" + password), timeout=10)
        assert r.status_code == 401 and "dcops_" not in r.text
        assert requests.get(exporter.url + "/metrics", verify=pki.ca, timeout=5).status_code == 401
        assert unauthorized(exporter, pki.ca, good) == {"missing": 1, "malformed": 0, "invalid": 1}
    finally:
        if prom is not None:
            prom.stop()
        exporter.stop()
    exporter_log = exporter.log.read_text(errors="replace")
    assert "unauthorized request from 127.0.0.1 for /probe (invalid credentials)" in exporter_log
    for secret in (password, hashed, hashed.split("$")[-1]):
        assert secret not in exporter_log, "a credential reached the exporter log"
        assert secret not in prom.log.read_text(errors="replace"), "a credential reached the Prometheus log"
    for text in (out / "scrape-configs.yml").read_text(), (out / "prometheus.yml").read_text():
        assert password not in text and "password_file: " + str(password_file) in text
