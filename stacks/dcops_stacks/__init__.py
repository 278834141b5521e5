"""Pulumi stacks for the planned primary (`dcp`) and alternate (`dca`) data centers.

Everything is derived from the inventory: `plan.plan_site` turns it into a typed site plan,
the components in this package turn the plan into vSphere resources, and `policies` holds
the HA rules that both the PolicyPack (stacks/policies) and the offline preview enforce.
"""

PROJECT = "dcops-dc"
STACKS = ("primary", "alternate")
