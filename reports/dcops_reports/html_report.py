"""The capacity report: every headroom table, the charts and the rack elevations in one
HTML file people read, or the same tables as JSON or CSV for programs.

Why one self-contained file: planners mail it, attach it to a change and open it years
later; a page that loads scripts, fonts or pictures from elsewhere breaks or leaks. So the
charts are PNG data URIs (plots.py), the elevations inline SVG (elevation_svg.py, the
pictures `report space --svg-dir` writes), the style inline, and the file is written
atomically. A small inline script marks, once the page has loaded, whether each chart and
elevation was drawn (`data-rendered`, and a JSON summary in `#render-status`): a reader's
browser shows nothing of it, a headless browser in the tests reads it.

What it holds, each table the one the `dcops report` command of the same name prints
(same rows, same notes): power (racks, feeds, UPSes, failover), compute (clusters, N+1,
hosts), space (racks) and addresses (prefixes, VLANs, VLAN IDs); the growth forecast of
`dcops capacity forecast` (forecast.py: the inventory's git history, the day each
resource runs out); the contracted links against their contract (wan_usage.py) and their
trend, when Prometheus is given. JSON and CSV carry the same tables under the same keys
(`power_failover`, `links`, ...).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from html import escape
from typing import Any

from dcops_inventory.inventory import Inventory
from dcops_reports.addresses import addresses_report
from dcops_reports.compute import DEFAULT_VCPU_PER_CORE, compute_report
from dcops_reports.elevation_svg import rack_svg
from dcops_reports.forecast import DEFAULT_HORIZON_DAYS
from dcops_reports.output import _jsonable, render_sections
from dcops_reports.plots import cluster_plot, feed_plot, forecast_plot, rack_plot, wan_plot
from dcops_reports.power import PowerPolicy, power_report
from dcops_reports.reports import Report, ReportSet
from dcops_reports.space import rack_spaces, space_report
from dcops_reports.wan_usage import WanSeries, wan_report


@dataclass(frozen=True)
class Chart:
    key: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Part:
    """One heading of the report: its tables (keys as in JSON/CSV), charts and notes."""

    key: str
    heading: str
    tables: list[str]
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class CapacityReport:
    title: str
    context: list[tuple[str, str]]  # what the figures rest on: (label, value)
    tables: dict[str, Report]
    parts: list[Part]
    elevations: dict[str, str]  # rack -> standalone SVG document
    notes: list[str]

    def sections(self) -> list[tuple[str, str, list[str], list[tuple]]]:
        return [(k, r.title, r.columns, r.rows) for k, r in self.tables.items()]


def build(inv: Inventory, site: str | None = None, policy: PowerPolicy | None = None,
          vcpu_per_core: float = DEFAULT_VCPU_PER_CORE, wan: list[WanSeries] | None = None,
          prometheus: str | None = None, window: str = "7d", forecast: ReportSet | None = None,
          horizon_days: float = DEFAULT_HORIZON_DAYS, wan_forecast: Report | None = None) -> CapacityReport:
    """Every table, chart and elevation of the report. `wan` is None when Prometheus was not
    asked (the link table then lists the contracts only), a list (maybe empty) when it was.
    `forecast` is `forecast.inventory_forecast`'s answer (None: not asked, or no git history),
    `wan_forecast` its Prometheus table."""
    policy = policy or PowerPolicy()
    power = power_report(inv, site, policy)
    compute = compute_report(inv, site, vcpu_per_core)
    addresses = addresses_report(inv, site)
    space = space_report(inv, site)
    links = wan_report(inv, wan, site, window)
    tables: dict[str, Report] = {}
    for prefix, rs in (("power", power), ("compute", compute), ("addresses", addresses)):
        for key, rep in rs.sections.items():
            tables[f"{prefix}_{key}"] = rep
    tables["space_racks"] = space
    tables["links"] = links
    if wan_forecast is not None:
        tables["links_forecast"] = wan_forecast
    if forecast is not None:
        for key, rep in forecast.sections.items():
            tables[f"forecast_{key}"] = rep

    def charts(*items: tuple[str, str, bytes | None]) -> list[Chart]:
        return [Chart(k, c, png) for k, c, png in items if png is not None]

    contracts = {c.name: c.commit_rate_mbps for c in inv.circuits}
    link_notes = []
    if wan is None:
        link_notes.append("No --prometheus given: the contracts are listed, the traffic is not.")
    elif not any(s.ratios for s in wan):
        link_notes.append(f"Prometheus at {prometheus} holds no circuit:dcops_wan_utilisation:ratio_rate5m samples "
                          f"in the last {window} for these circuits (are the rules of `dcops prometheus render` "
                          "loaded?)")
    parts = []
    if forecast is not None:
        parts.append(Part("forecast", "Forecast: growth and run-out days",
                          [k for k in tables if k.startswith("forecast_")],
                          charts(("forecast", "Use per revision of the inventory, trend and capacity",
                                  forecast_plot(forecast.sections["forecast"], forecast.sections["history"],
                                                horizon_days))), forecast.notes))
    parts += [
        Part("power", "Power", [k for k in tables if k.startswith("power_")],
             charts(("power_feeds", "Power per feed, with what each carries when its partner fails",
                     feed_plot(power.sections["feeds"], power.sections["failover"]))), power.notes),
        Part("compute", "Compute", [k for k in tables if k.startswith("compute_")],
             charts(("compute_clusters", "Cluster allocation, now and N+1",
                     cluster_plot(compute.sections["clusters"], compute.sections["n_plus_one"]))), compute.notes),
        Part("space", "Rack space and elevations", ["space_racks"],
             charts(("space_racks", "Space and power used per rack", rack_plot(space, power.sections["racks"])))),
        Part("links", "Internet and WAN links against their contract", [k for k in tables if k.startswith("links")],
             charts(("links", "Utilisation against the contracted rate", wan_plot(wan or [], contracts))),
             link_notes),
        Part("addresses", "Addresses", [k for k in tables if k.startswith("addresses_")], [], addresses.notes),
    ]
    elevations = {sp.rack.name: rack_svg(sp) for sp in rack_spaces(inv, site)}
    context = [("inventory", inv.meta.name), ("site", site or "every site"),
               ("power", f"derate {policy.derate:g}, UPS power factor {policy.power_factor:g}"),
               ("compute", f"default vCPU per core {vcpu_per_core:g}"),
               ("links", f"Prometheus {prometheus}, last {window}" if prometheus else "no Prometheus given")]
    notes = [n for p in parts for n in p.notes]
    where = f" at site {site}" if site else ""
    return CapacityReport(f"Capacity report{where}: {inv.meta.name}", context, tables, parts, elevations, notes)


# -- JSON and CSV: the same tables -------------------------------------------------------------

def to_json(report: CapacityReport) -> str:
    doc = json.loads(render_sections(report.title, report.sections(), report.notes, "json"))
    doc["context"] = dict(report.context)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def to_csv(report: CapacityReport, table: str) -> str:
    return render_sections(report.title, [s for s in report.sections() if s[0] == table], [], "csv")


# -- HTML -----------------------------------------------------------------------------------

STYLE = """
body { font-family: sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 2px solid #ccc; padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
table { border-collapse: collapse; font-size: 12px; margin-bottom: 10px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; }
td.fail { background: #fbd5d5; } td.warn { background: #fdebd0; } td.ok { background: #e3f4e3; }
.notes li { margin: 2px 0; } .notes .fail { color: #b00; font-weight: bold; }
dl.context { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; font-size: 13px; }
dl.context dt { font-weight: bold; } dl.context dd { margin: 0; }
figure { margin: 12px 0; } figcaption { font-size: 12px; color: #555; }
img.plot { max-width: 100%; height: auto; border: 1px solid #eee; }
.elevations { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.elevations figure { margin: 0; }
"""

# Runs after every picture has loaded: marks each chart (decoded, has a width) and elevation
# (laid out, has a bounding box) and writes the summary the headless-browser test reads.
CHECK_SCRIPT = """
window.addEventListener('load', function () {
  var failed = [], plots = 0, elevations = 0;
  document.querySelectorAll('img.plot').forEach(function (img) {
    var ok = img.complete && img.naturalWidth > 0;
    img.setAttribute('data-rendered', ok ? 'yes' : 'no'); plots++;
    if (!ok) failed.push(img.getAttribute('data-key'));
  });
  document.querySelectorAll('svg.elevation').forEach(function (svg) {
    var box = svg.getBBox(), ok = box.width > 0 && box.height > 0;
    svg.setAttribute('data-rendered', ok ? 'yes' : 'no'); elevations++;
    if (!ok) failed.push(svg.getAttribute('data-rack'));
  });
  var status = document.getElementById('render-status');
  status.textContent = JSON.stringify({plots: plots, elevations: elevations, failed: failed});
  status.setAttribute('data-done', 'yes');
});
"""

NUMERIC = (int, float)


def _cell(column: str, value: Any) -> str:
    value = _jsonable(value)
    if value is None:
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'true' if value else 'false'}</td>"
    if isinstance(value, NUMERIC):
        return f'<td class="num">{value:,}</td>' if isinstance(value, int) else f'<td class="num">{value:,.6g}</td>'
    if isinstance(value, list):
        return f"<td>{escape(', '.join(str(v) for v in value))}</td>"
    text = str(value)
    cls = ""
    if column in ("verdict", "rack_verdict", "feed_loss") or column.endswith("_verdict"):
        cls = " class=\"fail\"" if text.startswith("FAIL") or text == "saturated" else (
            " class=\"warn\"" if text in ("high", "no rating", "no redundancy") else
            (" class=\"ok\"" if text.startswith("OK") else ""))
    return f"<td{cls}>{escape(text)}</td>"


def _table(key: str, rep: Report) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in rep.columns)
    body = "\n".join("<tr>" + "".join(_cell(c, v) for c, v in zip(rep.columns, row)) + "</tr>" for row in rep.rows)
    count = f"{len(rep.rows)} row{'s' if len(rep.rows) != 1 else ''}"
    return (f'<h3 id="table-{escape(key)}">{escape(rep.title)} <small>({count})</small></h3>\n'
            f'<table data-table="{escape(key)}"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>')


def _chart(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode()
    return (f'<figure><img class="plot" data-key="{escape(chart.key)}" alt="{escape(chart.caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{escape(chart.caption)}</figcaption></figure>')


def _inline_svg(rack: str, svg: str) -> str:
    """A standalone SVG document as an element of the page: no XML declaration, marked for the check."""
    body = svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
    return body.replace("<svg ", f'<svg class="elevation" data-rack="{escape(rack)}" ', 1)


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    items = "".join(f'<li class="{"fail" if n.startswith("FAIL") else ""}">{escape(n)}</li>' for n in notes)
    return f'<ul class="notes">{items}</ul>'


def to_html(report: CapacityReport) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{escape(report.title)}</title>", f"<style>{STYLE}</style>", "</head><body>",
           f"<h1>{escape(report.title)}</h1>",
           '<dl class="context">' + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.context)
           + "</dl>"]
    failing = [n for n in report.notes if n.startswith("FAIL")]
    if failing:
        out.append("<h2>Findings</h2>" + _notes(failing))
    out.append("<nav><ul>" + "".join(f'<li><a href="#{p.key}">{escape(p.heading)}</a></li>' for p in report.parts)
               + '<li><a href="#elevations">Rack elevations</a></li></ul></nav>')
    for part in report.parts:
        out.append(f'<section id="{part.key}"><h2>{escape(part.heading)}</h2>')
        out.extend(_chart(c) for c in part.charts)
        out.extend(_table(k, report.tables[k]) for k in part.tables)
        out.append(_notes(part.notes))
        out.append("</section>")
    out.append('<section id="elevations"><h2>Rack elevations</h2><div class="elevations">')
    out.extend(f"<figure>{_inline_svg(rack, svg)}</figure>" for rack, svg in report.elevations.items())
    out.append("</div></section>")
    out.append('<pre id="render-status" data-done="no"></pre>')
    out.append(f"<script>{CHECK_SCRIPT}</script>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
