"""What validates can be queried: `dcops report query` reads every row of every view of
every fixture inventory that validates, the embedded MTPE one and `valid/bounds.yaml` (every
number at its bound) included. A value the models accept but DuckDB cannot hold (an integer
past 2^63 once passed `validate` and then crashed `query`) fails here."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import InventoryError, load_inventory
from dcops_inventory.loader import DEFAULT_INVENTORY
from dcops_inventory.models import COLLECTIONS
from dcops_reports.views import VIEWS

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _fixture_inventories() -> list[Path]:
    """Each directory holding one file with a top-level `meta:` is an inventory; where a
    directory holds several (tests/fixtures/valid), each such file is one. invalid/ is left
    to tests/inventory/test_validation_fixtures.py."""
    by_dir: dict[Path, list[Path]] = {}
    for root in (REPO / "tests" / "fixtures", REPO / "tests" / "reports" / "fixtures"):
        for path in sorted(root.rglob("*.y*ml")):
            if "invalid" in path.relative_to(root).parts:
                continue
            text = path.read_bytes().decode("utf-8", errors="replace")
            if text.startswith("meta:") or "\nmeta:" in text:
                by_dir.setdefault(path.parent, []).append(path)
    found = [files[0].parent if len(files) == 1 else f for files in by_dir.values() for f in files]
    return [DEFAULT_INVENTORY] + sorted(set(found))


INVENTORIES = _fixture_inventories()


def test_the_bounds_fixture_is_among_them():
    assert REPO / "tests" / "fixtures" / "valid" / "bounds.yaml" in INVENTORIES


@pytest.mark.parametrize("path", INVENTORIES, ids=[str(p.relative_to(REPO)) for p in INVENTORIES])
def test_query_reads_every_view(path: Path):
    try:
        inv = load_inventory(path)
    except InventoryError:
        pytest.skip("does not validate; validation fixtures are tested in tests/inventory")
    # One statement naming every view: each row as JSON, so every column of every row is
    # converted by DuckDB and written out by the command.
    sql = " UNION ALL ".join(f"SELECT '{v}' AS view, to_json(t)::VARCHAR AS row FROM {v} t" for v in sorted(VIEWS))
    result = runner.invoke(app, ["report", "query", sql, "-i", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = Counter(r["view"] for r in json.loads(result.stdout))
    for collection in COLLECTIONS:  # one row per record in each view named after a collection
        if collection != "interfaces":  # that view expands each device type's port layout
            assert rows[collection] == len(getattr(inv, collection)), collection
