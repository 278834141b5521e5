# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_compliance_report`: once per run, the drift report (JSON) and metrics.

Status output, rewritten each run, so never `changed`; nothing is written in check mode.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("report", "metrics", "hosts", "result_var"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible.compliance import write_report

        result = super().run(tmp, task_vars)
        args = self._task.args
        var = args.get("result_var", "dcops_compliance")
        outcomes = []
        for host in args.get("hosts") or []:
            reg = task_vars["hostvars"][host].get(var)
            if not reg or reg.get("skipped"):
                continue
            if reg.get("failed"):
                outcomes.append({"device": host, "ok": False, "error": str(reg.get("msg"))})
            else:
                outcomes.append({"device": host, "ok": True, "compliant": bool(reg["compliant"]),
                                 "missing": list(reg["missing"]), "extra": list(reg["extra"])})
        check = self._task.check_mode
        summary = write_report(outcomes, None if check else args.get("report"), None if check else args.get("metrics"))
        result.update(changed=False, non_compliant=summary["non_compliant"], failed_devices=summary["failed"],
                      msg=f"{len(summary['non_compliant'])} non-compliant, {len(summary['failed'])} unreachable")
        return result
