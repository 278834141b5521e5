"""Reads an inventory directory into typed records, collecting every problem with its line.

Order of work: parse each YAML file, check the top-level keys, refuse plaintext secrets,
validate each record on its own (pydantic), then run the cross-record checks. Nothing
stops at the first problem: a user fixing a file wants the whole list at once, root cause
first (errors.py): a file that did not load is one message, and the references into it
that could therefore not be checked are one more line, not one each.

Nothing a user writes ends up in a message when it may be a secret: plaintext values are
refused by key name, and a field that expects a secret *reference* (or any field of the
secrets, credentials and SNMP profiles, bar their vocabularies) never has its value shown.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from dcops_inventory.errors import FILE, RECORD, InventoryError, Problem, Unchecked
from dcops_inventory.gcpause import gc_paused
from dcops_inventory.inventory import Inventory, Source
from dcops_inventory.models import COLLECTIONS, Meta, Record
from dcops_inventory.yamlsource import InvalidScalar, LineDict, LineList, Yaml, YamlSyntaxError, load_yaml_bytes

DEFAULT_INVENTORY = Path(__file__).resolve().parents[1] / "mtpe"
YAML_SUFFIXES = (".yaml", ".yml")

# Keys that would hold a secret's value. Fields that *reference* a secret end in `_secret`.
_SECRET_KEY = re.compile(r"(password|passwd|passphrase|community|token|api_key|private_key|secret)$")
_SECRET_REF_SUFFIX = "_secret"
# Collections about authentication: their fields' values are never echoed, except these.
_SECRET_COLLECTIONS = frozenset({"secrets", "credentials", "snmp_profiles"})
_SHOWN_IN_SECRET_COLLECTIONS = frozenset({"name", "kind", "version", "auth_protocol", "priv_protocol", "provenance"})
_NOT_SHOWN = "the value is not shown, as it may be a secret"
_ECHO_MAX = 60  # characters of a wrong value quoted back

Loc = tuple[int | str, ...]  # where in a record pydantic found a problem: keys and list indexes


def inventory_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such inventory file or directory")
    return sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _record_label(collection: str, raw: LineDict, index: int) -> str:
    model = COLLECTIONS[collection]
    key_field = model.key_field
    if key_field == "ref":  # composite keys: name the record by its first identifying fields
        for probe in ("name", "prefix", "address", "device"):
            if isinstance(raw.get(probe), (str, int)):
                extra = raw.get("name") if probe == "device" else None
                return f"{collection}[{raw[probe]}{':' + str(extra) if extra else ''}]"
        if isinstance(raw.get("table"), str):
            return f"{collection}[{raw['table']}/{raw.get('row')}]"
        return f"{collection}[#{index + 1}]"
    name = raw.get(key_field)
    return f"{collection}[{name}]" if isinstance(name, (str, int)) else f"{collection}[#{index + 1}]"


def _walk_line(raw: Yaml, loc: Loc) -> int:
    """Line of the deepest part of `loc` that exists in the parsed YAML."""
    node, line = raw, _line(raw)
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.line_of(part)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.line_of(part)
            node = node[part]
        else:
            break
    return line


def _line(node: Yaml) -> int:
    """The line a parsed mapping or list starts on; 1 for a bare scalar document."""
    return node.line if isinstance(node, (LineDict, LineList)) else 1


def _may_be_secret(collection: str, loc: Loc) -> bool:
    """Whether the value at `loc` may be a secret a user pasted where a reference belongs."""
    names = [p for p in loc if isinstance(p, str)]
    last = names[-1] if names else ""
    if last.endswith(_SECRET_REF_SUFFIX) or _is_secret_key(last, collection == "secrets"):
        return True
    return collection in _SECRET_COLLECTIONS and last not in _SHOWN_IN_SECRET_COLLECTIONS


def _pydantic_reason(err: ErrorDetails, secret: bool = False) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required field is missing"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    value = err.get("input")
    if secret:
        names = [p for p in err["loc"] if isinstance(p, str)]
        if names and names[-1].endswith(_SECRET_REF_SUFFIX) and kind.startswith("string"):
            return ("expected the name of a `secrets` entry (lower-case letters, digits, '.', '_', '-'); "
                    + _NOT_SHOWN)
        return f"{msg}; {_NOT_SHOWN}" if isinstance(value, (str, int, float)) else msg
    if isinstance(value, InvalidScalar):
        return value.reason
    if isinstance(value, (str, int, float, bool)):
        shown = repr(value)
        if len(shown) > _ECHO_MAX:
            shown = f"{shown[:_ECHO_MAX - 12]}... ({len(shown)} characters)"
        msg += f" (got {type(value).__name__} {shown})"
    return msg


@lru_cache(maxsize=4096)
def _is_secret_key(key: str, in_secret: bool) -> bool:
    """Whether a key holds a secret's value (inventories reuse a few dozen key names, so
    the regex runs once per name, not once per record)."""
    k = key.lower()
    return bool((_SECRET_KEY.search(k) or (in_secret and k == "value"))
                and not k.endswith(_SECRET_REF_SUFFIX) and k != "secrets")


def _scan_plaintext_secrets(node: Yaml, path: str, file: str, out: list[Problem], in_secret: bool = False) -> None:
    # Only containers are descended into: a call per scalar value cost ~1 s at 50k devices.
    if isinstance(node, LineDict):
        for key, value in node.items():
            if isinstance(value, (str, int)):
                if _is_secret_key(str(key), in_secret):
                    out.append(Problem(file, node.line_of(key), f"{path}.{key}",
                                       "plaintext secret: reference a secret by name (a `secrets` entry "
                                       "with kind env or vault) instead of writing its value"))
            elif isinstance(value, (LineDict, LineList)):
                _scan_plaintext_secrets(value, f"{path}.{key}", file, out)
    elif isinstance(node, LineList):
        for i, item in enumerate(node):
            if isinstance(item, (LineDict, LineList)):
                _scan_plaintext_secrets(item, f"{path}[{i}]", file, out)


_SECRET_WORDS = re.compile(rb"password|passwd|passphrase|community|token|api_key|private_key|secret")


def _may_spell_secret_keys(raw: bytes) -> bool:
    """Whether a file's records need the plaintext-secret scan: only text that spells one of
    the secret key words can hold such a key. An ASCII file without them, without escapes
    (a double-quoted key may spell a letter as \\x70) and without a `secrets` collection
    (whose `value` key is one) cannot; the 50k-device files are such, and walking each of
    their records cost ~0.9 s."""
    if not raw.isascii() or b"\\" in raw or b"\0" in raw:  # also UTF-16, whose NULs are ASCII
        return True
    return bool(_SECRET_WORDS.search(raw.lower()))


def _field_path(label: str, loc: Loc) -> str:
    out = label
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def load_inventory(path: str | Path | None = None, *, check: bool = True) -> Inventory:
    """Load and validate; raises InventoryError listing every problem found."""
    with gc_paused(freeze=True):  # see gcpause.py: this halves the 50k-device load time
        return _load_inventory(path, check=check)


def _load_inventory(path: str | Path | None, *, check: bool) -> Inventory:
    root = Path(path) if path is not None else DEFAULT_INVENTORY
    problems: list[Problem] = []
    # each list holds its COLLECTIONS model; Inventory's fields name it, one by one
    records: dict[str, list[Any]] = {name: [] for name in COLLECTIONS}
    sources: dict[tuple[str, str], Source] = {}
    raw_keys: dict[str, set[str]] = {name: set() for name in COLLECTIONS}
    meta: Meta | None = None
    meta_file = None
    meta_source: Source | None = None
    causes: list[Unchecked] = []  # why records may be missing: references into them go unchecked

    files = inventory_files(root)
    if not files:
        raise InventoryError([Problem(_display(root), 1, "inventory", "no YAML files found")])

    for file in files:
        shown = _display(file)
        try:
            doc, issues, raw_text = load_yaml_bytes(file)
        except YamlSyntaxError as exc:
            problems.append(Problem(shown, exc.line, "yaml", exc.reason, FILE))
            causes.append(Unchecked(shown, exc.line, _collections_named_in(file), f"{shown} did not load"))
            continue
        for line, field, reason, whole_file in issues:
            problems.append(Problem(shown, line, field, reason, FILE if whole_file else RECORD))
        if doc is None or (isinstance(doc, LineDict) and not doc):
            problems.append(Problem(shown, 1, "document", "file is empty (an inventory file holds "
                                                          "collections of records, or meta)", FILE))
            continue
        if not isinstance(doc, LineDict):
            problems.append(Problem(shown, _line(doc), "document",
                                    "an inventory file must be a mapping of collections", FILE))
            causes.append(Unchecked(shown, _line(doc), _collections_named_in(file),
                                    f"{shown} did not load"))
            continue
        scan = _may_spell_secret_keys(raw_text)
        for top, body in doc.items():
            line = doc.line_of(top)
            if top == "meta":
                if meta_file is not None:
                    problems.append(Problem(shown, line, "meta", f"meta is already defined in {meta_file}"))
                    continue
                meta_file = shown
                if isinstance(body, LineDict):
                    meta_source = Source(shown, line, dict(body.key_lines))
                try:
                    meta = Meta.model_validate(body)
                except ValidationError as exc:
                    for err in exc.errors():
                        problems.append(Problem(shown, _walk_line(body, err["loc"]),
                                                _field_path("meta", err["loc"]), _pydantic_reason(err)))
                    # citations of its sources and uses of its channels cannot be told from typos
                    causes.append(Unchecked(shown, line, frozenset({"meta"}), "meta is not valid"))
                continue
            if top not in COLLECTIONS:
                close = difflib.get_close_matches(str(top), list(COLLECTIONS) + ["meta"], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(Problem(shown, line, str(top), f"unknown collection{hint}"))
                if close and close[0] in COLLECTIONS:  # its records' names still resolve: one error, not a cascade
                    raw_keys[close[0]].update(_raw_names(close[0], body))
                continue
            if not isinstance(body, LineList):
                problems.append(Problem(shown, line, str(top), "must be a list of records"))
                causes.append(Unchecked(shown, line, frozenset({top}), f"{top} in {shown} is not a list"))
                continue
            model = COLLECTIONS[top]
            for i, raw in enumerate(body):
                rec_line = body.line_of(i)
                if not isinstance(raw, LineDict):
                    problems.append(Problem(shown, rec_line, f"{top}[#{i + 1}]", "each record must be a mapping"))
                    causes.append(Unchecked(shown, rec_line, frozenset({top}), f"{top}[#{i + 1}] has no valid name"))
                    continue
                # the label only appears in messages: made for a record that gets one
                label = _record_label(top, raw, i) if scan else ""
                secret_problems: list[Problem] = []
                if scan:
                    _scan_plaintext_secrets(raw, label, shown, secret_problems, in_secret=top == "secrets")
                if secret_problems:
                    problems.extend(secret_problems)
                    raw_keys[top].update(_raw_names(top, [raw]))
                    continue
                try:
                    rec = model.model_validate(raw)
                except ValidationError as exc:
                    label = label or _record_label(top, raw, i)
                    for err in exc.errors():
                        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
                        loc = _strip_union_tags(loc)
                        problems.append(Problem(shown, _walk_line(raw, loc), _field_path(label, loc),
                                                _pydantic_reason(err, _may_be_secret(top, loc))))
                    raw_keys[top].update(_raw_names(top, [raw]))
                    if _name_failed(model, exc):
                        causes.append(Unchecked(shown, rec_line, frozenset({top}), f"{label} has no valid name"))
                    continue
                key = rec.key
                raw_keys[top].add(key)
                if (top, key) in sources:
                    first = sources[(top, key)]
                    label = label or _record_label(top, raw, i)
                    problems.append(Problem(shown, rec_line, f"{label}.{model.key_field}",
                                            f"duplicate {model.key_field} {key!r} in {top} (first defined at {first.file}:{first.line})"))
                    continue
                sources[(top, key)] = Source(shown, rec_line, raw.key_lines)  # raw is dropped: no copy
                records[top].append(rec)

    if meta is None and not problems:
        problems.append(Problem(_display(root), 1, "meta", "no file defines `meta` (name, title)"))
    inv = Inventory(root=root, meta=meta or Meta(name="unnamed", title="unnamed"), sources=sources,
                    meta_source=meta_source, **records)
    if check:
        from dcops_inventory.checks import run_checks

        problems.extend(run_checks(inv, raw_keys, causes))
    if problems:
        raise InventoryError(problems)
    return inv


def _name_failed(model: type[Record], exc: ValidationError) -> bool:
    """Whether a record failed on the field(s) that name it: references to it cannot be told
    from typos. A record keyed by several fields (`ref`) counts as unnamed on any failure."""
    if model.key_field == "ref":
        return True
    return any(err["loc"][:1] == (model.key_field,) for err in exc.errors())


_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:", re.MULTILINE)


def _collections_named_in(file: Path) -> frozenset[str]:
    """The collections a file that did not load seems to hold (its top-level keys, read as
    text); every collection when none is recognisable. References into them go unchecked."""
    try:
        text = file.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return frozenset(COLLECTIONS)
    named = frozenset(_TOP_KEY.findall(text)) & (COLLECTIONS.keys() | {"meta"})
    return named or frozenset(COLLECTIONS) | {"meta"}


def _raw_names(collection: str, items: Yaml) -> set[str]:
    """Names of records that failed validation, so references to them are not reported too."""
    key_field = COLLECTIONS[collection].key_field
    key_field = "name" if key_field == "ref" else key_field
    if not isinstance(items, list):
        return set()
    return {item[key_field] for item in items if isinstance(item, dict) and isinstance(item.get(key_field), str)}


_UNION_TAGS = {"str", "int", "float", "bool", "constrained-str", "IPv4Interface", "IPv4Network", "date"}


def _strip_union_tags(loc: Loc) -> Loc:
    """pydantic puts the union member's type name into `loc`; users never wrote that key."""
    return tuple(p for p in loc if not (isinstance(p, str) and (p in _UNION_TAGS or p.startswith("lax-or-strict"))))
