# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_backup_repo`: make sure the git repository of backups exists (controller)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("repo",))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from pathlib import Path

        from dcops_ansible.backup_store import BackupStore

        result = super().run(tmp, task_vars)
        repo = self._task.args["repo"]
        if self._task.check_mode:
            result["changed"] = not (Path(repo) / ".git").exists()
            return result
        result["changed"] = BackupStore(repo).ensure()
        return result
