"""One runbook per alert, one alert per runbook, each with Meaning, Impact, Diagnosis and Mitigation."""

from __future__ import annotations

import re

from slo_helpers import REPO, rendered_alerts

from dcops_slo.runbooks import COMPONENTS, RUNBOOK_SECTIONS, runbook_path

RUNBOOKS = REPO / "runbooks"


def runbook_files() -> set:
    return {p for c in COMPONENTS for p in (RUNBOOKS / c).glob("*.md")}


def test_alerts_and_runbooks_match_one_to_one(mtpe_render):
    alerts = {a["alert"] for a in rendered_alerts(mtpe_render)}
    expected = {runbook_path(REPO, a) for a in alerts}
    files = runbook_files()
    assert expected - files == set(), "alerts without a runbook"
    assert files - expected == set(), "runbooks without an alert"
    stray = [p for p in RUNBOOKS.rglob("*.md") if p != RUNBOOKS / "README.md" and p not in files]
    assert stray == [], "runbooks outside a component folder"


def test_each_runbook_has_the_four_sections_in_order():
    for path in sorted(runbook_files()):
        text = path.read_text()
        assert text.startswith(f"# {path.stem}\n"), path
        positions = [text.find(f"\n{s}\n") for s in RUNBOOK_SECTIONS]
        assert all(p > 0 for p in positions) and positions == sorted(positions), f"{path}: {positions}"
        sections = dict(zip(RUNBOOK_SECTIONS, re.split(r"\n## (?:Meaning|Impact|Diagnosis|Mitigation)\n", text)[1:]))
        assert all(body.strip() for body in sections.values()), f"{path}: an empty section"
        code = [line.strip() for line in sections["## Diagnosis"].splitlines() if line.startswith("    ")]
        assert code, f"{path}: Diagnosis has no query or command to run"


def test_runbooks_name_playbooks_and_commands_that_exist():
    playbooks = {p.name for p in (REPO / "playbooks").glob("*.yml")}
    for path in sorted(runbook_files()):
        text = path.read_text()
        for named in re.findall(r"playbooks/([a-z_]+\.yml)", text):
            assert named in playbooks, f"{path}: no playbook {named}"
        for group in re.findall(r"(?:`|^ {4})dcops ([a-z]+)\b", text, re.M):  # commands, not prose
            assert group in {"inventory", "ansible", "exporter", "prometheus", "report", "slo", "lab", "availability"}, \
                f"{path}: dcops {group}"
    for component in ("config",):  # where a playbook does the mitigation, the runbook names it
        for path in (RUNBOOKS / component).glob("*.md"):
            mitigation = path.read_text().split("\n## Mitigation\n", 1)[1]
            assert "playbooks/" in mitigation, path


def test_the_runbook_index_lists_every_alert(mtpe_render):
    index = (RUNBOOKS / "README.md").read_text()
    for alert in {a["alert"] for a in rendered_alerts(mtpe_render)}:
        assert alert in index, alert
