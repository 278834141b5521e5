"""Pausing the cyclic garbage collector while building large acyclic structures.

Loading a 50k-device inventory creates millions of objects (parsed YAML, records) and
loading its tables into DuckDB millions more (column lists); none form reference cycles,
but the collector re-scans the whole growing heap again and again while they accumulate,
which doubled both steps' time.

`freeze=True` (the loader) also moves what survives into the permanent generation, so the
first collection after the load does not walk the whole inventory once more (~1.8 s CPU
at 50k devices) and later ones skip it too. Frozen objects are still freed by reference
counting when dropped; only cycles among them would outlive their use.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
