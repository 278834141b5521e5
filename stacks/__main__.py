"""Entry point Pulumi runs for the `primary` and `alternate` stacks: only wires."""

from dcops_stacks.program import main

main()
