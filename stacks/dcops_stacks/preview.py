"""The offline plan: what `pulumi preview` would create, and whether the HA policies hold.

Runs the program under Pulumi's mocks (no CLI, no vCenter), then the same policy functions
the PolicyPack runs. Output is sorted so the same inventory always prints the same plan.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from dcops_inventory import Inventory
from dcops_stacks.mockrun import PlannedResource, run_program
from dcops_stacks.plan import stack_site
from dcops_stacks.policies import POLICIES, Violation, run_policies


@dataclass(frozen=True)
class Preview:
    stack: str
    site: str
    resources: tuple[PlannedResource, ...]
    violations: tuple[Violation, ...]

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.resources).items()))

    @property
    def blocked(self) -> bool:
        levels = {p.name: p.enforcement for p in POLICIES}
        return any(levels.get(v.policy) == "mandatory" for v in self.violations)


def preview(inv: Inventory, stack: str) -> Preview:
    site = stack_site(inv, stack)
    resources = tuple(sorted(run_program(inv, stack), key=lambda r: r.urn))
    violations = tuple(sorted(run_policies(resources), key=lambda v: (v.policy, v.message)))
    return Preview(stack, site, resources, violations)


def to_json(p: Preview) -> dict:
    return {
        "stack": p.stack,
        "site": p.site,
        "resources": [{"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent} for r in p.resources],
        "counts": p.counts,
        "policies": [{"name": pol.name, "enforcement": pol.enforcement, "description": pol.description,
                      "passed": not any(v.policy == pol.name for v in p.violations)} for pol in POLICIES],
        "violations": [{"policy": v.policy, "message": v.message, "urn": v.urn} for v in p.violations],
    }


def render(p: Preview, console: Console) -> None:
    tree = Tree(f"[bold]stack {p.stack}[/] (site {p.site}): {len(p.resources)} resources to create")
    nodes: dict[str | None, Tree] = {}
    roots = {r.urn for r in p.resources}
    for r in sorted(p.resources, key=lambda r: (r.urn.count("$"), r.type, r.name)):
        parent = nodes.get(r.parent) if r.parent in roots else tree
        nodes[r.urn] = (parent or tree).add(f"+ {r.type} [cyan]{r.name}[/]")
    console.print(tree)
    counts = Table(title="Resources by type")
    counts.add_column("type")
    counts.add_column("count", justify="right")
    for type_, n in p.counts.items():
        counts.add_row(type_, str(n))
    console.print(counts)
    policies = Table(title="HA policies")
    for col in ("policy", "enforcement", "result"):
        policies.add_column(col)
    for pol in POLICIES:
        failed = [v for v in p.violations if v.policy == pol.name]
        policies.add_row(pol.name, pol.enforcement, f"[red]{len(failed)} violation(s)[/]" if failed else "[green]pass[/]")
    console.print(policies)
    for v in p.violations:
        console.print(f"[red]violation[/] [{v.policy}] {v.message}")
