"""The exceptions callers catch: netmiko's and paramiko's many errors, sorted by what a
user does next (fix the address, the login, the command, or wait)."""

from __future__ import annotations


class AccessError(Exception):
    """Base: something stopped dcops from talking to `device`. `kind` is a short stable tag
    for reports and metrics."""

    kind = "error"

    def __init__(self, device: str, message: str):
        super().__init__(f"{device}: {message}")
        self.device = device
        self.message = message


class TargetRefused(AccessError):
    """dcops itself refused the target (not in the lab address map, not loopback in lab mode)."""

    kind = "refused"


class CredentialsMissing(AccessError):
    """The device has no credentials record, or its secret is not available here."""

    kind = "credentials"


class ConnectFailed(AccessError):
    """TCP/SSH could not be established or timed out (device down, port closed)."""

    kind = "connect"


class AuthenticationFailed(AccessError):
    kind = "auth"


class CommandFailed(AccessError):
    """Connected, but a command timed out or the device rejected it."""

    kind = "command"
