"""Shared building blocks for every inventory record.

Records are strict: unknown keys are errors (`extra="forbid"`), and scalar fields use
strict types so `u_height: "42"` is reported instead of quietly coerced.

Numbers are bounded: every integer lies within +-MAX_INT and every number is finite, so
what validates also fits DuckDB's BIGINT (`dcops inventory query`), JSON and the sums the
reports make, and a typo of a few extra digits is an error naming the field.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

MAX_INT = 1_000_000_000  # beyond any count, size, capacity or power in one inventory


def _finite(value):
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
