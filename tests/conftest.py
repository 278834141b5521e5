"""Suite-wide guard rails: lab-only networking and no processes left behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

# Every connection dcops opens during the tests must go to loopback (or a namespace the
# test created and declared in DCOPS_LAB_SUBNETS): resolve_endpoint enforces it.
os.environ["DCOPS_LAB_ONLY"] = "1"
# Tools the tests run as commands (dcops, ansible-*) come from the suite's own venv.
os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def no_leftover_processes():
    """Fails the run if a test started a process (simulator, server) and left it running."""
    before = _children()
    yield
    leftover = _children() - before
    names = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120] for pid in leftover
             if Path(f"/proc/{pid}/cmdline").exists()}
    assert not names, f"processes left running after the tests: {names}"


@pytest.fixture
def repo() -> Path:
    return REPO
