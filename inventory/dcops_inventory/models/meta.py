"""The inventory's own settings: its name, the documents its facts come from, its vocabularies.

Nothing here is particular to one organisation. An inventory declares the source documents
its records cite (`provenance: <source>:<locator>`) and the delivery channels its services
use; a citation of an undeclared source, or an undeclared channel, is a validation error.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StrictStr, field_validator

from dcops_inventory.choices import SourceKind
from dcops_inventory.models.base import SOURCE_NAME, Name, Part, Provenance, Text

SourceName = Annotated[StrictStr, Field(pattern=rf"^{SOURCE_NAME}$", max_length=32)]
# A channel as the organisation writes it (`G2C`, `walk-in`): letters, digits, '_' and '-'.
ChannelName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=32)]
Sha256 = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]


class SourceTable(Part):
    """A table of a source document; its rows are transcribed in `seed_rows`."""

    name: Name
    title: Text


class DocumentSource(Part):
    """A document records cite as `<name>:line<N>` or `<name>:<table>/<row>`.

    `text_sha256` pins the text rendering line numbers count in: a line citation means
    something only against that exact text.
    """

    name: SourceName
    title: Text
    kind: SourceKind
    issuer: Text | None = None
    reference: Text | None = None  # how the issuer identifies it (a resolution, a contract number)
    year: Annotated[StrictInt, Field(ge=1900, le=2200)] | None = None
    url: Text | None = None
    text_sha256: Sha256 | None = None
    tables: list[SourceTable] = []
    description: Text | None = None

    @field_validator("name")
    @classmethod
    def _not_assumption(cls, name: str) -> str:
        if name == "assumption":
            raise ValueError("'assumption' is reserved for `provenance: assumption: why`; name the source otherwise")
        return name

    @field_validator("tables")
    @classmethod
    def _unique_tables(cls, tables: list[SourceTable]) -> list[SourceTable]:
        _refuse_duplicates("table", [t.name for t in tables])
        return tables


class Channel(Part):
    """A way a service reaches its users (the MTPE plan's G2C, G2B, G2G, G2E)."""

    name: ChannelName
    title: Text
    description: Text | None = None
    provenance: Provenance = "assumption"


class Meta(Part):
    name: Name
    title: Text
    mgmt_vrf: Name = "mgmt"
    oob_vrf: Name | None = None
    description: Text | None = None
    sources: list[DocumentSource] = []
    channels: list[Channel] = []

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, sources: list[DocumentSource]) -> list[DocumentSource]:
        _refuse_duplicates("source", [s.name for s in sources])
        # `seed_rows` name a table alone, so a table name belongs to one source.
        owner: dict[str, str] = {}
        for source in sources:
            for table in source.tables:
                if table.name in owner:
                    raise ValueError(f"table {table.name!r} of source {source.name!r} is already a table "
                                     f"of source {owner[table.name]!r} (a table name belongs to one source)")
                owner[table.name] = source.name
        return sources

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, channels: list[Channel]) -> list[Channel]:
        _refuse_duplicates("channel", [c.name for c in channels])
        return channels

    def source(self, name: str) -> DocumentSource | None:
        return next((s for s in self.sources if s.name == name), None)

    def table_source(self, table: str) -> DocumentSource | None:
        """The source declaring `table` (a table name belongs to one source)."""
        return next((s for s in self.sources if any(t.name == table for t in s.tables)), None)


def _refuse_duplicates(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what} {name!r} is declared twice")
        seen.add(name)
