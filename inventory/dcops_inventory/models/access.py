"""How dcops authenticates: references to secrets, never the secrets themselves."""

from __future__ import annotations

from pydantic import model_validator

from dcops_inventory.choices import SecretKind, SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion
from dcops_inventory.models.base import Name, Provenance, Record, Text


class Secret(Record):
    """A named reference: an environment variable or an ansible-vault variable."""

    name: Name
    kind: SecretKind
    ref: Text
    description: Text | None = None
    provenance: Provenance = "assumption"


class Credentials(Record):
    """A login: the user name is plain, the password is a secret reference."""

    name: Name
    username: Text
    password_secret: Name
    enable_secret: Name | None = None
    provenance: Provenance = "assumption"


class SnmpProfile(Record):
    name: Name
    version: SnmpVersion
    community_secret: Name | None = None
    user: Text | None = None
    auth_protocol: SnmpAuthProtocol | None = None
    auth_secret: Name | None = None
    priv_protocol: SnmpPrivProtocol | None = None
    priv_secret: Name | None = None
    provenance: Provenance = "assumption"

    @model_validator(mode="after")
    def _version_fields(self):
        if self.version == "v2c" and not self.community_secret:
            raise ValueError("an SNMP v2c profile needs a community secret reference")
        if self.version == "v3" and not (self.user and self.auth_secret):
            raise ValueError("an SNMP v3 profile needs user and auth_secret")
        return self

    def secret_names(self) -> list[str]:
        return [s for s in (self.community_secret, self.auth_secret, self.priv_secret) if s]
