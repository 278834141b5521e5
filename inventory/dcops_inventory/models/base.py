"""Shared building blocks for every inventory record.

Records are strict: unknown keys are errors (`extra="forbid"`), and scalar fields use
strict types so `u_height: "42"` is reported instead of quietly coerced.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

# A record name: lower-case slug, stable across renders (it keys everything downstream).
Name = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]
Text = StrictStr
Int = StrictInt
Bool = StrictBool
Number = StrictInt | StrictFloat
PositiveInt = Annotated[StrictInt, Field(ge=1)]
NonNegInt = Annotated[StrictInt, Field(ge=0)]
NonNegNumber = Annotated[StrictInt | StrictFloat, Field(ge=0)]

# Where a record comes from: a seed table row (`seed:cuadro8/4`), a line of the seed's
# prose (`seed:line794`), or a documented assumption (`assumption` or `assumption: why`).
Provenance = Annotated[
    StrictStr,
    Field(pattern=r"^(seed:(cuadro\d+/\d+|line\d+)|assumption(: .+)?)$"),
]


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
