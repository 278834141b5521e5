# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_vlans`: this switch's VLANs made what the inventory says (runs on the controller).

Reads the switch's VLAN table through the dcops access layer, plans adds, renames and
removals (never VLAN 1 or 1002-1005; a VLAN with ports only with `remove_in_use`) and
pushes only those lines. `changed` means lines were pushed (in check mode, as Ansible
modules do: would be pushed); check mode pushes nothing and, with --diff, shows the plan.
A switch that cannot be reached fails this task only.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("inventory", "address_map", "management_address", "remove_in_use"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible import runtime
        from dcops_ansible.vlans import sync_device
        from dcops_devices.access import AccessError
        from dcops_devices.intent.vlans import VlanError

        result = super().run(tmp, task_vars)
        args = self._task.args
        task = runtime.device_task(args, task_vars)
        host = task.host
        try:
            remove_in_use = boolean(args.get("remove_in_use", False), strict=True)
        except TypeError as exc:
            return {**result, "failed": True, "msg": f"dcops_vlans: remove_in_use: {exc}"}
        try:
            out = sync_device(task.inventory, host, task.address_map, task.management_address,
                              check=self._task.check_mode, remove_in_use=remove_in_use)
        except AccessError as exc:
            return {**result, "failed": True, "dcops_error_kind": exc.kind, "msg": f"{exc.kind}: {exc.message}"}
        except VlanError as exc:
            return {**result, "failed": True, "msg": f"{host}: {exc}"}
        p = out.plan
        result.update(
            changed=out.pushed or (self._task.check_mode and bool(out.lines)), lines=list(out.lines), pushed_lines=len(out.lines) if out.pushed else 0,
            added=[v.vid for v in p.add], renamed=[r.vid for r in p.rename], removed=[v.vid for v in p.remove],
            blocked={str(v.vid): list(v.ports) for v in p.blocked},
            msg=("in sync" if p.empty else
                 f"{'would change' if self._task.check_mode else 'changed'}: {len(p.add)} added, "
                 f"{len(p.rename)} renamed, {len(p.remove)} removed")
                + (f"; kept in use (vlans_remove_in_use=true removes them): "
                   f"{', '.join(str(v.vid) for v in p.blocked)}" if p.blocked else ""))
        if p.blocked:
            result["warnings"] = [f"{host}: VLAN {v.vid} ({v.name}) is not in the inventory but ports use it "
                                  f"({', '.join(v.ports)}); kept" for v in p.blocked]
        if self._task.diff and (not p.empty or p.blocked):
            result["diff"] = {"prepared": p.diff()}
        return result
