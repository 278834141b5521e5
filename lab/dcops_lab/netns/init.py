"""PID 1 of a namespace server, copied into its rootfs and run there with the rootfs' python3.

A chroot in fresh PID, mount, UTS and network namespaces has no init: this one mounts what
a Debian userland expects (/proc, /run, /tmp, /dev/pts), names the host, starts OpenSSH
through its init script (so `service ssh restart` manages it like any other daemon) and
reaps every orphan, so a daemon an init script stops really goes away (start-stop-daemon
waits for it). It exits on SIGTERM; when PID 1 exits, the kernel kills every other
process of the namespace.

It imports only the standard library: it runs inside the rootfs, not in the dcops venv.
"""

import os
import signal
import socket
import subprocess
import sys


def main() -> int:
    socket.sethostname(sys.argv[1])
    for fstype, target, options in (("proc", "/proc", ""), ("tmpfs", "/run", "mode=755"), ("tmpfs", "/tmp", "mode=1777"),
                                    ("devpts", "/dev/pts", "newinstance,ptmxmode=0666")):
        os.makedirs(target, exist_ok=True)
        subprocess.run(["mount", "-t", fstype, *(["-o", options] if options else []), fstype, target], check=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes pause() to reap
    subprocess.run(["/etc/init.d/ssh", "start"], check=True)
    print("ready", flush=True)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            signal.pause()


if __name__ == "__main__":
    sys.exit(main())
