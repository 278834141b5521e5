"""Per-device outcomes as records: from a bulk run and from Ansible's registered results to
the backup state, commit and metrics, and to the compliance report (no lab needed)."""

from __future__ import annotations

import json
import subprocess


def test_bulk_results_become_outcomes_with_the_failure_kind():
    from dcops_ansible.outcomes import BackedUp, DeviceFailed, outcome_of
    from dcops_devices.access import CommandFailed, run_bulk

    def work(name: str) -> BackedUp:
        if name == "b":
            raise CommandFailed(name, "'show running-config': ReadTimeout")
        return BackedUp(name, changed=name == "a")

    outcomes = [outcome_of(r) for r in run_bulk(["a", "b", "c"], work, workers=2)]
    assert outcomes == [BackedUp("a", True), DeviceFailed("b", "'show running-config': ReadTimeout", "command"),
                        BackedUp("c", False)]
    assert outcomes[1].reason == "command: 'show running-config': ReadTimeout"


def test_registered_results_skip_absent_and_skipped_hosts():
    from dcops_ansible.backup import registered_outcome
    from dcops_ansible.outcomes import BackedUp, DeviceFailed, registered_results

    hostvars = {
        "a": {"config_backup_result": {"changed": True}},
        "b": {"config_backup_result": {"failed": True, "dcops_error_kind": "connect", "msg": "connect: refused"}},
        "c": {"config_backup_result": {"skipped": True}},
        "d": {},
        "e": {"config_backup_result": {"failed": True, "msg": "module crashed"}},
    }
    got = [registered_outcome(h, r) for h, r in registered_results(hostvars, list(hostvars), "config_backup_result")]
    assert got == [BackedUp("a", True), DeviceFailed("b", "connect: refused", "connect"),
                   DeviceFailed("e", "module crashed", None)]
    assert got[2].reason == "module crashed"


def git(repo, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_finalize_commits_fetched_devices_and_keeps_failures_out(tmp_path):
    from dcops_ansible.backup import finalize
    from dcops_ansible.backup_store import BackupStore
    from dcops_ansible.outcomes import BackedUp, DeviceFailed

    store = BackupStore(tmp_path / "repo")
    store.ensure()
    store.write("sw-1", "hostname sw-1\n")
    store.write("sw-2", "hostname sw-2\n")
    git(store.root, "add", "sw-2.cfg")
    git(store.root, "commit", "-q", "-m", "sw-2 as it was")
    store.write("sw-3", "hostname sw-3\n")  # a device this run does not fetch: not its commit
    outcomes = [BackedUp("sw-1", True), BackedUp("sw-2", False), DeviceFailed("sw-4", "port closed", "connect")]

    checked = finalize(store, outcomes, tmp_path / "m.prom", check=True)
    assert checked.commit is None and checked.changed_devices == ["sw-1"]
    assert not (tmp_path / "m.prom").exists() and store.load_state() == {}

    done = finalize(store, outcomes, tmp_path / "m.prom", now=1000.0, secrets_keyed=False)
    assert (done.changed_devices, done.failed_devices) == (["sw-1"], ["sw-4"])
    assert done.commit == git(store.root, "rev-parse", "HEAD").strip()
    assert git(store.root, "log", "-1", "--format=%s").strip() == "backup: 1 device(s) changed: sw-1"
    assert git(store.root, "status", "--porcelain").strip() == "?? sw-3.cfg"
    state = store.load_state()
    assert state["sw-1"] == {"last_attempt": 1000.0, "ok": True, "last_success": 1000.0, "last_change": 1000.0}
    assert state["sw-4"] == {"last_attempt": 1000.0, "ok": False, "error": "port closed"}
    metrics = (tmp_path / "m.prom").read_text()
    assert 'dcops_config_backup_success{device="sw-4"} 0.0' in metrics
    assert 'dcops_config_backup_success{device="sw-2"} 1.0' in metrics
    assert "dcops_config_backup_secret_digests 0.0" in metrics

    later = finalize(store, [BackedUp("sw-4", False)], None, now=2000.0)
    assert later.commit is None and later.failed_devices == []
    assert store.load_state()["sw-4"] == {"last_attempt": 2000.0, "ok": True, "last_success": 2000.0,
                                          "last_change": 2000.0}


def test_a_file_left_uncommitted_is_committed_by_the_next_fetch_of_it(tmp_path):
    """The file already holds the device's config (written by a run that never committed),
    so the fetch reports no change; the run commits it all the same."""
    from dcops_ansible.backup import finalize
    from dcops_ansible.backup_store import BackupStore
    from dcops_ansible.outcomes import BackedUp

    store = BackupStore(tmp_path / "repo")
    store.ensure()
    store.write("pb-edge-112", "hostname pb-edge-112\nvlan 30\n")
    done = finalize(store, [BackedUp("pb-edge-112", False)], None, now=3000.0)
    assert done.changed_devices == ["pb-edge-112"] and done.commit
    assert git(store.root, "status", "--porcelain").strip() == ""
    assert store.load_state()["pb-edge-112"]["last_change"] == 3000.0


def test_recover_commits_what_an_interrupted_run_left_and_says_so(tmp_path):
    import os

    from dcops_ansible.backup_store import RECOVERED, BackupStore

    store = BackupStore(tmp_path / "repo")
    assert store.pending() == [] and store.recover() is None  # no repository yet: nothing to do
    store.ensure()
    store.write("sw-1", "hostname sw-1\n")
    store.write("sw-2", "hostname sw-2\n")
    git(store.root, "add", "sw-1.cfg", "sw-2.cfg")
    git(store.root, "commit", "-q", "-m", "first")
    store.write("sw-1", "hostname sw-1\nntp server 10.0.0.9\n")  # modified, never committed
    store.write("sw-3", "hostname sw-3\n")  # new, never added
    store.write("sw-2", "hostname sw-2\nvlan 9\n")
    git(store.root, "add", "sw-2.cfg")  # staged when the run stopped
    (store.root / "notes.txt").write_text("not a device file\n")
    os.utime(store.root / "sw-3.cfg", (1234.0, 1234.0))

    assert store.pending() == ["sw-1", "sw-2", "sw-3"]
    done = store.recover()
    assert done is not None and done.devices == ["sw-1", "sw-2", "sw-3"]
    assert git(store.root, "log", "-1", "--format=%s").strip() == f"backup: {RECOVERED}: sw-1, sw-2, sw-3"
    assert git(store.root, "status", "--porcelain").strip() == "?? notes.txt"
    assert store.load_state()["sw-3"] == {"last_change": 1234.0}
    assert store.pending() == [] and store.recover() is None


def test_compliance_report_from_registered_results(tmp_path):
    from dcops_ansible.compliance import Drift, registered_outcome, write_report
    from dcops_ansible.outcomes import DeviceFailed, registered_results

    hostvars = {
        "sw-2": {"compliance_result": {"compliant": False, "missing": ["ntp server 10.0.0.1"], "extra": []}},
        "sw-1": {"compliance_result": {"compliant": True, "missing": [], "extra": []}},
        "sw-3": {"compliance_result": {"failed": True, "msg": "connect: cannot connect"}},
    }
    outcomes = [registered_outcome(h, r) for h, r in registered_results(hostvars, list(hostvars), "compliance_result")]
    assert outcomes[0] == Drift("sw-2", missing=["ntp server 10.0.0.1"], extra=[])
    assert outcomes[2] == DeviceFailed("sw-3", "connect: cannot connect")

    report = write_report(outcomes + [DeviceFailed("sw-4", "login as x refused", "auth")],
                          tmp_path / "out" / "report.json", tmp_path / "c.prom", now=5.0)
    assert (report.non_compliant, report.failed) == (["sw-2"], ["sw-3", "sw-4"])
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == {
        "checked_at": 5.0,
        "checked": ["sw-1", "sw-2", "sw-3", "sw-4"],
        "devices": {
            "sw-1": {"ok": True, "compliant": True, "missing": [], "extra": [], "checked_at": 5.0},
            "sw-2": {"ok": True, "compliant": False, "missing": ["ntp server 10.0.0.1"], "extra": [],
                     "checked_at": 5.0},
            "sw-3": {"ok": False, "error": "connect: cannot connect", "checked_at": 5.0},
            "sw-4": {"ok": False, "error": "login as x refused", "error_kind": "auth", "checked_at": 5.0},
        },
        "non_compliant": ["sw-2"],
        "failed": ["sw-3", "sw-4"],
    }
    metrics = (tmp_path / "c.prom").read_text()
    assert 'dcops_config_compliance_missing_lines{device="sw-2"} 1.0' in metrics
    assert 'dcops_config_compliance_check_success{device="sw-4"} 0.0' in metrics
    assert 'dcops_config_compliance_compliant{device="sw-3"}' not in metrics

    # A run over sw-2 alone: the others keep their entries (sw-9 left the inventory: dropped).
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    data["devices"]["sw-9"] = {"ok": True, "compliant": True, "missing": [], "extra": [], "checked_at": 1.0}
    (tmp_path / "out" / "report.json").write_text(json.dumps(data))
    again = write_report([Drift("sw-2", [], [])], tmp_path / "out" / "report.json", tmp_path / "c.prom", now=9.0,
                         keep={"sw-1", "sw-2", "sw-3", "sw-4"})
    assert (again.non_compliant, again.failed) == ([], [])
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["checked"] == ["sw-2"] and sorted(data["devices"]) == ["sw-1", "sw-2", "sw-3", "sw-4"]
    assert data["devices"]["sw-2"] == {"ok": True, "compliant": True, "missing": [], "extra": [], "checked_at": 9.0}
    assert data["devices"]["sw-4"]["checked_at"] == 5.0 and data["devices"]["sw-4"]["error_kind"] == "auth"
    assert (data["non_compliant"], data["failed"]) == ([], ["sw-3", "sw-4"])
    metrics = (tmp_path / "c.prom").read_text()
    assert 'dcops_config_compliance_compliant{device="sw-2"} 1.0' in metrics
    assert 'dcops_config_compliance_compliant{device="sw-1"} 1.0' in metrics
    assert 'dcops_config_compliance_last_check_timestamp_seconds{device="sw-1"} 5.0' in metrics
    assert 'dcops_config_compliance_last_check_timestamp_seconds{device="sw-2"} 9.0' in metrics

