"""Masks the lines of a running config that change without anyone changing the config.

A backup commit must mean "someone changed the device", so clocks, uptimes, byte counts,
counters, config file versions and crypto checksums are replaced by a fixed token before
comparing. Secret hashes are replaced by a short digest: a password change still shows as
a change, but the hash itself never lands in the backup repository.
"""

from __future__ import annotations

import hashlib
import re

MASK = "<masked>"

# (pattern, replacement); a replacement may use groups. Common rules first, then per platform.
Rule = tuple[re.Pattern[str], str]
COMMON: list[Rule] = [
    (re.compile(r"^(! Last configuration change at ).*$", re.M), r"\1" + MASK),
    (re.compile(r"^(! NVRAM config last updated at ).*$", re.M), r"\1" + MASK),
    (re.compile(r"^(! No configuration change since last restart).*$", re.M), r"\1"),
    (re.compile(r"^(Current configuration ?: ).*$", re.M), r"\1" + MASK),
    (re.compile(r"^(ntp clock-period ).*$", re.M), r"\1" + MASK),
    (re.compile(r"^(.*\buptime is ).*$", re.M), r"\1" + MASK),
    (re.compile(r"^(! Time: ).*$", re.M), r"\1" + MASK),
    (re.compile(r"^(\s*\d+ packets (?:input|output)).*$", re.M), r"\1 " + MASK),
    (re.compile(r"^(\s*cryptochecksum:?).*$", re.M | re.I), r"\1 " + MASK),
]
PLATFORM: dict[str, list[Rule]] = {
    "fortinet": [
        (re.compile(r"^(#conf_file_ver=).*$", re.M), r"\1" + MASK),
        (re.compile(r"^(\s*set uuid ).*$", re.M), r"\1" + MASK),
    ],
    "cisco_asa": [(re.compile(r"^(Cryptochecksum:).*$", re.M), r"\1" + MASK)],
}
_SECRET = re.compile(r"(\b(?:secret|password|key|community)\s+(?:\d+\s+)?(?:md5\s+|sha512\s+|ENC\s+)?)(\S+)", re.I)


def _digest(m: re.Match[str]) -> str:
    value = m.group(2)
    if value.startswith("<") and value.endswith(">"):
        return m.group(0)
    return f"{m.group(1)}<sha256:{hashlib.sha256(value.encode()).hexdigest()[:12]}>"


def mask(platform: str, text: str) -> str:
    for pattern, repl in COMMON + PLATFORM.get(platform, []):
        text = pattern.sub(repl, text)
    text = _SECRET.sub(_digest, text)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
