# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_compliance_report`: once per run, the drift report (JSON) and metrics.

The role runs it with `run_once` in the `always` section after the checks, so it runs
whatever `--limit` selected and however many hosts failed. `hosts` are the play's hosts,
whose registered results are this run's; `keep` the inventory's hosts, whose entries of the
previous report stay when this run did not check them. Status output, rewritten each run,
so never `changed`; nothing is written in check mode.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("report", "metrics", "hosts", "keep", "result_var"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible.compliance import registered_outcome, write_report
        from dcops_ansible.outcomes import registered_results

        result = super().run(tmp, task_vars)
        args = self._task.args
        registered = registered_results(task_vars["hostvars"], args.get("hosts") or [],
                                        args.get("result_var", "compliance_result"))
        outcomes = [registered_outcome(host, reg) for host, reg in registered]
        check = self._task.check_mode
        report = write_report(outcomes, None if check else args.get("report"), None if check else args.get("metrics"),
                              keep=frozenset(args.get("keep") or ()))
        result.update(changed=False, non_compliant=report.non_compliant, failed_devices=report.failed,
                      msg=f"{len(outcomes)} checked: {len(report.non_compliant)} non-compliant, "
                          f"{len(report.failed)} unreachable")
        return result
