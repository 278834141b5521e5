"""Every bad-input case has a fixture holding the exact message a user must see.

A fixture is a YAML file, or a directory of them (for mistakes that span files), under
tests/fixtures/invalid/. Its `# expect: ` lines are the exact output, in order (a directory's
files are read in name order); `{file}` is the file holding the line. A `# secret: ` line
names a value that must appear in no output, text or JSON.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INVALID = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.suffix == ".yaml" or p.is_dir())
ROOT = FIXTURES.parent.parent
runner = CliRunner()


def _comments(path: Path, prefix: str) -> list[tuple[Path, str]]:
    files = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    return [(f, line[len(prefix):].rstrip("\n")) for f in files
            # bytes, not text: a fixture may hold a byte that is not UTF-8 on purpose
            for line in f.read_bytes().decode("utf-8", errors="replace").splitlines() if line.startswith(prefix)]


def expected_lines(path: Path, shown: str | None = None) -> list[str]:
    return [line.replace("{file}", str(f.relative_to(ROOT))) for f, line in _comments(path, "# expect: ")]


def secrets_in(path: Path) -> list[str]:
    return [value for _, value in _comments(path, "# secret: ")]


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
    monkeypatch.chdir(ROOT)
    shown = str(fixture.relative_to(ROOT))
    expected = expected_lines(fixture)
    assert expected, f"{fixture.name} has no '# expect:' line"
    result = runner.invoke(app, ["inventory", "validate", "-i", shown])
    assert result.exit_code == 2
    printed = [line for line in result.output.splitlines() if not line.endswith("the inventory is not valid.")]
    assert printed == expected


@pytest.mark.parametrize("fixture", [p for p in INVALID if secrets_in(p)],
                         ids=[p.stem for p in INVALID if secrets_in(p)])
def test_no_secret_value_in_any_message(fixture: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    shown = str(fixture.relative_to(ROOT))
    for fmt in ("text", "json"):
        result = runner.invoke(app, ["inventory", "validate", "-i", shown, "--format", fmt])
        assert result.exit_code == 2
        for value in secrets_in(fixture):
            assert value not in result.output, f"{fmt} output shows the secret {value!r}"


def test_json_format_lists_problems_for_tools():
    import json

    fixture = FIXTURES / "invalid" / "rack_overlap.yaml"
    result = runner.invoke(app, ["inventory", "validate", "-i", str(fixture), "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.output)
    assert data["valid"] is False
    assert [(p["line"], p["field"]) for p in data["problems"]] == [(44, "devices[hq-core-02].position")]
