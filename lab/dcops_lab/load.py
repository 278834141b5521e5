"""An open-loop load driver for the exporter: probes on a fixed schedule, as Prometheus sends them.

Prometheus does not wait for a slow scrape before sending the next one: every target is
scraped once per interval at its own offset, whether or not its previous scrape has
finished. A closed-loop benchmark (N workers, each sending when the last answer came back)
slows down with the server and so never shows what overload does to it: when the
exporter falls behind, a closed loop offers less, an open loop keeps offering the same
and the backlog grows. Here every target is probed once per interval, the targets spread
evenly across the interval, for a schedule of phases (e.g. 1x, 3x, then 1x again), and
each probe records when it was sent, how long it took and how it ended.

The driver is built to stay cheap on the machine it shares with the exporter and the
simulators: one scheduler thread that sleeps until the next send time, a thread per
in-flight probe from a pool sized so a probe never waits for a free thread (a wait would
close the loop), http.client with one connection per probe, and no parsing beyond a
byte search for the success line.

    from dcops_lab.load import Phase, run_load
    run = run_load("http://127.0.0.1:19116", [("sc-edge-001", "if_mib"), ...],
                   [Phase(interval=30, rounds=2), Phase(10, 3), Phase(30, 2)], scrape_timeout=10)
    for s in run.phase_stats(): print(s.line())

    python -m dcops_lab.load --url http://127.0.0.1:19116 --targets sc-edge-001,sc-edge-002 \\
        --phase 30x2 --phase 10x3 --phase 30x2 --timeout 10
"""

from __future__ import annotations

import argparse
import http.client
import math
import re
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable, Sequence
from urllib.parse import urlencode, urlsplit

TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"
SUCCESS = re.compile(rb"^dcops_probe_success 1(?:\.0)?\s*$", re.MULTILINE)
# With debug=true the exporter writes its probe log first; an admission refusal says so there.
REFUSED = re.compile(rb"^.*\brefused\b.*$", re.MULTILINE | re.IGNORECASE)

# How a probe ended.
OK = "success"          # HTTP 200 and dcops_probe_success 1
FAILED = "failed"       # HTTP 200, dcops_probe_success 0 (device problem, deadline, or refusal not visible)
REFUSED_ = "refused"    # HTTP 200, dcops_probe_success 0, and the debug log says the probe was refused
TIMEOUT = "timeout"     # no answer within the client timeout (scrape timeout + slack)
HTTP_ERROR = "http_error"  # an HTTP status other than 200
CONN_ERROR = "conn_error"  # connection refused or reset


@dataclass(frozen=True)
class Phase:
    """`rounds` rounds of one probe per target every `interval` seconds; `timeout`, when
    set, replaces the run's scrape timeout (Prometheus wants timeout <= interval)."""

    interval: float
    rounds: int
    name: str = ""
    timeout: float | None = None

    def label(self) -> str:
        return self.name or f"every {self.interval:g}s x{self.rounds}"


@dataclass
class Probe:
    target: str
    module: str
    phase: int
    round: int          # within its phase, from 0
    scheduled: float    # seconds from the run's start
    sent: float         # seconds from the run's start, when the request went out
    duration: float = math.nan
    status: int | None = None
    outcome: str = ""
    reason: str = ""    # the refusal line of the debug log, or the client error

    @property
    def success(self) -> bool:
        return self.outcome == OK

    @property
    def lag(self) -> float:
        """How late the driver sent it (should stay near 0: the driver must not be the bottleneck)."""
        return self.sent - self.scheduled


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass
class Stats:
    """What a phase or a round offered and what came back."""

    label: str
    window: float        # seconds of schedule the probes were sent in
    offered: int
    successes: int
    outcomes: dict[str, int]
    p50: float           # latency of every answered or timed-out probe, seconds
    p99: float
    max_lag: float
    failed_targets: list[str] = field(default_factory=list)

    @property
    def goodput(self) -> float:
        """Successful probes per second of schedule."""
        return self.successes / self.window if self.window > 0 else math.nan

    @property
    def offered_rate(self) -> float:
        return self.offered / self.window if self.window > 0 else math.nan

    @property
    def all_succeeded(self) -> bool:
        return self.offered > 0 and self.successes == self.offered

    def line(self) -> str:
        other = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()) if k != OK and v)
        return (f"{self.label}: offered {self.offered} ({self.offered_rate:.2f}/s), ok {self.successes}, "
                f"goodput {self.goodput:.2f}/s, p50 {self.p50 * 1000:.0f} ms, p99 {self.p99 * 1000:.0f} ms"
                + (f", {other}" if other else "") + (f", driver lag max {self.max_lag * 1000:.0f} ms"
                                                     if self.max_lag > 0.1 else ""))


def summarize(label: str, probes: list[Probe], window: float) -> Stats:
    counts: dict[str, int] = {}
    for p in probes:
        counts[p.outcome] = counts.get(p.outcome, 0) + 1
    lat = [p.duration for p in probes if not math.isnan(p.duration)]
    return Stats(label, window, len(probes), counts.get(OK, 0), counts, percentile(lat, 50), percentile(lat, 99),
                 max((p.lag for p in probes), default=0.0),
                 sorted({f"{p.target}/{p.module}" for p in probes if not p.success}))


@dataclass
class LoadRun:
    phases: list[Phase]
    probes: list[Probe]
    phase_starts: list[float]   # seconds from the run's start
    wall: float                 # whole run, last answers included
    driver_cpu: float           # CPU seconds this process used during the run

    def phase_stats(self) -> list[Stats]:
        return [summarize(f"phase {i} ({ph.label()})", [p for p in self.probes if p.phase == i],
                          ph.interval * ph.rounds) for i, ph in enumerate(self.phases)]

    def first_full_round(self, phase: int) -> int | None:
        """The first round of `phase` that starts after every probe of the earlier phases
        has answered: the whole round sees only this phase's load."""
        earlier = [p.sent + p.duration for p in self.probes if p.phase < phase]
        end = max(earlier, default=0.0)
        start = self.phase_starts[phase]
        return next((r for r in range(self.phases[phase].rounds) if start + r * self.phases[phase].interval >= end),
                    None)

    def round_stats(self, phase: int) -> list[Stats]:
        ph = self.phases[phase]
        return [summarize(f"phase {phase} round {r}", [p for p in self.probes if p.phase == phase and p.round == r],
                          ph.interval) for r in range(ph.rounds)]


class _Client:
    """Sends one probe: a fresh loopback connection, the timeout header, a client timeout."""

    def __init__(self, base_url: str, scrape_timeout: float, client_timeout: float, debug: bool,
                 probe_path: str = "/probe", success: re.Pattern[bytes] = SUCCESS):
        url = urlsplit(base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"expected http://host:port, got {base_url!r}")
        self.host, self.port = url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/") + probe_path
        self.headers = {TIMEOUT_HEADER: f"{scrape_timeout:g}", "Connection": "close"}
        self.client_timeout, self.debug, self.success = client_timeout, debug, success

    def path(self, target: str, module: str) -> str:
        query = {"target": target, "module": module, **({"debug": "true"} if self.debug else {})}
        return f"{self.prefix}?{urlencode(query)}"

    def send(self, probe: Probe, path: str, t0: float) -> None:
        start = time.monotonic()
        probe.sent = start - t0
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.client_timeout)
        try:
            conn.request("GET", path, headers=self.headers)
            resp = conn.getresponse()
            body = resp.read()
            probe.status = resp.status
            if resp.status != 200:
                probe.outcome, probe.reason = HTTP_ERROR, body[:200].decode(errors="replace").strip()
            elif self.success.search(body):
                probe.outcome = OK
            else:
                probe.outcome = FAILED
                if self.debug:  # the probe log comes first: say why (and whether it was refused)
                    log = body.split(b"\nMetrics:\n", 1)[0]
                    refused = REFUSED.search(log)
                    if refused:
                        probe.outcome, probe.reason = REFUSED_, refused.group(0).decode(errors="replace").strip()
                    else:
                        probe.reason = log.strip().rsplit(b"\n", 1)[-1].decode(errors="replace")[:200]
        except (socket.timeout, TimeoutError):
            probe.outcome, probe.reason = TIMEOUT, f"no answer in {self.client_timeout:g}s"
        except (OSError, http.client.HTTPException) as exc:
            probe.outcome, probe.reason = CONN_ERROR, f"{type(exc).__name__}: {exc}"
        finally:
            probe.duration = time.monotonic() - start
            conn.close()


def run_load(base_url: str, targets: Iterable[tuple[str, str]], phases: Sequence[Phase], scrape_timeout: float,
             *, client_slack: float = 1.0, debug: bool = False, start_delay: float = 0.2, on_round=None,
             probe_path: str = "/probe", success: re.Pattern[bytes] = SUCCESS) -> LoadRun:
    """Probe every (target, module) once per interval through each phase, open loop.

    Within a round, target k of n is sent at k/n of the interval. A phase starts when the
    previous phase's schedule ends, not when its probes have answered. Every request
    carries the scrape timeout header and gives up `client_slack` seconds after it. Returns
    when the last probe has answered or timed out (at most timeout + slack after the last
    send). `on_round(phase, round)` is called from the scheduler at each round's start.
    `probe_path` and `success` let the same schedule drive another exporter (snmp_exporter:
    "/snmp", a metric it returns only when the walk worked).
    """
    pairs = list(targets)
    if not pairs or not phases:
        raise ValueError("need at least one target and one phase")
    if any(ph.interval <= 0 or ph.rounds < 1 for ph in phases):
        raise ValueError("every phase needs interval > 0 and rounds >= 1")
    clients = [_Client(base_url, ph.timeout or scrape_timeout, (ph.timeout or scrape_timeout) + client_slack, debug,
                       probe_path, success) for ph in phases]
    paths = [clients[0].path(t, m) for t, m in pairs]
    # Probes of one target overlap when it answers slower than its interval: enough threads
    # for every probe that can be in flight at once, so none waits for a thread.
    overlap = max(math.ceil(c.client_timeout / ph.interval) for c, ph in zip(clients, phases))
    workers = len(pairs) * (overlap + 1) + 4
    probes: list[Probe] = []
    phase_starts: list[float] = []
    cpu0 = time.process_time()
    t0 = time.monotonic()
    offset = start_delay
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") as pool:
        for i, ph in enumerate(phases):
            phase_starts.append(offset)
            step = ph.interval / len(pairs)
            for r in range(ph.rounds):
                if on_round is not None:
                    on_round(i, r)
                for k, (target, module) in enumerate(pairs):
                    at = offset + r * ph.interval + k * step
                    delay = t0 + at - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    probe = Probe(target, module, i, r, scheduled=at, sent=math.nan)
                    probes.append(probe)
                    pool.submit(clients[i].send, probe, paths[k], t0)
            offset += ph.interval * ph.rounds
    return LoadRun(list(phases), probes, phase_starts, time.monotonic() - t0, time.process_time() - cpu0)


def metric_sum(base_url: str, name: str, timeout: float = 5.0) -> float | None:
    """Sum of every sample of `name` (all label sets) on `base_url`/metrics; None when absent."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
    try:
        conn.request("GET", url.path.rstrip("/") + "/metrics")
        text = conn.getresponse().read().decode(errors="replace")
    finally:
        conn.close()
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith(name) and line[len(name):len(name) + 1] in ("{", " ")]
    return sum(values) if values else None


def parse_phase(text: str) -> Phase:
    """`30x2` -> every 30 s for 2 rounds."""
    try:
        interval, rounds = text.lower().split("x")
        return Phase(float(interval), int(rounds))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected INTERVALxROUNDS such as 30x2, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dcops_lab.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="exporter base URL, e.g. http://127.0.0.1:19116")
    ap.add_argument("--targets", required=True, help="comma-separated device names, or @FILE with one per line")
    ap.add_argument("--module", default="if_mib")
    ap.add_argument("--phase", action="append", type=parse_phase, required=True,
                    help="INTERVALxROUNDS, repeat for a schedule (e.g. --phase 30x2 --phase 10x3 --phase 30x2)")
    ap.add_argument("--timeout", type=float, default=10.0, help="scrape timeout sent in the header, seconds")
    ap.add_argument("--debug", action="store_true", help="ask for debug output to tell refusals from failures")
    args = ap.parse_args(argv)
    if args.targets.startswith("@"):
        with open(args.targets[1:]) as fh:
            names = [line.strip() for line in fh if line.strip() and not line.startswith("#")]
    else:
        names = [n for n in args.targets.split(",") if n]
    run = run_load(args.url, [(n, args.module) for n in names], args.phase, args.timeout, debug=args.debug)
    for i, stats in enumerate(run.phase_stats()):
        print(stats.line())
        for rs in run.round_stats(i):
            print(f"    {rs.line()}")
    print(f"{len(run.probes)} probes in {run.wall:.1f}s, driver CPU {run.driver_cpu:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
