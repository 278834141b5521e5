"""Pausing the cyclic garbage collector while building large acyclic structures.

Loading a 50k-device inventory creates millions of objects (parsed YAML, records) and
loading its tables into DuckDB millions more (column lists); none form reference cycles,
but the collector re-scans the whole growing heap again and again while they accumulate,
which doubled both steps' time.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
