"""`--web.config.file`: strict parsing with exact errors, bcrypt checks and their cache,
and the exporter serving TLS and basic auth in-process on 127.0.0.1.

Certificates are made by the test (a CA, a server certificate for 127.0.0.1 and
`dcops-exporter.lab`, a client CA and client certificate), so nothing depends on files
that could expire.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fixture_paths import LAB_INVENTORY
from prometheus_client.parser import text_string_to_metric_families

from dcops_exporters.basicauth import BasicAuth, FailureLog
from dcops_exporters.probe import Prober
from dcops_exporters.server import Exporter
from dcops_exporters.webconfig import TlsContext, WebConfigError, load_web_config

SERVER_NAME = "dcops-exporter.lab"
USER, PASSWORD = "prometheus", "correct horse battery staple"


# --- certificates ---------------------------------------------------------------------

def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool, sans=(), days: int = 2):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert=None, key=None) -> Path:
    data = b""
    if cert is not None:
        data += cert.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    path.write_bytes(data)
    path.chmod(0o600)
    return path


@dataclass
class Pki:
    ca: Path
    cert: Path
    key: Path
    client_ca: Path
    client_cert: Path
    client_key: Path
    other_key: Path  # a valid key that is not the certificate's


def make_pki(directory: Path, subject: str = SERVER_NAME) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, client_ca_key, server_key, client_key = _key(), _key(), _key(), _key()
    ca = _cert("dcops test CA", ca_key, "dcops test CA", ca_key, ca=True)
    server = _cert(subject, server_key, "dcops test CA", ca_key, ca=False,
                   sans=[x509.DNSName(SERVER_NAME), x509.DNSName("localhost"),
                         x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    client_ca = _cert("dcops client CA", client_ca_key, "dcops client CA", client_ca_key, ca=True)
    client = _cert("prometheus", client_key, "dcops client CA", client_ca_key, ca=False)
    return Pki(_write(directory / "ca.pem", ca), _write(directory / "server.pem", server),
               _write(directory / "server-key.pem", key=server_key), _write(directory / "client-ca.pem", client_ca),
               _write(directory / "client.pem", client), _write(directory / "client-key.pem", key=client_key),
               _write(directory / "other-key.pem", key=_key()))


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def password_hash() -> str:
    return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()


def web_config(directory: Path, text: str, name: str = "web.yml") -> Path:
    path = directory / name
    path.write_text(text)
    return path


# --- parsing --------------------------------------------------------------------------

def test_a_full_config_loads_with_paths_relative_to_the_file(pki, password_hash):
    path = web_config(pki.ca.parent, f"""\
tls_server_config:
  cert_file: server.pem
  key_file: {pki.key}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: client-ca.pem
  min_version: TLS13
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  {USER}: {password_hash}
""")
    web = load_web_config(path)
    assert web.tls.cert_file == pki.cert and web.tls.key_file == pki.key and web.tls.client_ca_file == pki.client_ca
    assert (web.tls.client_auth_type, web.tls.min_version, web.tls.max_version) == \
        ("RequireAndVerifyClientCert", "TLS13", "TLS13")
    assert web.headers == {"X-Frame-Options": "deny", "Strict-Transport-Security": "max-age=31536000"}
    assert web.users == {USER: password_hash.encode()}
    assert password_hash not in repr(web)
    ctx = web.tls.context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.minimum_version == ssl.TLSVersion.TLSv1_3


def test_an_empty_file_means_plain_http_without_auth(tmp_path):
    web = load_web_config(web_config(tmp_path, ""))
    assert web.tls is None and web.users == {}


# Each bad web config and the exact error it must give; {dir} is the file's directory.
INVALID = {
    "unknown top-level key": ("basic_auth_user:\n  a: b\n",
                              "web.yml:1: basic_auth_user: unknown key; valid: tls_server_config, "
                              "http_server_config, basic_auth_users"),
    "unknown tls key": ("tls_server_config:\n  cert_file: server.pem\n  key_flie: server-key.pem\n",
                        "web.yml:3: tls_server_config.key_flie: unknown key; valid in tls_server_config: cert_file, "
                        "key_file, client_auth_type, client_ca_file, min_version, max_version, "
                        "prefer_server_cipher_suites"),
    "unsupported key": ("rate_limit:\n  interval: 1s\n  burst: 5\n",
                        "web.yml:1: rate_limit: dcops limits load itself (admission control); remove rate_limit"),
    "inline key": ("tls_server_config:\n  cert_file: server.pem\n  key: secret-pem\n",
                   "web.yml:3: tls_server_config.key: inline PEM is not supported; put the key in a file and use "
                   "key_file"),
    "key_file missing": ("tls_server_config:\n  cert_file: server.pem\n",
                         "web.yml:2: tls_server_config: key_file is required to serve TLS"),
    "no such cert": ("tls_server_config:\n  cert_file: nope.pem\n  key_file: server-key.pem\n",
                     "web.yml:2: tls_server_config.cert_file: no such file: {dir}/nope.pem"),
    "key of another certificate": ("tls_server_config:\n  cert_file: server.pem\n  key_file: other-key.pem\n",
                                   "web.yml:2: tls_server_config: key_file {dir}/other-key.pem is not the key of "
                                   "cert_file {dir}/server.pem"),
    "certificate is not PEM": ("tls_server_config:\n  cert_file: web.yml\n  key_file: server-key.pem\n",
                               "web.yml:2: tls_server_config.cert_file: {dir}/web.yml holds no PEM certificate"),
    "key is a certificate": ("tls_server_config:\n  cert_file: server.pem\n  key_file: ca.pem\n",
                             "web.yml:2: tls_server_config.key_file: {dir}/ca.pem holds no PEM private key"),
    "bad TLS version": ("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                        "  min_version: TLS1.2\n",
                        "web.yml:4: tls_server_config.min_version: 'TLS1.2' is not a TLS version; valid: TLS10, "
                        "TLS11, TLS12, TLS13"),
    "min above max": ("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                      "  min_version: TLS13\n  max_version: TLS12\n",
                      "web.yml:4: tls_server_config.min_version: TLS13 is above max_version TLS12"),
    "client CA without client auth": ("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                                      "  client_ca_file: client-ca.pem\n",
                                      "web.yml:4: tls_server_config.client_ca_file: is set but client_auth_type is "
                                      "NoClientCert: client certificates would not be checked"),
    "client auth without CA": ("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                               "  client_auth_type: RequireAndVerifyClientCert\n",
                               "web.yml:4: tls_server_config.client_auth_type: RequireAndVerifyClientCert needs "
                               "client_ca_file, the CA that signs client certificates"),
    "unverified client certificates": ("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                                       "  client_auth_type: RequireAnyClientCert\n",
                                       "web.yml:4: tls_server_config.client_auth_type: RequireAnyClientCert accepts "
                                       "certificates nobody verified; use RequireAndVerifyClientCert (or "
                                       "VerifyClientCertIfGiven) with client_ca_file"),
    "plain password instead of a hash": ("basic_auth_users:\n  prometheus: hunter2-plaintext\n",
                                         "web.yml:2: basic_auth_users.prometheus: is not a bcrypt hash (the value "
                                         "is not shown); generate one with"),
    "cost too high": ("basic_auth_users:\n  prometheus: $2y$20$" + "a" * 53 + "\n",
                      "web.yml:2: basic_auth_users.prometheus: bcrypt cost 20 is outside 4-16"),
    "colon in a user name": ("basic_auth_users:\n  'a:b': $2y$10$" + "a" * 53 + "\n",
                             "web.yml:2: basic_auth_users.a:b: a user name must be a non-empty string without ':'"),
    "duplicate user": ("basic_auth_users:\n  a: $2y$10$" + "a" * 53 + "\n  a: $2y$10$" + "b" * 53 + "\n",
                       "web.yml:3: a: duplicate key in the same mapping"),
    "header not allowed": ("http_server_config:\n  headers:\n    Server: nginx\n",
                           "web.yml:3: http_server_config.headers.Server: this header cannot be configured; valid: "
                           "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
                           "Content-Security-Policy"),
    "header value not allowed": ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
                                 "web.yml:3: http_server_config.headers.X-Frame-Options: 'allow' is not allowed; "
                                 "valid: deny, sameorigin"),
    "http2 not a boolean": ("http_server_config:\n  http2: maybe\n",
                            "web.yml:2: http_server_config.http2: must be true or false"),
    "a list at the top": ("- tls_server_config\n", "web.yml:1: must be a mapping, got LineList"),
    "YAML syntax": ("tls_server_config:\n  cert_file: [server.pem\n", "web.yml:3: YAML syntax error"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_web_configs_name_file_line_and_key(pki, case):
    text, expected = INVALID[case]
    path = web_config(pki.ca.parent, text)
    with pytest.raises(WebConfigError) as err:
        load_web_config(path)
    message = str(err.value)
    assert message.startswith(str(path.parent) + "/"), message
    assert expected.format(dir=path.parent) in message
    assert "hunter2" not in message and "secret-pem" not in message, "a secret was printed back"


def test_an_encrypted_key_is_refused_without_prompting(pki, tmp_path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(pki.key.read_bytes(), None)
    encrypted = tmp_path / "enc-key.pem"
    encrypted.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.BestAvailableEncryption(b"pass")))
    path = web_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.cert}\n  key_file: enc-key.pem\n")
    with pytest.raises(WebConfigError, match="is encrypted; the web config has no key password"):
        load_web_config(path)


def test_serve_exits_2_naming_the_file_and_key(tmp_path):
    path = web_config(tmp_path, "tls_server_config:\n  cert_file: a.pem\n  key_file: b.pem\n  bogus: 1\n")
    res = subprocess.run([sys.executable, "-m", "dcops", "exporter", "serve", "--listen", "127.0.0.1:0",
                          "--inventory", str(LAB_INVENTORY), "--web.config.file", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert f"--web.config.file: {path}:4: tls_server_config.bogus: unknown key" in res.stderr


# --- basic auth -----------------------------------------------------------------------

def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_checks_and_reasons(password_hash):
    auth = BasicAuth({USER: password_hash.encode()})
    assert auth.check(_basic(USER, PASSWORD)) is None
    assert auth.check(_basic(USER, "wrong")) == "invalid"
    assert auth.check(_basic("mallory", PASSWORD)) == "invalid"
    assert auth.check(None) == "missing"
    assert auth.check("Bearer abc") == "malformed"
    assert auth.check("Basic !!!") == "malformed"
    assert auth.check("Basic " + "bm9jb2xvbg==") == "malformed"  # "nocolon"


def test_the_cache_runs_bcrypt_once_per_credential_and_wrong_guesses_cannot_evict_it(password_hash):
    auth = BasicAuth({USER: password_hash.encode()}, cache_size=10, checkpw=bcrypt.checkpw)
    good = _basic(USER, PASSWORD)
    for _ in range(50):
        assert auth.check(good) is None
    assert auth.bcrypt_checks == 1
    for i in range(30):  # more wrong passwords than the refused cache holds
        assert auth.check(_basic(USER, f"guess-{i}")) == "invalid"
    assert auth.bcrypt_checks == 31
    assert auth.check(good) is None
    assert auth.bcrypt_checks == 31, "the accepted credential was evicted by wrong guesses"
    assert auth.check(_basic(USER, "guess-29")) == "invalid" and auth.bcrypt_checks == 31, "refusals are cached too"


def test_an_unknown_user_costs_a_bcrypt_check_like_a_known_one(password_hash):
    calls = []

    def checkpw(password, hashed):
        calls.append(hashed)
        return bcrypt.checkpw(password, hashed)

    auth = BasicAuth({USER: password_hash.encode()}, checkpw=checkpw)
    assert auth.check(_basic("mallory", PASSWORD)) == "invalid"
    assert len(calls) == 1 and calls[0] != password_hash.encode()
    assert calls[0].startswith(b"$2b$10$"), "the decoy has the configured cost"


def test_refused_requests_are_logged_once_a_minute_per_client_without_credentials(caplog):
    now = [0.0]
    log = FailureLog(logging.getLogger("dcops.exporter"), clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "dcops.exporter"):
        for _ in range(5):
            log("10.0.0.9", "/probe", "invalid")
        now[0] = 61
        log("10.0.0.9", "/probe", "invalid")
        log("10.0.0.8", "/metrics", "missing")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["unauthorized request from 10.0.0.9 for /probe (invalid credentials)",
                     "unauthorized request from 10.0.0.9 for /probe (invalid credentials); 4 more from this "
                     "address not logged",
                     "unauthorized request from 10.0.0.8 for /metrics (missing credentials)"]


def test_a_renewed_certificate_is_served_without_a_restart(tmp_path):
    first = make_pki(tmp_path / "a", subject="first")
    second = make_pki(tmp_path / "b", subject="second")
    live_cert, live_key = tmp_path / "live.pem", tmp_path / "live-key.pem"
    live_cert.write_bytes(first.cert.read_bytes())
    live_key.write_bytes(first.key.read_bytes())
    path = web_config(tmp_path, "tls_server_config:\n  cert_file: live.pem\n  key_file: live-key.pem\n")
    now = [0.0]
    tls = TlsContext(load_web_config(path).tls, clock=lambda: now[0])
    original = tls.get()
    live_cert.write_bytes(second.cert.read_bytes())  # half-renewed: the new certificate, the old key
    now[0] = 2
    assert tls.get() is original, "a pair that does not load keeps the previous context"
    live_key.write_bytes(second.key.read_bytes())
    now[0] = 2.5
    assert tls.get() is original, "files are checked at most once a second"
    now[0] = 4
    assert tls.get() is not original


# --- the server, in-process -------------------------------------------------------------

@pytest.fixture
def serve(lab_inventory, monkeypatch):
    """Start an in-process exporter with a web config; yields (base URL, exporter)."""
    monkeypatch.setenv("DCOPS_TEST_SNMP_COMMUNITY", "lab-value")
    started = []

    def start(path: Path):
        exporter = Exporter(Prober(lab_inventory), web=load_web_config(path))
        httpd = exporter.bind("127.0.0.1", 0)
        thread = threading.Thread(target=exporter.serve_forever, daemon=True)
        thread.start()
        started.append((httpd, thread))
        return f"https://127.0.0.1:{httpd.server_address[1]}", exporter

    yield start
    for httpd, thread in started:
        httpd.shutdown()
        thread.join(5)


def exporter_counter(text: str, name: str) -> dict[tuple, float]:
    return {tuple(sorted(s.labels.items())): s.value for fam in text_string_to_metric_families(text)
            for s in fam.samples if s.name == name}


def test_tls_and_basic_auth_on_every_path(pki, password_hash, serve, caplog):
    path = web_config(pki.ca.parent, f"tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                                     f"http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
                                     f"basic_auth_users:\n  {USER}: '{password_hash}'\n", name="web-auth.yml")
    url, exporter = serve(path)
    good = (USER, PASSWORD)
    with caplog.at_level(logging.DEBUG, "dcops.exporter"):
        for page in ("/", "/metrics", "/probe?target=sc-edge-01&module=if_mib"):
            r = requests.get(url + page, verify=pki.ca, timeout=10)
            assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic"), page
            assert requests.get(url + page, verify=pki.ca, auth=good, timeout=10).status_code == 200, page
        r = requests.get(url + "/metrics", verify=pki.ca, auth=(USER, "wrong"), timeout=10)
        assert r.status_code == 401
        metrics = requests.get(url + "/metrics", verify=pki.ca, auth=good, timeout=10)
    assert metrics.headers["X-Content-Type-Options"] == "nosniff"
    counts = exporter_counter(metrics.text, "dcops_exporter_http_requests_unauthorized_total")
    assert counts == {(("reason", "missing"),): 3, (("reason", "malformed"),): 0, (("reason", "invalid"),): 1}
    assert exporter.auth.bcrypt_checks == 2, "one check for the right password, one for the wrong one"
    logged = caplog.text
    assert PASSWORD not in logged and password_hash not in logged and "wrong" not in logged
    # the certificate names the exporter: a client expecting another name refuses it
    port = int(url.rsplit(":", 1)[1])
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=SERVER_NAME) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            ctx.wrap_socket(raw, server_hostname="other-exporter.lab").close()


def test_plain_http_to_the_tls_port_fails_and_is_counted(pki, serve):
    path = web_config(pki.ca.parent, "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n",
                      name="web-tls.yml")
    url, _ = serve(path)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url.replace("https://", "http://") + "/metrics", timeout=5)
    text = requests.get(url + "/metrics", verify=pki.ca, timeout=10).text
    assert exporter_counter(text, "dcops_exporter_tls_handshake_failures_total") == {(): 1.0}


def test_a_stalled_handshake_holds_neither_the_accept_loop_nor_other_clients(pki, serve):
    path = web_config(pki.ca.parent, "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n",
                      name="web-stall.yml")
    url, _ = serve(path)
    port = int(url.rsplit(":", 1)[1])
    stalled = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]  # connect, never say hello
    try:
        start = time.monotonic()
        assert requests.get(url + "/metrics", verify=pki.ca, timeout=5).status_code == 200
        assert time.monotonic() - start < 2
    finally:
        for s in stalled:
            s.close()


def test_client_certificates_are_required_and_verified(pki, serve):
    path = web_config(pki.ca.parent, "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                                     "  client_auth_type: RequireAndVerifyClientCert\n"
                                     "  client_ca_file: client-ca.pem\n", name="web-mtls.yml")
    url, _ = serve(path)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(url + "/metrics", verify=pki.ca, timeout=5)
    with pytest.raises(requests.exceptions.RequestException):  # a certificate the client CA did not sign
        requests.get(url + "/metrics", verify=pki.ca, cert=(str(pki.cert), str(pki.key)), timeout=5)
    r = requests.get(url + "/metrics", verify=pki.ca, cert=(str(pki.client_cert), str(pki.client_key)), timeout=5)
    assert r.status_code == 200


def test_min_version_is_enforced(pki, serve):
    path = web_config(pki.ca.parent, "tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem\n"
                                     "  min_version: TLS13\n", name="web-tls13.yml")
    url, _ = serve(path)
    port = int(url.rsplit(":", 1)[1])
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises(ssl.SSLError):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            ctx.wrap_socket(raw, server_hostname="127.0.0.1").close()
    ctx13 = ssl.create_default_context(cafile=str(pki.ca))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx13.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.version() == "TLSv1.3"
