"""The open-loop load driver against a stub exporter on 127.0.0.1: it keeps its schedule
when the server is slow, and tells success, failure, refusal and timeout apart."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from dcops_lab.load import FAILED, OK, REFUSED_, TIMEOUT, Phase, parse_phase, percentile, run_load


class _Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        q = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        self.seen.append((time.monotonic(), q["target"], self.headers.get("X-Prometheus-Scrape-Timeout-Seconds")))
        target = q["target"]
        if target == "slow":
            time.sleep(0.6)  # slower than its interval: the next probe must not wait for it
        if target == "hang":
            time.sleep(2.0)
        body = {"ok": "dcops_probe_success 1.0\n", "slow": "dcops_probe_success 1\n",
                "down": "dcops_probe_success 0.0\n",
                "busy": "Logging output:\nrefused: 9 probes waiting\n\nMetrics:\ndcops_probe_success 0.0\n",
                "hang": "dcops_probe_success 1\n"}[target].encode()
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass


@pytest.fixture
def stub():
    _Stub.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_open_loop_keeps_the_schedule_and_classifies(stub):
    targets = [(t, "if_mib") for t in ("ok", "slow", "down", "busy", "hang")]
    run = run_load(stub, targets, [Phase(0.5, 2), Phase(0.25, 2)], scrape_timeout=0.5, client_slack=0.3, debug=True)
    assert len(run.probes) == 5 * 4
    by = {(p.target, p.phase, p.round): p for p in run.probes}
    assert by["ok", 0, 0].outcome == OK and by["slow", 1, 1].outcome == OK
    assert by["down", 0, 0].outcome == FAILED
    assert by["busy", 0, 1].outcome == REFUSED_ and "9 probes waiting" in by["busy", 0, 1].reason
    assert by["hang", 1, 0].outcome == TIMEOUT and by["hang", 1, 0].duration < 1.5
    # Open loop: every probe went out on time although "slow" answers after its interval.
    assert max(p.lag for p in run.probes) < 0.15
    slow_sends = [t for t, name, _ in _Stub.seen if name == "slow"]
    assert len(slow_sends) == 4 and slow_sends[3] - slow_sends[0] < 1.5  # 0.5 + 0.5 + 0.25 s apart
    # Targets spread across the interval: "ok" (k=0) then "slow" (k=1) 0.1 s later.
    assert abs(by["slow", 0, 0].scheduled - by["ok", 0, 0].scheduled - 0.1) < 1e-9
    assert {h for _, _, h in _Stub.seen} == {"0.5"}
    phase0, phase1 = run.phase_stats()
    assert phase0.offered == 10 and phase0.successes == 4
    assert phase0.goodput == pytest.approx(4 / 1.0) and phase1.goodput == pytest.approx(4 / 0.5)
    rounds = run.round_stats(1)
    assert [r.offered for r in rounds] == [5, 5] and not rounds[0].all_succeeded
    assert "down/if_mib" in rounds[0].failed_targets


def test_phase_parsing_and_percentiles():
    assert parse_phase("30x2") == Phase(30.0, 2)
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0 and percentile([1.0] * 99 + [9.0], 99) == 1.0
    assert percentile(list(range(1, 101)), 99) == 99


def test_metric_sum_adds_every_label_set():
    class Metrics(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = (b'# TYPE x_total counter\nx_total{reason="queue"} 3.0\nx_total{reason="deadline"} 2.0\n'
                    b'x_total_created 1.7e9\nx_totalother 9\n')
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    from dcops_lab.load import metric_sum

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert metric_sum(url, "x_total") == 5.0
        assert metric_sum(url, "y_total") is None
    finally:
        server.shutdown()
        server.server_close()


def test_first_full_round_waits_for_the_previous_phase_to_answer(stub):
    targets = [("ok", "if_mib"), ("slow", "if_mib")]
    run = run_load(stub, targets, [Phase(0.2, 1), Phase(0.4, 3, timeout=1.0)], scrape_timeout=0.2, client_slack=1.0)
    # "slow" of phase 0, sent 0.1 s into it, answers 0.6 s later: after phase 1's round 0
    # (0.2 s into the schedule) and round 1 (0.6 s) have started, before round 2 (1.0 s)
    assert run.first_full_round(1) == 2
    assert {h for _, _, h in _Stub.seen} == {"0.2", "1"}
