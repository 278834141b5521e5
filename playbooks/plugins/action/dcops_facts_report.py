# Copyright: dcops contributors. Apache-2.0.
"""Action `dcops_facts_report`: once per run, the play's facts reconciled with the inventory.

The role runs it with `run_once` in the `always` section after the collection, so it runs
whatever `--limit` selected and however many hosts failed (those are `missing`). Writes
the JSON report and the textfile metrics (nothing in check mode); returns `mismatches` and
`counts`. Status output, rewritten each run, so never `changed`; a mismatch is a finding,
not a failure.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("report", "metrics", "hosts", "inventory", "result_var"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        from dcops_ansible import runtime
        from dcops_ansible.facts import registered_outcome, write_report
        from dcops_ansible.outcomes import registered_results

        result = super().run(tmp, task_vars)
        args = self._task.args
        inv = runtime.task_inventory(args, task_vars)
        registered = registered_results(task_vars["hostvars"], args.get("hosts") or [],
                                        args.get("result_var", "facts_result"))
        outcomes = [registered_outcome(host, reg) for host, reg in registered]
        check = self._task.check_mode
        report = write_report(inv, outcomes, None if check else args.get("report"),
                              None if check else args.get("metrics"))
        counts = {k: n for k, n in report.counts().items() if n}
        result.update(changed=False, counts=report.counts(), mismatches=[m.as_json() for m in report.mismatches],
                      msg=f"{len(outcomes)} devices: " + (", ".join(f"{n} {k}" for k, n in counts.items())
                                                          if counts else "no mismatch with the inventory"))
        return result
