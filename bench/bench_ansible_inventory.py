"""Benchmark: 31k hosts through the `dcops` inventory plugin vs the same hosts and vars as
a static YAML inventory, both via `ansible-inventory --list`, in the same run.

    python bench/bench_ansible_inventory.py [--vms 30000] [--devices 1000]

Builds a synthetic dcops inventory with the shared generator (`dcops_lab.synthetic`: valid,
it loads through the strict loader), renders
the plugin's own view of it as a static YAML inventory, then times each source with
ansible-inventory (best of --repeat runs) and prints the numbers. Nothing is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def static_yaml(view: dict) -> dict:
    """The same hosts, vars and groups as a static Ansible YAML inventory."""
    children = {g: {"hosts": {h: None for h in members}} for g, members in view["groups"].items()}
    return {"all": {"vars": view["all_vars"], "hosts": view["hosts"], "children": children}}


def timed(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, int]:
    best, hosts = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
        if "--list" in cmd:
            hosts = len(json.loads(proc.stdout)["_meta"]["hostvars"])
        else:
            hosts = proc.stdout.count("|--") - proc.stdout.count("|--@")
        best = min(best, elapsed)
    return best, hosts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--vms", type=int, default=30000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    from dcops_ansible.hostvars import build_view
    from dcops_inventory import load_inventory
    from dcops_lab.synthetic import generate

    env = {k: v for k, v in os.environ.items() if not k.startswith("DCOPS_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    with tempfile.TemporaryDirectory(prefix="dcops-bench-inv-") as tmp:
        tmp = Path(tmp)
        generate(args.devices, tmp / "inv", vms=args.vms)
        t0 = time.perf_counter()
        inv = load_inventory(tmp / "inv")
        load_s = time.perf_counter() - t0
        view = build_view(inv, inventory_source=str(tmp / "inv")).to_dict()
        (tmp / "static.yml").write_text(yaml.safe_dump(static_yaml(view), sort_keys=False))
        (tmp / "dcops.yml").write_text(f"plugin: dcops\ninventory_path: {tmp / 'inv'}\n")
        (tmp / "cached" ).mkdir()
        (tmp / "cached" / "dcops.yml").write_text(
            f"plugin: dcops\ninventory_path: {tmp / 'inv'}\ncache: true\n"
            f"cache_plugin: ansible.builtin.jsonfile\ncache_connection: {tmp / 'cache'}\n")

        ai = ["ansible-inventory", "-i"]
        results = {}
        env["XDG_CACHE_HOME"] = str(tmp / "xdg")
        # cold: no compiled view yet (first run compiles it); warm: the compiled view is reused
        results["plugin_list_cold"] = timed([*ai, str(tmp / "dcops.yml"), "--list"], {**env, "XDG_CACHE_HOME": str(tmp / "cold")}, 1)
        results["plugin_list"] = timed([*ai, str(tmp / "dcops.yml"), "--list"], env, args.repeat + 1)
        results["plugin_ansible_cache_list"] = timed([*ai, str(tmp / "cached" / "dcops.yml"), "--list"],
                                                     {**env, "DCOPS_INVENTORY_COMPILE": "false"}, args.repeat + 1)
        results["static_list"] = timed([*ai, str(tmp / "static.yml"), "--list"], env, args.repeat)
        results["plugin_graph"] = timed([*ai, str(tmp / "dcops.yml"), "--graph"], env, args.repeat)
        results["static_graph"] = timed([*ai, str(tmp / "static.yml"), "--graph"], env, args.repeat)
    print(f"hosts: {results['plugin_list'][1]} (static file: {results['static_list'][1]})")
    print(f"dcops_inventory load+validate (in process):           {load_s:7.2f} s")
    labels = {"plugin_list_cold": "ansible-inventory --list, plugin, first run (compiles)",
              "plugin_list": "ansible-inventory --list, plugin, compiled view",
              "plugin_ansible_cache_list": "ansible-inventory --list, plugin, Ansible jsonfile cache",
              "static_list": "ansible-inventory --list, static YAML",
              "plugin_graph": "ansible-inventory --graph, plugin, compiled view",
              "static_graph": "ansible-inventory --graph, static YAML"}
    for key, label in labels.items():
        print(f"{label:<56} {results[key][0]:7.2f} s")
    print(f"plugin / static (--list): cold {results['plugin_list_cold'][0] / results['static_list'][0]:.2f}x, "
          f"compiled {results['plugin_list'][0] / results['static_list'][0]:.2f}x")
    print(json.dumps({"bench": "ansible_inventory", "hosts": results["plugin_list"][1], "load_s": round(load_s, 2),
                      **{k: round(v[0], 2) for k, v in results.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
