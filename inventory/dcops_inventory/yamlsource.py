"""YAML that remembers where each value came from.

Every mapping becomes a `LineDict` and every sequence a `LineList` carrying the line of
the node and of each key/item, so a validation error can name `file:line` for the exact
field. Duplicate keys, which plain YAML silently overwrites, are reported. LibYAML's C
parser is used when present: the 50k-device benchmark depends on it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING or hasattr(yaml, "CSafeLoader"):
    _BaseLoader = yaml.CSafeLoader
else:  # pragma: no cover - LibYAML missing
    _BaseLoader = yaml.SafeLoader

# A YAML key or value: whatever the document spells (str, int, date, LineDict, LineList, ...).
Yaml = Any
# A problem the parse survived: (line, field, reason, about the whole file).
Issue = tuple[int, str, str, bool]


class LineDict(dict[Yaml, Yaml]):
    """A dict with `line` (its own line) and `key_lines` (line of each key)."""

    __slots__ = ("line", "key_lines")
    line: int
    key_lines: dict[Yaml, int]

    def line_of(self, key: Yaml) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Yaml]):
    __slots__ = ("line", "item_lines")
    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


class InvalidScalar(str):
    """The text of a scalar YAML typed (date, integer) but could not build; `reason` says why.

    A text field takes it as the string it is; any other field's error shows `reason`."""

    reason: str

    def __new__(cls, text: str, reason: str) -> "InvalidScalar":
        self = super().__new__(cls, text)
        self.reason = reason
        return self


# A document may repeat what its aliases point at, but not grow beyond this many values
# per value it actually spells out: the secret scan and the record checks walk the expansion.
ALIAS_GROWTH = 10
ALIAS_ALLOWANCE = 100_000


_RESOLVED_KEEP = 200_000  # distinct plain scalars whose tag is remembered

_Resolve = Callable[["yaml.resolver.BaseResolver", type[yaml.Node], Yaml, tuple[bool, bool]], str]


def _fast_resolver() -> _Resolve:
    """PyYAML's Resolver.resolve, specialised for the common case (a plain scalar, no path
    resolvers): the C parser calls it once per scalar, ~4M times at 50k devices, and the
    generic version rebuilds a list of candidate regexes on every call."""
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = _BaseLoader.yaml_implicit_resolvers
    wildcard = list(table.get(None, []))
    by_first = {first: tuple(res) + tuple(wildcard) for first, res in table.items() if first is not None}
    no_candidates = tuple(wildcard)
    generic: _Resolve = _BaseLoader.resolve
    scalar, str_tag = yaml.ScalarNode, _BaseLoader.DEFAULT_SCALAR_TAG
    # A plain scalar's tag depends on its text alone, and inventories repeat their keys and
    # vocabularies (name, site, active, ...) hundreds of thousands of times: the tag of a
    # text seen before is a dict lookup. Bounded, so unique names cannot grow it for ever.
    seen: dict[str, str] = {}

    def resolve(self: yaml.resolver.BaseResolver, kind: type[yaml.Node], value: Yaml, implicit: tuple[bool, bool]) -> str:
        if kind is scalar and implicit[0] and not self.yaml_path_resolvers:
            tag = seen.get(value)
            if tag is not None:
                return tag
            tag = str_tag
            for candidate, regexp in by_first.get(value[:1], no_candidates):
                if regexp.match(value):
                    tag = candidate
                    break
            if len(seen) < _RESOLVED_KEEP:
                seen[value] = tag
            return tag
        return generic(self, kind, value, implicit)

    return resolve


class _Loader(_BaseLoader):
    def __init__(self, stream: str | bytes, merge_keys: bool = True) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []
        self.merge_keys = merge_keys  # False: the text has no `<<`, no mapping needs flattening

    resolve = _fast_resolver()

    def build(self, node: yaml.Node) -> Yaml:
        """The document of `node`, as construct_document makes it, but walking plain
        mappings, sequences, strings and small decimal integers (nearly every node of an
        inventory) directly: PyYAML's generic construct_object, with its per-node
        bookkeeping and generators, cost a third of the parse at 50k devices. Other nodes
        (dates, booleans, nulls, floats, explicit tags) go through the registered
        constructors, so every value is what the constructors make of it. An alias is
        built again where it is used (aliases are bounded by _alias_bomb)."""
        try:
            return self._build(node, 0)
        finally:
            self.constructed_objects = {}
            self.recursive_objects = {}
            self.state_generators = []

    def _build(self, node: yaml.Node, depth: int) -> Yaml:
        kind, tag = type(node), node.tag
        if kind is yaml.ScalarNode:
            if tag == _STR_TAG:
                return node.value
            if tag == _INT_TAG:
                text = node.value
                if text.isdigit() and len(text) < 19 and (text[0] != "0" or len(text) == 1):
                    return int(text)
            return self.construct_object(node, deep=True)
        if depth > MAX_DEPTH:
            raise RecursionError
        if type(node) is yaml.MappingNode and tag == _MAP_TAG:
            data = LineDict()
            data.line = node.start_mark.line + 1
            data.key_lines = key_lines = {}
            if self.merge_keys:
                self.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self._build(key_node, depth + 1)
                key_line = key_node.start_mark.line + 1
                if isinstance(key, (list, dict)):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a key must be a single value, not a list or mapping", key_node.start_mark)
                if key in key_lines:
                    self.duplicate_keys.append((key_line, str(key)))
                data[key] = self._build(value_node, depth + 1)
                key_lines[key] = key_line
            return data
        if type(node) is yaml.SequenceNode and tag == _SEQ_TAG:
            items = LineList(self._build(child, depth + 1) for child in node.value)
            items.line = node.start_mark.line + 1
            items.item_lines = [child.start_mark.line + 1 for child in node.value]
            return items
        return self.construct_object(node, deep=True)


_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _value(loader: _Loader, node: yaml.Node) -> Yaml:
    """A plain string scalar is its own value: skipping construct_object's generic dispatch
    for those (most of an inventory) cut parse time by about a fifth at 50k devices."""
    if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[LineDict]:
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    key_lines = data.key_lines
    for key_node, value_node in node.value:
        key = _value(loader, key_node)
        key_line = key_node.start_mark.line + 1
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "a key must be a single value, not a list or mapping",
                                                    key_node.start_mark)
        if key in key_lines:
            loader.duplicate_keys.append((key_line, str(key)))
        data[key] = _value(loader, value_node)
        key_lines[key] = key_line


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Iterator[LineList]:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = []
    yield data
    for child in node.value:
        data.append(_value(loader, child))
        data.item_lines.append(child.start_mark.line + 1)


def _kept_as_text(build: Callable[[_Loader, yaml.ScalarNode], Yaml], what: str) -> Callable[[_Loader, yaml.ScalarNode], Yaml]:
    """A constructor that turns a scalar it cannot build into an InvalidScalar."""

    def construct(loader: _Loader, node: yaml.ScalarNode) -> Yaml:
        try:
            return build(loader, node)
        except (ValueError, OverflowError) as exc:
            text = str(node.value)
            if what == "integer":  # the only failure: more digits than int() accepts; never echo them
                return InvalidScalar(text, f"integer of {len(text)} characters is far too large")
            return InvalidScalar(text, f"{text!r} is not a valid {what}: {exc}")

    return construct


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp",
                        _kept_as_text(_BaseLoader.yaml_constructors["tag:yaml.org,2002:timestamp"], "date"))
_Loader.add_constructor("tag:yaml.org,2002:int",
                        _kept_as_text(_BaseLoader.yaml_constructors["tag:yaml.org,2002:int"], "integer"))


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _decode(raw: bytes) -> tuple[str | bytes, list[Issue]]:
    """The text to parse and, for bytes that are not UTF-8, an issue naming the first."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw, []  # YAML allows UTF-16 with a BOM; the parser reads it
    try:
        raw.decode("utf-8")
        return raw, []
    except UnicodeDecodeError as exc:
        start = exc.start
    head = raw[:start].decode("utf-8", errors="replace")
    line, col = _line_col(head, len(head))
    text = raw.decode("utf-8", errors="replace")
    return text, [(line, "encoding", f"byte 0x{raw[start]:02x} at column {col} is not UTF-8 "
                                     "(save the file as UTF-8)", True)]


def _alias_bomb(root: yaml.Node) -> tuple[int, str] | None:
    """(line, reason) when aliases make the document refer to itself or expand it beyond
    ALIAS_GROWTH times its spelled-out size; walks each distinct node once, iteratively."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    order: list[yaml.Node] = []
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        if not children_done:
            if key in open_:
                return node.start_mark.line + 1, "an alias refers to a value that contains it (recursive alias)"
            open_.add(key)
            stack.append((node, True))
            for child in children:
                if id(child) in open_:
                    return child.start_mark.line + 1, "an alias refers to a value that contains it (recursive alias)"
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        open_.discard(key)
        sizes[key] = 1 + sum(sizes[id(c)] for c in children)
        order.append(node)
    limit = ALIAS_GROWTH * len(sizes) + ALIAS_ALLOWANCE
    for node in order:  # post-order: the first too large is the innermost
        if sizes[id(node)] > limit:
            return (node.start_mark.line + 1,
                    f"aliases expand this value to more than {limit} values ({len(sizes)} written); "
                    "write the values out instead of nesting aliases")
    return None


MAX_DEPTH = 100  # reported when building a document runs out of recursion; records need ~6


def _too_deep(root: yaml.Node | None) -> int:
    """Line of the first node nested more than MAX_DEPTH levels (iteratively: no recursion left)."""
    stack = [(root, 0)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node.start_mark.line + 1
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)
    return 1


def load_yaml(path: Path) -> tuple[Yaml, list[Issue]]:
    """Parse one file; returns (document, issues) or raises YamlSyntaxError. Issues are the
    problems that did not stop the parse, as (line, field, reason, about the whole file):
    bytes that are not UTF-8 (read as U+FFFD) and duplicate keys."""
    doc, issues, _raw = load_yaml_bytes(path)
    return doc, issues


def load_yaml_bytes(path: Path) -> tuple[Yaml, list[Issue], bytes]:
    """load_yaml, and the bytes it parsed (for checks on the text itself)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlSyntaxError(1, f"cannot read the file: {exc.strerror or exc}") from None
    text, issues = _decode(raw)
    # a document without `<<` in its bytes has no merge key (UTF-16 spells it otherwise)
    utf8 = isinstance(text, bytes) and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    loader = _Loader(text, merge_keys=not utf8 or b"<<" in raw)
    node = None
    try:
        node = loader.get_single_node()
        if node is not None and b"&" in raw and b"*" in raw:  # only a document with aliases can explode
            bomb = _alias_bomb(node)
            if bomb is not None:
                raise YamlSyntaxError(*bomb)
        doc = loader.build(node) if node is not None else None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (control characters)
        decoded = text if isinstance(text, str) else raw.decode("utf-8", errors="replace")
        line, col = _line_col(decoded, min(exc.position, len(decoded)))
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        what = f"character U+{code:04X}" if isinstance(code, int) else "a character"
        raise YamlSyntaxError(line, f"{what} at column {col} is not allowed in YAML ({exc.reason})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(line, f"YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"YAML syntax error: {exc}") from None
    except RecursionError:  # libyaml allows 1000 levels; building them recursively does not
        raise YamlSyntaxError(_too_deep(node), f"values nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    issues += [(line, key, "duplicate key in the same mapping", False) for line, key in loader.duplicate_keys]
    return doc, issues, raw
