"""How Prometheus reaches a dcops exporter that is served with `--web.config.file`.

The exporter side (TLS, client certificates, basic auth) is the exporter-toolkit web
config; this is the matching half of each scrape job that talks to the exporter:
`scheme: https`, `tls_config` (the CA that signed the exporter's certificate, the name
in it, a client certificate) and `basic_auth` with a `password_file`. A password is never
written into the rendered config, which is meant to be versioned and shared: only the
path of a file that holds it. Paths are written as given; Prometheus reads relative paths
from the directory of the config file that names them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExporterAccess:
    """Scheme, TLS and basic auth of every scrape job aimed at the dcops exporter.

    `scheme` None means https when any TLS option is given, else http.
    """

    scheme: str | None = None
    tls_ca_file: str | None = None
    tls_server_name: str | None = None
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    basic_auth_user: str | None = None
    basic_auth_password_file: str | None = None

    def __post_init__(self):
        if self.scheme not in (None, "http", "https"):
            raise ValueError(f"--exporter-scheme must be http or https, got {self.scheme!r}")
        tls_options = {"--exporter-tls-ca": self.tls_ca_file, "--exporter-tls-server-name": self.tls_server_name,
                       "--exporter-tls-cert-file": self.tls_cert_file, "--exporter-tls-key-file": self.tls_key_file}
        for option, value in {**tls_options, "--exporter-basic-auth-user": self.basic_auth_user,
                              "--exporter-basic-auth-password-file": self.basic_auth_password_file}.items():
            if value is not None and (not value.strip() or "\n" in value):
                raise ValueError(f"{option} must be a non-empty, one-line value")
        given = [option for option, value in tls_options.items() if value is not None]
        if given and self.scheme == "http":
            raise ValueError(f"{given[0]} configures TLS, but --exporter-scheme is http")
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("--exporter-tls-cert-file and --exporter-tls-key-file go together (a client "
                             "certificate and its key)")
        if (self.basic_auth_user is None) != (self.basic_auth_password_file is None):
            raise ValueError("--exporter-basic-auth-user and --exporter-basic-auth-password-file go together "
                             "(the password is read from the file, never written into the config)")
        if self.basic_auth_user is not None:
            if ":" in self.basic_auth_user:
                raise ValueError("--exporter-basic-auth-user cannot contain ':' (HTTP basic auth splits on it)")
            if self.effective_scheme == "http":
                raise ValueError("basic auth over http would send the password in clear text: add "
                                 "--exporter-tls-ca (or --exporter-scheme https)")

    @property
    def effective_scheme(self) -> str:
        if self.scheme is not None:
            return self.scheme
        tls = (self.tls_ca_file, self.tls_server_name, self.tls_cert_file, self.tls_key_file)
        return "https" if any(v is not None for v in tls) else "http"

    def job_fields(self) -> dict:
        """The keys to add to a scrape job aimed at the exporter (empty for plain http)."""
        fields: dict = {}
        if self.effective_scheme == "https":
            fields["scheme"] = "https"
            tls = {key: value for key, value in (("ca_file", self.tls_ca_file), ("cert_file", self.tls_cert_file),
                                                 ("key_file", self.tls_key_file),
                                                 ("server_name", self.tls_server_name)) if value is not None}
            if tls:
                fields["tls_config"] = tls
        if self.basic_auth_user is not None:
            fields["basic_auth"] = {"username": self.basic_auth_user, "password_file": self.basic_auth_password_file}
        return fields
