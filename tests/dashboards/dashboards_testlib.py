"""Reading rendered dashboards the way Grafana does, for the tests: their queries with the
template variables and Grafana's interval macros replaced, and the metric names they read."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from dcops_dashboards.validate import all_panels

COMMITTED = Path(__file__).resolve().parents[2] / "dashboards" / "mtpe"  # `dcops dashboards render --out` of MTPE
# PromQL words that look like metric names but are not.
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
    "inf", "nan",
}
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENT = re.compile(r"(?<![\w.])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str  # uid
    panel_id: int
    title: str
    ref_id: str
    expr: str  # as written in the dashboard, variables unreplaced
    instant: bool

    @property
    def name(self) -> str:
        return f"{self.dashboard} #{self.panel_id} {self.title!r} {self.ref_id}"


def load_dashboards(directory: Path) -> dict[str, dict]:
    """uid -> dashboard JSON, from directory/dashboards/*.json."""
    out = {}
    for path in sorted((directory / "dashboards").glob("*.json")):
        data = json.loads(path.read_text())
        out[data["uid"]] = data
    return out


def panel_queries(dashboard: dict) -> list[PanelQuery]:
    return [PanelQuery(dashboard["uid"], panel["id"], panel.get("title", ""), target["refId"], target["expr"],
                       bool(target.get("instant")))
            for panel in all_panels(dashboard) for target in panel.get("targets") or []]


def query_variables(dashboard: dict) -> list[dict]:
    """The dashboard's `query` template variables, in order (later ones may use earlier ones)."""
    return [v for v in dashboard.get("templating", {}).get("list", []) if v.get("type") == "query"]


def time_interval_seconds(directory: Path) -> int:
    """The provisioned datasource's timeInterval (Grafana's minimum step and scrape interval)."""
    data = yaml.safe_load((directory / "provisioning" / "datasources" / "prometheus.yml").read_text())
    text = data["datasources"][0]["jsonData"]["timeInterval"]
    assert text.endswith("s"), text
    return int(text[:-1])


def substitute(expr: str, values: dict[str, str], time_interval: int) -> str:
    """What Grafana sends for a short time range: each variable as its (regex) value,
    $__interval as the datasource's timeInterval, $__rate_interval as four times it."""
    out = expr.replace("$__rate_interval", f"{4 * time_interval}s").replace("$__interval", f"{time_interval}s")
    for name, value in sorted(values.items(), key=lambda kv: -len(kv[0])):
        out = out.replace(f"${{{name}}}", value).replace(f"${name}", value)
    assert "$" not in out, f"unreplaced variable in {out}"
    return out


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (strings, label matchers, ranges, grouping
    clauses and function calls stripped first)."""
    text = _STRINGS.sub('""', expr)
    text = _BRACES.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        word = match.group(1)
        if word.lower() not in PROMQL_WORDS and not re.fullmatch(r"\d+\w*", word):
            names.add(word)
    return names


def prom_get(url: str, path: str, params: dict) -> dict:
    """A Prometheus API call; the JSON `data`, raising with Prometheus' own error text."""
    import requests

    r = requests.get(f"{url}{path}", params=params, timeout=30)
    body = r.json()
    if r.status_code != 200 or body.get("status") != "success":
        raise AssertionError(f"{path} {params}: {r.status_code} {body.get('errorType')}: {body.get('error')}")
    return body["data"]


def run_query(url: str, expr: str, instant: bool, *, now: float, window: float, step: int) -> list[dict]:
    """The series Grafana would get: an instant query at `now`, else a range query over the last `window` s."""
    if instant:
        return prom_get(url, "/api/v1/query", {"query": expr, "time": now})["result"]
    return prom_get(url, "/api/v1/query_range", {"query": expr, "start": now - window, "end": now,
                                                   "step": step})["result"]


def label_values(url: str, label: str, match: str) -> list[str]:
    """Grafana's `label_values(match, label)`: /api/v1/label/<label>/values?match[]=..."""
    return prom_get(url, f"/api/v1/label/{label}/values", {"match[]": match})
