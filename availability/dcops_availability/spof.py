"""Single points of failure: the components whose failure alone takes a service down.

Found on the structure of the diagram, not on its numbers: with every other component up,
is the service down when this one is? Common-cause events and the failover outage are
events, not components, and are never listed. The list is ordered by how much downtime
each point brings (its own unavailability), so the first entries are the ones to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_availability.blocks import Block, leaves, works
from dcops_availability.graph import NOT_COMPONENTS


@dataclass(frozen=True)
class SinglePoint:
    key: str
    label: str
    kind: str
    unavailability: float
    source: str


def single_points(block: Block) -> list[SinglePoint]:
    found = [SinglePoint(leaf.key, leaf.label or leaf.key, leaf.kind, 1 - leaf.availability, leaf.source)
             for key, leaf in leaves(block).items()
             if leaf.kind not in NOT_COMPONENTS and not works(block, frozenset((key,)))]
    return sorted(found, key=lambda p: (-p.unavailability, p.label))
