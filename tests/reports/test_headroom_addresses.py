"""`dcops report addresses`: prefix utilisation and next free address, VLAN usage.

The headroom fixture's figures are worked out by hand in tests/reports/fixtures/headroom/network.yaml."""

from __future__ import annotations

import csv
import io
from ipaddress import IPv4Address, IPv4Network

from typer.testing import CliRunner

from dcops_reports.addresses import addresses_report, free_blocks, next_free_address, usable_range

runner = CliRunner()


def prefixes(report_set):
    return {(r["vrf"], r["prefix"]): r for r in report_set.sections["prefixes"].as_dicts()}


def test_network_prefixes_usable_used_free_next(headroom_inv):
    p = prefixes(addresses_report(headroom_inv))
    mgmt = p[("mgmt", "10.0.0.0/24")]
    assert (mgmt["usable"], mgmt["used"], mgmt["free"], mgmt["next_free"]) == (254, 3, 251, "10.0.0.3")
    full = p[("mgmt", "10.0.1.0/29")]  # three VM mgmt_ips and three ip_addresses records
    assert (full["usable"], full["used"], full["free"], full["utilisation_percent"], full["next_free"]) == (6, 6, 0, 100.0, None)
    p2p = p[("mgmt", "10.0.2.0/31")]
    assert (p2p["usable"], p2p["used"], p2p["next_free"]) == (2, 1, "10.0.2.1")
    # the same prefix in another VRF counts only its own addresses
    assert (p[("prod", "10.0.0.0/24")]["used"], p[("prod", "10.0.0.0/24")]["next_free"]) == (1, "10.0.0.2")
    assert (p[("oob", "192.168.0.0/24")]["used"], p[("oob", "192.168.0.0/24")]["next_free"]) == (1, "192.168.0.1")


def test_container_counts_its_child_prefixes(headroom_inv):
    c = prefixes(addresses_report(headroom_inv))[("mgmt", "10.0.0.0/16")]
    assert (c["usable"], c["used"], c["free"], c["next_free"]) == (65536, 256 + 8 + 2, 65536 - 266, "10.0.1.8/29")


def test_address_math_helpers():
    ip = lambda text: int(IPv4Address(text))  # noqa: E731
    assert usable_range(IPv4Network("10.0.0.0/30")) == (ip("10.0.0.1"), ip("10.0.0.2"))
    assert usable_range(IPv4Network("10.0.0.0/31")) == (ip("10.0.0.0"), ip("10.0.0.1"))
    net = IPv4Network("10.9.0.0/29")
    held = {int(a) for a in list(net)[1:4]}
    assert str(next_free_address(net, held)) == "10.9.0.4"
    assert next_free_address(IPv4Network("10.9.0.0/32"), set()) is not None
    blocks = free_blocks(IPv4Network("10.0.0.0/24"), [IPv4Network("10.0.0.0/26"), IPv4Network("10.0.0.0/28"),
                                                      IPv4Network("10.0.0.128/25")])
    assert [str(b) for b in blocks] == ["10.0.0.64/26"]


def test_vlan_usage_and_ids(headroom_inv):
    report = addresses_report(headroom_inv)
    vlans = {r["vlan"]: r for r in report.sections["vlans"].as_dicts()}
    srv = vlans["dc1-srv"]
    assert (srv["prefixes"], srv["addresses_used"], srv["devices_addressed"]) == (["10.0.1.0/29"], 6, 5)
    assert (srv["untagged_ports"], srv["tagged_ports"], srv["devices_with_ports"]) == (1, 2, ["dc1-srv-01", "dc1-sw-01"])
    assert (vlans["dc1-mgmt"]["untagged_ports"], vlans["dc1-mgmt2"]["tagged_ports"]) == (1, 1)
    assert vlans["dc1-unused"]["devices_with_ports"] == []
    assert report.sections["vlan_ids"].as_dicts() == [{"site": "dc1", "vlans": 4, "vids_free": 4089, "next_free_vid": 3}]


def test_site_and_vrf_filters(headroom_inv):
    only_prod = prefixes(addresses_report(headroom_inv, vrf="prod"))
    assert list(only_prod) == [("prod", "10.0.0.0/24")]
    at_dc2 = addresses_report(headroom_inv, site="dc2")
    assert at_dc2.sections["prefixes"].rows == [] and at_dc2.sections["vlans"].rows == []


def test_mtpe_management_prefix_counts_device_addresses(mtpe_inv):
    """Most MTPE addresses are devices' mgmt_ip, not ip_addresses records: recount one prefix."""
    net = IPv4Network("10.250.4.0/24")
    held = {d.mgmt_ip.ip for d in mtpe_inv.devices if d.mgmt_ip and d.mgmt_ip.ip in net}
    held |= {v.mgmt_ip.ip for v in mtpe_inv.vms if v.mgmt_ip and v.mgmt_ip.ip in net}
    held |= {i.address.ip for i in mtpe_inv.ip_addresses if i.vrf == "mgmt" and i.address.ip in net}
    row = prefixes(addresses_report(mtpe_inv, site="sc", vrf="mgmt"))[("mgmt", str(net))]
    assert held and (row["used"], row["free"]) == (len(held), 254 - len(held))
    first_free = next(a for a in list(net.hosts()) if a not in held)
    assert row["next_free"] == str(first_free)


def test_cli_addresses(cli_app, headroom_dir):
    inv = ["--inventory", str(headroom_dir)]
    res = runner.invoke(cli_app, ["addresses", "--only", "prefixes", "-f", "csv", "--vrf", "mgmt", *inv])
    assert res.exit_code == 0, res.output
    got = {r["prefix"]: r for r in csv.DictReader(io.StringIO(res.stdout))}
    assert got["10.0.1.0/29"]["next_free"] == "" and got["10.0.0.0/24"]["next_free"] == "10.0.0.3"
    res = runner.invoke(cli_app, ["addresses", "--vrf", "nope", *inv])
    assert res.exit_code == 2 and "--vrf 'nope' is not a VRF of this inventory; valid: mgmt, oob, prod" in res.stderr
