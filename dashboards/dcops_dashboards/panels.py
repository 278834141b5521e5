"""The few panel shapes the dashboards use, on top of the Grafana Foundation SDK's builders.

Every panel reads the one Prometheus datasource through the `${datasource}` variable (so a
dashboard also works against another Prometheus of the same config), carries a
description saying what it shows and why, and numbers its queries A, B, C. Panels that
show a current value (stat, bar gauge, table) ask for an instant query; time series and
state timelines ask for a range.

Units are Grafana's unit ids (`percentunit`, `bps`, `s`, `bytes`, `celsius`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.builders import bargauge, stat, statetimeline, table, text, timeseries
from grafana_foundation_sdk.builders.common import GraphThresholdsStyleConfig, ReduceDataOptions, VizLegendOptions
from grafana_foundation_sdk.builders.dashboard import ThresholdsConfig
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.models import common, prometheus
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import text as text_model
from grafana_foundation_sdk.models.common import DataSourceRef

from dcops_dashboards.context import DATASOURCE_VARIABLE

DATASOURCE = DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
GREEN, ORANGE, RED, BLUE = "green", "orange", "red", "blue"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


def steps(*points: tuple[float | None, str]) -> ThresholdsConfig:
    """Absolute threshold steps: `steps((None, GREEN), (0.8, ORANGE), (0.95, RED))`."""
    return (ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE)
            .steps([model.Threshold(value=value, color=color) for value, color in points]))


def value_texts(*pairs: tuple[str, str, str]) -> list[model.ValueMapping]:
    """Value mappings `("1", "up", GREEN), ("0", "down", RED)`."""
    return [model.ValueMap(options={value: model.ValueMappingResult(text=label, color=color, index=i)
                                    for i, (value, label, color) in enumerate(pairs)})]


UP_DOWN = value_texts(("1", "up", GREEN), ("0", "down", RED))
GOOD_BAD = value_texts(("1", "good", GREEN), ("0", "bad", RED))


def _targets(queries: Sequence[Query], instant: bool, as_table: bool) -> list[Dataquery]:
    out = []
    for i, q in enumerate(queries):
        target = Dataquery().expr(q.expr).ref_id(chr(ord("A") + i)).datasource(DATASOURCE)
        if q.legend:
            target = target.legend_format(q.legend)
        if as_table:
            target = target.format(prometheus.PromQueryFormat.TABLE)
        out.append(target.instant() if instant else target.range())
    return out


def _common(panel, title: str, description: str, queries: Sequence[Query], instant: bool, width: int, height: int,
            unit: str | None, as_table: bool = False):
    panel = panel.title(title).description(description).datasource(DATASOURCE).span(width).height(height)
    for target in _targets(queries, instant, as_table):
        panel = panel.with_target(target)
    return panel.unit(unit) if unit else panel


def graph(title: str, description: str, queries: Sequence[Query], unit: str | None = None, *,
          thresholds: ThresholdsConfig | None = None, threshold_style: common.GraphThresholdsStyleMode | None = None,
          min_value: float | None = None, max_value: float | None = None, width: int = 12,
          height: int = 8) -> timeseries.Panel:
    """A time series; with `thresholds` and a style, the thresholds are drawn as lines or areas."""
    panel = _common(timeseries.Panel(), title, description, queries, False, width, height, unit)
    panel = panel.legend(VizLegendOptions().show_legend(True).display_mode(common.LegendDisplayMode.LIST)
                         .placement(common.LegendPlacement.BOTTOM).calcs(["lastNotNull", "max"]))
    if thresholds is not None:
        panel = panel.thresholds(thresholds)
        panel = panel.thresholds_style(GraphThresholdsStyleConfig().mode(
            threshold_style or common.GraphThresholdsStyleMode.DASHED))
    if min_value is not None:
        panel = panel.min(min_value)
    if max_value is not None:
        panel = panel.max(max_value)
    return panel.fill_opacity(10)


def single(title: str, description: str, queries: Sequence[Query], unit: str | None = None, *,
           thresholds: ThresholdsConfig | None = None, mappings: list[model.ValueMapping] | None = None,
           width: int = 4, height: int = 4) -> stat.Panel:
    """One big number per series (the last value), coloured by its thresholds."""
    panel = _common(stat.Panel(), title, description, queries, True, width, height, unit)
    panel = (panel.reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False))
             .color_mode(common.BigValueColorMode.BACKGROUND).graph_mode(common.BigValueGraphMode.NONE)
             .text_mode(common.BigValueTextMode.AUTO))
    panel = panel.thresholds(thresholds or steps((None, GREEN)))
    return panel.mappings(mappings) if mappings else panel


def bars(title: str, description: str, queries: Sequence[Query], unit: str | None = None, *,
         thresholds: ThresholdsConfig | None = None, min_value: float | None = None,
         max_value: float | None = None, width: int = 12, height: int = 8) -> bargauge.Panel:
    """One horizontal bar per series, for comparing many members at a glance."""
    panel = _common(bargauge.Panel(), title, description, queries, True, width, height, unit)
    panel = (panel.reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False))
             .orientation(common.VizOrientation.HORIZONTAL).display_mode(common.BarGaugeDisplayMode.GRADIENT)
             .show_unfilled(True))
    if thresholds is not None:
        panel = panel.thresholds(thresholds)
    if min_value is not None:
        panel = panel.min(min_value)
    if max_value is not None:
        panel = panel.max(max_value)
    return panel


def states(title: str, description: str, queries: Sequence[Query], mappings: list[model.ValueMapping], *,
           width: int = 12, height: int = 6) -> statetimeline.Panel:
    """One lane per series over time, coloured by the value mappings (up/down, good/bad)."""
    panel = _common(statetimeline.Panel(), title, description, queries, False, width, height, None)
    panel = panel.mappings(mappings).show_value(common.VisibilityMode.NEVER).merge_values(True).fill_opacity(80)
    return panel.thresholds(steps((None, BLUE)))


def rows_table(title: str, description: str, queries: Sequence[Query], unit: str | None = None, *,
               width: int = 24, height: int = 8) -> table.Panel:
    """Instant queries as a table, one row per label set: each query's value becomes a column
    named by its legend (Grafana's `merge` transformation joins them on their labels)."""
    panel = _common(table.Panel(), title, description, [Query(q.expr) for q in queries], True, width, height, unit,
                    as_table=True)
    panel = panel.with_transformation(model.DataTransformerConfig(id_val="merge", options={}))
    names = {f"Value #{chr(ord('A') + i)}": q.legend for i, q in enumerate(queries) if q.legend}
    return panel.with_transformation(model.DataTransformerConfig(
        id_val="organize", options={"excludeByName": {"Time": True, "__name__": True, "job": True},
                                    "renameByName": names}))


def note(title: str, markdown: str, *, width: int = 24, height: int = 4) -> text.Panel:
    """A markdown panel: what the inventory has that no exporter measures, and why."""
    return text.Panel().title(title).mode(text_model.TextMode.MARKDOWN).content(markdown).span(width).height(height)
