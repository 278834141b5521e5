"""The mock run must not depend on what earlier code did to the thread's event loop."""

import asyncio

from dcops_inventory import load_inventory
from dcops_stacks.mockrun import run_program


async def _noop() -> int:
    return 1


def test_program_runs_after_asyncio_run_cleared_the_loop():
    asyncio.run(_noop())  # leaves the main thread without a current event loop
    resources = run_program(load_inventory(), "primary")
    assert sum(1 for r in resources if r.type == "vsphere:index/virtualMachine:VirtualMachine") == 43
