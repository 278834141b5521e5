# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_compliance_check`: this host's running config against its intended config.

Read-only (never `changed`); returns `compliant`, `missing` and `extra` lines, and with
--diff shows missing lines as `+` and extra ones as `-`. An unreachable device fails this
task only.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("inventory", "address_map", "management_address"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible import runtime
        from dcops_ansible.compliance import check_device

        result = super().run(tmp, task_vars)
        args = self._task.args
        host = task_vars["inventory_hostname"]
        inv = runtime.inventory(args.get("inventory") or task_vars.get("dcops_inventory_source"))
        amap = runtime.address_map(args.get("address_map", task_vars.get("dcops_address_map")))
        out = check_device(inv, host, amap, args.get("management_address", "primary"))
        result["changed"] = False
        if not out["ok"]:
            return {**result, "failed": True, "msg": f"{out['error_kind']}: {out['error']}"}
        result.update(compliant=out["compliant"], missing=out["missing"], extra=out["extra"],
                      msg="compliant" if out["compliant"] else
                      f"drift: {len(out['missing'])} missing, {len(out['extra'])} extra")
        if self._task.diff and not out["compliant"]:
            result["diff"] = {"prepared": out["diff"]}
        return result
