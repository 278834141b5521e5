"""Runs the real program in-process under Pulumi's own mocks and records what it registers.

Pulumi's `MockMonitor` answers every registration; the mocks' `new_resource` callback sees
each resource's type, name and inputs, and the monitor request adds its URN, parent and
property dependencies (which resource an input such as `hostSystemId` came from). That
record is what the policies and the offline preview read: no Pulumi CLI, no vCenter.
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass, field

import pulumi
from pulumi.runtime.mocks import MockMonitor

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
    props: dict
    deps: dict[str, tuple[str, ...]] = field(default_factory=dict)


class _RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[tuple[str, str], dict] = {}
        self.lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        with self.lock:
            self.inputs[(args.typ, args.name)] = dict(args.inputs)
        computed = COMPUTED.get(args.typ, lambda _: {})(args.name)
        return f"{args.name}-id", {**args.inputs, **computed}

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


class _RecordingMonitor(MockMonitor):
    def __init__(self, mocks: _RecordingMocks) -> None:
        super().__init__(mocks)
        self.meta: dict[tuple[str, str], tuple] = {}
        self.order: list[tuple[str, str]] = []
        self.lock = threading.Lock()

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
        pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
        pulumi.runtime.set_all_config(config if config is not None else mock_config(inv, stack), list(SECRET_KEYS))
        pulumi.runtime.test(lambda: main(inv))()

    # A fresh context per run: Pulumi keeps its settings and root stack in context variables.
    contextvars.Context().run(run)
    out = []
    for key in monitor.order:
        urn, parent, custom, deps = monitor.meta[key]
        out.append(PlannedResource(key[0], key[1], urn, parent, bool(custom), mocks.inputs.get(key, {}), deps))
    return out

