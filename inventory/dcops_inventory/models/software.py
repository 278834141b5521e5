"""Software products and operating systems, with the install counts of Cuadro 9."""

from __future__ import annotations

from datetime import date

from dcops_inventory.choices import LicenceType, SoftwareCategory
from dcops_inventory.models.base import Name, NonNegInt, Part, Provenance, Record, Text


class Licence(Part):
    type: LicenceType = "unknown"
    seats: NonNegInt | None = None


class Software(Record):
    name: Name
    title: Text
    category: SoftwareCategory
    vendor: Text | None = None
    version: Text | None = None
    install_count: NonNegInt
    licence: Licence = Licence()
    eol_date: date | None = None
    comments: Text | None = None
    provenance: Provenance
