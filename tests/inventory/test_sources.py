"""Declared sources and citations: the grammar, the meta's own rules, and MTPE's citations
checked against the plan's text where that text is available to the tests."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import load_inventory
from dcops_inventory.models import Meta
from dcops_inventory.models.base import Citation, parse_citation

runner = CliRunner()
# Where the plan's text may be: the file whose SHA-256 is the one source `seed` declares.
SOURCES_DIR = Path(os.environ.get("DCOPS_SOURCES_DIR", "/work/shared/seeds"))


@pytest.fixture(scope="module")
def mtpe():
    return load_inventory()


@pytest.mark.parametrize("text, cited", [
    ("seed:line794", Citation("seed", line=794)),
    ("seed:cuadro8/4", Citation("seed", table="cuadro8", row=4)),
    ("audit-2024:switches/12", Citation("audit-2024", table="switches", row=12)),
    ("survey_b:line1", Citation("survey_b", line=1)),
    ("assumption", None), ("assumption: why", None), ("seed:", None), ("seed:line", None),
    ("seed:cuadro8", None), ("Seed:line3", None), ("seed:line3/4/5", None),
])
def test_citation_grammar(text, cited):
    assert parse_citation(text) == cited


def test_row_ref_is_the_seed_row_key():
    assert Citation("seed", table="cuadro8", row=4).row_ref == "cuadro8/4"
    assert Citation("seed", line=3).row_ref is None


@pytest.mark.parametrize("meta, reason", [
    ({"sources": [{"name": "a", "title": "A", "kind": "plan"}, {"name": "a", "title": "B", "kind": "plan"}]},
     "source 'a' is declared twice"),
    ({"sources": [{"name": "assumption", "title": "A", "kind": "plan"}]},
     "'assumption' is reserved for `provenance: assumption: why`; name the source otherwise"),
    ({"sources": [{"name": "a", "title": "A", "kind": "plan", "tables": [{"name": "t1", "title": "T"}]},
                  {"name": "b", "title": "B", "kind": "survey", "tables": [{"name": "t1", "title": "T"}]}]},
     "table 't1' of source 'b' is already a table of source 'a' (a table name belongs to one source)"),
    ({"sources": [{"name": "a", "title": "A", "kind": "plan",
                   "tables": [{"name": "t1", "title": "T"}, {"name": "t1", "title": "U"}]}]},
     "table 't1' is declared twice"),
    ({"channels": [{"name": "web", "title": "Web"}, {"name": "web", "title": "Portal"}]},
     "channel 'web' is declared twice"),
])
def test_meta_refuses_ambiguous_declarations(meta, reason):
    with pytest.raises(ValidationError) as exc:
        Meta.model_validate({"name": "x", "title": "X", **meta})
    assert [e["msg"] for e in exc.value.errors()] == [f"Value error, {reason}"]


def test_a_seed_row_of_an_undeclared_table_and_a_channel_citing_an_undeclared_source(tmp_path):
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        "meta:\n"
        "  name: x\n"
        "  title: X\n"
        "  sources:\n"
        "  - {name: plan, title: Plan, kind: plan, tables: [{name: apps, title: Applications}]}\n"
        "  channels:\n"
        "  - {name: web, title: Web, provenance: 'charter:line4'}\n"
        "seed_rows:\n"
        "- {table: hardware, row: 1, item: Servers, count: 2, line: 10}\n")
    result = runner.invoke(app, ["inventory", "validate", "-i", str(inv)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == [
        f"{inv}:6: meta.channels[0].provenance: unknown source 'charter' (meta.sources declares: plan)",
        f"{inv}:9: seed_rows[hardware/1].table: unknown table 'hardware' (the tables of meta.sources: apps)",
    ]


def test_mtpe_declares_the_plan_and_its_channels(mtpe):
    assert [s.name for s in mtpe.meta.sources] == ["seed"]
    seed = mtpe.meta.source("seed")
    assert seed.kind == "plan" and seed.reference == "Resolución Ministerial N° 251-2017-TR"
    assert [t.name for t in seed.tables] == ["cuadro1", "cuadro8", "cuadro9", "cuadro10", "cuadro11"]
    assert [c.name for c in mtpe.meta.channels] == ["G2C", "G2B", "G2G", "G2E"]
    assert {c for s in mtpe.services for c in s.channels} <= {"G2C", "G2B", "G2G", "G2E"}


def test_discrepancy_figures_stand_on_their_table_rows():
    """A figure citing a table row takes the row's line (891, 892, 925 in the plan), so the
    two can no longer disagree as the written 893, 894 and 927 did."""
    result = runner.invoke(app, ["inventory", "summary", "--format", "json"])
    figures = {d["name"]: [(f["cite"], f["line"]) for f in d["figures"]] for d in json.loads(result.output)["discrepancies"]}
    assert figures == {
        "physical-servers": [("seed:cuadro8/4", 891), ("seed:line794", 794)],
        "virtual-servers": [("seed:cuadro8/5", 892), ("seed:line794", 794)],
        "external-storage": [("seed:cuadro8/29", 925), ("seed:line794", 794)],
    }


def _plan_text(mtpe) -> list[str]:
    digest = mtpe.meta.source("seed").text_sha256
    candidates = sorted(SOURCES_DIR.glob("*.txt")) if SOURCES_DIR.is_dir() else []
    for path in candidates:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == digest:
            return data.decode("utf-8").splitlines()
    pytest.skip(f"the plan's text (sha256 {digest[:12]}...) is not in {SOURCES_DIR} (set DCOPS_SOURCES_DIR)")


def _citations(mtpe):
    """(where, citation) for every provenance, channel and discrepancy figure of MTPE."""
    from dcops_inventory.models import COLLECTIONS

    for collection, model in COLLECTIONS.items():
        if "provenance" in model.model_fields:
            for rec in getattr(mtpe, collection):
                yield f"{collection}[{rec.key}]", rec.provenance
    for channel in mtpe.meta.channels:
        yield f"meta.channels[{channel.name}]", channel.provenance
    for disc in mtpe.discrepancies:
        for figure in disc.figures:
            yield f"discrepancies[{disc.key}]", figure.cite


def test_every_line_citation_is_a_line_of_the_plan_with_text(mtpe):
    lines = _plan_text(mtpe)
    cited = {(where, c.line) for where, text in _citations(mtpe) if (c := parse_citation(text)) and c.line}
    assert cited, "MTPE cites no line of the plan"
    blank = sorted((line, where) for where, line in cited if line > len(lines) or not lines[line - 1].strip())
    assert blank == []


def test_every_transcribed_row_stands_on_its_line(mtpe):
    lines = _plan_text(mtpe)
    wrong = [(row.ref, row.line) for row in mtpe.seed_rows
             if row.line > len(lines) or row.item.lower() not in lines[row.line - 1].lower()]
    assert wrong == []


def test_summary_of_an_inventory_without_source_tables_has_no_plan_table():
    minimal = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "minimal.yaml"
    result = runner.invoke(app, ["inventory", "summary", "-i", str(minimal)])
    assert result.exit_code == 0, result.output
    assert "disagree" not in result.stdout and "rows match" not in result.stdout
    assert "Records of minimal" in result.stdout and "No source table is transcribed" in result.stdout
    data = json.loads(runner.invoke(app, ["inventory", "summary", "-i", str(minimal), "--format", "json"]).stdout)
    assert (data["rows"], data["discrepancies"], data["sources"], data["mismatches"]) == ([], [], [], 0)
