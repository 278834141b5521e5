"""What `dcops ansible backup|compliance` show while ~170 devices run, and after.

A progress bar on stderr while devices finish (only when stderr is a terminal: a log file
or CI gets no control codes), then a short summary on stdout - one row per status with the
count and the first few devices, then one line per failed device - instead of a line per
device. Drift prints as a unified diff of each device's managed lines, running against
intended, so `+` is what the inventory wants added and `-` what it wants removed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dcops_ansible.outcomes import DeviceFailed

# Devices named per summary row and failure lines shown before "... and N more".
SHOWN = 8


@contextmanager
def progress(what: str, total: int, console: Console | None = None) -> Iterator[Callable[[str], None]]:
    """Yields `done(device)`, to be called (from any thread) as each device finishes; draws a
    bar on stderr when that is a terminal, does nothing otherwise."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield lambda _name: None
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[last]}"))
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=total, last="")
        yield lambda name: bar.update(task, advance=1, last=name)


def _names(names: Sequence[str], shown: int) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f", ... and {more} more" if more > 0 else "")


def status_lines(title: str, rows: list[tuple[str, list[str]]], verbose: bool = False) -> list[str]:
    """The title, then one line per status: count and the devices (all of them with `verbose`).
    Plain text, so it reads the same in a terminal, a log file and CI."""
    width = max(len(status) for status, _ in rows)
    return [title] + [f"  {status:<{width}} {len(names):>5}  {_names(names, len(names) if verbose else SHOWN)}".rstrip()
                      for status, names in rows]


def failure_lines(failures: Sequence[DeviceFailed], suffix: str = "", verbose: bool = False) -> list[str]:
    """`unreachable: NAME: reason` / `failed: NAME: reason`, the first few unless `verbose`."""
    lines = [f"{'unreachable' if f.unreachable else 'failed'}: {f.device}: {f.reason.splitlines()[0]}{suffix}"
             for f in sorted(failures, key=lambda f: (not f.unreachable, f.device))]
    if not verbose and len(lines) > SHOWN:
        lines = lines[:SHOWN] + [f"... and {len(lines) - SHOWN} more (--verbose lists every one)"]
    return lines


def unified_drift(device: str, intended: Sequence[str], missing: Sequence[str], extra: Sequence[str]) -> str:
    """The device's managed lines as they run (intended ones present, plus the extra ones)
    against the intended lines, as a unified diff (`+` to add, `-` to remove)."""
    absent = set(missing)
    running = sorted([p for p in intended if p not in absent] + list(extra))
    lines = difflib.unified_diff(running, sorted(intended), f"{device} (running)", f"{device} (intended)",
                                 n=1, lineterm="")
    return "".join(line + "\n" for line in lines)
