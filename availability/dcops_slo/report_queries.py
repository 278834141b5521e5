"""What `dcops slo report` asks Prometheus, and the one small client that asks it.

Prometheus' HTTP API (/api/v1/query, /api/v1/rules) through the standard library: the
report needs two endpoints, a timeout and exact errors, not a client library. Every
failure becomes a `PrometheusError` whose one line names the URL: unreachable, too slow,
an error answer (`bad_data`, `execution`, `timeout`) or an answer that is not the API.
The URL carries no user or password (they would show in process lists and in messages);
under DCOPS_LAB_ONLY it must point at loopback, like every other connection dcops opens.

The report reads the SLI recording rules (sli.py), never the raw probe series: what it
counts is exactly what the burn alerts and the budget rules count. Per series and window:

    count_over_time(X[W])                         evaluations recorded (good or bad; unknown
                                                  time has no sample)
    sum_over_time(X[W])                           good evaluations
    min_over_time((timestamp(X) >= at-W)[W:step]) the first sample in the window, so a reader
                                                  sees since when the rules have recorded
"""

from __future__ import annotations

import json
import math
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dcops_inventory.endpoints import UnsafeTargetError, assert_lab_address, lab_only

# The subquery that finds a series' first sample steps by window / 11000 (Prometheus' own limit
# of points for a range query), 4 min for 30 days, but never by more than the 5 min a selector
# looks back, or it could step over a short run of samples: the first sample's time is exact
# to one step.
MAX_STEPS = 11_000
LOOKBACK_SECONDS = 300


class PrometheusError(RuntimeError):
    """One line for the user, naming the Prometheus URL."""


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class LoadedRule:
    """A recording rule as the running Prometheus evaluates it."""

    name: str
    labels: dict[str, str]
    query: str  # as Prometheus prints the parsed expression
    interval_seconds: float  # its group's evaluation interval
    health: str
    last_error: str


@dataclass(frozen=True)
class SeriesStats:
    """One recording-rule series over one window."""

    evaluations: int
    good: float
    first: float | None  # Unix seconds of its first sample in the window


def check_url(url: str) -> str:
    """The URL without a trailing slash; ValueError naming --prometheus when it cannot be used."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--prometheus must be an http(s) URL such as http://127.0.0.1:9090, got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("--prometheus: the URL must not carry a user or password "
                         "(they would show in process lists and messages)")
    if parts.query or parts.fragment:
        raise ValueError(f"--prometheus: give Prometheus' root URL, without ?query or #fragment: {url!r}")
    if lab_only():
        try:
            assert_lab_address(parts.hostname)
        except UnsafeTargetError as exc:
            raise ValueError(f"--prometheus {url}: {exc}") from None
    return url.rstrip("/")


Opener = Callable[..., Any]


class PrometheusApi:
    """Instant queries and the loaded rules of one Prometheus; every call is bounded by `timeout`."""

    def __init__(self, url: str, timeout_seconds: float, opener: Opener = urllib.request.urlopen):
        self.url = check_url(url)
        self.timeout = timeout_seconds
        self._open = opener

    def query(self, promql: str, at: float) -> list[Sample]:
        data = self._call("/api/v1/query", {"query": promql, "time": f"{at:.3f}", "timeout": f"{round(self.timeout * 1000)}ms"},
                          promql)
        if data.get("resultType") != "vector":
            raise PrometheusError(f"Prometheus at {self.url} answered a {data.get('resultType')} to {promql!r}, "
                                  "not a vector")
        return [Sample(dict(r["metric"]), float(r["value"][1])) for r in data.get("result", [])]

    def recording_rules(self) -> list[LoadedRule]:
        data = self._call("/api/v1/rules", {"type": "record"}, None)
        return [LoadedRule(r["name"], dict(r.get("labels") or {}), r["query"], float(group.get("interval") or 0),
                           r.get("health", ""), r.get("lastError", ""))
                for group in data.get("groups", []) for r in group.get("rules", []) if r.get("type") == "recording"]

    def _call(self, path: str, params: dict[str, str], promql: str | None) -> dict:
        form = urllib.parse.urlencode(params)
        if promql is None:  # /api/v1/rules answers GET only
            request = urllib.request.Request(f"{self.url}{path}?{form}", headers={"Accept": "application/json"})
        else:  # a query goes in a POST form, however long it is
            request = urllib.request.Request(self.url + path, data=form.encode(), method="POST",
                                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                                      "Accept": "application/json"})
        asked = f" (query: {promql})" if promql else ""
        try:
            with self._open(request, timeout=self.timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (TimeoutError, socket.timeout):
            raise PrometheusError(f"Prometheus at {self.url} did not answer within {self.timeout:g}s{asked}") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise PrometheusError(f"Prometheus at {self.url} did not answer within {self.timeout:g}s") from None
            reason = getattr(exc.reason, "strerror", None) or str(exc.reason)
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {reason}") from None
        except OSError as exc:
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {exc.strerror or exc}") from None
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or doc.get("status") not in ("success", "error"):
            raise PrometheusError(f"{self.url}{path} answered HTTP {status} without a Prometheus API response "
                                  "(is --prometheus the root URL of a Prometheus server?)")
        if doc["status"] == "error":
            raise PrometheusError(f"Prometheus at {self.url} answered {status} {doc.get('errorType', 'error')}: "
                                  f"{doc.get('error', '')}{asked}")
        return doc.get("data") or {}


# -- the queries -------------------------------------------------------------------------

def first_sample_step(window_seconds: float) -> str:
    """The subquery step that finds a series' first sample: window / MAX_STEPS in whole seconds,
    at most the lookback."""
    return f"{min(LOOKBACK_SECONDS, max(1, math.ceil(window_seconds / MAX_STEPS)))}s"


def window_stats(api: PrometheusApi, selector: str, window: str, window_seconds: float, at: float,
                 key: Callable[[dict[str, str]], tuple[str, ...] | None],
                 first: bool = True) -> dict[tuple[str, ...], SeriesStats]:
    """Evaluations, good evaluations and (with `first`) the first sample of every series `selector`
    matches over the window ending at `at`, by `key(labels)` (series whose key is None are skipped)."""
    def by_key(promql: str) -> dict[tuple[str, ...], float]:
        out = {}
        for sample in api.query(promql, at):
            k = key(sample.labels)
            if k is not None:
                out[k] = sample.value
        return out

    counts = by_key(f"count_over_time({selector}[{window}])")
    goods = by_key(f"sum_over_time({selector}[{window}])")
    since = f"{at - window_seconds:.3f}"
    step = first_sample_step(window_seconds)
    firsts = by_key(f"min_over_time((timestamp({selector}) >= {since})[{window}:{step}])") if first else {}
    return {k: SeriesStats(int(n), goods.get(k, 0.0), firsts.get(k)) for k, n in counts.items() if n > 0}


_COMPONENT_MATCHER = re.compile(r'component:dcops_sli_good:bool\{component(=~|=)"((?:[^"\\]|\\.)*)"\}')


def components_in(query: str) -> tuple[str, ...] | None:
    """The component keys a subject's SLI rule reads (`device/x`, `redundancy_group/y`), from the
    selector sli.Subject.expr writes (`component="a"` or an anchored `component=~"a|b"` with dots
    escaped); None when the query is not of that shape."""
    match = _COMPONENT_MATCHER.search(query)
    if not match:
        return None
    op, quoted = match.groups()
    try:
        value = json.loads(f'"{quoted}"')  # Prometheus prints label values Go-quoted
    except ValueError:
        return None
    if op == "=":
        return (value,)
    parts = value.split("|")
    if any(re.search(r"(?<!\\)[\^$*+?()\[\]{}]", p) for p in parts):
        return None  # a real regex, not a list of names
    return tuple(re.sub(r"\\(.)", r"\1", p) for p in parts)
