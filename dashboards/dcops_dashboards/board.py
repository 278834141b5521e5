"""What every dcops dashboard shares: template variables, links, PromQL selectors, panel ids.

Template variables: `datasource` (any Prometheus; the provisioned one by default), and the
target labels of the rendered scrape config, `site` and `role`, whose values come from the
series themselves (`label_values`), so a site without devices never shows up. Multi-value
with "All" as `.*`; panels filter with `=~`.

Grafana numbers panels itself when a dashboard is saved in its editor; provisioned files
must carry unique ids, so `finish` numbers every panel (rows and the panels inside them) in
order, which keeps the output deterministic.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, DashboardLink, DatasourceVariable, QueryVariable
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model

from dcops_dashboards.context import DATASOURCE_VARIABLE, Context
from dcops_dashboards.panels import DATASOURCE

TAG = "dcops"
ALL = ".*"


def datasource_variable(ctx: Context) -> DatasourceVariable:
    name = ctx.options.datasource_name
    return (DatasourceVariable(DATASOURCE_VARIABLE).label("Prometheus").type("prometheus")
            .current(model.VariableOption(text=name, value=ctx.options.datasource_uid)))


def label_variable(name: str, label: str, metric: str) -> QueryVariable:
    """A multi-value variable over the values of `name` on `metric` (a selector), All = `.*`."""
    query = f"label_values({metric}, {name})"
    return (QueryVariable(name).label(label).datasource(DATASOURCE).query(query).definition(query)
            .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED).sort(model.VariableSort.ALPHABETICAL_ASC)
            .multi(True).include_all(True).all_value(ALL)
            .current(model.VariableOption(text=["All"], value=["$__all"])))


def selector(metric: str, *filters: str, **exact: str) -> str:
    """`metric{site=~"$site", role=~"$role", circuit="x"}`: each name in `filters` matches its
    template variable, each keyword an exact value."""
    matchers = [f'{name}=~"${name}"' for name in filters] + [f'{name}="{value}"' for name, value in exact.items()]
    return f"{metric}{{{', '.join(matchers)}}}" if matchers else metric


def or_zero(expr: str) -> str:
    """A count that reads 0, not "No data", when nothing matches: `count(...) or vector(0)`."""
    return f"{expr} or vector(0)"


def new_dashboard(ctx: Context, uid: str, title: str, description: str, variables: list,
                  time_from: str = "now-6h") -> Dashboard:
    dashboard = (Dashboard(f"dcops / {title}").uid(uid).description(description)
                 .tags([TAG, ctx.inv.meta.name]).time(time_from, "now").refresh("1m").timezone("browser")
                 .readonly().tooltip(model.DashboardCursorSync.CROSSHAIR)
                 .link(DashboardLink("dcops dashboards").type(model.DashboardLinkType.DASHBOARDS).tags([TAG])
                       .as_dropdown(True).include_vars(True).keep_time(True)))
    for variable in [datasource_variable(ctx), *variables]:
        dashboard = dashboard.with_variable(variable)
    return dashboard


def finish(dashboard: Dashboard) -> model.Dashboard:
    """The built model, every panel numbered 1..n in order (rows and their panels included)."""
    built = dashboard.build()
    next_id = 1
    for panel in built.panels or []:
        panel.id_val = next_id
        next_id += 1
        for inner in getattr(panel, "panels", None) or []:
            inner.id_val = next_id
            next_id += 1
    return built


def encode(built: model.Dashboard) -> bytes:
    """Stable JSON: sorted keys, two-space indent, one trailing newline."""
    return (JSONEncoder(sort_keys=True, indent=2).encode(built) + "\n").encode()
