"""How long the offline stack preview takes on the MTPE inventory, step by step.

    .venv/bin/python bench/stack_preview.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time

from dcops_inventory import load_inventory
from dcops_stacks.mockrun import run_program
from dcops_stacks.plan import plan_site
from dcops_stacks.policies import run_policies


def timed(fn, repeats: int):
    samples, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return result, statistics.median(samples)


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    inv, t_load = timed(load_inventory, repeats)
    print(f"load_inventory            {t_load * 1000:8.1f} ms (median of {repeats})")
    for stack in ("primary", "alternate"):
        _, t_plan = timed(lambda stack=stack: plan_site(inv, stack), repeats)
        resources, t_run = timed(lambda stack=stack: run_program(inv, stack), repeats)
        violations, t_pol = timed(lambda resources=resources: run_policies(resources), repeats)
        print(f"{stack:9} plan_site         {t_plan * 1000:8.1f} ms")
        print(f"{stack:9} program (mocks)   {t_run * 1000:8.1f} ms  {len(resources)} resources")
        print(f"{stack:9} policies          {t_pol * 1000:8.1f} ms  {len(violations)} violations")


if __name__ == "__main__":
    main()
