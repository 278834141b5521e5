#!/usr/bin/env bash
# Static checks CI runs before the tests: ruff (pyflakes, bugbear, import order), the
# import-layer contracts of pyproject.toml (the inventory imports nothing derived from it),
# ansible-lint and mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check dcops inventory devices playbooks exporters stacks reports lab availability dashboards bench tests scripts
.venv/bin/lint-imports
# Playbooks, roles and plugins against ansible-lint's production profile (.ansible-lint).
# Its syntax check runs ansible-playbook without an inventory, which ansible.cfg's
# unparsed_is_failed would turn into an error: here an absent inventory is not a failure.
PATH="$PWD/.venv/bin:$PATH" ANSIBLE_INVENTORY_UNPARSED_FAILED=0 .venv/bin/ansible-lint -q playbooks/
# Types ([tool.mypy] in pyproject.toml): the inventory strictly, as every package reads its
# records; the CLI, the stacks, the Ansible layer, the availability report and the dashboards with mypy's defaults
# plus untyped bodies.
.venv/bin/mypy -p dcops_inventory -p dcops -p dcops_stacks -p dcops_ansible -p dcops_availability -p dcops_dashboards
