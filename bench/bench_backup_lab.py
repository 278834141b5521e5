"""Benchmark: backing up every MTPE network device in the lab - dcops' concurrent backup
vs plain sequential netmiko, same run, wall time and peak memory.

    python bench/bench_backup_lab.py [--sequential-sample 30] [--workers 64] [--playbook]

Starts the FakeNOS fleet for the embedded MTPE inventory on 127.0.0.1 (address map only;
DCOPS_LAB_ONLY=1), runs each contender in its own process (peak RSS from wait4), then
stops the fleet. Sequential netmiko over ~170 devices takes minutes, so by default it runs
on an evenly spread sample and the full-fleet time is extrapolated (printed as such);
--sequential-sample 0 runs it on every device.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MiB, stdout) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out_path = proc.stdout
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    out = out_path.read()
    err = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err[-3000:]}\n{out[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024, out


def worker_concurrent(args) -> None:
    from dcops_ansible.backup import run_backup
    from dcops_inventory import AddressMap, load_inventory

    report = run_backup(load_inventory(), args.repo, None, AddressMap.load(args.address_map), workers=args.workers)
    print(json.dumps({"devices": len(report.results), "failed": report.failed_devices, "seconds": report.seconds}))


def worker_sequential(args) -> None:
    from netmiko import ConnectHandler

    from dcops_ansible.backup import config_command
    from dcops_devices.access import target_for
    from dcops_inventory import AddressMap, load_inventory

    inv, amap = load_inventory(), AddressMap.load(args.address_map)
    names = args.devices.split(",")
    per_device = []
    for name in names:
        t = target_for(inv, name, amap)
        start = time.perf_counter()
        conn = ConnectHandler(device_type=t.platform, host=t.host, port=t.port, username=t.username,
                              password=t.password, fast_cli=True)
        conn.send_command(config_command(t.platform))
        conn.disconnect()
        per_device.append(time.perf_counter() - start)
    print(json.dumps({"devices": len(names), "per_device": per_device}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=64)
    ap.add_argument("--sequential-sample", type=int, default=30)
    ap.add_argument("--playbook", action="store_true", help="also time ansible-playbook backup_configs.yml")
    ap.add_argument("--worker", choices=["concurrent", "sequential"], help=argparse.SUPPRESS)
    ap.add_argument("--address-map", help=argparse.SUPPRESS)
    ap.add_argument("--repo", help=argparse.SUPPRESS)
    ap.add_argument("--devices", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "concurrent":
        worker_concurrent(args)
        return 0
    if args.worker == "sequential":
        worker_sequential(args)
        return 0

    from dcops_devices.intent.baseline import network_devices
    from dcops_inventory import load_inventory
    from dcops_lab.fakenos.process import LabFleet

    env = {k: v for k, v in os.environ.items() if not k.startswith("DCOPS_")}
    env.update({"DCOPS_LAB_ONLY": "1", "DCOPS_NET_PASSWORD": secrets.token_urlsafe(12),
                "DCOPS_NET_ENABLE": secrets.token_urlsafe(12),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"})
    names = sorted(d.name for d in network_devices(load_inventory()))
    with tempfile.TemporaryDirectory(prefix="dcops-bench-backup-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        with LabFleet(tmp / "lab", env=env) as lab:
            lab_start = time.perf_counter() - started
            amap = str(lab.address_map_path)
            me = [sys.executable, str(Path(__file__).resolve())]
            conc_s, conc_mb, out = run_measured([*me, "--worker", "concurrent", "--address-map", amap, "--repo",
                                                 str(tmp / "repo"), "--workers", str(args.workers)], env)
            conc = json.loads(out)
            sample = names if args.sequential_sample <= 0 else names[:: max(1, len(names) // args.sequential_sample)]
            seq_s, seq_mb, out = run_measured([*me, "--worker", "sequential", "--address-map", amap,
                                               "--devices", ",".join(sample)], env)
            per = json.loads(out)["per_device"]
            seq_full = sum(per) / len(per) * len(names)
            playbook = None
            if args.playbook:
                pb_env = {**env, "DCOPS_ADDRESS_MAP": amap, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
                          "XDG_CACHE_HOME": str(tmp / "xdg")}
                playbook = run_measured(["ansible-playbook", "-i", "inventory/dcops.yml", "playbooks/backup_configs.yml",
                                         "-e", f"config_backup_repo={tmp / 'pb-repo'}",
                                         "-e", f"config_backup_metrics={tmp / 'pb.prom'}"], pb_env)
    print(f"lab: {len(names)} MTPE network devices on 127.0.0.1, started in {lab_start:.1f} s")
    print(f"dcops concurrent backup ({args.workers} workers): {conc_s:7.2f} s wall (backup {conc['seconds']:.2f} s), "
          f"peak RSS {conc_mb} MiB, failed {len(conc['failed'])}")
    kind = "measured" if len(sample) == len(names) else f"extrapolated from {len(sample)} devices"
    print(f"sequential netmiko: {seq_full:7.2f} s for {len(names)} devices ({kind}; "
          f"{sum(per) / len(per):.2f} s/device), peak RSS {seq_mb} MiB")
    print(f"speed-up: {seq_full / conc['seconds']:.1f}x on the backup itself, {seq_full / conc_s:.1f}x including "
          f"process start and inventory load (goal >= 20x)")
    if playbook:
        print(f"ansible-playbook backup_configs.yml (forks from ansible.cfg): {playbook[0]:7.2f} s wall, "
              f"peak RSS {playbook[1]} MiB")
    print(json.dumps({"bench": "backup_lab", "devices": len(names), "concurrent_s": round(conc_s, 2),
                      "concurrent_backup_s": round(conc["seconds"], 2), "concurrent_peak_mib": conc_mb,
                      "sequential_s": round(seq_full, 2), "sequential_sampled": len(sample),
                      "sequential_peak_mib": seq_mb, "playbook_s": round(playbook[0], 2) if playbook else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
