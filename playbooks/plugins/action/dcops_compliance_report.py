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
        from dcops_ansible.compliance import registered_outcome, write_report
        from dcops_ansible.outcomes import registered_results

        result = super().run(tmp, task_vars)
        args = self._task.args
        registered = registered_results(task_vars["hostvars"], args.get("hosts") or [],
                                        args.get("result_var", "dcops_compliance"))
        outcomes = [registered_outcome(host, reg) for host, reg in registered]
        check = self._task.check_mode
        report = write_report(outcomes, None if check else args.get("report"), None if check else args.get("metrics"))
        result.update(changed=False, non_compliant=report.non_compliant, failed_devices=report.failed,
                      msg=f"{len(report.non_compliant)} non-compliant, {len(report.failed)} unreachable")
        return result
