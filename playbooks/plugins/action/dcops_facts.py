# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_facts`: this device's version, chassis inventory and LLDP neighbours (runs on the controller).

Read-only (never `changed`, runs in check mode too): returns `facts` (model, serial,
version, hostname, neighbours) parsed with ntc-templates. An unreachable device fails this
task only; the report task counts it as `missing`.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("inventory", "address_map", "management_address"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible import runtime
        from dcops_ansible.facts import collect_device
        from dcops_devices.access import AccessError
        from dcops_devices.intent.facts import FactsError

        result = super().run(tmp, task_vars)
        args = self._task.args
        task = runtime.device_task(args, task_vars)
        host = task.host
        result["changed"] = False
        try:
            facts = collect_device(task.inventory, host, task.address_map, task.management_address)
        except AccessError as exc:
            return {**result, "failed": True, "dcops_error_kind": exc.kind, "msg": f"{exc.kind}: {exc.message}"}
        except FactsError as exc:
            return {**result, "failed": True, "msg": f"{host}: {exc}"}
        result.update(facts=facts.as_json(), msg=f"{facts.model} {facts.serial} {facts.version}")
        return result
