"""YAML that remembers where each value came from.

Every mapping becomes a `LineDict` and every sequence a `LineList` carrying the line of
the node and of each key/item, so a validation error can name `file:line` for the exact
field. Duplicate keys, which plain YAML silently overwrites, are reported. LibYAML's C
parser is used when present: the 50k-device benchmark depends on it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - LibYAML missing
    _BaseLoader = yaml.SafeLoader


class LineDict(dict):
    """A dict with `line` (its own line) and `key_lines` (line of each key)."""

    __slots__ = ("line", "key_lines")

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    __slots__ = ("line", "item_lines")

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


class _Loader(_BaseLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []


_STR_TAG = "tag:yaml.org,2002:str"


def _value(loader: _Loader, node):
    """A plain string scalar is its own value: skipping construct_object's generic dispatch
    for those (most of an inventory) cut parse time by about a fifth at 50k devices."""
    if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    key_lines = data.key_lines
    for key_node, value_node in node.value:
        key = _value(loader, key_node)
        key_line = key_node.start_mark.line + 1
        if key in key_lines:
            loader.duplicate_keys.append((key_line, str(key)))
        data[key] = _value(loader, value_node)
        key_lines[key] = key_line


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode):
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = []
    yield data
    for child in node.value:
        data.append(_value(loader, child))
        data.item_lines.append(child.start_mark.line + 1)


def _fast_resolver():
    """PyYAML's Resolver.resolve, specialised for the common case (a plain scalar, no path
    resolvers): the C parser calls it once per scalar, ~4M times at 50k devices, and the
    generic version rebuilds a list of candidate regexes on every call."""
    table = _Loader.yaml_implicit_resolvers
    wildcard = list(table.get(None, []))
    by_first = {first: tuple(res) + tuple(wildcard) for first, res in table.items() if first is not None}
    no_candidates = tuple(wildcard)
    generic = _BaseLoader.resolve
    scalar, str_tag = yaml.ScalarNode, _Loader.DEFAULT_SCALAR_TAG

    def resolve(self, kind, value, implicit):
        if kind is scalar and implicit[0] and not self.yaml_path_resolvers:
            for tag, regexp in by_first.get(value[:1], no_candidates):
                if regexp.match(value):
                    return tag
            return str_tag
        return generic(self, kind, value, implicit)

    return resolve


_Loader.resolve = _fast_resolver()
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(path: Path) -> tuple[object, list[tuple[int, str]]]:
    """Parse one file; returns (document, [(line, duplicate key)]) or raises YamlSyntaxError."""
    with open(path, "rb") as fh:
        loader = _Loader(fh)
        try:
            doc = loader.get_single_data()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise YamlSyntaxError(line, f"YAML syntax error: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(1, f"YAML syntax error: {exc}") from None
        finally:
            loader.dispose()
    return doc, loader.duplicate_keys
