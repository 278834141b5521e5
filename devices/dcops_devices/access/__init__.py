"""Device access: one small connection contract for every device dcops talks to.

    from dcops_devices.access import target_for, open_connection, run_bulk
    target = target_for(inv, "sc-core-01", address_map)
    with open_connection(target) as conn:
        conn.run("show version")

netmiko carries switches, routers and firewalls, paramiko carries servers and appliances;
every failure is one of the exceptions in `dcops_devices.access.errors`.
"""

from dcops_devices.access.bulk import HostDone, HostFailed, HostResult, run_bulk
from dcops_devices.access.drivers import DRIVERS, Connection, open_connection
from dcops_devices.access.errors import (
    AccessError,
    AuthenticationFailed,
    CommandFailed,
    ConnectFailed,
    CredentialsMissing,
    TargetRefused,
)
from dcops_devices.access.targets import Target, target_for

__all__ = [
    "DRIVERS", "AccessError", "AuthenticationFailed", "CommandFailed", "ConnectFailed", "Connection",
    "CredentialsMissing", "HostDone", "HostFailed", "HostResult", "Target", "TargetRefused", "open_connection",
    "run_bulk", "target_for",
]
