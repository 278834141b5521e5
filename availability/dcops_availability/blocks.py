"""Reliability-block algebra: components in series, k-of-n groups, common-cause failures.

A diagram is a tree of three kinds of block:

- `Leaf`: one component with a mean time between failures and a mean time to repair;
  its steady-state availability is A = MTBF / (MTBF + MTTR).
- `Series`: up when every child is up; A = product of the children's A.
- `KofN`: up when at least k of its n children are up (1-of-n is plain parallel
  redundancy, n-of-n is a series). Computed exactly for children that differ, by the
  Poisson-binomial recursion P(j up among the first i) - no "identical members" shortcut.

Common cause (the beta-factor model, IEC 61508-6 Annex D): redundant members share a room,
a firmware and a change process, so a fraction beta of each member's failures takes every
member down at once. `common_cause_group` splits each member into an independent part with
failure rate (1-beta)*lambda and adds one common-cause leaf with rate beta*lambda in series
with the k-of-n of the independent parts:

    A_group = A_ccf * A_kofn(independent parts)
    A_ind   = r / (r + 1 - beta)      A_ccf = r / (r + beta)      r = MTBF / MTTR

(for beta -> 0 the group is plain k-of-n; for beta = 1 it is no better than one member).
Members that differ share one common-cause leaf whose rate is beta times the geometric
mean of their failure rates and whose repair time is the geometric mean of theirs, the
usual generalisation of the model to non-identical channels.

The same component may appear in several places of one diagram (a cluster both VMs of a
pair run on, the network a service and the service it depends on both use). Multiplying
such a diagram as a tree would count that component twice, so the evaluation is exact
instead: blocks carry keys, and a block whose key occurs more than once is factored out
(Shannon decomposition) - A = A_x * A(diagram | x up) + (1 - A_x) * A(diagram | x down).

`failure_frequency` gives how often the whole diagram fails (per hour): the sum over
components of their Birnbaum importance times their own failure frequency, which holds
for independent components in steady state (Rausand & Hoyland, System Reliability
Theory, ch. 6). The report uses it for the outage a failover to another site adds.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterator, Sequence, Union

# A diagram whose shared blocks need more conditioning than this is refused: 2**24
# evaluations would take minutes, and no inventory diagram comes close.
MAX_SHARED = 24


@dataclass(frozen=True)
class Leaf:
    """One component. `key` names it across the whole diagram; `kind` says what it is."""

    key: str
    mtbf_hours: float
    mttr_hours: float
    label: str = ""
    kind: str = "component"
    source: str = ""

    def __post_init__(self) -> None:
        if not (self.mtbf_hours > 0) or not (self.mttr_hours >= 0):
            raise ValueError(f"{self.key}: MTBF must be > 0 and MTTR >= 0 hours "
                             f"(got {self.mtbf_hours}, {self.mttr_hours})")

    @classmethod
    def of_availability(cls, key: str, availability: float, mttr_hours: float = 1.0, **kw) -> Leaf:
        """A leaf given its availability: MTBF = MTTR * A / (1 - A)."""
        if not 0 < availability < 1:
            raise ValueError(f"{key}: availability must lie strictly between 0 and 1 (got {availability})")
        return cls(key, mttr_hours * availability / (1 - availability), mttr_hours, **kw)

    @property
    def availability(self) -> float:
        if math.isinf(self.mtbf_hours):
            return 1.0
        return self.mtbf_hours / (self.mtbf_hours + self.mttr_hours)

    @property
    def frequency(self) -> float:
        """Failures per hour in steady state: 1 / (MTBF + MTTR)."""
        return 0.0 if math.isinf(self.mtbf_hours) else 1.0 / (self.mtbf_hours + self.mttr_hours)


@dataclass(frozen=True)
class Series:
    children: tuple[Block, ...]
    key: str | None = None
    label: str = ""


@dataclass(frozen=True)
class KofN:
    k: int
    children: tuple[Block, ...]
    key: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"{self.key or 'k-of-n'}: k must be at least 1 (got {self.k})")


@dataclass(frozen=True)
class Const:
    """A block known to be up or down (what conditioning leaves behind)."""

    up: bool
    key: str | None = None


Block = Union[Leaf, Series, KofN, Const]


def series(*children: Block, key: str | None = None, label: str = "") -> Series:
    return Series(tuple(children), key, label)


def k_of_n(k: int, children: Sequence[Block], key: str | None = None, label: str = "") -> KofN:
    return KofN(k, tuple(children), key, label)


def common_cause_group(key: str, k: int, members: Sequence[tuple[Leaf, Sequence[Block]]], beta: float,
                       label: str = "") -> Block:
    """k-of-n of `members` with beta-factor common cause, as Series(ccf leaf, k-of-n).

    Each member is (its own leaf, what else it needs): the leaf is split into its
    independent part (same key, MTBF / (1 - beta)); the rest (the cluster a VM runs on,
    the device a circuit ends on) stays in series inside the member.
    """
    if not 0 <= beta < 1:
        raise ValueError(f"{key}: beta must be in [0, 1) (got {beta})")
    if beta == 0 or len(members) < 2:
        return k_of_n(k, [_member(own, extra) for own, extra in members], key=key, label=label)
    independent = []
    for own, extra in members:
        part = Leaf(own.key, own.mtbf_hours / (1 - beta), own.mttr_hours, own.label, own.kind, own.source)
        independent.append(_member(part, extra))
    return series(common_cause_leaf(key, [own for own, _ in members], beta, label),
                  k_of_n(k, independent, label=label), key=key, label=label)


def common_cause_leaf(group_key: str, members: Sequence[Leaf], beta: float, label: str = "") -> Leaf:
    """The event that fails every member at once: rate beta * geometric mean of the members'
    rates, repaired in the geometric mean of their repair times."""
    rate = math.exp(sum(math.log(1 / m.mtbf_hours) for m in members) / len(members))
    mttr = math.exp(sum(math.log(max(m.mttr_hours, 1e-12)) for m in members) / len(members))
    return Leaf(f"ccf:{group_key}", 1 / (beta * rate), mttr, f"common cause of {label or group_key}",
                "common-cause", f"beta-factor model, beta = {beta:g} (IEC 61508-6 Annex D)")


def _member(own: Leaf, extra: Sequence[Block]) -> Block:
    return series(own, *extra) if extra else own


# -- structure ---------------------------------------------------------------------------

def leaves(block: Block) -> dict[str, Leaf]:
    """Every component of the diagram by key."""
    return {leaf.key: leaf for leaf in _walk_leaves(block)}


def _walk_leaves(block: Block) -> Iterator[Leaf]:
    if isinstance(block, Leaf):
        yield block
    elif isinstance(block, (Series, KofN)):
        for child in block.children:
            yield from _walk_leaves(child)


def works(block: Block, down: frozenset[str] | set[str]) -> bool:
    """The structure function: is the diagram up when exactly the leaves in `down` are down?"""
    if isinstance(block, Leaf):
        return block.key not in down
    if isinstance(block, Const):
        return block.up
    if isinstance(block, Series):
        return all(works(c, down) for c in block.children)
    return sum(works(c, down) for c in block.children) >= block.k


# -- exact evaluation ----------------------------------------------------------------------

def availability(block: Block) -> float:
    """Steady-state availability of the diagram, exact for shared components."""
    _index(block)  # one key, one block: checked before repeats are folded away
    return _evaluate(_normalise(block), 0)


def _index(block: Block) -> tuple[Counter, dict[str, Block]]:
    """How often each key occurs (counting inside every occurrence), and its block.
    One key must always name the same block: anything else is a bug in the diagram."""
    counts: Counter = Counter()
    nodes: dict[str, Block] = {}
    stack = [block]
    while stack:
        node = stack.pop()
        key = node.key
        if key is not None:
            counts[key] += 1
            seen = nodes.setdefault(key, node)
            if seen is not node and seen != node:
                raise ValueError(f"two different blocks share the key {key!r}")
        if isinstance(node, (Series, KofN)):
            stack.extend(node.children)
    return counts, nodes


def _evaluate(block: Block, depth: int) -> float:
    counts, nodes = _index(block)
    shared = [k for k, n in counts.items() if n > 1]
    if not shared:
        return _direct(block)
    if depth >= MAX_SHARED:
        raise ValueError(f"the diagram shares more than {MAX_SHARED} blocks between its branches "
                         f"(e.g. {', '.join(sorted(shared)[:5])}); it cannot be evaluated exactly in time")
    pick = _self_contained(shared, counts, nodes)
    a = _evaluate(nodes[pick], depth + 1)
    up = _normalise(_substitute(block, pick, True))
    down = _normalise(_substitute(block, pick, False))
    return a * _evaluate(up, depth + 1) + (1 - a) * _evaluate(down, depth + 1)


def _self_contained(shared: list[str], counts: Counter, nodes: dict[str, Block]) -> str:
    """The largest shared block whose insides occur nowhere outside its own occurrences, so
    it can be conditioned on as one independent unit (a shared leaf always qualifies)."""
    sizes = {key: _size(nodes[key]) for key in shared}
    for key in sorted(shared, key=lambda k: (-sizes[k], k)):
        inner, _ = _index(nodes[key])
        if all(counts[d] == counts[key] * n for d, n in inner.items()):
            return key
    raise AssertionError("no shared block to condition on")  # a shared leaf always qualifies


def _size(block: Block) -> int:
    if isinstance(block, (Series, KofN)):
        return 1 + sum(_size(c) for c in block.children)
    return 1


def _substitute(block: Block, key: str, up: bool) -> Block:
    if block.key == key:
        return Const(up)
    if isinstance(block, Series):
        return Series(tuple(_substitute(c, key, up) for c in block.children), block.key, block.label)
    if isinstance(block, KofN):
        return KofN(block.k, tuple(_substitute(c, key, up) for c in block.children), block.key, block.label)
    return block


def _normalise(block: Block) -> Block:
    """Fold constants, flatten unnamed series into their parent series and drop repeats
    inside one series (x AND x = x). Named blocks keep their key and stay whole: conditioning
    rewrites every occurrence of a named block the same way, so the key still names one
    block, and a shared named block is factored out as a unit instead of part by part."""
    if isinstance(block, (Leaf, Const)):
        return block
    children = [_normalise(c) for c in block.children]
    if isinstance(block, Series):
        flat: list[Block] = []
        seen: set[str] = set()
        for child in children:
            for part in (child.children if isinstance(child, Series) and child.key is None else (child,)):
                if isinstance(part, Const):
                    if not part.up:
                        return Const(False)
                    continue
                if part.key is not None:
                    if part.key in seen:
                        continue
                    seen.add(part.key)
                flat.append(part)
        if not flat:
            return Const(True)
        if len(flat) == 1 and block.key is None:
            return flat[0]
        return Series(tuple(flat), block.key, block.label)
    ups = sum(1 for c in children if isinstance(c, Const) and c.up)
    rest = [c for c in children if not isinstance(c, Const)]
    k = block.k - ups
    if k <= 0:
        return Const(True)
    if k > len(rest):
        return Const(False)
    if len(rest) == 1 and block.key is None:
        return rest[0]
    return KofN(k, tuple(rest), block.key, block.label)


def _direct(block: Block) -> float:
    """Availability of a diagram with no shared block: a plain product / Poisson-binomial."""
    if isinstance(block, Leaf):
        return block.availability
    if isinstance(block, Const):
        return 1.0 if block.up else 0.0
    values = [_direct(c) for c in block.children]
    if isinstance(block, Series):
        return math.prod(values)
    return at_least(block.k, values)


def at_least(k: int, availabilities: Sequence[float]) -> float:
    """P(at least k of independent members are up), members may differ (exact recursion)."""
    n = len(availabilities)
    if k > n:
        return 0.0
    if k <= 0:
        return 1.0
    up = [1.0] + [0.0] * n  # up[j]: P(exactly j up among the members seen so far)
    for a in availabilities:
        for j in range(n, 0, -1):
            up[j] = up[j] * (1 - a) + up[j - 1] * a
        up[0] *= 1 - a
    return math.fsum(up[k:])


# -- frequency -----------------------------------------------------------------------------

def birnbaum(block: Block, key: str) -> float:
    """How much the diagram's availability depends on one component: A(up) - A(down)."""
    up = availability(_substitute(block, key, True))
    down = availability(_substitute(block, key, False))
    return up - down


def failure_frequency(block: Block) -> float:
    """Failures of the whole diagram per hour: sum of I_B(i) * (component i's frequency)."""
    return math.fsum(birnbaum(block, key) * leaf.frequency for key, leaf in leaves(block).items())
