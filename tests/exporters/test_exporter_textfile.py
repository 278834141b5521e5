"""The exporter's textfile collector (`dcops exporter serve --textfile-dir`): files re-read
on every scrape, a bad one skipped whole and counted, never a crash of /metrics."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from fixture_paths import LAB_INVENTORY
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from dcops_ansible.backup import metrics_families
from dcops_ansible.metrics import write_textfile
from dcops_exporters.server import Exporter, ExporterMetrics
from dcops_exporters.textfile import TextfileCollector, TextfileError, read_textfile

DAY = 86400
NOW = 1_700_000_000.0


def backup_file(directory, now=NOW, name="dcops_config_backup.prom"):
    """The file `dcops ansible backup` writes: one fresh device, one backed up two days ago."""
    state = {"sc-core-01": {"ok": True, "last_success": now - 2 * DAY, "last_change": now - 3 * DAY},
             "sc-core-02": {"ok": True, "last_success": now - 60, "last_change": now - 3 * DAY}}
    path = directory / name
    write_textfile(path, metrics_families(state, now))
    return path


def scrape(registry) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value of everything the registry exposes, via the text format."""
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def exporter_metrics(*directories, **kw) -> ExporterMetrics:
    metrics = ExporterMetrics()
    metrics.read_textfiles(directories, **kw)
    return metrics


def error(samples) -> float:
    return samples[("dcops_exporter_textfile_scrape_error", ())]


def mtimes(samples) -> dict[str, float]:
    return {dict(labels)["file"]: v for (name, labels), v in samples.items()
            if name == "dcops_exporter_textfile_mtime_seconds"}


def test_a_backup_textfile_is_served_with_its_mtime(tmp_path):
    path = backup_file(tmp_path)
    os.utime(path, (NOW - 30, NOW - 30))
    samples = scrape(exporter_metrics(tmp_path).registry)
    assert samples[("dcops_config_backup_last_success_timestamp_seconds", (("device", "sc-core-01"),))] == NOW - 2 * DAY
    assert samples[("dcops_config_backup_success", (("device", "sc-core-02"),))] == 1
    assert samples[("dcops_config_backup_run_timestamp_seconds", ())] == NOW
    assert mtimes(samples) == {str(path): NOW - 30}
    assert error(samples) == 0
    # the exporter's own metrics are still there
    assert ("dcops_exporter_probes_total", (("module", "if_mib"), ("result", "success"))) in samples


def test_files_are_read_again_on_every_scrape(tmp_path):
    metrics = exporter_metrics(tmp_path)
    assert mtimes(scrape(metrics.registry)) == {} and error(scrape(metrics.registry)) == 0
    backup_file(tmp_path, now=NOW)
    assert scrape(metrics.registry)[("dcops_config_backup_run_timestamp_seconds", ())] == NOW
    backup_file(tmp_path, now=NOW + 3600)  # the next run replaces the file
    assert scrape(metrics.registry)[("dcops_config_backup_run_timestamp_seconds", ())] == NOW + 3600
    (tmp_path / "dcops_config_backup.prom").unlink()
    samples = scrape(metrics.registry)
    assert ("dcops_config_backup_run_timestamp_seconds", ()) not in samples and mtimes(samples) == {}


def test_a_bad_file_is_skipped_whole_and_counted_the_others_served(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="dcops.exporter.textfile")
    good = backup_file(tmp_path)
    bad = tmp_path / "broken.prom"
    bad.write_text("# TYPE half_written gauge\nhalf_written{device=\"a\"} 1\nhalf_written{device=\"b\" 1\n")
    (tmp_path / "notes.txt").write_text("not a textfile: ignored\n")
    metrics = exporter_metrics(tmp_path)
    samples = scrape(metrics.registry)
    assert error(samples) == 1
    assert set(mtimes(samples)) == {str(good)}, "only files that were served get an mtime"
    assert not any(name == "half_written" for name, _ in samples), "nothing of the bad file, not even its good line"
    assert samples[("dcops_config_backup_success", (("device", "sc-core-01"),))] == 1
    assert f"skipping {bad}: not the Prometheus text format" in caplog.text
    scrape(metrics.registry)
    assert caplog.text.count(f"skipping {bad}") == 1, "a lasting problem is logged once, not every scrape"
    bad.write_text("# HELP half_written Now complete.\n# TYPE half_written gauge\nhalf_written{device=\"b\"} 1\n")
    samples = scrape(metrics.registry)
    assert error(samples) == 0 and samples[("half_written", (("device", "b"),))] == 1
    assert f"{bad} is served again" in caplog.text


@pytest.mark.parametrize("text, reason", [
    ("# TYPE dcops_exporter_probes_total counter\n"
     "dcops_exporter_probes_total{module=\"if_mib\",result=\"success\"} 5\n",
     "dcops_exporter_probes is one of the exporter's own metrics"),
    ("process_cpu_seconds_total 1\n", "process_cpu_seconds_total is one of the exporter's own metrics"),
    ("dcops_exporter_textfile_scrape_error 0\n", "dcops_exporter_textfile_scrape_error is one of the exporter's own"),
    ("# TYPE dcops_config_backup_success gauge\ndcops_config_backup_success{device=\"sc-core-01\"} 0\n",
     'dcops_config_backup_success{device="sc-core-01"} appears twice'),
    ("dcops_config_backup_success{device=\"sc-core-09\"} 0\n",
     "dcops_config_backup_success has type untyped here but gauge before"),
    ("# TYPE dcops_config_backup_success counter\ndcops_config_backup_success_total 1\n",
     "dcops_config_backup_success has type counter here but gauge before"),
    ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n# TYPE h_sum gauge\nh_sum{x=\"1\"} 2\n",
     "h_sum is in family h_sum here but in h before"),
    ("a_gauge{x=\"1\"} 1\na_gauge{x=\"1\"} 2\n", 'a_gauge{x="1"} appears twice'),
    ("with_time 1 1700000000000\n", "with_time: client-side timestamps are not supported"),
    ('bad_label{"a.b"="x"} 1\n', "bad_label: invalid label name 'a.b'"),
    ('{"a.b"} 1\n', "invalid metric name 'a.b'"),
    ("\xff\n", "not UTF-8"),
])
def test_a_file_that_would_clash_is_refused_not_a_crash(tmp_path, caplog, text, reason):
    backup_file(tmp_path, name="a_backup.prom")  # sorted first: the later file is the one refused
    later = tmp_path / "z_other.prom"
    later.write_bytes(text.encode("latin-1"))
    metrics = exporter_metrics(tmp_path)
    before = scrape(metrics.registry)
    assert error(before) == 1
    assert reason in caplog.text
    assert set(mtimes(before)) == {str(tmp_path / "a_backup.prom")}
    own = ("dcops_exporter_probes_total", (("module", "if_mib"), ("result", "success")))
    assert before[own] == 0, "the exporter's own counter is not replaced by the file's"
    assert before[("dcops_config_backup_success", (("device", "sc-core-01"),))] == 1


def test_size_cap_and_special_files(tmp_path):
    big = tmp_path / "big.prom"
    big.write_text("# TYPE big gauge\n" + "".join(f'big{{i="{i}"}} {i}\n' for i in range(200)))
    with pytest.raises(TextfileError, match="more than the 1024 allowed"):
        read_textfile(big, max_bytes=1024)
    assert read_textfile(big, max_bytes=1 << 20)[1][0].name == "big"
    fifo = tmp_path / "fifo.prom"
    os.mkfifo(fifo)
    result: list = []
    reader = threading.Thread(target=lambda: result.append(scrape(exporter_metrics(tmp_path, max_bytes=1024).registry)),
                              daemon=True)
    reader.start()
    reader.join(10)
    assert result, "a FIFO named *.prom blocked the scrape"
    assert error(result[0]) == 1 and mtimes(result[0]) == {}
    (tmp_path / "dir.prom").mkdir()
    fifo.unlink()
    big.unlink()
    assert error(scrape(exporter_metrics(tmp_path).registry)) == 1, "a directory named *.prom is not a file"


def test_several_directories_and_a_missing_one(tmp_path, caplog):
    (tmp_path / "backup").mkdir()
    (tmp_path / "compliance").mkdir()
    backup_file(tmp_path / "backup")
    write_textfile(tmp_path / "compliance" / "dcops_config_compliance.prom",
                   [("dcops_config_compliance_compliant", "1 if compliant.", ["device"], {("sc-core-01",): 0.0})])
    samples = scrape(exporter_metrics(tmp_path / "backup", tmp_path / "compliance").registry)
    assert error(samples) == 0 and len(mtimes(samples)) == 2
    assert samples[("dcops_config_compliance_compliant", (("device", "sc-core-01"),))] == 0
    samples = scrape(exporter_metrics(tmp_path / "backup", tmp_path / "gone").registry)
    assert error(samples) == 1 and len(mtimes(samples)) == 1
    assert f"skipping {tmp_path / 'gone'}: cannot list the directory" in caplog.text


def test_same_family_from_two_files_merges(tmp_path):
    for site in ("hq", "sc"):
        (tmp_path / f"{site}.prom").write_text(f'# HELP jobs_done Jobs done.\n# TYPE jobs_done gauge\n'
                                               f'jobs_done{{site="{site}"}} 1\n')
    metrics = TextfileCollector([tmp_path])
    families = {f.name: f for f in metrics.collect()}
    assert sorted(s.labels["site"] for s in families["jobs_done"].samples) == ["hq", "sc"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
def test_promtool_accepts_the_exporter_metrics_with_textfiles(tmp_path):
    backup_file(tmp_path)
    write_textfile(tmp_path / "dcops_config_compliance.prom", [
        ("dcops_config_compliance_compliant", "1 if compliant.", ["device"], {("sc-core-01",): 1.0}),
        ("dcops_config_compliance_run_timestamp_seconds", "When the run finished.", [], {(): NOW})])
    (tmp_path / "broken.prom").write_text("garbage {{\n")
    text = generate_latest(exporter_metrics(tmp_path).registry)
    res = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, timeout=60)
    assert res.returncode == 0, res.stdout.decode() + res.stderr.decode()
    assert b"dcops_config_backup_last_success_timestamp_seconds{device=" in text


def test_the_running_exporter_serves_textfiles_on_metrics(tmp_path, lab_inventory):
    from dcops_exporters.probe import Prober

    backup_file(tmp_path)
    exporter = Exporter(Prober(lab_inventory, None), textfile_dirs=[tmp_path])
    httpd = exporter.bind("127.0.0.1", 0)
    server = threading.Thread(target=httpd.serve_forever, daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/metrics"
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = resp.read().decode()
        (tmp_path / "bad.prom").write_text("process_open_fds 424242\n")
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            after = resp.read().decode()
    finally:
        httpd.shutdown()
        exporter.close()
        exporter.loop.close()
    assert 'dcops_config_backup_success{device="sc-core-01"} 1.0' in body
    assert "dcops_exporter_textfile_scrape_error 0.0" in body
    assert "dcops_exporter_textfile_scrape_error 1.0" in after and "424242" not in after


def test_serve_refuses_a_textfile_dir_that_is_not_a_directory(tmp_path):
    res = subprocess.run([sys.executable, "-m", "dcops", "exporter", "serve", "--listen", "127.0.0.1:0",
                          "--inventory", str(LAB_INVENTORY), "--textfile-dir", str(tmp_path / "nope")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip() == f"--textfile-dir: {tmp_path / 'nope'}: not a directory"


def test_scraping_a_large_backup_file_is_cheap(tmp_path):
    """MTPE backs up ~200 devices; the exporter's job is scraped every 15 s."""
    state = {f"dev-{i:03d}": {"ok": True, "last_success": NOW, "last_change": NOW} for i in range(200)}
    write_textfile(tmp_path / "dcops_config_backup.prom", metrics_families(state, NOW))
    metrics = exporter_metrics(tmp_path)
    scrape(metrics.registry)
    started = time.perf_counter()
    for _ in range(10):
        generate_latest(metrics.registry)
    per_scrape = (time.perf_counter() - started) / 10
    assert per_scrape < 0.25, f"{per_scrape * 1000:.0f} ms per /metrics"
