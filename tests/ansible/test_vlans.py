"""VLAN sync: the planner (fast, on recorded `show vlan` output) and the playbook against the lab."""

from __future__ import annotations

import re

import pytest
from ansible_testlib import playbook, recap

from dcops_devices.intent.vlans import DeviceVlan, VlanError, intended_vlans, parse_vlans, plan, render

IOS_BRIEF = """
VLAN Name                             Status    Ports
---- -------------------------------- --------- -------------------------------
1    default                          active    Gi1/0/3, Gi1/0/4
10   wrongname                        active
30   users                            active    Gi1/0/1
77   stale                            active
88   inuse                            active    Gi1/0/2
1002 fddi-default                     act/unsup
1003 token-ring-default               act/unsup
1004 fddinet-default                  act/unsup
1005 trnet-default                    act/unsup
"""

EOS_VLAN = """VLAN  Name                             Status    Ports
----- -------------------------------- --------- -------------------------------
1     default                          active    Et3, Et4
10    mgmt                             active
99    old                              active    Et2
"""


def test_parse_ios_and_eos_listings():
    ios = {v.vid: v for v in parse_vlans("cisco_ios", IOS_BRIEF)}
    assert sorted(ios) == [1, 10, 30, 77, 88, 1002, 1003, 1004, 1005]
    assert ios[88] == DeviceVlan(88, "inuse", ("Gi1/0/2",)) and ios[77].ports == ()
    eos = parse_vlans("arista_eos", EOS_VLAN)
    assert [(v.vid, v.name, v.ports) for v in eos] == [(1, "default", ("Et3", "Et4")), (10, "mgmt", ()),
                                                        (99, "old", ("Et2",))]


def test_unreadable_listing_and_unknown_platform_are_errors():
    with pytest.raises(VlanError, match="lists no VLAN"):
        parse_vlans("cisco_ios", "% Invalid input detected at '^' marker.")
    with pytest.raises(VlanError, match="no VLAN support for platform 'fortinet'; known: arista_eos"):
        parse_vlans("fortinet", "")


def test_plan_adds_renames_removes_and_keeps_vlans_in_use():
    intended = {10: "mgmt", 30: "users", 40: "voice"}
    p = plan("sw", intended, parse_vlans("cisco_ios", IOS_BRIEF))
    assert [v.vid for v in p.add] == [40] and [(r.vid, r.old, r.new) for r in p.rename] == [(10, "wrongname", "mgmt")]
    assert [v.vid for v in p.remove] == [77] and [v.vid for v in p.blocked] == [88]
    assert render("cisco_ios", p) == ["no vlan 77", "vlan 10", " name mgmt", "exit", "vlan 40", " name voice", "exit"]
    assert p.diff() == ("- vlan 77 stale\n~ vlan 10 wrongname -> mgmt\n+ vlan 40 voice\n"
                        "! vlan 88 inuse kept: in use on Gi1/0/2\n")
    forced = plan("sw", intended, parse_vlans("cisco_ios", IOS_BRIEF), remove_in_use=True)
    assert [v.vid for v in forced.remove] == [77, 88] and forced.blocked == ()
    assert render("arista_eos", forced)[:3] == ["no vlan 77", "no vlan 88", "vlan 10"]


def test_protected_vlans_are_never_touched():
    # Absent from the inventory, or named differently there: VLAN 1 and 1002-1005 stay as they are.
    present = parse_vlans("cisco_ios", IOS_BRIEF)
    for intended in ({}, {1: "native", 1002: "fddi", 10: "wrongname", 30: "users", 77: "stale", 88: "inuse"}):
        p = plan("sw", intended, present, remove_in_use=True)
        touched = {v.vid for v in p.add + p.remove} | {r.vid for r in p.rename}
        assert not touched & {1, 1002, 1003, 1004, 1005}, p
        assert not any(re.search(r"\bvlan (1|100[2-5])$", line) for line in render("cisco_ios", p))
    assert plan("sw", {10: "wrongname", 30: "users", 77: "stale", 88: "inuse"}, present).empty


def test_a_name_longer_than_a_switch_keeps_is_refused():
    with pytest.raises(VlanError, match=r"sw: switches keep at most 32 characters of a VLAN name: "
                                        r"VLAN 50 name 'a{33}' \(33 characters\)"):
        plan("sw", {10: "mgmt", 50: "a" * 33}, [])


def test_intended_vlans_follow_the_inventory(inv):
    # Global VLANs, the site's (servers is sc only) and those the switch's ports carry.
    assert intended_vlans(inv, "sc-edge-01") == {10: "mgmt", 20: "servers", 30: "users", 40: "voice"}
    assert intended_vlans(inv, "ate-edge-01") == {10: "mgmt", 30: "users", 40: "voice"}
    assert intended_vlans(inv, "sc-core-01") == {}


def _vlans_on(lab, inv, device: str) -> dict[int, tuple[str, tuple[str, ...]]]:
    from dcops_devices.access import open_connection, target_for

    with open_connection(target_for(inv, device, lab.address_map())) as conn:
        return {v.vid: (v.name, v.ports) for v in parse_vlans("cisco_ios", conn.run("show vlan brief"))}


@pytest.mark.slow
def test_playbook_plans_pushes_the_difference_and_is_idempotent(lab, lab_env, inv, push):
    push("sc-edge-01", ["no vlan 40", "vlan 10", "name wrongname", "vlan 77", "name stale", "vlan 88", "name inuse",
                        "interface GigabitEthernet1/0/2", "switchport access vlan 88"],
         revert=["interface GigabitEthernet1/0/2", "no switchport access vlan 88", "exit", "no vlan 77",
                 "no vlan 88", "vlan 10", "name mgmt", "vlan 40", "name voice"])
    before = _vlans_on(lab, inv, "sc-edge-01")

    checked = playbook("vlans.yml", lab_env, "--check", "--diff")
    assert checked.returncode == 0, checked.stdout[-3000:]
    hosts = recap(checked.stdout)
    # Check mode reports what would change, as Ansible modules do, and pushes nothing.
    assert {h: r["changed"] for h, r in hosts.items()} == {"ate-edge-01": 0, "sc-dist-01": 0, "sc-edge-01": 1}
    for line in ("- vlan 77 stale", "~ vlan 10 wrongname -> mgmt", "+ vlan 40 voice",
                 "! vlan 88 inuse kept: in use on Gi1/0/2"):
        assert line in checked.stdout, checked.stdout[-3000:]
    assert _vlans_on(lab, inv, "sc-edge-01") == before

    applied = playbook("vlans.yml", lab_env, "-v")
    assert applied.returncode == 0, applied.stdout[-3000:]
    assert {h: r["changed"] for h, r in recap(applied.stdout).items()} == \
        {"ate-edge-01": 0, "sc-dist-01": 0, "sc-edge-01": 1}
    assert sorted(re.findall(r'"pushed_lines": (\d+)', applied.stdout)) == ["0", "0", "7"], applied.stdout[-3000:]
    after = _vlans_on(lab, inv, "sc-edge-01")
    assert after[10][0] == "mgmt" and after[40][0] == "voice" and 77 not in after
    assert after[88] == ("inuse", ("Gi1/0/2",))
    assert {vid: after[vid] for vid in (1, 1002, 1003, 1004, 1005)} == \
        {vid: before[vid] for vid in (1, 1002, 1003, 1004, 1005)}
    assert "VLAN 88 (inuse) is not in the inventory but ports use it (Gi1/0/2); kept" in applied.stderr

    again = playbook("vlans.yml", lab_env)
    assert again.returncode == 0 and all(r["changed"] == 0 for r in recap(again.stdout).values())

    forced = playbook("vlans.yml", lab_env, "-v", "-e", "vlans_remove_in_use=true", "--limit", "sc-edge-01")
    assert forced.returncode == 0, forced.stdout[-3000:]
    assert recap(forced.stdout)["sc-edge-01"]["changed"] == 1 and '"pushed_lines": 1' in forced.stdout
    assert 88 not in _vlans_on(lab, inv, "sc-edge-01")
    last = playbook("vlans.yml", lab_env, "-e", "vlans_remove_in_use=true")
    assert last.returncode == 0 and all(r["changed"] == 0 for r in recap(last.stdout).values())


@pytest.mark.slow
def test_playbook_refuses_switches_it_does_not_manage(lab_env):
    run = playbook("vlans.yml", lab_env, "-e", "vlans_target=sc-core-01")
    assert run.returncode != 0 and "sc-core-01 is a core_switch; VLANs are synchronised on" in run.stdout


def test_a_push_the_switch_did_not_take_fails(inv, monkeypatch):
    """netmiko returns whatever the switch printed; the sync reads the table again and fails
    when the pushed lines did not take (here: a switch that ignores every config line)."""
    import dcops_ansible.vlans as sync
    from dcops_devices.access import Target

    class Deaf:
        pushed: list[str] = []

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def run(self, command):
            assert command == "show vlan brief"
            return IOS_BRIEF

        def configure(self, lines):
            Deaf.pushed += lines
            return "% Invalid input detected at '^' marker."

    monkeypatch.setattr(sync, "target_for", lambda *a, **k: Target("sc-edge-01", "cisco_ios", "127.0.0.1", 22, "u", "p"))
    monkeypatch.setattr(sync, "open_connection", lambda target: Deaf())
    checked = sync.sync_device(inv, "sc-edge-01", check=True)
    assert not checked.pushed and Deaf.pushed == [] and "no vlan 77" in checked.lines
    with pytest.raises(VlanError, match=r"sc-edge-01: pushed 10 lines but the VLANs still differ:\n- vlan 77 stale"):
        sync.sync_device(inv, "sc-edge-01")
    assert Deaf.pushed[0] == "no vlan 77"
