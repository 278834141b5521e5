"""A minimal Debian root filesystem for the lab's namespace servers, built once and cached.

The lab's Linux servers are real Debian systems: `debootstrap` (variant minbase, plus
openssh-server, python3, python3-apt and sudo for Ansible and its apt modules) into a
directory, packed as a tarball under the cache directory (`$XDG_CACHE_HOME/dcops/netns`,
else `~/.cache/dcops/netns`), keyed by a fingerprint of the recipe, so only the first run
pays for it (about 2-4 minutes on 2 cores, from the Debian mirror this machine's
debootstrap uses; later runs unpack the ~200 MB tarball in a few seconds).

The servers themselves never reach a network: the packages the server baseline installs
(chrony, prometheus-node-exporter, with their dependencies and no recommends) are
downloaded while building, on this machine, into a local apt repository inside the rootfs
(`LOCAL_REPO`, indexed with apt-ftparchive), and the rootfs keeps no other apt source. A
playbook points apt at it (`server_baseline_apt_source`), as it would at a site's internal
mirror. Package installs never start daemons (`/usr/sbin/policy-rc.d` exits 101, as in
Debian's container images): what runs is decided by the role.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SUITE = "bookworm"
INCLUDE = ("openssh-server", "python3", "python3-apt", "sudo", "apt-utils", "procps", "iproute2")
REPO_PACKAGES = ("chrony", "prometheus-node-exporter")
LOCAL_REPO = "/srv/dcops-apt"
# The apt source line a playbook gives a namespace server (trusted: built here, never fetched).
LOCAL_APT_SOURCE = f"deb [trusted=yes] file:{LOCAL_REPO} ./"
RECIPE_VERSION = 2


class RootfsError(RuntimeError):
    """Building the rootfs failed; the message names the step and carries its output's tail."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dcops" / "netns"


def fingerprint() -> str:
    recipe = f"{RECIPE_VERSION}|{SUITE}|{','.join(INCLUDE)}|{','.join(REPO_PACKAGES)}|{LOCAL_REPO}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def tarball_path(directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"debian-{SUITE}-server-{fingerprint()}.tar"


def _run(step: str, cmd: list[str], timeout: int = 1200) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise RootfsError(f"rootfs {step}: {' '.join(cmd[:3])}... exited {proc.returncode}:\n{tail}")


def _chroot(root: Path, step: str, script: str) -> None:
    env_cmd = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"]
    _run(step, ["chroot", str(root), *env_cmd, "/bin/sh", "-ec", script])


def build(root: Path) -> None:
    """debootstrap into `root`, then fill the local apt repository and lock the rootfs down."""
    if shutil.which("debootstrap") is None:
        raise RootfsError("rootfs: debootstrap is not installed (scripts/bootstrap.sh installs it)")
    _run("debootstrap", ["debootstrap", "--variant=minbase", f"--include={','.join(INCLUDE)}", SUITE, str(root)])
    shutil.copyfile("/etc/resolv.conf", root / "etc/resolv.conf")
    _chroot(root, "download packages", f"""
        apt-get clean
        apt-get update -q
        apt-get install -q -y --download-only --no-install-recommends {' '.join(REPO_PACKAGES)}
        mkdir -p {LOCAL_REPO}
        mv /var/cache/apt/archives/*.deb {LOCAL_REPO}/
        cd {LOCAL_REPO} && apt-ftparchive packages . > Packages
        apt-get clean
        rm -rf /var/lib/apt/lists/*
        : > /etc/apt/sources.list
        rm -f /etc/apt/sources.list.d/*
        rm -f /etc/ssh/ssh_host_*
    """)
    (root / "etc/resolv.conf").unlink()
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\n# dcops lab: package installs start no daemons; the role does.\nexit 101\n")
    policy.chmod(0o755)


def ensure_tarball(directory: Path | None = None) -> Path:
    """The cached rootfs tarball, built first when missing (atomic: a cut build leaves none)."""
    path = tarball_path(directory)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".build-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        build(root)
        partial = Path(tmp) / "rootfs.tar"
        _run("pack", ["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."])
        os.replace(partial, path)
    return path


def unpack(tarball: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    _run("unpack", ["tar", "-C", str(dest), "--numeric-owner", "-xpf", str(tarball)], timeout=300)
