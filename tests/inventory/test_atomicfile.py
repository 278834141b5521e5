"""The one atomic-write helper every generated file goes through: replace by rename, skip
unchanged bytes, and on any failure leave the target as it was and no temporary file."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from dcops_inventory import atomicfile
from dcops_inventory.atomicfile import write_atomic


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_its_parents_its_bytes_and_its_mode(tmp_path):
    target = tmp_path / "a" / "b" / "out.json"
    assert write_atomic(target, b'{"x": 1}\n') is True
    assert target.read_bytes() == b'{"x": 1}\n' and _mode(target) == 0o644
    private = tmp_path / "secret.yaml"
    assert write_atomic(private, "k: v\n", mode=0o600) is True
    assert _mode(private) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "secret.yaml"]


def test_text_is_written_as_utf8(tmp_path):
    target = tmp_path / "banner.txt"
    write_atomic(target, "Acceso autorizado - Perú\n")
    assert target.read_bytes() == "Acceso autorizado - Perú\n".encode()


def test_the_same_bytes_leave_the_file_untouched(tmp_path):
    target = tmp_path / "prometheus.yml"
    target.write_bytes(b"global: {}\n")
    os.chmod(target, 0o600)
    before = target.stat()
    assert write_atomic(target, "global: {}\n") is False
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns, _mode(target)) == (before.st_ino, before.st_mtime_ns, 0o600)


def test_new_bytes_replace_the_file_by_rename(tmp_path):
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    inode = target.stat().st_ino
    held = open(target, "rb")  # a reader that opened the old file keeps reading the old bytes
    try:
        assert write_atomic(target, b"new") is True
        assert held.read() == b"old"
    finally:
        held.close()
    assert target.read_bytes() == b"new" and target.stat().st_ino != inode
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("where, error", [
    ("fsync", OSError(28, "No space left on device")),
    ("replace", OSError(18, "Invalid cross-device link")),
    ("fchmod", KeyboardInterrupt()),
])
def test_a_failure_keeps_the_target_and_removes_the_temporary_file(tmp_path, monkeypatch, where, error):
    target = tmp_path / "report.json"
    target.write_bytes(b"previous run")

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(atomicfile.os, where, fail)
    with pytest.raises(type(error)):
        write_atomic(target, b"this run")
    monkeypatch.undo()
    assert target.read_bytes() == b"previous run"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_parent_that_is_a_file_is_an_error_naming_it(tmp_path):
    (tmp_path / "out").write_text("not a directory")
    with pytest.raises(OSError) as err:
        write_atomic(tmp_path / "out" / "prometheus.yml", b"x")
    assert str(tmp_path / "out" / "prometheus.yml") in str(err.value)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_concurrent_reader_only_ever_sees_a_whole_version(tmp_path):
    target = tmp_path / "targets.json"
    versions = [bytes([65 + i]) * 256 * 1024 for i in range(2)]
    write_atomic(target, versions[0])
    seen: set[bytes] = set()
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            seen.add(target.read_bytes())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(60):
            write_atomic(target, versions[(i + 1) % 2])
    finally:
        done.set()
        thread.join()
    assert seen <= set(versions) and seen
