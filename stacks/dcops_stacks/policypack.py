"""The HA policies as `pulumi_policy` stack policies, for `pulumi preview --policy-pack`.

Each wraps the plain function in `policies.py`: the engine's PolicyResources become the
same `PlannedResource` records the offline preview builds from the mocks.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, StackValidationArgs, StackValidationPolicy

from dcops_stacks.mockrun import PlannedResource
from dcops_stacks.policies import POLICIES, Policy, Resources

LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def from_policy_resources(resources) -> Resources:
    planned = []
    for r in resources:
        deps = {k: tuple(sorted(d.urn for d in v)) for k, v in (r.property_dependencies or {}).items()}
        # Keep pulumi_policy's lazy props: during a preview, ids of resources not yet created are
        # unknown, and reading one raises. The policies read only known facts (names, sizes,
        # flags) and follow references through property dependencies, never through ids.
        planned.append(PlannedResource(r.resource_type, r.name, r.urn, r.parent.urn if r.parent else None,
                                       True, r.props if r.props is not None else {}, deps))
    return Resources(planned)


def _validator(p: Policy):
    def validate(args: StackValidationArgs, report_violation) -> None:
        for v in p.check(from_policy_resources(args.resources)):
            report_violation(v.message, v.urn)
    return validate


def stack_policies() -> list[StackValidationPolicy]:
    return [StackValidationPolicy(name=p.name, description=p.description, validate=_validator(p),
                                  enforcement_level=LEVELS[p.enforcement]) for p in POLICIES]
