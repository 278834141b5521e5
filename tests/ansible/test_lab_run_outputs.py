"""A lab run masks secrets with a key: the lab invents a value for every env secret."""

from __future__ import annotations

from ansible_testlib import REPO


def test_a_lab_run_masks_secrets_with_a_key(monkeypatch):
    """The lab invents a value for every env secret of the inventory, the mask key included,
    so its backups carry keyed digests (secret change detection on)."""
    from dcops_ansible.mask_key import MASK_KEY_SECRET, mask_key
    from dcops_inventory import load_inventory
    from dcops_lab.walkthrough import lab_secret_env

    inv = load_inventory(REPO / "inventory" / "mtpe")
    ref = inv.get("secrets", MASK_KEY_SECRET).ref
    monkeypatch.delenv(ref, raising=False)
    assert not mask_key(inv).keyed and ref in mask_key(inv).warning()
    for name, value in lab_secret_env(inv).items():
        monkeypatch.setenv(name, value)
    assert mask_key(inv).keyed
    monkeypatch.setenv(ref, "short")
    assert mask_key(inv).why_off == f"secret {MASK_KEY_SECRET!r} is shorter than 16 characters"
