"""Declared failure and repair figures of a component, for `dcops availability`.

Optional on a device type (the vendor's MTBF of that model's hardware), a device, a circuit
and an external party (the component as it serves: a device's own figure includes its
software). Where none is declared the availability report uses its per-type default and
says so; a declared figure must name where it comes from.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictFloat, StrictInt

from dcops_inventory.models.base import MAX_INT, Finite, Part, Text

Hours = Annotated[StrictInt | StrictFloat, Field(gt=0, le=MAX_INT), Finite]


class Reliability(Part):
    mtbf_hours: Hours  # mean time between failures
    mttr_hours: Hours  # mean time to repair (restore service), including waiting for parts
    source: Text  # a datasheet, a contract's SLA, a measurement: where the figures come from
