"""How dcops authenticates: references to secrets, never the secrets themselves."""

from __future__ import annotations

import re
from typing import Self

from pydantic import ValidationInfo, field_validator, model_validator

from dcops_inventory.choices import SecretKind, SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion
from dcops_inventory.models.base import Name, Provenance, Record, Text

# What a shell and Ansible accept as a variable name.
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Secret(Record):
    """A named reference: an environment variable or an ansible-vault variable."""

    name: Name
    kind: SecretKind
    ref: Text
    description: Text | None = None
    provenance: Provenance = "assumption"

    @field_validator("ref")
    @classmethod
    def _ref_is_a_variable_name(cls, ref: str, info: ValidationInfo) -> str:
        """A reference is a variable's name; anything else (a pasted value) is refused unseen."""
        what = {"env": "an environment variable", "vault": "an Ansible vault variable"}.get(info.data.get("kind", ""))
        if what and not _VARIABLE_NAME.match(ref):
            raise ValueError(f"expected the name of {what} (letters, digits and '_', not starting with a digit); "
                             "the value is not shown, as it may be a secret")
        return ref


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
    def _version_fields(self) -> Self:
        if self.version == "v2c" and not self.community_secret:
            raise ValueError("an SNMP v2c profile needs a community secret reference")
        if self.version == "v3" and not (self.user and self.auth_secret):
            raise ValueError("an SNMP v3 profile needs user and auth_secret")
        return self

    def secret_names(self) -> list[str]:
        return [s for s in (self.community_secret, self.auth_secret, self.priv_secret) if s]
