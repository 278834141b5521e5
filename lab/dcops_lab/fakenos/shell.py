"""The FakeNOS shell the lab plugs in: every line goes to the device's platform dialect.

FakeNOS' stock shell answers fixed strings; the lab needs answers rendered from a live
device (config mode, a running config that changes), so this subclass hands each line to
the dialect of the device it serves, found by name in `DEVICES`.
"""

from __future__ import annotations

from typing import Any

from fakenos.plugins.shell.cmd_shell import CMDShell

from dcops_lab.fakenos.devices import DeviceState
from dcops_lab.fakenos.dialects import dialect_for

DEVICES: dict[str, DeviceState] = {}


class LabShell(CMDShell):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state = DEVICES[self.base_prompt]
        self.dialect = dialect_for(state.spec.platform)(state)
        self.prompt = self.dialect.prompt()

    def onecmd(self, line: str) -> bool:
        # Bypass cmd.Cmd's parsing ('?', '!', do_* methods): a CLI line is just a line.
        if not line.strip() and not getattr(self.dialect, "stack", None):
            return False
        return self.default(line.rstrip("\r\n"))

    def default(self, line: str) -> bool:
        if not self.is_running.is_set():
            return True
        if line.strip() in ("exit", "quit", "logout") and not self.dialect.in_config \
                and not getattr(self.dialect, "stack", None):
            return True
        try:
            out = self.dialect.handle(line)
        except Exception as exc:  # a lab bug must show in the session, not kill the server
            out = f"% lab error: {exc}"
        if out is None:
            out = f"% Invalid input detected at '^' marker.\n{line}"
        if out:
            self.writeline(out)
        self.prompt = self.dialect.prompt()
        return False
