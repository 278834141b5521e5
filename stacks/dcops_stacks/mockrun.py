"""Runs the real program in-process under Pulumi's own mocks and records what it registers.

Pulumi's `MockMonitor` answers every registration; the mocks' `new_resource` callback sees
each resource's type, name and inputs, and the monitor request adds its URN, parent and
property dependencies (which resource an input such as `hostSystemId` came from). That
record is what the policies and the offline preview read: no Pulumi CLI, no vCenter.
Like the engine's stack analysis, `props` are outputs: a component's are what it passed to
`register_outputs`, so components register the facts policies read.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.sync_await import _ensure_event_loop

from dcops_inventory import Inventory
from dcops_stacks import PROJECT
from dcops_stacks.config import SECRET_KEYS, stack_config
from dcops_stacks.program import STACKS_DIR, main

# Placeholder values for secret config under mocks; never a real credential.
MOCK_SECRET = "[mock-secret]"
# Outputs a real provider computes that the program reads back (mocks echo inputs only).
COMPUTED = {
    "vsphere:index/computeCluster:ComputeCluster": lambda name: {"resourcePoolId": f"resgroup-{name}"},
    "vsphere:index/datacenter:Datacenter": lambda name: {"moid": f"datacenter-{name}"},
}


@dataclass(frozen=True)
class PlannedResource:
    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    props: Mapping  # outputs, as a stack policy sees them
    deps: dict[str, tuple[str, ...]] = field(default_factory=dict)


class _RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.state: dict[tuple[str, str], dict] = {}
        self.lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        computed = COMPUTED.get(args.typ, lambda _: {})(args.name)
        state = {**args.inputs, **computed}
        with self.lock:
            self.state[(args.typ, args.name)] = state
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


class _RecordingMonitor(MockMonitor):
    def __init__(self, mocks: _RecordingMocks) -> None:
        super().__init__(mocks)
        self.meta: dict[tuple[str, str], tuple] = {}
        self.outputs: dict[str, dict] = {}  # component URN -> what it passed to register_outputs
        self.order: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def RegisterResourceOutputs(self, request):
        _ensure_event_loop()
        outputs = rpc.deserialize_properties(request.outputs) if request.outputs else {}
        with self.lock:
            self.outputs[request.urn] = dict(outputs)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            deps = {k: tuple(sorted(v.urns)) for k, v in request.propertyDependencies.items()}
            with self.lock:
                self.meta[(request.type, request.name)] = (response.urn, request.parent or None, request.custom, deps)
                self.order.append((request.type, request.name))
        return response


def mock_config(inv: Inventory, stack: str) -> dict[str, str]:
    config = stack_config(inv, stack, STACKS_DIR)
    config.update({key: MOCK_SECRET for key in SECRET_KEYS})
    return config


def run_program(inv: Inventory, stack: str, config: dict[str, str] | None = None) -> list[PlannedResource]:
    """Every resource the program registers for `stack`, in registration order."""
    mocks = _RecordingMocks()
    monitor = _RecordingMonitor(mocks)

    def run() -> None:
        # Pulumi's runtime reads the thread's current event loop; a caller that used
        # asyncio.run() before leaves none, so make sure there is one.
        _ensure_event_loop()
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
        pulumi.runtime.set_all_config(config if config is not None else mock_config(inv, stack), list(SECRET_KEYS))
        pulumi.runtime.test(lambda: main(inv))()

    # A fresh context per run: Pulumi keeps its settings and root stack in context variables.
    contextvars.Context().run(run)
    out = []
    for key in monitor.order:
        urn, parent, custom, deps = monitor.meta[key]
        # What the engine hands stack policies: a resource's outputs. A custom resource's are
        # its state (inputs plus computed values); a component's are what it registered.
        props = mocks.state.get(key, {}) if custom else monitor.outputs.get(urn, {})
        out.append(PlannedResource(key[0], key[1], urn, parent, bool(custom), props, deps))
    return out

