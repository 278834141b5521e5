"""Tabular results (column names + rows) rendered for people (table) or programs (csv, json).

Shared by `dcops report query`, the reports and the diff, so every command offers the
same `--format` choices with the same value conventions: dates ISO 8601, decimals as
numbers, lists as lists in JSON and `a;b` in CSV, NULL as empty (CSV/table) or null (JSON).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Callable, Sequence

from rich.console import Console
from rich.table import Table

FORMATS = ("table", "csv", "json")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(_text(v) for v in value)
    value = _jsonable(value)
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else str(value)
    return str(value)


def to_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A JSON list of objects, one per row, keys in column order."""
    return json.dumps([{c: _jsonable(v) for c, v in zip(columns, row)} for row in rows],
                      indent=2, ensure_ascii=False) + "\n"


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return buf.getvalue()


TABLE_LIST_ITEMS = 8  # a table cell shows this many list items, then "(+N more)"


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) > TABLE_LIST_ITEMS:
        shown = ", ".join(_text(v) for v in value[:TABLE_LIST_ITEMS])
        return f"{shown}, ... (+{len(value) - TABLE_LIST_ITEMS} more)"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return _text(value)


def to_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None,
             max_width: int | None = None) -> str:
    """A boxed table and its row count; `max_width` caps the width (cells fold to fit)."""
    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    # a terminal's own width; piped output gets a width fitting the columns (80-240)
    width = (shutil.get_terminal_size().columns if sys.stdout.isatty()
             else max(80, min(240, 4 * sum(map(len, columns)) + 20)))
    if max_width is not None:
        width = min(width, max_width)
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(table)
    console.print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return console.file.getvalue()


Section = tuple[str, str, Sequence[str], Sequence[Sequence[Any]]]  # (key, title, columns, rows)


def render_sections(title: str, sections: Sequence[Section], notes: Sequence[str], fmt: str = "table") -> str:
    """Several tables answering one question, with the notes that go under them.

    table: the title, each table under its own title, then the notes, one per line.
    json: one object - `title`, each section's rows under its key, `notes`.
    csv: exactly one section (a CSV file holds one table); the caller picks it."""
    if fmt == "table":
        parts = [f"{title}\n"]
        for _key, sub, columns, rows in sections:
            parts.append("\n" + to_table(columns, rows, title=sub))
        if notes:
            parts.append("\n" + "".join(f"{line}\n" for line in notes))
        return "".join(parts)
    if fmt == "json":
        doc: dict[str, Any] = {"title": title}
        for key, _sub, columns, rows in sections:
            if key in ("title", "notes"):
                raise ValueError(f"section name {key!r} is reserved")
            doc[key] = [{c: _jsonable(v) for c, v in zip(columns, row)} for row in rows]
        doc["notes"] = list(notes)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        if len(sections) != 1:
            raise ValueError(f"csv holds one table; choose one of: {', '.join(s[0] for s in sections)}")
        return to_csv(sections[0][2], sections[0][3])
    raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")


RENDERERS: dict[str, Callable[..., str]] = {"table": to_table, "csv": to_csv, "json": to_json}


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table", title: str | None = None,
           max_width: int | None = None) -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}") from None
    return renderer(columns, rows, title=title, max_width=max_width) if fmt == "table" else renderer(columns, rows)
