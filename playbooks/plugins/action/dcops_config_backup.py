# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_config_backup`: back up this host's running config (runs on the controller).

Fetches the config through the dcops access layer, masks volatile lines and secrets (with
the inventory's `backup-mask-key`, see `dcops_ansible.mask_key`) and writes
`<repo>/<host>.cfg` when the masked text changed. `changed` means the file changed; check
mode writes nothing; --diff shows the masked config diff. A device that cannot be reached
fails this task only, and its previous backup file stays as it was.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("repo", "inventory", "address_map", "management_address"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible import runtime
        from dcops_ansible.backup import backup_device
        from dcops_ansible.backup_store import BackupStore
        from dcops_ansible.mask_key import mask_key
        from dcops_devices.access import AccessError
        from dcops_devices.intent.masking import UnknownPlatform

        result = super().run(tmp, task_vars)
        args = self._task.args
        if not args.get("repo"):
            return {**result, "failed": True, "msg": "dcops_config_backup: 'repo' is required"}
        task = runtime.device_task(args, task_vars)
        host = task.host
        try:
            out = backup_device(task.inventory, host, BackupStore(args["repo"]), task.address_map,
                                check=self._task.check_mode, address=task.management_address,
                                key=mask_key(task.inventory, task_vars).key)
        except AccessError as exc:
            return {**result, "failed": True, "dcops_error_kind": exc.kind,
                    "msg": f"{exc.kind}: {exc.message} (previous backup kept)"}
        except UnknownPlatform as exc:
            return {**result, "failed": True, "msg": f"{exc.args[0]} (not stored unmasked; previous backup kept)"}
        result["changed"] = out.changed
        if out.changed and self._task.diff:
            name = f"{host}.cfg"
            result["diff"] = {"before": out.before, "after": out.after, "before_header": name,
                              "after_header": name}
        return result
