"""The lab's processes after `up` has exited: still ours?, stop them, who holds a port.

Every component is started in a session of its own, so its PID is also its process
group: stopping the group takes its children (a simulator's workers) with it. A PID
alone proves nothing a day later (the kernel reuses them), so a component counts as
running only while a process with its PID has the start time and command line recorded
when it started. Stopping signals the group only while it has members: the kernel does
not hand out a PID still used as a process group ID, so a group with members is ours.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import psutil

from dcops_lab.env.state import Component

LOOPBACK = "127.0.0.1"


class StopError(RuntimeError):
    """A process group outlived SIGKILL (a process stuck in the kernel); the message names it."""


def component(name: str, pid: int, log: str | Path, *, port: int | None = None, url: str | None = None) -> Component:
    """The record of a process just started: what `running()` will compare against later.

    Just after exec the kernel may still show an empty command line: read it until it is there."""
    proc = psutil.Process(pid)
    deadline = time.monotonic() + 5.0
    while not (cmdline := proc.cmdline()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return Component(name=name, pid=pid, create_time=proc.create_time(), cmdline=cmdline, log=str(log), port=port,
                     url=url)


def running(comp: Component) -> bool:
    """Is the recorded process alive (not a zombie) and still the one we started?"""
    try:
        proc = psutil.Process(comp.pid)
        with proc.oneshot():
            return (proc.status() != psutil.STATUS_ZOMBIE and abs(proc.create_time() - comp.create_time) < 0.5
                    and proc.cmdline() == comp.cmdline)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group `pgid`."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def _reap(pids: list[int]) -> None:
    """Collect the exit status of those that are our children (when `up` cleans up after itself)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _wait_group(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        members = group_members(pgid)
        _reap(members)
        if not group_members(pgid):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def stop(comp: Component, grace: float = 10.0) -> str:
    """SIGTERM the component's process group, SIGKILL what outlives `grace` seconds.

    Returns `stopped`, `killed` (it needed SIGKILL) or `not running` (the group had already
    gone: a component that crashed, or was stopped by hand)."""
    if not group_members(comp.pid):
        _reap([comp.pid])
        return "not running"
    for sig, wait, outcome in ((signal.SIGTERM, grace, "stopped"), (signal.SIGKILL, 5.0, "killed")):
        try:
            os.killpg(comp.pid, sig)
        except ProcessLookupError:
            return outcome
        if _wait_group(comp.pid, wait):
            return outcome
    raise StopError(f"{comp.name}: process group {comp.pid} still has {group_members(comp.pid)} after SIGKILL")


def port_holder(port: int) -> str | None:
    """`pid N (command line)` of the process listening on TCP `port`, when the kernel says."""
    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in conns:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            try:
                cmd = " ".join(psutil.Process(conn.pid).cmdline())
            except psutil.Error:
                cmd = "?"
            return f"pid {conn.pid} ({cmd[:120]})"
    return None


def port_problems(ports: dict[str, int], host: str = LOOPBACK) -> list[str]:
    """One line per port the lab cannot listen on: given twice, or taken (and by whom)."""
    problems = []
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            problems.append(f"port {port} is given for both {seen[port]} and {name}")
            continue
        seen[port] = name
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a TIME_WAIT left by a stopped lab is no conflict
            try:
                s.bind((host, port))
            except OSError as exc:
                holder = port_holder(port)
                problems.append(f"port {port} for {name} on {host} is taken"
                                + (f" by {holder}" if holder else f" ({exc.strerror})"))
    return problems
