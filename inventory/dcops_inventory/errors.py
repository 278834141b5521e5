"""Validation findings, always located: `file:line: field: reason`, root causes first."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# What a problem is about, in the order a user should read them: a file that could not be
# read explains the records missing from it, a record that failed its schema explains the
# references to it, and a line saying what could not be checked comes last.
FILE, RECORD, CROSS_RECORD, UNCHECKED = range(4)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    reason: str
    stage: int = dataclasses.field(default=RECORD, compare=False)  # `field` is a field name here

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class Unchecked:
    """Why references into `collections` cannot all be checked: a file that may hold their
    records did not load, or one of their records has no valid name. Located at the cause."""

    file: str
    line: int
    collections: frozenset[str]
    because: str  # ends the sentence "N references could not be checked because ..."


def _reading_order(p: Problem) -> tuple[int, str, int, str, str]:
    return (p.stage, p.file, p.line, p.field, p.reason)


class InventoryError(Exception):
    """The inventory did not validate; `problems` holds every finding, not just the first,
    root causes first (see the stages above), then by file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_reading_order)
        super().__init__(f"{len(self.problems)} inventory error(s)\n" + "\n".join(map(str, self.problems)))
