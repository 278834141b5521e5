"""Secret masking against the corpus of secret-bearing config lines, per platform.

`tests/fixtures/masking/<platform>.txt` holds blocks of config text with every secret value
wrapped in {{ }}. Each block is masked as a backup masks it; the output must equal the
block with each braced value replaced by one token (so nothing else moved or vanished),
and no secret value, nor any md5/sha1/sha256/sha512 digest of it, may survive.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "masking"
KEY = b"corpus-test-mask-key-0123456789"
TOKEN = r"(?:<secret:[0-9a-f]{16}>|<masked>)"
SECRET = re.compile(r"\{\{(.*?)\}\}", re.S)
# What every platform's corpus must cover (the list, as categories of the corpus).
REQUIRED = {
    "cisco_ios": {"enable", "username", "line", "snmp-community", "snmp-host", "snmp-user", "tacacs-radius", "ntp",
                  "ike-ipsec", "key-chain", "routing", "fhrp", "misc", "clean"},
    "arista_eos": {"enable", "username", "snmp-community", "snmp-host", "snmp-user", "tacacs-radius", "ntp",
                   "key-chain", "routing", "fhrp", "misc", "clean"},
    "fortinet": {"admin", "local-user", "snmp-community", "snmp-user", "tacacs-radius", "ntp", "ike-ipsec",
                 "key-chain", "routing", "ha", "private-key", "misc", "clean"},
}
# The corpus file each platform is tested with (IOS-XE shares IOS' syntax and file).
FILES = {"cisco_ios": "cisco_ios", "cisco_xe": "cisco_ios", "arista_eos": "arista_eos", "fortinet": "fortinet"}


@dataclass(frozen=True)
class Block:
    category: str
    text: str  # with the {{ }} markers

    @property
    def plain(self) -> str:
        return SECRET.sub(lambda m: m.group(1), self.text)

    @property
    def secrets(self) -> list[str]:
        return SECRET.findall(self.text)

    def expected(self) -> re.Pattern[str]:
        """The masked block: the text around the secrets as it was, a token for each secret."""
        parts = SECRET.split(self.text)  # text, secret, text, secret, ..., text
        return re.compile("".join(re.escape(p) if i % 2 == 0 else TOKEN for i, p in enumerate(parts)))


def load(name: str) -> list[Block]:
    blocks, category, current = [], None, []
    for line in (CORPUS / f"{name}.txt").read_text().split("\n") + [""]:
        m = re.match(r"^# == (\S+) ==$", line)
        if m:
            category = m.group(1)
        elif line.startswith("#") and not line.startswith("#private-encryption-key="):
            continue
        elif line.strip():
            current.append(line)
        elif current:
            assert category, f"{name}.txt: a block before any '# == category ==' line"
            blocks.append(Block(category, "\n".join(current)))
            current = []
    return blocks


def weak_digests(value: str) -> list[str]:
    return [getattr(hashlib, algo)(value.encode()).hexdigest() for algo in ("md5", "sha1", "sha256", "sha512")]


def survivors(masked: str, secret: str) -> list[str]:
    """Pieces of `secret` (whole, unquoted, each line of a multi-line one, digests) in `masked`."""
    pieces = {secret, secret.strip('"')}
    pieces |= {ln.strip('"') for ln in secret.split("\n") if not re.match(r'^"?-----(BEGIN|END) ', ln)}
    found = [p for p in pieces if len(p) >= 4 and p in masked]
    for run in re.findall(r"[0-9a-f]{8,}", masked):
        found += [f"digest {d[:12]}..." for p in pieces for d in weak_digests(p) if run in d]
    return found


CASES = [(platform, i, block) for platform, name in FILES.items() for i, block in enumerate(load(name))]


@pytest.mark.parametrize("platform,index,block", CASES,
                         ids=[f"{p}-{i:02d}-{b.category}" for p, i, b in CASES])
def test_every_secret_is_masked_and_nothing_else_changes(platform, index, block):
    from dcops_devices.intent.masking import mask

    masked = mask(platform, block.plain, KEY).rstrip("\n")
    assert block.expected().fullmatch(masked), f"block {index}:\n{block.plain}\n--- masked ---\n{masked}"
    for secret in block.secrets:
        assert not survivors(masked, secret), f"{secret!r} survives in:\n{masked}"
    if block.category == "clean":
        assert not block.secrets and masked == block.plain


@pytest.mark.parametrize("platform", sorted(FILES))
def test_without_a_key_every_secret_becomes_the_constant_marker(platform):
    from dcops_devices.intent.masking import MASK, mask

    for block in load(FILES[platform]):
        masked = mask(platform, block.plain, None)
        assert "<secret:" not in masked
        assert masked.count(MASK) >= len(block.secrets), masked
        for secret in block.secrets:
            assert not survivors(masked, secret), f"{secret!r} survives in:\n{masked}"


def test_the_corpus_covers_every_kind_of_secret_per_platform():
    counts = {}
    for name, required in REQUIRED.items():
        blocks = load(name)
        assert {b.category for b in blocks} == required, name
        counts[name] = sum(len(b.secrets) for b in blocks)
        assert len(set().union(*(b.secrets for b in blocks))) == counts[name], f"{name}: a secret value repeats"
    assert counts["cisco_ios"] >= 90 and counts["arista_eos"] >= 40 and counts["fortinet"] >= 40, counts


def test_a_changed_secret_changes_its_token_and_the_same_secret_keeps_it():
    from dcops_devices.intent.masking import mask, secret_token

    line = "snmp-server community {} RO\nusername dcops privilege 15 secret 9 {}\n"
    a = mask("cisco_ios", line.format("public", "$9$salt$hashA"), KEY)
    again = mask("cisco_ios", line.format("public", "$9$salt$hashA"), KEY)
    b = mask("cisco_ios", line.format("public", "$9$salt$hashB"), KEY)
    assert a == again
    assert a.splitlines()[0] == b.splitlines()[0] and a.splitlines()[1] != b.splitlines()[1]
    other_key = mask("cisco_ios", line.format("public", "$9$salt$hashA"), b"another-mask-key-0123456789")
    assert other_key.splitlines()[0] != a.splitlines()[0]
    assert secret_token("public", KEY) in a
    # The old unsalted digest of "public" is exactly what a dictionary holds.
    assert "efa1f375d761" not in a and hashlib.sha256(b"public").hexdigest()[:12] == "efa1f375d761"


def test_the_reported_leaks_are_closed():
    from dcops_devices.intent.masking import MASK, mask

    fortios = ("config system snmp user\n    edit \"u\"\n        set auth-pwd ENC AbCdEf0123456789==\n"
               "        set priv-pwd ENC ZyXwVu9876543210==\n    next\nend\n"
               "config vpn ipsec phase1-interface\n    edit \"t\"\n        set psksecret ENC QwErTy0123==\n"
               "    next\nend\n")
    out = mask("fortinet", fortios, KEY)
    for value in ("AbCdEf0123456789==", "ZyXwVu9876543210==", "QwErTy0123=="):
        assert value not in out
    # Re-encrypted with a fresh IV at every display: no digest could tell a change, so a constant.
    assert out.count(f"ENC {MASK}") == 3
    ios = mask("cisco_ios", "snmp-server host 10.10.0.5 version 2c public\n", KEY)
    assert "public" not in ios and ios.startswith("snmp-server host 10.10.0.5 version 2c <secret:")


def test_fortios_admin_hash_is_digested_but_re_encrypted_fields_are_not():
    from dcops_devices.intent.masking import MASK, mask

    block = "config system admin\n    edit \"a\"\n        set password ENC SH2abc\n    next\nend\n"
    assert "set password ENC <secret:" in mask("fortinet", block, KEY)
    assert f"set password ENC {MASK}" in mask("fortinet", block.replace("SH2abc", "x1y2z3"), KEY)


def test_a_platform_without_rules_is_refused():
    from dcops_devices.intent.masking import UnknownPlatform, mask

    with pytest.raises(UnknownPlatform, match="no secret masking rules for platform 'juniper_junos'; known: "
                                              "arista_eos, cisco_ios, cisco_xe, fortinet"):
        mask("juniper_junos", "set system root-authentication encrypted-password x\n", KEY)


def test_volatile_lines_are_masked_and_secrets_never_kept():
    from dcops_devices.intent.masking import mask

    a = mask("cisco_ios", "Current configuration : 1200 bytes\n! Last configuration change at 10:01:02 UTC\n"
                          "username x privilege 15 secret 9 $9$abcdef\nntp clock-period 17\n", KEY)
    b = mask("cisco_ios", "Current configuration : 1300 bytes\n! Last configuration change at 11:00:00 UTC\n"
                          "username x privilege 15 secret 9 $9$abcdef\nntp clock-period 99\n", KEY)
    assert a == b and "$9$abcdef" not in a and "<secret:" in a
    assert "#conf_file_ver=<masked>" in mask("fortinet", "#conf_file_ver=123456\n", KEY)


@pytest.mark.parametrize("device", ["sc-core-01", "sc-dist-01", "sc-rtr-01", "sc-fw-01"])
def test_the_intended_config_loses_only_its_secret_placeholders(inv, device):
    """The config the lab boots with (the inventory's baseline): masking replaces the secret
    placeholders and nothing else (`auth sha priv aes` carries no key to mask)."""
    from dcops_devices.intent.baseline import SECRET_PLACEHOLDER, baseline_for, render
    from dcops_devices.intent.masking import mask

    dev = inv.device(device)
    text = "\n".join(render(dev.platform, baseline_for(inv, dev)))
    masked = mask(dev.platform, text, KEY).rstrip("\n")
    parts = text.split(SECRET_PLACEHOLDER)
    assert len(parts) > 1 and re.fullmatch(TOKEN.join(re.escape(p) for p in parts), masked), masked
