"""Validation findings, always located: `file:line: field: reason`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class InventoryError(Exception):
    """The inventory did not validate; `problems` holds every finding, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} inventory error(s)\n" + "\n".join(map(str, self.problems)))
