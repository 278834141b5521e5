"""FakeNOS' paramiko SSH server with one host key per lab process instead of per device.

The stock server parses its RSA host key for every device (~70 ms each: 12 s for the MTPE
fleet); every lab device may present the same lab key, so it is parsed once. The
attribute setup mirrors fakenos 1.2.1's ParamikoSshServer.__init__ (pinned).
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache

import paramiko
from fakenos.core.servers import TCPServerBase
from fakenos.plugins.servers.ssh_server_paramiko import DEFAULT_SSH_KEY, ParamikoSshServer


@lru_cache(maxsize=1)
def lab_host_key() -> paramiko.RSAKey:
    return paramiko.RSAKey(file_obj=io.StringIO(DEFAULT_SSH_KEY))


class SharedKeySshServer(ParamikoSshServer):
    def __init__(self, shell, nos, nos_inventory_config, port, username, password, ssh_key_file=None,
                 ssh_key_file_password=None, ssh_banner="FakeNOS Paramiko SSH Server", shell_configuration=None,
                 address="127.0.0.1", timeout=1, watchdog_interval=1):
        TCPServerBase.__init__(self)
        self.nos = nos
        self.nos_inventory_config = nos_inventory_config
        self.shell = shell
        self.shell_configuration = shell_configuration or {}
        self.ssh_banner = ssh_banner
        self.username = username
        self.password = password
        self.port = port
        self.address = address
        self.timeout = timeout
        self.watchdog_interval = watchdog_interval
        self._active_sessions = set()
        self._active_sessions_lock = threading.Lock()
        self._ssh_server_key = (paramiko.RSAKey.from_private_key_file(ssh_key_file, ssh_key_file_password)
                                if ssh_key_file else lab_host_key())
