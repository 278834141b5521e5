"""What the source documents state: their tables' rows, their self-contradictions, staff
and end-user assets.

A table is declared by a source in meta.sources; `seed_rows` transcribe its rows. Records
elsewhere point at a row through `provenance: <source>:<table>/<row>`, which is how the
summary compares what a document counts with what the inventory holds.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

from dcops_inventory.choices import AssetCategory, Ownership
from dcops_inventory.models.base import Cite, Name, NonNegInt, Part, PositiveInt, Provenance, Record, Text


class SeedRow(Record):
    """One row of a table a source declares, as the document states it (`line`: where)."""

    key_field = "ref"
    table: Name
    row: PositiveInt
    item: Text
    count: NonNegInt | None = None
    line: PositiveInt

    @property
    def ref(self) -> str:
        return f"{self.table}/{self.row}"


class Figure(Part):
    """One figure a source states, and where (`seed:cuadro8/4`, `seed:line794`): the line of
    a table row is the transcribed row's, never written twice."""

    cite: Cite
    value: NonNegInt


class Discrepancy(Record):
    """The sources state two figures for one thing; records follow `records_follow`."""

    name: Name
    subject: Text
    figures: list[Figure]
    records_follow: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9._-]*/\d+$")]  # `<table>/<row>` of seed_rows
    note: Text | None = None


class StaffRole(Record):
    name: Name
    title: Text
    count: NonNegInt
    team: Text | None = None
    responsibilities: list[Text] = []
    provenance: Provenance


class AssetPool(Record):
    """Counted end-user equipment (desktops, printers, phones) not tracked one by one."""

    name: Name
    title: Text
    category: AssetCategory
    count: NonNegInt
    ownership: Ownership = "owned"
    site: Name | None = None
    provenance: Provenance

