"""`--web.config.file`: TLS and basic auth in the Prometheus exporter-toolkit format.

node_exporter, snmp_exporter, blackbox_exporter and every other official exporter read
the same file (exporter-toolkit's docs/web-configuration.md), so whoever secured one of
them secures dcops the same way, with the same file. Parsing is strict and happens once,
at startup: a misspelt key (`basic_auth_user:`) would otherwise leave the exporter open
while its owner believes it closed, so every unknown key is an error naming the file,
line and key. Keys of the format that dcops does not implement are errors too, saying
what to use instead, never silently ignored.

Relative paths are relative to the web config file's directory, as in exporter-toolkit.
A password hash is never printed back, not even in an error about it.
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dcops_inventory.yamlsource import LineDict, YamlSyntaxError, load_yaml

log = logging.getLogger("dcops.exporter")

TLS_VERSIONS = {"TLS10": ssl.TLSVersion.TLSv1, "TLS11": ssl.TLSVersion.TLSv1_1,
                "TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
# exporter-toolkit's client_auth_type values that Python's ssl module can honour.
CLIENT_AUTH = {"NoClientCert": ssl.CERT_NONE, "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
               "RequireAndVerifyClientCert": ssl.CERT_REQUIRED}
# Headers exporter-toolkit lets a web config add, with the values it accepts (None: any).
EXTRA_HEADERS = {"Strict-Transport-Security": None, "X-Content-Type-Options": ("nosniff",),
                 "X-Frame-Options": ("deny", "sameorigin"), "X-XSS-Protection": None,
                 "Content-Security-Policy": None}
# bcrypt as htpasswd -B, Go's x/crypto/bcrypt and Python's bcrypt write it: $2a$/$2b$/$2y$, cost, 53 chars.
BCRYPT_HASH = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
MAX_BCRYPT_COST = 16
BCRYPT_HINT = ("generate one with `htpasswd -nBC 10 \"\" | tr -d ':\\n'` or "
               "`python3 -c 'import bcrypt,getpass; print(bcrypt.hashpw(getpass.getpass().encode(), "
               "bcrypt.gensalt(10)).decode())'`")

_KNOWN = {
    "": ("tls_server_config", "http_server_config", "basic_auth_users"),
    "tls_server_config": ("cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version",
                          "max_version", "prefer_server_cipher_suites"),
    "http_server_config": ("http2", "headers"),
}
# Keys of the exporter-toolkit format that dcops does not implement, and what to do instead.
_UNSUPPORTED = {
    "rate_limit": "dcops limits load itself (admission control); remove rate_limit",
    "tls_server_config.cert": "inline PEM is not supported; put the certificate in a file and use cert_file",
    "tls_server_config.key": "inline PEM is not supported; put the key in a file and use key_file",
    "tls_server_config.client_ca": "inline PEM is not supported; put the CA in a file and use client_ca_file",
    "tls_server_config.client_allowed_sans": "not supported; issue client certificates from a CA of their own "
                                             "and name it in client_ca_file",
    "tls_server_config.cipher_suites": "not supported (Go cipher names); the defaults of Python's ssl module apply",
    "tls_server_config.curve_preferences": "not supported; the defaults of Python's ssl module apply",
}


class WebConfigError(ValueError):
    """A web config problem: `path:line: field: reason`."""

    def __init__(self, path: Path, line: int, field_: str, reason: str):
        super().__init__(f"{path}:{line}: {field_}: {reason}" if field_ else f"{path}:{line}: {reason}")


class _KeyEncrypted(Exception):
    pass


@dataclass(frozen=True)
class TlsSettings:
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None
    client_auth_type: str = "NoClientCert"
    min_version: str = "TLS12"
    max_version: str = "TLS13"
    prefer_server_cipher_suites: bool = True

    def context(self) -> ssl.SSLContext:
        """A server context; ValueError naming the file at fault (never its contents)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = TLS_VERSIONS[self.min_version]
        ctx.maximum_version = TLS_VERSIONS[self.max_version]
        if self.prefer_server_cipher_suites:
            ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
        for what, path, marker, kind in (("cert_file", self.cert_file, b"-----BEGIN CERTIFICATE-----", "certificate"),
                                         ("key_file", self.key_file, b"PRIVATE KEY-----", "private key")):
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ValueError(f"tls_server_config.{what}: cannot read {path}: {exc.strerror or exc}") from None
            if marker not in data:
                raise ValueError(f"tls_server_config.{what}: {path} holds no PEM {kind}")
        try:
            ctx.load_cert_chain(self.cert_file, self.key_file, password=_no_password)
        except _KeyEncrypted:
            raise ValueError(f"tls_server_config.key_file: {self.key_file} is encrypted; the web config has no "
                             "key password, so store the key unencrypted with permissions 0600") from None
        except ssl.SSLError as exc:
            if "KEY_VALUES_MISMATCH" in str(exc):
                raise ValueError(f"tls_server_config: key_file {self.key_file} is not the key of "
                                 f"cert_file {self.cert_file}") from None
            raise ValueError(f"tls_server_config: cert_file {self.cert_file} and key_file {self.key_file} must be "
                             f"a PEM certificate and its PEM private key ({_ssl_reason(exc)})") from None
        if self.client_ca_file is not None:
            try:
                ctx.load_verify_locations(cafile=self.client_ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(f"tls_server_config.client_ca_file: cannot load {self.client_ca_file} as PEM "
                                 f"certificates ({_ssl_reason(exc)})") from None
        ctx.verify_mode = CLIENT_AUTH[self.client_auth_type]
        ctx.set_alpn_protocols(["http/1.1"])  # http.server speaks HTTP/1.1 only
        return ctx


def _ssl_reason(exc: Exception) -> str:
    """OpenSSL's short reason (`KEY_VALUES_MISMATCH`), without the C source location."""
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None)
    if not reason and len(exc.args) > 1 and isinstance(exc.args[1], str):
        reason = exc.args[1].split(" (_ssl.c")[0]
    return str(reason or type(exc).__name__)


def _no_password():
    raise _KeyEncrypted()


@dataclass(frozen=True)
class WebConfig:
    path: Path
    tls: TlsSettings | None = None
    users: dict[str, bytes] = field(default_factory=dict, repr=False)  # user -> bcrypt hash
    headers: dict[str, str] = field(default_factory=dict)
    http2: bool = True  # accepted for compatibility; dcops serves HTTP/1.1

    def __repr__(self) -> str:  # the hashes stay out of any log line or traceback
        return f"WebConfig(path={str(self.path)!r}, tls={self.tls is not None}, users={sorted(self.users)})"


class TlsContext:
    """The server's SSLContext, rebuilt when cert_file or key_file change on disk.

    exporter-toolkit re-reads its files on every connection, so a renewed certificate is
    served without a restart; dcops checks their modification time at most once a second
    and keeps the old context, with a warning, if the new files do not load (for example
    while a renewal has written the certificate but not yet the key).
    """

    def __init__(self, settings: TlsSettings, clock=time.monotonic):
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._stamp = self._files_stamp()
        self._context = settings.context()
        self._checked = clock()

    def _files_stamp(self) -> tuple:
        out = []
        for path in (self.settings.cert_file, self.settings.key_file):
            try:
                st = path.stat()
                out.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                out.append(None)
        return tuple(out)

    def get(self) -> ssl.SSLContext:
        now = self._clock()
        if now - self._checked < 1.0:
            return self._context
        with self._lock:
            if now - self._checked >= 1.0:
                self._checked = now
                stamp = self._files_stamp()
                if stamp != self._stamp:
                    try:
                        self._context = self.settings.context()
                        self._stamp = stamp
                        log.info("TLS certificate reloaded from %s", self.settings.cert_file)
                    except ValueError as exc:
                        log.warning("TLS certificate not reloaded, still serving the previous one: %s", exc)
        return self._context


def load_web_config(path: str | Path) -> WebConfig:
    """Parse and check `path`; WebConfigError naming file, line and key on any problem."""
    path = Path(path)
    if not path.is_file():
        raise WebConfigError(path, 1, "", "no such file")
    try:
        doc, issues = load_yaml(path)
    except YamlSyntaxError as exc:
        raise WebConfigError(path, exc.line, "", exc.reason) from None
    for line, key, reason, _ in issues:
        raise WebConfigError(path, line, key, reason)
    if doc is None:
        return WebConfig(path)  # an empty file: plain HTTP, no auth, as in exporter-toolkit
    _mapping(path, doc, "", 1)
    _check_keys(path, doc, "")
    tls = _tls(path, doc.get("tls_server_config"), doc.line_of("tls_server_config"))
    users = _users(path, doc.get("basic_auth_users"), doc.line_of("basic_auth_users"))
    http2, headers = _http(path, doc.get("http_server_config"), doc.line_of("http_server_config"))
    return WebConfig(path, tls, users, headers, http2)


def _mapping(path: Path, value, where: str, line: int) -> None:
    if not isinstance(value, dict):
        raise WebConfigError(path, line, where, f"must be a mapping, got {type(value).__name__}")


def _check_keys(path: Path, doc: LineDict, section: str) -> None:
    prefix = f"{section}." if section else ""
    for key in doc:
        name = f"{prefix}{key}"
        if name in _UNSUPPORTED:
            raise WebConfigError(path, doc.line_of(key), name, _UNSUPPORTED[name])
        if key not in _KNOWN[section]:
            raise WebConfigError(path, doc.line_of(key), name,
                                 f"unknown key; valid{' in ' + section if section else ''}: {', '.join(_KNOWN[section])}")


def _tls(path: Path, section, line: int) -> TlsSettings | None:
    if section is None:
        return None
    _mapping(path, section, "tls_server_config", line)
    if not section:
        return None
    _check_keys(path, section, "tls_server_config")

    def text(key: str) -> str | None:
        value = section.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise WebConfigError(path, section.line_of(key), f"tls_server_config.{key}", "must be a non-empty string")
        return value

    def file(key: str) -> Path | None:
        value = text(key)
        if value is None:
            return None
        resolved = Path(value) if Path(value).is_absolute() else path.parent / value
        if not resolved.is_file():
            raise WebConfigError(path, section.line_of(key), f"tls_server_config.{key}", f"no such file: {resolved}")
        return resolved

    for key in ("cert_file", "key_file"):
        if section.get(key) is None:
            raise WebConfigError(path, section.line, "tls_server_config", f"{key} is required to serve TLS")
    versions = {}
    for key, default in (("min_version", "TLS12"), ("max_version", "TLS13")):
        versions[key] = text(key) or default
        if versions[key] not in TLS_VERSIONS:
            raise WebConfigError(path, section.line_of(key), f"tls_server_config.{key}",
                                 f"{versions[key]!r} is not a TLS version; valid: {', '.join(TLS_VERSIONS)}")
    if TLS_VERSIONS[versions["min_version"]] > TLS_VERSIONS[versions["max_version"]]:
        raise WebConfigError(path, section.line_of("min_version"), "tls_server_config.min_version",
                             f"{versions['min_version']} is above max_version {versions['max_version']}")
    auth = text("client_auth_type") or "NoClientCert"
    if auth in ("RequestClientCert", "RequireAnyClientCert", "RequireClientCert"):
        raise WebConfigError(path, section.line_of("client_auth_type"), "tls_server_config.client_auth_type",
                             f"{auth} accepts certificates nobody verified; use RequireAndVerifyClientCert "
                             "(or VerifyClientCertIfGiven) with client_ca_file")
    if auth not in CLIENT_AUTH:
        raise WebConfigError(path, section.line_of("client_auth_type"), "tls_server_config.client_auth_type",
                             f"{auth!r} is not a client auth type; valid: {', '.join(CLIENT_AUTH)}")
    ca = file("client_ca_file")
    if ca is not None and auth == "NoClientCert":
        raise WebConfigError(path, section.line_of("client_ca_file"), "tls_server_config.client_ca_file",
                             "is set but client_auth_type is NoClientCert: client certificates would not be checked")
    if ca is None and auth != "NoClientCert":
        raise WebConfigError(path, section.line_of("client_auth_type"), "tls_server_config.client_auth_type",
                             f"{auth} needs client_ca_file, the CA that signs client certificates")
    prefer = section.get("prefer_server_cipher_suites", True)
    if not isinstance(prefer, bool):
        raise WebConfigError(path, section.line_of("prefer_server_cipher_suites"),
                             "tls_server_config.prefer_server_cipher_suites", "must be true or false")
    settings = TlsSettings(file("cert_file"), file("key_file"), ca, auth, versions["min_version"],
                           versions["max_version"], prefer)
    try:
        settings.context()  # load the pair now: a bad certificate fails at startup, not at the first scrape
    except ValueError as exc:
        raise WebConfigError(path, section.line, "", str(exc)) from None
    return settings


def _users(path: Path, section, line: int) -> dict[str, bytes]:
    if section is None:
        return {}
    _mapping(path, section, "basic_auth_users", line)
    users = {}
    for user, hashed in section.items():
        where, at = f"basic_auth_users.{user}", section.line_of(user)
        if not isinstance(user, str) or not user or ":" in user:
            raise WebConfigError(path, at, where, "a user name must be a non-empty string without ':'")
        match = BCRYPT_HASH.match(hashed) if isinstance(hashed, str) else None
        if not match:
            raise WebConfigError(path, at, where, f"is not a bcrypt hash (the value is not shown); {BCRYPT_HINT}")
        cost = int(match.group(1))
        if not 4 <= cost <= MAX_BCRYPT_COST:
            raise WebConfigError(path, at, where, f"bcrypt cost {cost} is outside 4-{MAX_BCRYPT_COST}: each step "
                                 "doubles the time of a check (cost 10 takes about 60 ms of CPU, 16 about 4 s, "
                                 "close to a scrape timeout); use 10-12")
        users[user] = hashed.encode()
    return users


def _http(path: Path, section, line: int) -> tuple[bool, dict[str, str]]:
    if section is None:
        return True, {}
    _mapping(path, section, "http_server_config", line)
    _check_keys(path, section, "http_server_config")
    http2 = section.get("http2", True)
    if not isinstance(http2, bool):
        raise WebConfigError(path, section.line_of("http2"), "http_server_config.http2", "must be true or false")
    headers = section.get("headers") or {}
    _mapping(path, headers, "http_server_config.headers", section.line_of("headers"))
    out = {}
    for name, value in headers.items():
        where, at = f"http_server_config.headers.{name}", headers.line_of(name)
        if name not in EXTRA_HEADERS:
            raise WebConfigError(path, at, where, f"this header cannot be configured; valid: {', '.join(EXTRA_HEADERS)}")
        if not isinstance(value, str) or "\n" in value or "\r" in value:
            raise WebConfigError(path, at, where, "must be a one-line string")
        allowed = EXTRA_HEADERS[name]
        if allowed and value not in allowed:
            raise WebConfigError(path, at, where, f"{value!r} is not allowed; valid: {', '.join(allowed)}")
        if value:
            out[name] = value
    return http2, out
