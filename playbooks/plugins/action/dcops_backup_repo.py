# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_backup_repo`: the git repository of backups exists and holds no change an
earlier run wrote and never committed (controller, once per run).

A run that stopped between writing device files and committing them (a crash, an
interrupt, a `--limit` that once skipped the commit) left files that differ from the last
commit; the next fetch of the same config would find nothing new and they would never
reach history. They are committed here with the message "recovered uncommitted changes
from an interrupted run" and the device names. `changed` when the repository was created
or such a commit made, which is also a warning (an earlier run was cut short); in check
mode nothing is written and `pending` lists the devices.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("repo",))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from pathlib import Path

        from dcops_ansible.backup_store import RECOVERED, BackupStore, BackupStoreError

        result = super().run(tmp, task_vars)
        store = BackupStore(self._task.args["repo"])
        try:
            pending = store.pending()
            if self._task.check_mode:
                result.update(changed=bool(pending) or not (Path(store.root) / ".git").exists(), pending=pending)
                if pending:
                    result["msg"] = f"would commit, {RECOVERED}: {', '.join(pending)}"
                    result["warnings"] = [result["msg"]]
                return result
            created = store.ensure()
            recovered = store.recover()
        except BackupStoreError as exc:
            return {**result, "failed": True, "msg": str(exc)}
        result.update(changed=created or recovered is not None, pending=pending)
        if recovered:  # an earlier run was cut short: worth a line in the default output
            msg = f"{RECOVERED}: {', '.join(recovered.devices)} (commit {recovered.sha[:10]})"
            result.update(recovered=recovered.devices, commit=recovered.sha, msg=msg, warnings=[msg])
        return result
