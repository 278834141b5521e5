# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_config_backup_finalize`: once per run, on the controller.

Reads each host's registered `dcops_config_backup` result, records per-device state,
commits the changed files (message lists the devices) and writes the textfile metrics.
`changed` means a commit was made; the metrics file is status output and rewritten every
run, so it is not counted as a change. In check mode nothing is written.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("repo", "metrics", "hosts", "result_var"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible.backup import finalize
        from dcops_ansible.backup_store import BackupStore

        result = super().run(tmp, task_vars)
        args = self._task.args
        var = args.get("result_var", "dcops_backup")
        hostvars = task_vars["hostvars"]
        outcomes = []
        for host in args.get("hosts") or []:
            registered = hostvars[host].get(var)
            if not registered or registered.get("skipped"):
                continue
            if registered.get("failed"):
                outcomes.append({"device": host, "ok": False, "error": str(registered.get("msg", "failed"))})
            else:
                outcomes.append({"device": host, "ok": True, "changed": bool(registered.get("changed"))})
        summary = finalize(BackupStore(args["repo"]), outcomes, args.get("metrics"), check=self._task.check_mode)
        result.update(changed=summary["commit"] is not None, commit=summary["commit"],
                      changed_devices=summary["changed_devices"], failed_devices=summary["failed_devices"],
                      msg=f"{len(summary['changed_devices'])} changed, {len(summary['failed_devices'])} failed"
                          + (f": {', '.join(summary['failed_devices'])}" if summary["failed_devices"] else ""))
        return result
