"""Every panel query of the committed MTPE dashboards returns series from a real Prometheus that
scrapes the simulated data center and evaluates the availability rules (conftest.py).

Grafana cannot be installed here, so the test sends what Grafana would: each template
variable replaced by a value the variable's own query lists (and, second pass, by "All",
`.*`), `$__rate_interval` by four times the provisioned datasource's timeInterval (60 s for
MTPE, so 4m) and `$__interval` by that interval; a range query over the lab's life at that
step for time series, an instant query for the panels that show a current value.

No panel needs an exception. Long windows (the 30d/365d error ratios, p95 over 1d) return a
series from the first sample, and the forecasts (predict_linear over 7d of the busy hour,
over 6h of pool growth) from the second; the lab rule profile evaluates rules every 5 s, so
all of them answer within about two minutes of the start. Counts of bad things are written
`count(...) or vector(0)` and would answer whatever their metric, so every metric a query
names must also exist on its own.
"""

from __future__ import annotations

import re
import time

import pytest
from dashboards_testlib import (
    COMMITTED,
    label_values,
    load_dashboards,
    metric_names,
    panel_queries,
    prom_get,
    query_variables,
    run_query,
    substitute,
    time_interval_seconds,
)

pytestmark = pytest.mark.slow

DASHBOARDS = load_dashboards(COMMITTED)
# The concrete values: the data hall site, where every device family of MTPE is, and core
# switches, which both modules the role variable narrows (if_mib, health) probe.
CONCRETE = {"site": "sc", "role": "core_switch"}
ALL = {"site": ".*", "role": ".*"}
DEADLINE_S = 420  # typically all answer within 130 s of Prometheus' start (two 60 s scrapes)
POLL_S = 10
LABEL_VALUES = re.compile(r"^label_values\((?P<match>.+), (?P<label>\w+)\)$")


@pytest.fixture(scope="module")
def answers(lab_prometheus):
    """(dashboard uid, query name, value set) -> (expr, series returned or the error), polled until
    every query returns a series or the deadline passes."""
    _, url, started = lab_prometheus
    interval = time_interval_seconds(COMMITTED)
    cases = {(uid, q.name, label): (q, substitute(q.expr, values, interval))
             for uid, board in DASHBOARDS.items() for q in panel_queries(board)
             for label, values in (("concrete", CONCRETE), ("all", ALL))}
    results: dict[tuple[str, str, str], tuple[str, object]] = {}
    pending = dict(cases)
    while True:
        now = time.time()
        for key, (q, expr) in list(pending.items()):
            try:
                got: object = len(run_query(url, expr, q.instant, now=now, window=max(now - started, interval),
                                            step=interval))
            except AssertionError as exc:  # a query Prometheus refuses never starts answering
                got = str(exc)
            results[key] = (expr, got)
            if got != 0:
                del pending[key]
        if not pending or time.time() - started > DEADLINE_S:
            return results
        time.sleep(POLL_S)


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_every_panel_query_returns_series(answers, uid):
    failed = [f"{name} [{label}]: {expr}\n    -> {got if isinstance(got, str) else 'no series'}"
              for (board, name, label), (expr, got) in sorted(answers.items())
              if board == uid and not (isinstance(got, int) and got > 0)]
    assert not failed, f"{len(failed)} queries of {uid} returned nothing:\n" + "\n".join(failed)


def test_every_metric_a_query_reads_exists(lab_prometheus, answers):
    _, url, _ = lab_prometheus
    names = {n for board in DASHBOARDS.values() for q in panel_queries(board) for n in metric_names(q.expr)}
    missing = sorted(n for n in names if not prom_get(url, "/api/v1/query", {"query": f"group({n})"})["result"])
    assert not missing, f"metrics no series of which exists: {missing}"
    assert len(names) > 50


def test_every_template_variable_lists_the_concrete_values(lab_prometheus, answers):
    _, url, _ = lab_prometheus
    checked = 0
    for uid, board in DASHBOARDS.items():
        for variable in query_variables(board):
            parsed = LABEL_VALUES.match(variable["query"])
            assert parsed, f"{uid}: variable {variable['name']}: {variable['query']!r} is not label_values(...)"
            match = substitute(parsed["match"], CONCRETE, 60)
            values = label_values(url, parsed["label"], match)
            assert CONCRETE[variable["name"]] in values, (uid, variable["name"], values)
            checked += 1
    assert checked == 6  # site and role on fleet and bandwidth; site on redundancy and capacity; none on slo
