# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_config_backup_finalize`: once per run, on the controller.

Reads the registered `dcops_config_backup` result of every host of the play (the role runs
it with `run_once`, in the `always` section after the backups, so it runs whatever
`--limit` selected and however many hosts failed), commits the file of every device the
run fetched that differs from the last commit (message lists the devices), records
per-device state and writes the textfile metrics. `changed` means a commit was made; the
metrics file is status output, rewritten every run, so it is not counted as a change. In
check mode nothing is written. Without a mask key it warns that secret change detection
is off.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("repo", "metrics", "hosts", "result_var", "inventory"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible import runtime
        from dcops_ansible.backup import finalize, registered_outcome
        from dcops_ansible.backup_store import BackupStore, BackupStoreError
        from dcops_ansible.mask_key import mask_key
        from dcops_ansible.outcomes import registered_results

        result = super().run(tmp, task_vars)
        args = self._task.args
        registered = registered_results(task_vars["hostvars"], args.get("hosts") or [],
                                        args.get("result_var", "config_backup_result"))
        outcomes = [registered_outcome(host, reg) for host, reg in registered]
        key = mask_key(runtime.task_inventory(args, task_vars), task_vars)
        try:
            done = finalize(BackupStore(args["repo"]), outcomes, args.get("metrics"), check=self._task.check_mode,
                            secrets_keyed=key.keyed)
        except BackupStoreError as exc:
            return {**result, "failed": True, "msg": str(exc)}
        if not key.keyed:
            result["warnings"] = [key.warning()]
        result.update(changed=done.commit is not None, commit=done.commit,
                      changed_devices=done.changed_devices, failed_devices=done.failed_devices,
                      msg=f"{len(done.changed_devices)} {'would change' if self._task.check_mode else 'committed'}, "
                          f"{len(done.failed_devices)} failed"
                          + (f": {', '.join(done.failed_devices)}" if done.failed_devices else ""))
        return result
