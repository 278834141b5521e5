"""Masks what a config backup must not keep: lines that change on their own, and secrets.

A backup commit must mean "someone changed the device", so clocks, uptimes, counters and
config file versions are replaced by `<masked>` before comparing.

Secrets never reach the backup repository. Every value on a secret-bearing line (enable
and user passwords and their hashes, SNMP communities and v3 keys, TACACS+/RADIUS keys,
NTP keys, IKE pre-shared keys, key chains, routing-protocol passwords, FortiOS `ENC`
fields, private keys, passwords in URLs) becomes a token. With a mask key the token is
`<secret:` + 16 hex digits of HMAC-SHA256(key, value) + `>`: a changed secret changes the
token, the same secret gives the same token in every run, and without the key nobody can
test guesses against it (an unsalted digest of `public` is in every dictionary). Without
a key the token is the constant `<masked>`, and a secret's change no longer shows. Values
a device re-encrypts with a fresh IV at every display (FortiOS `ENC` fields other than
admin password hashes) always get `<masked>`: their text changes when nothing changed, so
no digest of it could tell a real change.

Rules are per platform (`SECRET_RULES`): a pattern with named groups `s0`, `s1`, ... around
each secret value, searched in one logical line, optionally only within a section (the
chain of parent lines by indentation, joined by " > "); the first rule that matches a
line masks it. Banners and free-text lines
(descriptions, remarks) are left as they are. `tests/fixtures/masking/<platform>.txt` is
the corpus of secret-bearing lines the rules are tested against. A platform without rules
cannot be masked: `mask` raises `UnknownPlatform` rather than store a config unmasked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass

MASK = "<masked>"
TOKEN_HEX_DIGITS = 16
_TOKEN = re.compile(r"<secret:[0-9a-f]{%d}>|%s" % (TOKEN_HEX_DIGITS, re.escape(MASK)))

# Lines that change without anyone changing the config: (pattern, replacement).
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
VOLATILE: dict[str, list[Rule]] = {
    "fortinet": [
        (re.compile(r"^(#conf_file_ver=).*$", re.M), r"\1" + MASK),
        (re.compile(r"^(\s*set uuid ).*$", re.M), r"\1" + MASK),
    ],
}


class UnknownPlatform(KeyError):
    """No secret rules for this platform: its configs cannot be stored safely."""


@dataclass(frozen=True)
class SecretRule:
    line: re.Pattern[str]
    within: re.Pattern[str] | None = None  # searched in the " > "-joined parent lines


def _rule(pattern: str, within: str | None = None) -> SecretRule:
    return SecretRule(re.compile(pattern, re.S), re.compile(within) if within else None)


# Building blocks of the Cisco-style rules.
_V0, _V1 = r"(?P<s0>\S+)", r"(?P<s1>\S+)"
_TYPE = r"(?:(?:[0-9]|sha512|sha256) )?"  # the encryption type a device prints before a value
# Words that follow "password"/"secret" in commands that carry no secret.
_NOT_A_VALUE = r"(?!(?:encryption|encryption-key|minimum|policy|required|reuse|level|hash|algorithm-type)\b)"

_IOS_EOS: list[SecretRule] = [
    _rule(rf"^snmp-server community {_V0}"),
    _rule(rf"^snmp mib community-map {_V0}"),
    _rule(rf"^snmp-server host \S+(?: vrf \S+)?(?: (?:informs|traps))?(?: version (?:1|2c))? "
          rf"(?!(?:version|informs|traps|vrf)\b){_V0}"),
    _rule(rf"^snmp-server user .*?\bauth (?:md5|sha\S*) (?!priv\b|access\b){_V0}"
          rf"(?: priv (?:3des|des|aes\d*(?: \d+)?) (?!access\b){_V1})?"),
    _rule(rf"^(?:tacacs|radius)-server (?:host \S+ .*?)?key {_TYPE}{_V0}"),
    _rule(rf"^\s+(?:pac )?key {_TYPE}{_V0}",
          within=r"^(?:tacacs server|radius server|crypto isakmp client configuration group) "),
    _rule(rf"(?<![\w-])server-key {_TYPE}{_V0}"),
    _rule(rf"^ntp authentication-key \d+ \S+ (?:[07] (?=\S))?{_V0}"),
    _rule(rf"(?<![\w-])authentication-key {_TYPE}{_V0}"),
    _rule(rf"(?<![\w-])message-digest-key \d+ \S+ {_TYPE}{_V0}"),
    _rule(rf"(?<![\w-])key-string {_TYPE}{_V0}"),
    _rule(rf"(?<![\w-])authentication key {_TYPE}{_V0}"),
    _rule(rf"\bipsec spi \d+ (?:md5|sha1) {_TYPE}{_V0}"),
    _rule(rf"^crypto isakmp key {_TYPE}{_V0} "),
    _rule(rf"^\s+pre-shared-key (?:address|hostname) \S+(?: \S+)? key {_TYPE}{_V0}"),
    _rule(rf"^\s+pre-shared-key (?:(?:local|remote) )?{_TYPE}(?!(?:address|hostname)\b){_V0}"),
    _rule(rf"\bauthentication (?:local|remote) pre-share key {_TYPE}{_V0}"),
    _rule(rf"^\s+standby (?:\d+ )?authentication (?:text )?(?!md5\b){_V0}"),
    _rule(rf"^\s+vrrp \d+ (?:peer )?authentication (?:text )?(?!(?:md5|ietf-md5)\b){_V0}"),
    _rule(rf"^\s+authentication mode hmac-sha-256 {_TYPE}{_V0}"),
    _rule(rf"^\s+(?:isis password|area-password|domain-password) {_V0}"),
    _rule(rf"^\s*ip nhrp authentication {_V0}"),
    _rule(rf"(?<![\w-])wpa-psk (?:ascii|hex) {_TYPE}{_V0}"),
    _rule(rf"^key config-key (?:password-encrypt|1) {_V0}"),
    _rule(rf"\bset session-key (?:inbound|outbound) (?:esp|ah) \d+ cipher {_V0}(?: authenticator {_V1})?"),
    _rule(r"\b[a-z][a-z0-9+.-]*://[^\s/:@]+:(?P<s0>[^\s@/]+)@"),  # archive/kron/boot URLs
    _rule(rf"^\s+secret \d+ {_TYPE}{_V0}", within=r"session shared-secret profile "),  # EOS key chains
    # Last: "password"/"secret" wherever the word stands alone (enable, username, line,
    # neighbor, ppp, ftp, l2tp, cts, aaa root, mgmtuser ...).
    _rule(rf"(?<![\w-])(?:password|secret) (?:level \d+ )?{_TYPE}{_NOT_A_VALUE}{_V0}"),
]
_EOS_ONLY: list[SecretRule] = [  # tried before the IOS/EOS rules
    _rule(rf"^\s+key [0-9a-fA-F]+ {_TYPE}{_V0}", within=r"^mac security"),  # MACsec CKN, then CAK
    _rule(rf"^service unsupported-transceiver \S+ {_V0}"),
]

# FortiOS: `set <attribute> [<id>] [ENC] <value>`, the value being the rest of the (logical) line.
_F_ATTR = (r"(?!(?:ssh-)?public-?key|hostkey)[\w-]*?"
           r"(?:password|passwd|secret|pwd|passphrase|key|key-string|auth-string)(?:-?\d+|-l\d|-remote)?")
_F_VALUE = r"(?:(?P<enc>ENC) )?(?P<s0>.+)"
_FORTIOS: list[SecretRule] = [
    _rule(r"^#private-encryption-key=(?P<s0>.+)"),
    _rule(r"^\s*set \S+ (?P<s0>\"-----BEGIN [A-Z ]*PRIVATE KEY-----.*)"),  # whatever the attribute's name
    _rule(rf"^\s*set {_F_ATTR} (?:\d+ (?=\S))?{_F_VALUE}"),
    _rule(r"^\s*set \S+ (?:\d+ )?(?P<enc>ENC) (?P<s0>.+)"),  # any other ENC field
    _rule(rf"^\s*set name {_F_VALUE}", within=r"(?:^| > )config system snmp community > edit "),
]
# FortiOS hashes (not reversible encryptions) keep their text until the secret changes.
_STABLE_ENC = ("SH2", "AK1", "PB2")

SECRET_RULES: dict[str, list[SecretRule]] = {
    "cisco_ios": _IOS_EOS, "cisco_xe": _IOS_EOS, "arista_eos": _EOS_ONLY + _IOS_EOS, "fortinet": _FORTIOS,
}
_FREE_TEXT = re.compile(r"^\s*(?:description|remark|alias|snmp-server (?:location|contact)) ")
_BANNER_IOS = re.compile(r"^banner \S+ (\^C|\S)(.*)$")  # delimiter, rest of the line
_BANNER_EOS = re.compile(r"^banner (?:login|motd)$")


def secret_token(value: str, key: bytes | None) -> str:
    """What stands for `value` in a backup: a keyed digest, or `<masked>` without a key."""
    if key is None:
        return MASK
    return f"<secret:{hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX_DIGITS]}>"


def _open_quote(text: str) -> bool:
    """True when a FortiOS line leaves a quoted value open (`\\"` escapes a quote)."""
    return (text.count('"') - text.count('\\"')) % 2 == 1


def _logical_lines(platform: str, lines: list[str]) -> Iterator[tuple[str, bool]]:
    """(text, maskable): FortiOS quoted values may span lines (keys, certificates, messages)
    and are joined into one; IOS/EOS banners are yielded as not maskable."""
    i = 0
    banner_end: re.Pattern[str] | None = None
    while i < len(lines):
        line = lines[i]
        i += 1
        if banner_end is not None:
            if banner_end.search(line):
                banner_end = None
            yield line, False
            continue
        if platform == "fortinet":
            while _open_quote(line) and i < len(lines):
                line += "\n" + lines[i]
                i += 1
            yield line, True
            continue
        m = _BANNER_IOS.match(line)
        if m and m.group(1) not in m.group(2):
            banner_end = re.compile(re.escape(m.group(1)))
        elif _BANNER_EOS.match(line):
            banner_end = re.compile(r"^EOF$")
        yield line, not (m or banner_end) and not _FREE_TEXT.match(line)


def _mask_line(line: str, parents: str, rules: list[SecretRule], key: bytes | None) -> str:
    """The first rule that matches masks the line (each of its matches): rules go from the
    most specific to the catch-all, so a later rule never re-reads a masked line askew."""
    for rule in rules:
        if rule.within is not None and not rule.within.search(parents):
            continue
        masked, n = rule.line.subn(lambda m: _replace(m, key), line)
        if n:
            return masked
    return line


def _replace(m: re.Match[str], key: bytes | None) -> str:
    out, pos = [], m.start()
    enc = m.groupdict().get("enc")
    for name, value in m.groupdict().items():
        if not name.startswith("s") or value is None or _TOKEN.fullmatch(value):
            continue
        volatile = enc is not None and not value.startswith(_STABLE_ENC)
        out += [m.string[pos:m.start(name)], MASK if volatile else secret_token(value, key)]
        pos = m.end(name)
    out.append(m.string[pos:m.end()])
    return "".join(out)


def mask_secrets(platform: str, text: str, key: bytes | None = None) -> str:
    """Every secret value in `text` replaced by its token (see the module docstring)."""
    try:
        rules = SECRET_RULES[platform]
    except KeyError:
        raise UnknownPlatform(f"no secret masking rules for platform {platform!r}; "
                              f"known: {', '.join(sorted(SECRET_RULES))}") from None
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (indent, stripped line) of the open parents
    for line, maskable in _logical_lines(platform, text.split("\n")):
        stripped = line.lstrip()
        if stripped and maskable:
            indent = len(line) - len(stripped)
            while stack and stack[-1][0] >= indent:
                stack.pop()
            line = _mask_line(line, " > ".join(p for _, p in stack), rules, key)
            stack.append((indent, stripped.split("\n", 1)[0]))
        out.append(line)
    return "\n".join(out)


def mask(platform: str, text: str, key: bytes | None = None) -> str:
    """The config as a backup stores it: volatile lines and secrets masked, line ends
    normalised, trailing blanks dropped."""
    text = text.replace("\r\n", "\n")
    for pattern, repl in COMMON + VOLATILE.get(platform, []):
        text = pattern.sub(repl, text)
    text = mask_secrets(platform, text, key)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
