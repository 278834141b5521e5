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
        from dcops_devices.access import AccessError

        result = super().run(tmp, task_vars)
        args = self._task.args
        task = runtime.device_task(args, task_vars)
        host = task.host
        result["changed"] = False
        try:
            drift = check_device(task.inventory, host, task.address_map, task.management_address)
        except AccessError as exc:
            return {**result, "failed": True, "msg": f"{exc.kind}: {exc.message}"}
        result.update(compliant=drift.compliant, missing=drift.missing, extra=drift.extra,
                      msg="compliant" if drift.compliant else
                      f"drift: {len(drift.missing)} missing, {len(drift.extra)} extra")
        if self._task.diff and not drift.compliant:
            result["diff"] = {"prepared": drift.diff()}
        return result
