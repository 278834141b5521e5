"""The SNMP lab starts whether or not the checkout is readable by the simulator's user."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from dcops_lab.snmp.lab import _readable_by_anyone


def test_a_private_parent_directory_makes_the_interpreter_unreadable():
    top = Path(tempfile.mkdtemp(prefix="dcops-priv-", dir="/tmp"))
    try:
        venv = top / "clone" / ".venv"
        venv.mkdir(parents=True)
        os.chmod(top, 0o755)
        os.chmod(top / "clone", 0o755)
        assert _readable_by_anyone(venv)
        os.chmod(top / "clone", 0o700)  # like a mktemp -d clone directory
        assert not _readable_by_anyone(venv)
    finally:
        shutil.rmtree(top)
