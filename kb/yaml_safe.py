"""The one way Glacier reads YAML that users or repositories wrote (front matter, OWNERS, MAINTAINERS).

PyYAML's safe loader builds no arbitrary objects, but it still trusts the shape:
a few hundred bytes of nested aliases ("billion laughs") expand to gigabytes as
soon as anything walks the result (JSON for metadata, the OWNERS parsers), and
10,000 nested collections overflow the recursive composer. `load_yaml` and
`compose_yaml` refuse, with a YAMLLimitError that carries the line at fault:
- text longer than `max_bytes`,
- collections nested deeper than `max_depth`,
- more than `max_aliases` aliases, or a document that would expand to more than
  `max_nodes` nodes once aliases are followed.
YAMLLimitError is a yaml.MarkedYAMLError, so callers that already catch
yaml.YAMLError for broken files treat a bomb the same way.
"""

from __future__ import annotations

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_BYTES = 256 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 100_000


class YAMLLimitError(yaml.MarkedYAMLError):
    """YAML refused before it could cost too much; `problem` says which limit, `problem_mark` where."""

    def __init__(self, problem: str, mark=None):
        super().__init__(problem=problem, problem_mark=mark)


class _BoundedComposer(Composer):
    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self._limits["max_aliases"]:
                raise YAMLLimitError(
                    f"more than {self._limits['max_aliases']} YAML aliases", self.peek_event().start_mark
                )
        elif self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            if self._depth >= self._limits["max_depth"]:
                raise YAMLLimitError(
                    f"YAML nested deeper than {self._limits['max_depth']} levels",
                    self.peek_event().start_mark,
                )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _BoundedSafeLoader(Reader, Scanner, Parser, _BoundedComposer, SafeConstructor, Resolver):
    def __init__(self, stream, limits: dict):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._limits = limits
        self._aliases = 0
        self._depth = 0


def _expanded_size(node: yaml.Node, memo: dict[int, int], limit: int) -> int:
    """Nodes in `node` once every alias is followed (an alias re-counts what it points at)."""
    key = id(node)
    if key in memo:
        return memo[key]
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo, limit)
            if size > limit:
                break
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            size += _expanded_size(key_node, memo, limit) + _expanded_size(value_node, memo, limit)
            if size > limit:
                break
    memo[key] = size
    return size


def compose_yaml(
    text: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_aliases: int = MAX_ALIASES,
    max_nodes: int = MAX_NODES,
) -> yaml.Node | None:
    """The node tree of one YAML document (lines kept), within the limits above."""
    if len(text) > max_bytes:
        raise YAMLLimitError(f"YAML longer than {max_bytes:,} characters ({len(text):,})")
    limits = {"max_depth": max_depth, "max_aliases": max_aliases}
    loader = _BoundedSafeLoader(text, limits)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    if node is not None and loader._aliases and _expanded_size(node, {}, max_nodes) > max_nodes:
        raise YAMLLimitError(f"YAML aliases expand to more than {max_nodes:,} nodes", node.start_mark)
    return node


def load_yaml(text: str, **limits) -> object:
    """Python values of one YAML document (yaml.safe_load semantics), within the limits above."""
    node = compose_yaml(text, **limits)
    if node is None:
        return None
    constructor = _BoundedSafeLoader("", {})
    try:
        return constructor.construct_document(node)
    except (ValueError, TypeError, OverflowError) as exc:
        # A scalar YAML resolves but Python cannot build ("date: 2020-13-45") is a YAML error too.
        raise yaml.constructor.ConstructorError(None, None, f"invalid value: {exc}", node.start_mark) from exc
    finally:
        constructor.dispose()
