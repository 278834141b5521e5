"""Network configs as trees: parse text, apply CLI config lines, render, flatten to paths.

Two syntaxes cover the fleet: indentation blocks (Cisco IOS, Arista EOS: `vlan 10` /
` name mgmt`) and FortiOS blocks (`config ...` / `edit ...` / `set ...` / `next` / `end`).
Compliance compares flattened paths ("vlan 10 > name mgmt") so the order and indentation
of a running config never count as drift; the lab applies pushed lines to the same tree, so
a change shows in the next `show running-config`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEP = " > "


@dataclass
class Node:
    line: str
    children: list["Node"] = field(default_factory=list)

    def find(self, line: str) -> "Node | None":
        return next((c for c in self.children if c.line == line), None)

    def child(self, line: str) -> "Node":
        node = self.find(line)
        if node is None:
            node = Node(line)
            self.children.append(node)
        return node

    def paths(self, prefix: str = "") -> list[str]:
        out: list[str] = []
        for c in self.children:
            here = f"{prefix}{SEP}{c.line}" if prefix else c.line
            out.append(here)
            out.extend(c.paths(here))
        return out


# -- indentation syntax (IOS, EOS) ---------------------------------------------------------
_COMMENT = re.compile(r"^\s*(!|$)")
# A config line's identity for "set replaces set": hostname X replaces hostname Y.
_SINGLETONS = re.compile(r"^(hostname|description|name|ip address|switchport mode|switchport access vlan|"
                         r"banner \S+|clock timezone|ip domain[- ]name)\b")


def parse_indented(text: str) -> Node:
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for raw in text.splitlines():
        if _COMMENT.match(raw) or raw.strip() in ("end", "EOF") and not raw.startswith(" "):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while stack[-1][0] >= indent:
            stack.pop()
        node = Node(raw.strip())
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


def render_indented(root: Node, step: int = 1) -> list[str]:
    out: list[str] = []

    def walk(node: Node, depth: int) -> None:
        for c in node.children:
            out.append(" " * (step * depth) + c.line)
            walk(c, depth + 1)
            if depth == 0 and c.children:
                out.append("!")
    walk(root, 0)
    return out


def _key(line: str) -> str | None:
    m = _SINGLETONS.match(line)
    return m.group(1) if m else None


def set_line(parent: Node, line: str) -> Node:
    """Add a config line under `parent`, replacing a singleton of the same kind."""
    key = _key(line)
    for i, c in enumerate(parent.children):
        if c.line == line:
            return c
        if key is not None and _key(c.line) == key:
            parent.children[i] = Node(line, c.children)
            return parent.children[i]
    node = Node(line)
    # Keep like with like: insert after the last sibling sharing the first word.
    word = line.split()[0]
    last = max((i for i, c in enumerate(parent.children) if c.line.split()[0] == word), default=None)
    if last is None:
        parent.children.append(node)
    else:
        parent.children.insert(last + 1, node)
    return node


def remove_line(parent: Node, negated: str) -> bool:
    """`no X`: remove the child X with its block (`no vlan 10`), or the leaf lines X
    qualifies (`no description` removes `description uplink`)."""
    before = len(parent.children)
    parent.children = [c for c in parent.children
                       if not (c.line == negated or (c.line.startswith(negated + " ") and not c.children))]
    return len(parent.children) != before


# -- FortiOS syntax ------------------------------------------------------------------------
def parse_fortios(text: str) -> Node:
    root = Node("")
    stack = [root]
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("end", "next"):
            if len(stack) > 1:
                stack.pop()
            continue
        node = Node(line)
        stack[-1].children.append(node)
        if line.startswith(("config ", "edit ")):
            stack.append(node)
    return root


def render_fortios(root: Node) -> list[str]:
    out: list[str] = []

    def walk(node: Node, depth: int) -> None:
        for c in node.children:
            out.append("    " * depth + c.line)
            if c.line.startswith(("config ", "edit ")):
                walk(c, depth + 1)
                out.append("    " * depth + ("next" if c.line.startswith("edit ") else "end"))
    walk(root, 0)
    return out


def fortios_set(parent: Node, line: str) -> Node:
    if line.startswith("set "):
        key = line.split()[1]
        for i, c in enumerate(parent.children):
            if c.line.startswith("set ") and c.line.split()[1] == key:
                parent.children[i] = Node(line)
                return parent.children[i]
        node = Node(line)
        parent.children.append(node)
        return node
    return parent.child(line)


def fortios_unset(parent: Node, line: str) -> None:
    verb, _, rest = line.partition(" ")
    if verb == "unset":
        parent.children = [c for c in parent.children if not (c.line.startswith("set ") and c.line.split()[1] == rest.split()[0])]
    elif verb == "delete":
        parent.children = [c for c in parent.children if c.line != f"edit {rest}"]


# -- by platform ---------------------------------------------------------------------------
PARSERS = {"cisco_ios": parse_indented, "cisco_xe": parse_indented, "arista_eos": parse_indented,
           "fortinet": parse_fortios}


def parse(platform: str, text: str) -> Node:
    try:
        return PARSERS[platform](text)
    except KeyError:
        raise KeyError(f"no config parser for platform {platform!r}; known: {', '.join(sorted(PARSERS))}") from None


def flatten(platform: str, text: str) -> list[str]:
    return parse(platform, text).paths()
