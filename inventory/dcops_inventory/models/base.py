"""Shared building blocks for every inventory record.

Records are strict: unknown keys are errors (`extra="forbid"`), and scalar fields use
strict types so `u_height: "42"` is reported instead of quietly coerced.

Numbers are bounded: every integer lies within +-MAX_INT and every number is finite, so
what validates also fits DuckDB's BIGINT (`dcops report query`), JSON and the sums the
reports make, and a typo of a few extra digits is an error naming the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

MAX_INT = 1_000_000_000  # beyond any count, size, capacity or power in one inventory


def _finite(value: object) -> object:
    """YAML's .inf and .nan are floats: refuse them first, in one message (the int|float
    union would otherwise report a bound, or one error per member)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


Finite = BeforeValidator(_finite)

# A record name: lower-case slug, stable across renders (it keys everything downstream).
Name = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
Text = StrictStr
Int = Annotated[StrictInt, Field(ge=-MAX_INT, le=MAX_INT)]
Bool = StrictBool
Number = Annotated[StrictInt | StrictFloat, Field(ge=-MAX_INT, le=MAX_INT), Finite]
PositiveInt = Annotated[StrictInt, Field(ge=1, le=MAX_INT)]
NonNegInt = Annotated[StrictInt, Field(ge=0, le=MAX_INT)]
NonNegNumber = Annotated[StrictInt | StrictFloat, Field(ge=0, le=MAX_INT), Finite]

# A source document's name (meta.sources), as citations spell it before the colon.
SOURCE_NAME = r"[a-z][a-z0-9_-]*"
_CITATION = re.compile(rf"^(?P<source>{SOURCE_NAME}):(?:line(?P<line>\d+)|(?P<table>[a-z0-9][a-z0-9._-]*)/(?P<row>\d+))$")
_ASSUMPTION = re.compile(r"^assumption(: .+)?$")
_CITATION_FORMS = "`<source>:line<N>` (a line of its text) or `<source>:<table>/<row>` (a row of one of its tables)"


@dataclass(frozen=True)
class Citation:
    """Where in a declared source a fact stands: a line of its text, or a row of one of its
    tables. Whether the source and table are declared is a cross-record check (checks.py)."""

    source: str
    line: int | None = None
    table: str | None = None
    row: int | None = None

    @property
    def row_ref(self) -> str | None:
        """`<table>/<row>`, the key of the transcribed row (seed_rows) it points at."""
        return f"{self.table}/{self.row}" if self.table is not None else None


def parse_citation(text: str) -> Citation | None:
    """The citation `text` spells, or None (an assumption, or not a citation at all)."""
    m = _CITATION.match(text)
    if m is None:
        return None
    if m["line"] is not None:
        return Citation(m["source"], line=int(m["line"]))
    return Citation(m["source"], table=m["table"], row=int(m["row"]))


def _citation(value: str) -> str:
    if not _CITATION.match(value):
        raise ValueError(f"expected a citation of a source declared in meta.sources: {_CITATION_FORMS} "
                         f"(got {_echo(value)})")
    return value


def _provenance(value: str) -> str:
    if not (_ASSUMPTION.match(value) or _CITATION.match(value)):
        raise ValueError(f"expected `assumption`, `assumption: why`, or a citation of a source declared in "
                         f"meta.sources: {_CITATION_FORMS} (got {_echo(value)})")
    return value


def _echo(value: str, limit: int = 60) -> str:
    return repr(value) if len(value) <= limit else f"{value[:limit - 12]!r}... ({len(value)} characters)"


# Where a fact comes from: a citation of one of the inventory's declared source documents
# (MTPE: `seed:cuadro8/4`, a row of the plan's Cuadro 8; `seed:line794`, a line of its
# text), or a documented assumption (`assumption` or `assumption: why`).
Provenance = Annotated[StrictStr, AfterValidator(_provenance)]
Cite = Annotated[StrictStr, AfterValidator(_citation)]  # a citation only, never an assumption


class Record(BaseModel):
    """Base of every collection item; `key` is the field that names it uniquely."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key_field: ClassVar[str] = "name"

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))


class Part(BaseModel):
    """A nested structure inside a record (not a collection of its own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
