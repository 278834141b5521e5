"""One result, three renderings: what a person reads and what a program parses."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from dcops_reports.output import render

COLUMNS = ["name", "eol_date", "vms", "share", "note"]
ROWS = [("centos-7", date(2024, 6, 30), ["vm-a", "vm-b"], Decimal("12.50"), None),
        ("rhel-9", None, [], 3.0, "a, \"quoted\" note")]


def test_json_is_a_list_of_objects_with_iso_dates():
    doc = json.loads(render(COLUMNS, ROWS, "json"))
    assert doc == [
        {"name": "centos-7", "eol_date": "2024-06-30", "vms": ["vm-a", "vm-b"], "share": 12.5, "note": None},
        {"name": "rhel-9", "eol_date": None, "vms": [], "share": 3.0, "note": 'a, "quoted" note'},
    ]


def test_csv_round_trips_through_a_csv_reader():
    rows = list(csv.reader(io.StringIO(render(COLUMNS, ROWS, "csv"))))
    assert rows[0] == COLUMNS
    assert rows[1] == ["centos-7", "2024-06-30", "vm-a;vm-b", "12.5", ""]
    assert rows[2][4] == 'a, "quoted" note'


def test_table_shows_title_values_and_row_count():
    text = render(COLUMNS, ROWS, "table", title="EOL")
    assert "EOL" in text and "centos-7" in text and "2024-06-30" in text and "(2 rows)" in text


def test_table_shortens_long_lists():
    text = render(["vms"], [([f"vm-{i}" for i in range(20)],)], "table")
    assert "vm-7" in text and "vm-8" not in text and "(+12 more)" in text


def test_unknown_format_lists_valid_ones():
    with pytest.raises(ValueError, match="table, csv, json"):
        render(COLUMNS, ROWS, "xml")
