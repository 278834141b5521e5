"""The PolicyPack as the Pulumi CLI runs it: its own process, gRPC on loopback, AnalyzeStack.

The request carries the resources of a mock run of the real program, with every id-derived
value replaced by Pulumi's unknown marker, as in a preview of a stack not yet created: the
policies must still decide, from names, sizes, flags and property dependencies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN

from dcops_stacks.mockrun import run_program
from dcops_stacks.program import STACKS_DIR

# vSphere inputs computed from other resources' ids, and components' id outputs: unknown
# until those resources exist.
ID_DERIVED = {
    "vsphere:": {"resourcePoolId", "hostSystemId", "datastoreId", "datastoreClusterId", "computeClusterId",
                 "virtualMachineIds", "hostSystemIds", "datacenterId", "datacenter", "categoryId", "tags",
                 "networkInterfaces", "folder", "distributedVirtualSwitchUuid", "parentResourcePoolId", "hosts",
                 "moid"},
    "dcops:": {"clusterId", "resourcePoolId", "vmIds", "switchId", "datacenterId", "datastoreClusterId"},
}


@pytest.fixture
def policy_pack():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    proc = subprocess.Popen([sys.executable, str(STACKS_DIR / "policies" / "__main__.py")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        port = int(proc.stdout.readline().strip())  # the analyzer prints the loopback port it bound
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def as_preview(resources) -> list:
    out = []
    for r in resources:
        props = struct_pb2.Struct()
        unknown = next((keys for prefix, keys in ID_DERIVED.items() if r.type.startswith(prefix)), set())
        props.update({k: (UNKNOWN if k in unknown else v) for k, v in dict(r.props).items()})
        deps = {k: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(v)) for k, v in r.deps.items() if v}
        out.append(analyzer_pb2.AnalyzerResource(type=r.type, properties=props, urn=r.urn, name=r.name,
                                                 parent=r.parent or "", propertyDependencies=deps))
    return out


def analyze(stub, resources) -> list[tuple[str, str, str]]:
    response = stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=as_preview(resources)), timeout=30)
    return sorted((d.policyName, d.message, analyzer_pb2.EnforcementLevel.Name(d.enforcementLevel))
                  for d in response.diagnostics)


@pytest.mark.slow
def test_policy_pack_passes_mtpe_and_blocks_a_missing_counterpart(policy_pack, primary, alternate, mutate):
    assert analyze(policy_pack, primary) == []
    assert analyze(policy_pack, alternate) == []

    def drop_multas(docs):
        docs["recovery.yaml"]["counterparts"] = [c for c in docs["recovery.yaml"]["counterparts"]
                                                 if not c["primary"].startswith("vm-multas-app")]
    found = analyze(policy_pack, run_program(mutate(drop_multas), "alternate"))
    assert found == [("critical-service-counterpart", "Every tier of every critical service has a counterpart "
                      "(replica or placeholder) at the alternate site.\ncritical service 'multas-bancos' has no counterpart "
                      "(replica VM or placeholder reservation) at the alternate site 'dca'", "MANDATORY")]
