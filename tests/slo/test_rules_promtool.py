"""`promtool test rules`: each alert at its `for:` boundary, each burn-rate pair, each
redundancy level, the SLI composition. The suites (rules_tests/*.yml) run against the
rules rendered from tests/slo/fixtures/inventory, as `dcops prometheus render` writes them."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml
from slo_helpers import RULES_TESTS, needs_promtool

from dcops_slo.runbooks import COMPONENTS

# Suites that evaluate days of samples minute by minute (burn windows up to 3 days, a
# week-long forecast fit) take 10-30 s each.
SLOW = {"slo_burn.yml", "circuit.yml"}
SUITES = sorted(p.name for p in RULES_TESTS.glob("*.yml"))


@needs_promtool
@pytest.mark.parametrize("suite", [pytest.param(s, marks=pytest.mark.slow) if s in SLOW else s for s in SUITES])
def test_promtool_suite(slo_render, tmp_path, suite):
    # promtool resolves rule_files relative to the suite: ../rules/ is the render
    work = tmp_path / "render"
    shutil.copytree(slo_render, work)
    (work / "tests").mkdir()
    shutil.copy(RULES_TESTS / suite, work / "tests" / suite)
    res = subprocess.run(["promtool", "test", "rules", suite], cwd=work / "tests", capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert "SUCCESS" in res.stdout


def test_every_alert_is_tested_at_its_boundary(slo_render):
    """Each alert appears in a suite both silent (exp_alerts: []) and firing; the watchdog,
    which is never silent, only firing."""
    from slo_helpers import rendered_alerts

    silent, firing = set(), set()
    for suite in SUITES:
        for group in yaml.safe_load((RULES_TESTS / suite).read_text())["tests"]:
            for case in group.get("alert_rule_test", []):
                (firing if case["exp_alerts"] else silent).add(case["alertname"])
    alerts = {a["alert"] for a in rendered_alerts(slo_render)}
    assert alerts == firing == silent | {"MonitoringWatchdog"}
    assert {name[:len(p)] for name in alerts for p in COMPONENTS.values() if name.startswith(p)} == \
        set(COMPONENTS.values()), "every component has tested alerts"
