"""Grafana dashboards of the data center, derived from the inventory.

Five dashboards (fleet health, bandwidth against contract, SLOs and error budgets,
redundancy groups, capacity), each a module that builds it with the Grafana Foundation
SDK (`grafana-foundation-sdk`): typed builders, never hand-written JSON. They are written
as Grafana provisioning files by `dcops dashboards render --out DIR`.

Why a folder of its own (dashboards/, beside exporters/ and availability/): the dashboards
read both sides. Fleet health, bandwidth and capacity chart the exporter modules' metrics
(dcops_exporters); SLOs and redundancy chart the recording rules dcops_slo derives from the
goals. Most of what they show is not a goal, and the exporter should not know how it is
charted, so like reports/ they are a consumer of the products: a layer above them in the
import contracts (pyproject.toml), imported by nothing but the CLI.

    from dcops_dashboards import DashboardOptions, render_dashboards
    files = render_dashboards(inv, DashboardOptions())   # {relative path: bytes}
"""

import warnings

# The SDK marks the classic dashboard model deprecated in favour of its v2 resource. dcops
# writes the classic JSON model on purpose: it is what Grafana's file provisioning loads in
# every release from 10 to 12, where a v2 dashboard needs Grafana 12 with feature toggles on.
warnings.filterwarnings("ignore", message="Prefer using dashboardv2.Dashboard instead.", category=DeprecationWarning)

from dcops_dashboards.context import DashboardOptions  # noqa: E402  (after the filter above)
from dcops_dashboards.render import DASHBOARDS, render_dashboards  # noqa: E402

__all__ = ["DASHBOARDS", "DashboardOptions", "render_dashboards"]
