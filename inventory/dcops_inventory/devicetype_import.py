"""Device types from the NetBox community device-type library, as dcops `device_types` records.

Why: planners take power draw, rack units and port layouts from vendor data, and the
community library (github.com/netbox-community/devicetype-library, one YAML file per
make and model, schema `schema/devicetype.json`) already transcribes thousands of them.
Copying those figures by hand is where typos come from; importing keeps the vendor's
numbers and says where they came from.

How the library's fields map (anything else is listed as a warning, never silently lost):

- `slug` -> `name` (a dcops name: lower-case, at most 64 characters); `manufacturer`,
  `model` as they are; `u_height` -> `u_height`, a half unit rounded up (dcops counts
  whole U, and a 0.5U device still takes a U of planning), with a warning.
- `power-ports[].maximum_draw` -> `max_power_w`, `allocated_draw` -> `typical_power_w`.
  Several power ports are redundant supplies by default (each one alone can carry the
  device, so the device draws what the largest port lists); `sum_power_ports` adds them
  instead, for devices that need every supply. A port without `allocated_draw` counts
  its `maximum_draw` as typical (conservative), with a warning.
- `interfaces[]` -> `interfaces`: name, type (NetBox's slugs, which dcops' vocabulary
  follows), `mgmt_only`, and the speed the type implies. Ports the library lists one by
  one (`GigabitEthernet1/0/1` .. `/48`) become one `{n}` template with `count` and
  `start` when they are consecutive, share a type and mgmt flag, and carry no leading
  zeros. A port type dcops has no word for is left out, with a warning naming it.
- Unmapped library fields (`part_number`, `is_full_depth`, `airflow`, `weight`,
  `console-ports`, `power-outlets`, `module-bays`, ...) are warnings: the dcops model has
  no place for them yet. Keys the library schema does not know are warnings too.

Bad input (a missing or mistyped required field, a bad slug, a negative draw) is a
`file:line: field: reason` problem; nothing is written while any file has one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.choices import InterfaceType
from dcops_inventory.errors import Problem
from dcops_inventory.loader import inventory_files
from dcops_inventory.models.dcim import DeviceType
from dcops_inventory.yamlsource import LineDict, LineList, YamlSyntaxError, load_yaml

DCOPS_INTERFACE_TYPES = frozenset(get_args(InterfaceType))
# The speed a NetBox interface type implies, in Mbps (types without a fixed speed: none).
TYPE_SPEED_MBPS = {
    "1000base-t": 1000, "10gbase-t": 10000, "10gbase-x-sfpp": 10000, "25gbase-x-sfp28": 25000,
    "40gbase-x-qsfpp": 40000, "100gbase-x-qsfp28": 100000, "fc-8g": 8000, "fc-16g": 16000, "fc-32g": 32000,
}
# Library fields (schema/devicetype.json) the dcops model has no place for: warned, not imported.
UNMAPPED = ("part_number", "is_full_depth", "airflow", "weight", "weight_unit", "front_image", "rear_image",
            "subdevice_role", "is_powered", "console-ports", "console-server-ports", "power-outlets",
            "front-ports", "rear-ports", "module-bays", "device-bays", "inventory-items", "description",
            "comments")
MAPPED = ("manufacturer", "model", "slug", "u_height", "power-ports", "interfaces")
REQUIRED = ("manufacturer", "model", "slug", "u_height", "is_full_depth")
INTERFACE_KEYS = ("name", "type", "mgmt_only", "label", "description", "poe_mode", "poe_type", "enabled")
POWER_PORT_KEYS = ("name", "type", "label", "description", "maximum_draw", "allocated_draw")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
NUMBER_SPLIT = re.compile(r"([0-9]+)")


class ImportProblems(Exception):
    """Input that cannot be imported; every problem, located."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass
class Imported:
    """One library file's device type, as a dcops record (a plain dict in the model's field order)."""

    source: str
    record: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _bad(problems: list[Problem], file: str, line: int, where: str, reason: str) -> None:
    problems.append(Problem(file, line, where, reason))


def _number(value: Any) -> float | None:
    """A finite YAML number (not a bool) as a float, else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _tokens(name: str) -> list[str]:
    return [t for t in NUMBER_SPLIT.split(name) if t]


def _step(prev: list[str], cur: list[str]) -> int | None:
    """The index of the one number that grows by one from `prev` to `cur`, all else equal; or None.
    A number with a leading zero never counts (`{n}` would drop the zero)."""
    if len(prev) != len(cur):
        return None
    diff = [i for i, (a, b) in enumerate(zip(prev, cur)) if a != b]
    if len(diff) != 1:
        return None
    i = diff[0]
    a, b = prev[i], cur[i]
    if not (a.isdigit() and b.isdigit()) or (a != "0" and a.startswith("0")) or b.startswith("0"):
        return None
    return i if int(b) == int(a) + 1 else None


def compress_interfaces(ports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs of consecutively numbered ports of one type and mgmt flag as `{n}` templates.

    `Ethernet1`..`Ethernet48` becomes `{name: Ethernet{n}, count: 48}`, `Ethernet49/1`..
    `Ethernet56/1` becomes `Ethernet{n}/1` with `start: 49`: the one number that grows by
    one from port to port is `{n}`. A lone port, a gap or a change of type starts a new
    entry; numbers with leading zeros (`Eth01`) stay listed, since `{n}` would drop the zero."""
    runs: list[tuple[list[dict[str, Any]], int | None]] = []  # (ports, index of the growing number)
    for port in ports:
        if runs:
            group, index = runs[-1]
            last = group[-1]
            step = _step(_tokens(last["name"]), _tokens(port["name"]))
            if step is not None and (index is None or step == index) and port["type"] == last["type"] \
                    and port["mgmt_only"] == last["mgmt_only"]:
                group.append(port)
                runs[-1] = (group, step)
                continue
        runs.append(([port], None))
    result = []
    for group, index in runs:
        first = group[0]
        if index is None:
            entry: dict[str, Any] = {"name": first["name"]}
        else:
            tokens = _tokens(first["name"])
            start = int(tokens[index])
            tokens[index] = "{n}"
            entry = {"name": "".join(tokens), "count": len(group)}
            if start != 1:
                entry["start"] = start
        entry["type"] = first["type"]
        speed = TYPE_SPEED_MBPS.get(first["type"])
        if speed is not None:
            entry["speed_mbps"] = speed
        if first["mgmt_only"]:
            entry["mgmt_only"] = True
        result.append(entry)
    return result


def _interfaces(doc: LineDict, file: str, problems: list[Problem], warnings: list[str]) -> list[dict[str, Any]]:
    items = doc.get("interfaces", [])
    if not isinstance(items, list):
        _bad(problems, file, doc.line_of("interfaces"), "interfaces", "expected a list of interfaces")
        return []
    ports: list[dict[str, Any]] = []
    skipped: dict[str, list[str]] = {}
    for i, item in enumerate(items):
        where = f"interfaces[{i}]"
        line = items.line_of(i) if isinstance(items, LineList) else doc.line_of("interfaces")
        if not isinstance(item, dict):
            _bad(problems, file, line, where, "expected a mapping with name and type")
            continue
        name, kind, mgmt = item.get("name"), item.get("type"), item.get("mgmt_only", False)
        if not isinstance(name, str) or not name:
            _bad(problems, file, line, f"{where}.name", "required, a non-empty string")
            continue
        if "{" in name or "}" in name:
            _bad(problems, file, line, f"{where}.name", f"{name!r}: braces are not allowed in a port name")
            continue
        if not isinstance(kind, str):
            _bad(problems, file, line, f"{where}.type", "required, a NetBox interface type such as 1000base-t")
            continue
        if not isinstance(mgmt, bool):
            _bad(problems, file, line, f"{where}.mgmt_only", f"expected true or false, got {mgmt!r}")
            continue
        for key in item:
            if key not in INTERFACE_KEYS:
                warnings.append(f"{file}:{line}: {where}.{key}: not a field of the library's interface schema; ignored")
        if kind not in DCOPS_INTERFACE_TYPES:
            skipped.setdefault(kind, []).append(name)
            continue
        ports.append({"name": name, "type": kind, "mgmt_only": mgmt})
    for kind, names in skipped.items():
        shown = ", ".join(names[:3]) + (f", ... ({len(names)} ports)" if len(names) > 3 else "")
        warnings.append(f"{file}: interfaces: type {kind!r} has no dcops interface type; left out: {shown}")
    return compress_interfaces(ports)


def _power(doc: LineDict, file: str, problems: list[Problem], warnings: list[str],
           sum_ports: bool) -> tuple[float, float]:
    """(typical W, max W) of the device from its power ports' allocated and maximum draw."""
    items = doc.get("power-ports", [])
    if not isinstance(items, list):
        _bad(problems, file, doc.line_of("power-ports"), "power-ports", "expected a list of power ports")
        return 0, 0
    draws: list[tuple[float, float]] = []
    for i, item in enumerate(items):
        where = f"power-ports[{i}]"
        line = items.line_of(i) if isinstance(items, LineList) else doc.line_of("power-ports")
        if not isinstance(item, dict):
            _bad(problems, file, line, where, "expected a mapping with name and maximum_draw")
            continue
        for key in item:
            if key not in POWER_PORT_KEYS:
                warnings.append(f"{file}:{line}: {where}.{key}: not a field of the library's power-port schema; "
                                "ignored")
        values: dict[str, float | None] = {}
        for key in ("maximum_draw", "allocated_draw"):
            raw = item.get(key)
            value = _number(raw)
            if raw is not None and (value is None or value < 0):
                _bad(problems, file, line, f"{where}.{key}", f"expected watts, a number >= 0, got {raw!r}")
                value = None
            values[key] = value
        mx, alloc = values["maximum_draw"], values["allocated_draw"]
        if mx is None and alloc is None:
            warnings.append(f"{file}:{line}: {where}: no maximum_draw nor allocated_draw; draws nothing here")
            continue
        if alloc is None:
            warnings.append(f"{file}:{line}: {where}: no allocated_draw; its maximum_draw counts as typical")
            alloc = mx
        if mx is None:
            warnings.append(f"{file}:{line}: {where}: no maximum_draw; its allocated_draw counts as maximum")
            mx = alloc
        assert alloc is not None and mx is not None  # one of them was given
        if alloc > mx:
            _bad(problems, file, line, f"{where}.allocated_draw", f"{alloc} W exceeds maximum_draw {mx} W")
            continue
        draws.append((alloc, mx))
    if not draws:
        if not items:
            warnings.append(f"{file}: power-ports: none listed; typical and max draw are 0 W")
        return 0, 0
    if sum_ports:
        return sum(d[0] for d in draws), sum(d[1] for d in draws)
    if len(draws) > 1:
        warnings.append(f"{file}: power-ports: {len(draws)} ports taken as redundant supplies (the device draws "
                        "the largest port's figures); --sum-power-ports adds them")
    return max(d[0] for d in draws), max(d[1] for d in draws)


def _watts(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


def convert(path: Path, provenance: str | None = None, sum_power_ports: bool = False) -> Imported:
    """One library file as a dcops device type; raises ImportProblems on bad input."""
    file = str(path)
    try:
        doc, issues = load_yaml(path)
    except YamlSyntaxError as exc:
        raise ImportProblems([Problem(file, exc.line, "(file)", exc.reason)]) from None
    problems = [Problem(file, line, str(key), reason) for line, key, reason, _whole in issues]
    if not isinstance(doc, LineDict):
        raise ImportProblems(problems + [Problem(file, 1, "(file)", "expected one device type: a mapping with "
                                                 "manufacturer, model, slug, u_height, is_full_depth")])
    warnings: list[str] = []
    for key in REQUIRED:
        if key not in doc:
            _bad(problems, file, doc.line, key, "required by the device-type library schema")
    for key in ("manufacturer", "model"):
        if key in doc and (not isinstance(doc[key], str) or not doc[key].strip()):
            _bad(problems, file, doc.line_of(key), key, f"expected a non-empty string, got {doc[key]!r}")
    slug = doc.get("slug")
    if "slug" in doc and (not isinstance(slug, str) or not NAME_RE.match(slug) or len(slug) > 64):
        _bad(problems, file, doc.line_of("slug"), "slug", f"{slug!r} is not a dcops name (lower-case letters, "
             "digits, '.', '_', '-', starting with a letter or digit, at most 64 characters)")
    if "is_full_depth" in doc and not isinstance(doc["is_full_depth"], bool):
        _bad(problems, file, doc.line_of("is_full_depth"), "is_full_depth",
             f"expected true or false, got {doc['is_full_depth']!r}")
    raw_height = doc.get("u_height")
    height = _number(raw_height)
    u_height = 0
    if "u_height" in doc:
        if height is None or height < 0 or (height * 2) % 1:
            _bad(problems, file, doc.line_of("u_height"), "u_height",
                 f"expected rack units, a multiple of 0.5 and >= 0, got {raw_height!r}")
        else:
            u_height = math.ceil(height)
            if u_height != height:
                warnings.append(f"{file}:{doc.line_of('u_height')}: u_height: {raw_height} rounded up to {u_height} "
                                "(dcops counts whole rack units)")
    typical, maximum = _power(doc, file, problems, warnings, sum_power_ports)
    interfaces = _interfaces(doc, file, problems, warnings)
    unmapped = [key for key in doc if key in UNMAPPED]
    if unmapped:
        warnings.append(f"{file}: not imported, the dcops device type has no field for: {', '.join(unmapped)}")
    for key in doc:
        if key not in UNMAPPED and key not in MAPPED and key not in REQUIRED:
            warnings.append(f"{file}:{doc.line_of(key)}: {key}: not a field of the library's device-type schema; "
                            "ignored")
    if problems:
        raise ImportProblems(problems)
    record: dict[str, Any] = {
        "name": slug, "manufacturer": doc["manufacturer"], "model": doc["model"], "u_height": u_height,
        "typical_power_w": _watts(typical), "max_power_w": _watts(maximum), "interfaces": interfaces,
        "provenance": provenance or f"assumption: NetBox device-type library, {doc['manufacturer']}/{path.name}",
    }
    if not interfaces:
        del record["interfaces"]
    try:
        DeviceType.model_validate(record)
    except ValidationError as exc:
        raise ImportProblems([Problem(file, doc.line, ".".join(map(str, e["loc"])) or "(record)", e["msg"])
                              for e in exc.errors()]) from None
    return Imported(file, record, warnings)


@dataclass
class MergeResult:
    added: list[str]
    unchanged: list[str]
    text: str  # the file's new content
    changed: bool


def names_elsewhere(inventory_dir: Path, target: Path) -> dict[str, str]:
    """Device-type names the inventory's other YAML files hold, each with its `file:line`:
    appending one of them to `target` would make the inventory invalid (a duplicate name).
    Files that do not parse are left to `dcops inventory validate`."""
    out: dict[str, str] = {}
    for path in inventory_files(inventory_dir):
        if path.resolve() == target.resolve():
            continue
        try:
            doc, _issues = load_yaml(path)
        except YamlSyntaxError:
            continue
        items = doc.get("device_types") if isinstance(doc, dict) else None
        if isinstance(items, LineList):
            for i, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    out.setdefault(item["name"], f"{path}:{items.line_of(i)}")
    return out


def merge(target: Path, imported: list[Imported], elsewhere: dict[str, str] | None = None) -> MergeResult:
    """The target `device_types` file with the imported records appended; unchanged when each
    is already there with the same values. A name already there with other values is a
    problem (a hand-edited record is never overwritten), as is a name imported twice or one
    another file of the inventory holds (`elsewhere`, from names_elsewhere)."""
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    existing: dict[str, tuple[dict[str, Any], int]] = {}
    if text.strip():
        try:
            doc, _issues = load_yaml(target)
        except YamlSyntaxError as exc:
            raise ImportProblems([Problem(str(target), exc.line, "(file)", exc.reason)]) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("device_types"), list):
            raise ImportProblems([Problem(str(target), 1, "device_types", "expected a file whose "
                                          "`device_types` key holds a list")])
        items = doc["device_types"]
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                existing[item["name"]] = (_plain(item), items.line_of(i))
    problems: list[Problem] = []
    added: list[str] = []
    unchanged: list[str] = []
    seen: dict[str, str] = {}
    for imp in imported:
        name = imp.record["name"]
        if name in seen:
            problems.append(Problem(imp.source, 1, "slug", f"{name!r} is also the slug of {seen[name]}"))
            continue
        seen[name] = imp.source
        if elsewhere and name in elsewhere and name not in existing:
            problems.append(Problem(imp.source, 1, "slug", f"{name!r} is already a device type of the inventory, at "
                                    f"{elsewhere[name]}"))
            continue
        if name in existing:
            record, line = existing[name]
            if record == imp.record:
                unchanged.append(name)
            else:
                problems.append(Problem(str(target), line, f"device_types[{name}]",
                                        f"already present with other values than {imp.source}; remove or rename "
                                        "it to import again (a hand-edited record is never overwritten)"))
            continue
        added.append(name)
    if problems:
        raise ImportProblems(problems)
    new_records = [imp.record for imp in imported if imp.record["name"] in added]
    if not new_records:
        return MergeResult(added, unchanged, text, False)
    block = yaml.safe_dump(new_records, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)
    if not text.strip():
        new_text = "device_types:\n" + block
    else:
        new_text = text + ("" if text.endswith("\n") else "\n") + block
    _check_appended(target, new_text, len(existing) + len(new_records))
    return MergeResult(added, unchanged, new_text, True)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _check_appended(target: Path, text: str, expected: int) -> None:
    """Appending only works when `device_types` is the file's last key, in block style: check it."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        doc = None
    got = doc.get("device_types") if isinstance(doc, dict) else None
    if not isinstance(got, list) or len(got) != expected:
        raise ImportProblems([Problem(str(target), 1, "device_types", "cannot append records: the list must be "
                                      "the file's last key, written in block style (`- name: ...`)")])


def write(target: Path, result: MergeResult) -> bool:
    return write_atomic(target, result.text) if result.changed else False
