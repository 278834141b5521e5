"""`dcops ansible backup|compliance` as an administrator meets them: selection by site, role,
platform or pattern, usage errors before any device is contacted, one-line refusals, exit
codes 0/1/2, unreachable vs failed, drift as a unified diff; and `dcops lab device-stop`
of an unknown device."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from ansible_testlib import FIXTURE_INVENTORY, LAB_DEVICES, REPO, base_env


def rows(stdout: str) -> dict[str, tuple[int, str]]:
    """The summary's status lines -> {status: (count, devices named)}."""
    return {m["status"]: (int(m["n"]), m["names"] or "")
            for m in re.finditer(r"^  (?P<status>[a-z][a-z ]*?) +(?P<n>\d+)(?:  (?P<names>.*))?$", stdout, re.M)}


def dcops(*args: str, env: dict[str, str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["dcops", *args], cwd=REPO, env=env or base_env(), capture_output=True, text=True,
                          timeout=timeout)


# --- selection (no device contacted) -------------------------------------------------------

def test_select_by_site_role_platform_and_limit(inv):
    from dcops_ansible.selection import select

    every = select(inv).devices
    assert set(LAB_DEVICES) <= set(every)
    assert set(select(inv, sites=["ate"]).devices) == {d for d in every if d.startswith("ate-")}
    edges = select(inv, roles=["edge_switch"]).devices
    assert edges and all(inv.device(d).role == "edge_switch" for d in edges)
    assert select(inv, sites=["sc"], roles=["edge_switch"]).devices == tuple(d for d in edges if d.startswith("sc-"))
    assert select(inv, platforms=["fortinet"]).devices == ("sc-fw-01",)
    # Ansible-style patterns: names with wildcards, the plugin's group names, ',' / ':' and '!'.
    assert select(inv, limit="sc-core-*").devices == ("sc-core-01", "sc-core-02")
    assert select(inv, limit="role_edge_switch").devices == edges
    assert select(inv, limit="site_sc:!role_edge_switch:!platform_cisco_ios").devices == \
        tuple(d for d in every if d.startswith("sc-") and inv.device(d).role != "edge_switch"
              and inv.device(d).platform != "cisco_ios")
    assert select(inv, devices=["sc-fw-01", "sc-core-01", "sc-fw-01"]).devices == ("sc-fw-01", "sc-core-01")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"devices": ["nope-99"]}, "unknown device 'nope-99' in the inventory at"),
    ({"sites": ["zz"]}, "--site: no network device has 'zz'; known: "),
    ({"roles": ["edge"]}, "--role: no network device has 'edge'; known: "),
    ({"limit": "nope-*"}, "--limit: 'nope-*' matches no network device or group"),
    ({"sites": ["ate"], "platforms": ["fortinet"]}, "the selection matches no network device"),
])
def test_a_selection_of_nothing_is_a_usage_error(inv, kwargs, message):
    from dcops_ansible.selection import SelectionError, select

    with pytest.raises(SelectionError) as err:
        select(inv, **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize("args", [["backup", "-d", "nope-99", "-d", "sc-core-01"], ["compliance", "--site", "zz"],
                                  ["backup", "--limit", "nope-*"]])
def test_cli_usage_errors_exit_2_in_one_line_before_contacting_anything(args):
    # No address map and lab-only mode: contacting anything would be refused per device;
    # the usage error comes first, alone.
    proc = dcops("ansible", *args, "-i", str(FIXTURE_INVENTORY), "--check")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"dcops ansible {args[0]}: ")


@pytest.mark.parametrize("command", ["backup", "compliance"])
def test_lab_only_refusal_without_a_map_is_one_line(command, inv):
    from dcops_ansible.selection import select

    proc = dcops("ansible", command, "-i", str(FIXTURE_INVENTORY), "--check")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [proc.stderr.strip()], proc.stderr
    n = len(select(inv).devices)
    assert f"refusing to contact the inventory's addresses of {n} device(s)" in proc.stderr
    assert "lab-only mode (DCOPS_LAB_ONLY)" in proc.stderr and "use --lab" in proc.stderr


def test_lab_without_a_running_lab_says_so(tmp_path):
    proc = dcops("ansible", "backup", "--lab", "--lab-dir", str(tmp_path), "-i", str(FIXTURE_INVENTORY))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"dcops ansible backup: --lab: no lab is running in {tmp_path}; start one with "
                                   "`dcops lab start` (its old address map is not used)")
    # A map left by a lab that died: never reused (its ports may belong to anything now).
    (tmp_path / "address-map.yaml").write_text("devices:\n  sc-core-01: {host: 127.0.0.1, ssh: 1}\n")
    (tmp_path / "fleet.json").write_text(json.dumps({"pid": 2 ** 22 + 12345}))
    proc = dcops("ansible", "compliance", "--lab", "--lab-dir", str(tmp_path), "-i", str(FIXTURE_INVENTORY))
    assert proc.returncode == 2
    assert f"the lab that wrote {tmp_path} has stopped (pid {2 ** 22 + 12345} is gone)" in proc.stderr


def test_drift_prints_as_a_unified_diff_running_against_intended():
    from dcops_ansible.console import unified_drift

    intended = ["hostname sw1", "ntp server 10.0.0.1", "ntp server 10.0.0.2", "vlan 10 > name mgmt"]
    text = unified_drift("sw1", intended, missing=["ntp server 10.0.0.2"], extra=["ntp server 192.0.2.9"])
    assert text.splitlines() == [
        "--- sw1 (running)", "+++ sw1 (intended)", "@@ -2,3 +2,3 @@", " ntp server 10.0.0.1",
        "-ntp server 192.0.2.9", "+ntp server 10.0.0.2", " vlan 10 > name mgmt"]
    assert unified_drift("sw1", intended, [], []) == ""


# --- against the lab ---------------------------------------------------------------------------

def _cli(lab_env, command, *args):
    return dcops("ansible", command, "-i", lab_env["DCOPS_INVENTORY"], *args, env=lab_env)


@pytest.mark.slow
def test_backup_selection_summary_and_unreachable_device(lab, lab_env, tmp_path):
    repo = tmp_path / "repo"
    edges = _cli(lab_env, "backup", "--role", "edge_switch", "--repo", str(repo), "--metrics", str(tmp_path / "m"))
    assert edges.returncode == 0, edges.stdout + edges.stderr
    assert sorted(p.stem for p in repo.glob("*.cfg")) == ["ate-edge-01", "sc-edge-01"]
    assert edges.stdout.splitlines()[0].startswith("backup of 2 devices in ")
    assert rows(edges.stdout)["changed"] == (2, "ate-edge-01, sc-edge-01")

    lab.stop_device("sc-edge-01")
    try:
        down = _cli(lab_env, "backup", "--limit", "sc-*:!sc-fw-01", "--repo", str(repo),
                    "--metrics", str(tmp_path / "m"))
        check = _cli(lab_env, "backup", "-d", "sc-edge-01", "--check", "--repo", str(repo))
    finally:
        lab.start_device("sc-edge-01")
    assert down.returncode == 2, down.stdout + down.stderr
    lines = down.stdout.splitlines()
    assert lines[0].startswith("backup of 6 devices in ")
    assert rows(down.stdout)["unreachable"] == (1, "sc-edge-01") and rows(down.stdout)["failed"] == (0, "")
    assert [x for x in lines if x.startswith(("unreachable:", "failed:"))] == [
        next(x for x in lines if x.startswith("unreachable: sc-edge-01: connect: "))]
    assert lines[-1].endswith("(previous backup kept)")
    # --check writes nothing, so it claims nothing about the previous backup.
    assert check.returncode == 2 and "backup check (nothing written) of 1 devices" in check.stdout
    assert "unreachable: sc-edge-01: connect: " in check.stdout and "previous backup kept" not in check.stdout


@pytest.mark.slow
def test_compliance_exit_codes_and_unified_diff(lab, lab_env, tmp_path, push):
    clean = _cli(lab_env, "compliance", "--site", "sc", "--role", "core_switch", "--check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert rows(clean.stdout)["compliant"] == (2, "sc-core-01, sc-core-02") and "---" not in clean.stdout

    push("sc-core-02", ["no ntp server 10.10.0.102", "ntp server 192.0.2.77"],
         revert=["no ntp server 192.0.2.77", "ntp server 10.10.0.102"])
    drift = _cli(lab_env, "compliance", "--limit", "sc-core-*", "--report", str(tmp_path / "r.json"),
                 "--metrics", str(tmp_path / "m.prom"))
    assert drift.returncode == 1, drift.stdout + drift.stderr
    out = drift.stdout.splitlines()
    assert out[:2] == ["--- sc-core-02 (running)", "+++ sc-core-02 (intended)"]
    assert "-ntp server 192.0.2.77" in out and "+ntp server 10.10.0.102" in out
    assert rows(drift.stdout)["drift"] == (1, "sc-core-02")
    assert json.loads((tmp_path / "r.json").read_text())["non_compliant"] == ["sc-core-02"]

    lab.stop_device("sc-core-01")
    try:
        failed = _cli(lab_env, "compliance", "--limit", "sc-core-*", "--check")
    finally:
        lab.start_device("sc-core-01")
    assert failed.returncode == 2, failed.stdout + failed.stderr  # a device failed: 2 wins over drift
    assert rows(failed.stdout)["unreachable"] == (1, "sc-core-01")


@pytest.mark.slow
def test_lab_device_stop_of_an_unknown_device(lab):
    proc = dcops("lab", "device-stop", "nope-99", "--state-dir", str(lab.state_dir))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"dcops lab: unknown device 'nope-99': the lab in {lab.state_dir} serves "
                                  f"{len(LAB_DEVICES)} devices")
    assert lab.status()["sc-core-01"] is True


def test_progress_draws_only_on_a_terminal():
    import io

    from rich.console import Console

    from dcops_ansible.console import progress

    tty = io.StringIO()
    with progress("backup", 3, Console(file=tty, force_terminal=True, width=100)) as done:
        for name in ("a", "b", "c"):
            done(name)
    assert "3/3" in tty.getvalue() and "backup" in tty.getvalue()
    log = io.StringIO()
    with progress("backup", 3, Console(file=log, force_terminal=False)) as done:
        done("a")
    assert log.getvalue() == ""  # a log file or CI gets no control codes
