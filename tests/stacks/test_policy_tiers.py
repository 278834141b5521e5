"""The critical-service-counterpart policy asks per tier (dcops_inventory.dr_tiers).

Regression: on a second inventory (tests/fixtures/valid/acme-hospital plus
tests/fixtures/dr/acme-dc-replica-only.yaml) a critical service whose application VM has
no counterpart at the alternate site passed, because the replica of a domain controller it
shares with another service counted as the service's counterpart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dcops_inventory import load_inventory
from dcops_stacks.mockrun import run_program
from dcops_stacks.plan import plan_site
from dcops_stacks.policies import run_policies

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACME = FIXTURES / "valid" / "acme-hospital"
GAP = FIXTURES / "dr" / "acme-dc-replica-only.yaml"


def _acme(tmp_path: Path, *overlays: Path) -> Path:
    root = tmp_path / "acme"
    shutil.copytree(ACME, root)
    for extra in overlays:
        shutil.copy(extra, root / extra.name)
    return root


def messages(inv) -> list[str]:
    return [f"[{v.policy}] {v.message}" for v in run_policies(run_program(inv, "alternate"))]


def test_a_shared_dependencys_replica_does_not_cover_the_application_tier(tmp_path):
    found = messages(load_inventory(_acme(tmp_path, GAP)))
    assert found == ["[critical-service-counterpart] critical service 'pharmacy': tier 'vm-pharmacy-app-01' "
                     "(vm-pharmacy-app-01) has no counterpart (replica VM or placeholder reservation) at the "
                     "alternate site 'south'; the counterparts of 'vm-dc-01' do not stand in for it"]


def test_a_reservation_for_the_application_tier_passes(tmp_path):
    root = _acme(tmp_path, GAP)
    (root / "fix.yaml").write_text(yaml.safe_dump({"counterparts": [
        {"primary": "vm-pharmacy-app-01", "site": "south", "mode": "placeholder", "provenance": "assumption"}]}))
    assert messages(load_inventory(root)) == []


def test_the_plan_records_every_tier_and_its_stand_in(tmp_path):
    plan = plan_site(load_inventory(_acme(tmp_path, GAP)), "alternate")
    pharmacy = next(c for c in plan.recovery.counterparts if c.service == "pharmacy")
    assert [(t.name, t.primary_vms, t.replicas, t.placeholders, t.shared_with) for t in pharmacy.tiers] == [
        ("vm-pharmacy-app-01", ("vm-pharmacy-app-01",), (), (), ()),
        ("vm-dc-01", ("vm-dc-01",), ("vm-dc-south-01",), (), ("directory",))]
    ehr = next(c for c in plan.recovery.counterparts if c.service == "ehr")
    # a redundancy group is one tier: one replica stands in for the application pair
    assert [(t.name, t.replicas, t.placeholders) for t in ehr.tiers] == [
        ("rg-ehr-app", ("vm-ehr-app-south-01",), ()),
        ("rg-ehr-db", (), ("vm-ehr-db-01-standby", "vm-ehr-db-02-standby"))]


@pytest.mark.parametrize("dropped, tier", [
    ("vm-certijoven-app", "rg-certijoven-app"),
    ("vm-pide-gw", "rg-pide-gw"),
])
def test_mtpe_service_missing_one_tier_fails_naming_it(mutate, dropped, tier):
    def drop(docs):
        docs["recovery.yaml"]["counterparts"] = [c for c in docs["recovery.yaml"]["counterparts"]
                                                 if not c["primary"].startswith(dropped)]
    found = [m for m in messages(mutate(drop)) if "certijoven" in m]
    assert len(found) == 1, found
    assert f"critical service 'certijoven': tier '{tier}'" in found[0]
