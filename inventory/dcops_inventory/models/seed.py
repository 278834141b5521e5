"""The plan itself: its tables' rows, its self-contradictions, staff and end-user assets.

Records elsewhere point here through `provenance: seed:<table>/<row>`, which is how the
summary compares what the plan counts with what the inventory holds.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

from dcops_inventory.choices import AssetCategory, Ownership, SeedTable
from dcops_inventory.models.base import Name, NonNegInt, Part, PositiveInt, Provenance, Record, Text


class SeedRow(Record):
    key_field = "ref"
    table: SeedTable
    row: PositiveInt
    item: Text
    count: NonNegInt | None = None
    line: PositiveInt

    @property
    def ref(self) -> str:
        return f"{self.table}/{self.row}"


class Figure(Part):
    source: Text
    value: NonNegInt
    line: PositiveInt


class Discrepancy(Record):
    """The plan states two figures for one thing; records follow `records_follow`."""

    name: Name
    subject: Text
    figures: list[Figure]
    records_follow: Annotated[StrictStr, Field(pattern=r"^cuadro\d+/\d+$")]  # the seed row records follow
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


class Meta(Part):
    name: Name
    title: Text
    mgmt_vrf: Name = "mgmt"
    oob_vrf: Name | None = None
    description: Text | None = None
