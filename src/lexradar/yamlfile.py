"""Reading the YAML files people write (models, examples, mappings) with line numbers for errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lexradar.errors import LexradarError, Location


def read_yaml(path: Path, error: type[LexradarError]) -> tuple[Any, yaml.Node | None]:
    """The parsed content and its node tree; a syntax error is ``error`` with file and line."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            Location(file=str(path), line=mark.line + 1 if mark else None),
        ) from exc
    return raw, node


def line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int | None:
    """The line of the node at ``loc`` (a pydantic error location), or of its nearest parent."""
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == key]
            if not match:
                break
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line
