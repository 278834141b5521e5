"""Every bad-input case has a fixture holding the exact message a user must see."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
runner = CliRunner()


def expected_lines(path: Path, shown: str) -> list[str]:
    lines = [l[len("# expect: "):].rstrip("\n") for l in path.read_text().splitlines() if l.startswith("# expect: ")]
    return [l.replace("{file}", shown) for l in lines]


def test_every_required_case_has_a_fixture():
    required = {"yaml_syntax", "unknown_key", "wrong_type", "duplicate_name", "dangling_reference",
                "rack_overlap", "rack_overflow", "duplicate_ip", "ip_outside_prefix",
                "overlapping_prefixes", "vlan_out_of_range", "redundancy_short", "plaintext_secret"}
    assert required <= {p.stem for p in INVALID}


def test_minimal_fixture_is_valid():
    result = runner.invoke(app, ["inventory", "validate", "-i", str(FIXTURES / "valid" / "minimal.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("minimal: valid")


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_gives_exact_errors(fixture: Path, monkeypatch):
    monkeypatch.chdir(FIXTURES.parent.parent)
    shown = str(fixture.relative_to(FIXTURES.parent.parent))
    expected = expected_lines(fixture, shown)
    assert expected, f"{fixture.name} has no '# expect:' line"
    result = runner.invoke(app, ["inventory", "validate", "-i", shown])
    assert result.exit_code == 2
    printed = [l for l in result.output.splitlines() if not l.endswith("the inventory is not valid.")]
    assert printed == expected


def test_json_format_lists_problems_for_tools():
    import json

    fixture = FIXTURES / "invalid" / "rack_overlap.yaml"
    result = runner.invoke(app, ["inventory", "validate", "-i", str(fixture), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.output)
    assert data["valid"] is False
    assert [(p["line"], p["field"]) for p in data["problems"]] == [(44, "devices[hq-core-02].position")]
