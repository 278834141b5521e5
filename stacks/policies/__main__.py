"""PolicyPack `dcops-ha`: the HA rules of dcops_stacks.policies, enforced by `pulumi preview/up`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from dcops_stacks.policypack import stack_policies

PolicyPack(name="dcops-ha", enforcement_level=EnforcementLevel.MANDATORY, policies=stack_policies())
