"""Every dashboard and provisioning file, as bytes in memory; checked before anything is written.

The same inventory and options always give the same bytes: panels are numbered in order,
JSON keys are sorted, and nothing depends on time. A dashboard that fails `check_dashboard`
is a bug in its module, not bad input: `DashboardError` names every problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from grafana_foundation_sdk.models import dashboard as model

from dcops_dashboards import bandwidth, capacity, fleet, redundancy, slo
from dcops_dashboards.board import encode
from dcops_dashboards.context import Context, DashboardOptions
from dcops_dashboards.provisioning import DASHBOARDS_FILE, DATASOURCE_FILE, dashboards_file, datasource_file
from dcops_dashboards.validate import check_dashboard
from dcops_inventory import Inventory

# name -> module building it; the file is dashboards/dcops-<name>.json and the uid dcops-<name>
DASHBOARDS: dict[str, Callable[[Context], model.Dashboard]] = {
    "fleet": fleet.render,
    "bandwidth": bandwidth.render,
    "slo": slo.render,
    "redundancy": redundancy.render,
    "capacity": capacity.render,
}
DASHBOARD_GLOB = "dashboards/dcops-*.json"


class DashboardError(ValueError):
    """A rendered dashboard is malformed; every problem is listed."""


def dashboard_file(name: str) -> str:
    return f"dashboards/dcops-{name}.json"


def render_dashboards(inv: Inventory, options: DashboardOptions | None = None) -> dict[str, bytes]:
    """{relative path: bytes}: dashboards/dcops-<name>.json and the two provisioning files."""
    ctx = Context.build(inv, options or DashboardOptions())
    files: dict[str, bytes] = {}
    problems: list[str] = []
    for name, build in DASHBOARDS.items():
        data = encode(build(ctx))
        parsed = json.loads(data)
        if parsed.get("uid") != f"dcops-{name}":
            problems.append(f"dashboard {name}: uid {parsed.get('uid')!r} is not 'dcops-{name}'")
        problems += check_dashboard(parsed)
        files[dashboard_file(name)] = data
    if problems:
        raise DashboardError("malformed dashboards:\n" + "\n".join(problems))
    files[DATASOURCE_FILE] = datasource_file(ctx)
    files[DASHBOARDS_FILE] = dashboards_file(ctx)
    return files
