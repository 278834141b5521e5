"""The connection contract and its drivers, found by platform through `DRIVERS`.

`Connection` is open/close/run/configure plus a context manager. `NetmikoConnection`
passes the inventory platform as netmiko's device_type; `SshConnection` runs commands over
a plain paramiko exec channel (servers, appliances). Library exceptions never escape:
they are re-raised as `dcops_devices.access.errors` types naming the device.
"""

from __future__ import annotations

import socket

import paramiko
from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadException,
    ReadTimeout,
)

from dcops_devices.access.errors import AccessError, AuthenticationFailed, CommandFailed, ConnectFailed
from dcops_devices.access.targets import Target

CONNECT_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30.0


class Connection:
    def __init__(self, target: Target, timeout: float = CONNECT_TIMEOUT):
        self.target = target
        self.timeout = timeout

    def open(self) -> "Connection":
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def run(self, command: str) -> str:
        raise NotImplementedError

    def configure(self, lines: list[str]) -> str:
        raise CommandFailed(self.target.name, f"{type(self).__name__} cannot push configuration")

    def __enter__(self) -> "Connection":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


class NetmikoConnection(Connection):
    def open(self) -> "NetmikoConnection":
        t = self.target
        try:
            self.conn = ConnectHandler(
                device_type=t.platform, host=t.host, port=t.port, username=t.username, password=t.password,
                secret=t.enable_secret or "", conn_timeout=self.timeout, auth_timeout=self.timeout,
                banner_timeout=self.timeout, fast_cli=True, allow_agent=False, use_keys=False,
                ssh_strict=False, system_host_keys=False, alt_host_keys=False)
        except NetmikoAuthenticationException:
            raise AuthenticationFailed(t.name, f"login as {t.username} refused") from None
        except (NetmikoTimeoutException, paramiko.SSHException, socket.error, EOFError, ValueError) as exc:
            raise ConnectFailed(t.name, f"cannot connect to {t.host}:{t.port}: {type(exc).__name__}: {exc}") from None
        return self

    def close(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            try:
                conn.disconnect()
            except Exception:  # the session is gone either way
                pass
            self.conn = None

    def run(self, command: str) -> str:
        try:
            return self.conn.send_command(command, read_timeout=COMMAND_TIMEOUT)
        except (ReadTimeout, ReadException, OSError, EOFError, paramiko.SSHException) as exc:
            raise CommandFailed(self.target.name, f"{command!r}: {type(exc).__name__}: {exc}") from None

    def configure(self, lines: list[str]) -> str:
        try:
            return self.conn.send_config_set(lines, read_timeout=COMMAND_TIMEOUT)
        except (ConfigInvalidException, ReadTimeout, ReadException, OSError, EOFError,
                paramiko.SSHException, ValueError) as exc:
            raise CommandFailed(self.target.name, f"config push: {type(exc).__name__}: {exc}") from None


class SshConnection(Connection):
    def open(self) -> "SshConnection":
        t = self.target
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            self.client.connect(t.host, port=t.port, username=t.username, password=t.password,
                                timeout=self.timeout, auth_timeout=self.timeout, banner_timeout=self.timeout,
                                allow_agent=False, look_for_keys=False)
        except paramiko.AuthenticationException:
            raise AuthenticationFailed(t.name, f"login as {t.username} refused") from None
        except (paramiko.SSHException, socket.error, EOFError) as exc:
            raise ConnectFailed(t.name, f"cannot connect to {t.host}:{t.port}: {type(exc).__name__}: {exc}") from None
        return self

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.client = None

    def run(self, command: str) -> str:
        try:
            _, stdout, stderr = self.client.exec_command(command, timeout=COMMAND_TIMEOUT)
            out = stdout.read().decode(errors="replace")
            status = stdout.channel.recv_exit_status()
        except (paramiko.SSHException, socket.error, EOFError) as exc:
            raise CommandFailed(self.target.name, f"{command!r}: {type(exc).__name__}: {exc}") from None
        if status != 0:
            err = stderr.read().decode(errors="replace").strip()
            raise CommandFailed(self.target.name, f"{command!r} exited {status}: {err[:200]}")
        return out


DRIVERS: dict[str, type[Connection]] = {
    **{p: NetmikoConnection for p in ("cisco_ios", "cisco_xe", "cisco_nxos", "arista_eos", "hp_comware",
                                       "hp_procurve", "fortinet", "paloalto_panos", "juniper_junos")},
    "linux": SshConnection,
    "vmware_esxi": SshConnection,
}


def open_connection(target: Target, timeout: float = CONNECT_TIMEOUT) -> Connection:
    """A connection for the target's platform, not yet opened (use it as a context manager)."""
    try:
        driver = DRIVERS[target.platform]
    except KeyError:
        raise AccessError(target.name, f"no driver for platform {target.platform!r}; "
                                       f"known: {', '.join(sorted(DRIVERS))}") from None
    return driver(target, timeout)

