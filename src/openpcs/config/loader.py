"""Reading a node configuration (or template) from YAML or JSON, keeping where each value was.

Every value's line is recorded under its path, so errors say ``node.yaml line 12: radio.channel:
…``. Three tags keep secrets and long values out of the file:

- ``!secret name`` — the value of ``name`` in ``secrets.yaml`` beside the file, or of the
  environment variable ``OPENPCS_SECRET_<NAME>``;
- ``!env NAME`` — the environment variable ``NAME``;
- ``!file path`` — the text of a file, relative to the configuration (certificates).

A scalar that YAML reads as a number (``0012``, ``1234``) keeps the text the user typed where
the model expects text: a PAN ID ``0012`` is not the number 10.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from openpcs.config.issues import Issue, Severity
from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import model_at, takes_text

__all__ = [
    "ConfigLoadError",
    "LoadedConfig",
    "Located",
    "format_path",
    "load_config",
    "parse_config_text",
]

Path_ = tuple[str | int, ...]
_SECRET_ENV_PREFIX = "OPENPCS_SECRET_"
_SECRETS_FILE = "secrets.yaml"


class ConfigLoadError(Exception):
    """The file cannot be read or parsed at all (exit status 2). Names the file and line."""


def format_path(path: Path_) -> str:
    """``("sockets", "B", "probe")`` → ``sockets.B.probe``; list items as ``reads[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass
class Located:
    """Where values came from: their lines, and which were given as secret references."""

    source: str
    lines: dict[Path_, int] = field(default_factory=dict)
    references: set[Path_] = field(default_factory=set)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


@dataclass
class LoadedConfig:
    """The result of loading: the config (``None`` if it did not validate) and the issues."""

    config: NodeConfig | None
    issues: list[Issue]
    located: Located
    raw: Any = None


class _Builder:
    """Turns a composed YAML node tree into Python values, recording lines and references."""

    def __init__(self, loader: yaml.SafeLoader, located: Located, base_dir: Path | None) -> None:
        self.loader = loader
        self.located = located
        self.base_dir = base_dir
        self.issues: list[Issue] = []
        self._secrets: dict[str, Any] | None = None

    def build(self, node: Node, path: Path_) -> Any:
        self.located.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node)
            if isinstance(key, list | dict):
                self._issue(path, key_node, "a key must be a plain word")
                continue
            if key in result:
                self._issue((*path, key), key_node, f"'{key}' is given twice")
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: ScalarNode, path: Path_) -> Any:
        if node.tag == "!secret":
            self.located.references.add(path)
            return self._secret(str(node.value), node, path)
        if node.tag == "!env":
            self.located.references.add(path)
            value = os.environ.get(str(node.value))
            if value is None:
                self._issue(path, node, f"environment variable {node.value} is not set")
            return value
        if node.tag == "!file":
            return self._file(str(node.value), node, path)
        try:
            value = self.loader.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            self._issue(path, node, str(exc.problem or "cannot read this value"))
            return None
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if node.style is None and numeric and takes_text(NodeConfig, path):
            return str(node.value)  # "0012" stays the text typed, not the number 10
        return value

    def _secret(self, name: str, node: Node, path: Path_) -> Any:
        env_name = _SECRET_ENV_PREFIX + name.upper()
        if env_name in os.environ:
            return os.environ[env_name]
        secrets = self._load_secrets()
        if name in secrets:
            return secrets[name]
        self._issue(path, node, f"secret '{name}' is not in {_SECRETS_FILE} nor ${env_name}")
        return None

    def _load_secrets(self) -> dict[str, Any]:
        if self._secrets is None:
            self._secrets = {}
            if self.base_dir is not None:
                secrets_path = self.base_dir / _SECRETS_FILE
                if secrets_path.is_file():
                    try:
                        loaded = yaml.safe_load(secrets_path.read_text(encoding="utf-8"))
                    except (OSError, yaml.YAMLError) as exc:
                        raise ConfigLoadError(f"{secrets_path}: cannot read ({exc})") from None
                    if isinstance(loaded, dict):
                        self._secrets = {str(k): v for k, v in loaded.items()}
        return self._secrets

    def _file(self, name: str, node: Node, path: Path_) -> str | None:
        target = (self.base_dir or Path.cwd()) / name
        try:
            return target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._issue(path, node, f"cannot read file {name} ({exc.__class__.__name__})")
            return None

    def _issue(self, path: Path_, node: Node, message: str) -> None:
        self.located.lines[path] = node.start_mark.line + 1
        self.issues.append(
            Issue(Severity.ERROR, format_path(path), message, line=node.start_mark.line + 1)
        )


class _TaggedLoader(yaml.SafeLoader):
    """A safe loader that leaves ``!secret``, ``!env`` and ``!file`` to the builder."""


def _construct_tagged(loader: yaml.SafeLoader, node: Node) -> Any:
    """Read a tagged scalar as text; the builder resolves what it refers to."""
    if not isinstance(node, ScalarNode):
        raise yaml.constructor.ConstructorError(
            None, None, "expected a plain value", node.start_mark
        )
    return loader.construct_scalar(node)


for _tag in ("!secret", "!env", "!file"):
    _TaggedLoader.add_constructor(_tag, _construct_tagged)


def _compose(text: str, source: str) -> tuple[yaml.SafeLoader, Node | None]:
    loader = _TaggedLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigLoadError(f"{source}{where}: {exc.problem or 'invalid YAML'}") from None
    except yaml.YAMLError as exc:
        raise ConfigLoadError(f"{source}: invalid YAML ({exc})") from None
    return loader, node


def _suggestion(loc: Path_, key: str) -> str:
    parents = model_at(NodeConfig, loc[:-1])
    known = sorted({name for model in parents for name in model.model_fields})
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?"
    if known:
        return f"unknown key '{key}' (known here: {', '.join(known)})"
    return f"unknown key '{key}'"


def _clean_loc(loc: tuple[Any, ...]) -> Path_:
    """Drop the union tags pydantic adds to locations (``radio.lorawan.port`` → ``radio.port``)."""
    cleaned: list[str | int] = []
    for part in loc:
        if isinstance(part, str):
            options = model_at(NodeConfig, tuple(cleaned))
            if len(options) > 1 and any(part in _tag_values(model) for model in options):
                continue
        cleaned.append(part)
    return tuple(cleaned)


def _tag_values(model: type[BaseModel]) -> set[str]:
    values: set[str] = set()
    for name in ("type", "protocol"):
        annotation = model.model_fields.get(name)
        if annotation is not None:
            values.update(str(v) for v in getattr(annotation.annotation, "__args__", ()))
    return values


def _validation_issues(exc: ValidationError, located: Located) -> list[Issue]:
    issues = []
    for error in exc.errors():
        raw_loc = tuple(error["loc"])
        loc = _clean_loc(raw_loc)
        if error["type"] == "extra_forbidden":
            message = _suggestion(raw_loc, str(raw_loc[-1]))
        elif error["type"] == "missing":
            message = "is required"
        elif error["type"] == "union_tag_invalid":
            discriminator = str((error.get("ctx") or {}).get("discriminator", "type")).strip("'")
            loc = (*loc, discriminator)
            message = _choices_message(error)
        elif error["type"] == "literal_error":
            message = _choices_message(error)
        else:
            message = error["msg"]
        issues.append(Issue(Severity.ERROR, format_path(loc), message, line=located.line_of(loc)))
    return issues


def _choices_message(error: Mapping[str, Any]) -> str:
    context = error.get("ctx") or {}
    expected = context.get("expected") or context.get("expected_tags")
    given = context.get("tag", error.get("input"))
    if expected:
        suffix = f" (got {given!r})" if given is not None else ""
        choices = re.findall(r"'([^']*)'", str(expected))
        close = difflib.get_close_matches(str(given), choices, n=1) if given is not None else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"must be one of {expected}{suffix}{hint}"
    return str(error["msg"])


def parse_config_text(
    text: str, *, source: str = "<config>", base_dir: Path | None = None
) -> LoadedConfig:
    """Parse configuration text (YAML or JSON) and validate its structure.

    Raises :class:`ConfigLoadError` only when the text cannot be parsed at all; every other
    problem is an :class:`Issue` in the result, with its path and line.
    """
    located = Located(source)
    loader, node = _compose(text, source)
    if node is None:
        raise ConfigLoadError(f"{source}: the file is empty")
    builder = _Builder(loader, located, base_dir)
    raw = builder.build(node, ())
    if not isinstance(raw, dict):
        raise ConfigLoadError(f"{source} line 1: a configuration is a mapping of keys to values")
    try:
        config = NodeConfig.model_validate(raw)
    except ValidationError as exc:
        # a value the loader could not produce (a missing secret) is reported once, by the loader
        already = {issue.path for issue in builder.issues}
        found = [i for i in _validation_issues(exc, located) if i.path not in already]
        return LoadedConfig(None, builder.issues + found, located, raw)
    if builder.issues:
        return LoadedConfig(None, builder.issues, located, raw)
    return LoadedConfig(config, [], located, raw)


def load_config(path: str | Path) -> LoadedConfig:
    """Read and parse a configuration file; ``-`` reads standard input."""
    if str(path) == "-":
        import sys

        return parse_config_text(sys.stdin.read(), source="<stdin>", base_dir=Path.cwd())
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigLoadError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigLoadError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    if file.suffix == ".json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigLoadError(f"{path} line {exc.lineno}: invalid JSON ({exc.msg})") from None
    return parse_config_text(text, source=str(path), base_dir=file.parent)
