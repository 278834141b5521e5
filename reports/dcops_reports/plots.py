"""The capacity report's charts, drawn with matplotlib and returned as PNG bytes.

Why PNG in a data URI: the report is one self-contained HTML file a planner mails or
archives; a browser draws a PNG the same everywhere, and matplotlib's SVGs would bring
their own ids into a page that already holds many inline rack elevations. The Agg backend
needs no display (servers, CI). Each function takes the tables the report prints (so the
picture and the table can never disagree) and returns None when there is nothing to draw.
The PNG carries no timestamp or version metadata: the same inventory draws the same bytes
on the same matplotlib.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no GUI toolkit

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dcops_reports.reports import Report  # noqa: E402
from dcops_reports.wan_usage import WanSeries  # noqa: E402
from dcops_slo.capacity_rules import HIGH  # noqa: E402

DPI = 96
WIDTH_IN = 11.0
ROW_IN = 0.32  # height per bar group
NORMAL, NORMAL_MAX, FAILOVER, FAILOVER_MAX, LIMIT = "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#d62728"


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _height(n: int) -> float:
    return max(2.5, 1.4 + ROW_IN * n)


def feed_plot(power_feeds: Report, failover: Report) -> bytes | None:
    """Per feed: normal typical and max load, what it carries when its partner fails, and its
    usable capacity (the red tick) - the failover line planners check first."""
    feeds = [r for r in power_feeds.as_dicts() if r["usable_w"] is not None]
    if not feeds:
        return None
    after: dict[str, tuple[float, float]] = {}
    for row in failover.as_dicts():
        if row["kind"] != "feed":
            continue
        name = row["survivor"].split(" (UPS ")[0]
        t, m = after.get(name, (0.0, 0.0))
        after[name] = (max(t, row["typical_w"]), max(m, row["max_w"]))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, _height(2 * len(feeds))))
    names = [r["feed"] for r in feeds]
    ys = range(len(feeds))
    h = 0.38
    ax.barh([y - h / 2 for y in ys], [r["max_w"] / 1000 for r in feeds], h, color=NORMAL_MAX, label="normal, max draw")
    ax.barh([y - h / 2 for y in ys], [r["typical_w"] / 1000 for r in feeds], h, color=NORMAL, label="normal, typical")
    ax.barh([y + h / 2 for y in ys], [after.get(n, (0, 0))[1] / 1000 for n in names], h, color=FAILOVER_MAX,
            label="partner failed, max draw")
    ax.barh([y + h / 2 for y in ys], [after.get(n, (0, 0))[0] / 1000 for n in names], h, color=FAILOVER,
            label="partner failed, typical")
    for y, r in zip(ys, feeds):
        ax.plot([r["usable_w"] / 1000] * 2, [y - 0.48, y + 0.48], color=LIMIT, linewidth=2.5,
                label="usable capacity (derated)" if y == 0 else None)
    ax.set_yticks(list(ys), names)
    ax.invert_yaxis()
    ax.set_xlabel("kW")
    ax.set_title("Power per feed: normal load, load after the partner feed fails, usable capacity")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def rack_plot(space: Report, power_racks: Report) -> bytes | None:
    """Per rack: rack units used and typical/max power against the rack's derated capacity, in %."""
    power = {r["rack"]: r for r in power_racks.as_dicts()}
    racks = [r for r in space.as_dicts() if r["rack"] in power]
    if not racks:
        return None
    fig, ax = plt.subplots(figsize=(WIDTH_IN, _height(len(racks))))
    ys = range(len(racks))
    h = 0.27
    ax.barh([y - h for y in ys], [r["utilisation_percent"] for r in racks], h, color="#2ca02c", label="U used")
    ax.barh(list(ys), [power[r["rack"]]["typical_percent"] or 0 for r in racks], h, color=NORMAL,
            label="power, typical")
    ax.barh([y + h for y in ys], [power[r["rack"]]["max_percent"] or 0 for r in racks], h, color=NORMAL_MAX,
            label="power, max draw")
    ax.axvline(100, color=LIMIT, linewidth=1.5, label="full (power: derated capacity)")
    ax.set_yticks(list(ys), [r["rack"] for r in racks])
    ax.invert_yaxis()
    ax.set_xlabel("% of the rack's units / derated power capacity")
    ax.set_title("Racks: space and power used")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def cluster_plot(clusters: Report, n_plus_one: Report) -> bytes | None:
    """Per cluster: RAM allocated and vCPU against the target ratio, now and with the largest host lost."""
    n1 = {r["cluster"]: r for r in n_plus_one.as_dicts()}
    rows = [r for r in clusters.as_dicts() if r["memory_gb"]]
    if not rows:
        return None

    def pct(part: Any, whole: Any) -> float:
        return 100.0 * float(part) / float(whole) if part is not None and whole else 0.0

    fig, ax = plt.subplots(figsize=(WIDTH_IN, _height(2 * len(rows))))
    ys = range(len(rows))
    h = 0.2
    target = [n1[r["cluster"]]["vcpu_per_core_target"] for r in rows]
    series = [
        ("RAM allocated", [pct(r["vram_gb"] + r["reserved_memory_gb"], r["memory_gb"]) for r in rows], NORMAL),
        ("vCPU of cores x target",
         [pct(r["vcpus"] + r["reserved_vcpus"], r["cores"] * t) for r, t in zip(rows, target)], "#9467bd"),
        ("RAM, largest host lost", [pct(n1[r["cluster"]]["memory_needed_gb"], n1[r["cluster"]]["memory_left_gb"])
                                    for r in rows], FAILOVER),
        ("vCPU, largest host lost", [pct(n1[r["cluster"]]["vcpus_needed"], n1[r["cluster"]]["vcpu_limit"])
                                     for r in rows], FAILOVER_MAX),
    ]
    for i, (label, values, colour) in enumerate(series):
        ax.barh([y + (i - 1.5) * h for y in ys], values, h, color=colour, label=label)
    ax.axvline(100, color=LIMIT, linewidth=1.5, label="full")
    ax.set_yticks(list(ys), [r["cluster"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("% of capacity")
    ax.set_title("Clusters: allocation now and with the largest host lost (N+1)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def wan_plot(series: list[WanSeries], contracts: dict[str, int]) -> bytes | None:
    """Each circuit's 5-minute utilisation over the window, against its contract (100 %) and
    the 80 % line CircuitUtilisationHigh watches."""
    drawn = [s for s in series if s.ratios]
    if not drawn:
        return None
    circuits = sorted({s.circuit for s in drawn})
    fig, axes = plt.subplots(len(circuits), 1, figsize=(WIDTH_IN, 3.2 * len(circuits)), squeeze=False)
    for ax, name in zip(axes[:, 0], circuits):
        for s in (s for s in drawn if s.circuit == name):
            when = [datetime.fromtimestamp(t, timezone.utc) for t in s.times]
            ax.plot(when, [100 * v for v in s.ratios], linewidth=1, label=s.direction)
        ax.axhline(100, color=LIMIT, linewidth=1.5, label=f"contract ({contracts.get(name, '?')} Mbps)")
        ax.axhline(100 * HIGH, color=LIMIT, linewidth=1, linestyle="--", label=f"{HIGH:.0%} (alert on p95)")
        ax.set_ylabel("% of contract")
        ax.set_title(f"{name}: utilisation against the contracted rate (UTC)")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=timezone.utc))
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return _png(fig)


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def forecast_plot(forecast: Report, history: Report, horizon_days: float) -> bytes | None:
    """Per resource (rack U, power, vCPU, storage): its use at each measured revision, the fitted
    growth per 30 days carried forward from today, the capacity, and the run-out day the table gives."""
    rows = [r for r in forecast.as_dicts() if r["capacity"]]
    points = history.as_dicts()
    if not rows or len(points) < 1:
        return None
    fig, axes = plt.subplots(len(rows), 1, figsize=(WIDTH_IN, 2.6 * len(rows)), squeeze=False)
    dates = [_date(p["date"]) for p in points]
    last = max(dates)
    for ax, row in zip(axes[:, 0], rows):
        res = row["resource"]
        ax.plot(dates, [p[res] for p in points], "o-", color=NORMAL, markersize=4, label="measured (revisions)")
        slope = row["per_30_days"]
        end = _date(row["runs_out"]) if row["runs_out"] else None
        if slope:
            horizon = end or datetime.fromtimestamp(last.timestamp() + horizon_days * 86400, timezone.utc)
            days = (horizon - last).total_seconds() / 86400
            ax.plot([last, horizon], [row["current"], row["current"] + slope * days / 30], "--", color=FAILOVER,
                    label=f"trend ({slope:+,g} per 30 days)")
        ax.axhline(row["capacity"], color=LIMIT, linewidth=1.5, label=f"capacity ({row['capacity']:,g})")
        if end is not None:
            ax.axvline(end, color=LIMIT, linestyle=":", label=f"runs out {row['runs_out']}")
        ax.set_title(f"{res}: {row['verdict']}")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return _png(fig)
