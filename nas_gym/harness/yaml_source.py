"""A study file's YAML with the line of every key, so each problem is reported as ``file:line: message``.

Shared by the parsers of plain studies (:mod:`nas_gym.harness.study`) and transfer studies
(:mod:`nas_gym.harness.transfer`); it knows nothing of agents or envs.
"""

from __future__ import annotations

from typing import Any

import yaml

from nas_gym.harness.spec import MAX_BUDGET, MAX_SEED, MAX_SEEDS, NAME_RE, StudyError

Path_ = tuple[str | int, ...]
"""Where a value sits in the document: keys and list indices from the top."""


class LocatedYAML:
    """The parsed YAML plus the line of every key and list item, for error messages.

    The node tree is indexed before anything is constructed, so a duplicate key or an alias
    (the ``*name`` of a "billion laughs" bomb) is refused at its line instead of silently
    keeping the last value or expanding without bound.
    """

    def __init__(self, text: str, filename: str):
        self.filename, self.lines_of_text = filename, text.splitlines()
        self.lines: dict[Path_, int] = {}
        self._seen: set[int] = set()
        try:
            loader = yaml.SafeLoader(text)
            try:
                node = loader.get_single_node()
                if node is not None:
                    self._index(node, ())
                self.data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            detail = "; ".join(filter(None, (getattr(err, "context", None), getattr(err, "problem", None)))) or str(err)
            raise StudyError(self._format(line, f"not valid YAML: {detail}")) from None

    def _index(self, node: yaml.Node, path: Path_) -> None:
        line = node.start_mark.line + 1
        if id(node) in self._seen:
            raise StudyError(self._format(line, "YAML aliases (*name) are not allowed in a study; write the value out"))
        self._seen.add(id(node))
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in keys:
                    raise StudyError(self._format(key_node.start_mark.line + 1, f"duplicate key {key!r}; keep one"))
                keys.add(key)
                child = (*path, key)
                self.lines[child] = key_node.start_mark.line + 1
                self._index(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, (*path, i))

    def line(self, path: Path_) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def _format(self, line: int, message: str) -> str:
        text = self.lines_of_text[line - 1].rstrip() if 0 < line <= len(self.lines_of_text) else ""
        return f"{self.filename}:{line}: {message}\n    {line:>4} | {text}"

    def error(self, path: Path_, message: str) -> StudyError:
        return StudyError(self._format(self.line(path), message))


def mapping(doc: LocatedYAML, value: Any, path: Path_, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise doc.error(path, f"{what} must be a mapping (key: value), got {type(value).__name__}")
    return value


def known_keys(doc: LocatedYAML, value: dict, allowed: tuple[str, ...], path: Path_, what: str) -> None:
    for key in value:
        if key not in allowed:
            raise doc.error((*path, str(key)), f"unknown {what} key {key!r}; allowed: {', '.join(allowed)}")


def entries(doc: LocatedYAML, top: dict, key: str, shape: str) -> list:
    value = top[key]
    if not isinstance(value, list) or not value:
        raise doc.error((key,), f"{key} must be a non-empty list of {shape}")
    return value


def check_name(doc: LocatedYAML, value: Any, path: Path_, what: str) -> str:
    """A name that becomes a folder of ``OUT/cells``: no '/', no '.' or '..', no hidden or odd characters."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise doc.error(
            path,
            f"{what} must be 1-100 letters, digits or _ . + = @ - and start with a letter, digit or _ "
            f"(it names a results folder), got {value!r}",
        )
    return value


def int_list(doc: LocatedYAML, value: Any, path: Path_, what: str) -> tuple[int, ...]:
    low, high = (1, MAX_BUDGET) if what == "budgets" else (0, MAX_SEED)
    if isinstance(value, int) and not isinstance(value, bool) and what == "seeds":
        if not 1 <= value <= MAX_SEEDS:
            raise doc.error(path, f"seeds must be a count in 1..{MAX_SEEDS} or a list of seeds, got {value}")
        return tuple(range(value))
    if not isinstance(value, list) or not value:
        raise doc.error(path, f"{what} must be a non-empty list of integers")
    if len(value) > MAX_SEEDS:
        raise doc.error(path, f"{what} lists {len(value)} entries; at most {MAX_SEEDS}")
    for i, item in enumerate(value):
        if not isinstance(item, int) or isinstance(item, bool) or not low <= item <= high:
            raise doc.error((*path, i), f"{what} entries must be integers in {low}..{high}, got {item!r}")
    if len(set(value)) != len(value):
        raise doc.error(path, f"{what} has duplicates: {value}")
    return tuple(sorted(value)) if what == "budgets" else tuple(value)
