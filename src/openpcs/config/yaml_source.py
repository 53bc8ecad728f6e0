"""Turning configuration text into Python values while remembering where each value was.

The YAML is composed into nodes (no Python objects are built by PyYAML itself), then walked
here with limits a hostile or broken file cannot get past: a value count and a nesting depth
(aliases cannot explode, a node cannot contain itself), integers of at most 64 bits, tags
limited to ``!secret``, ``!env`` and ``!file``, and ``!file`` confined to small regular files
beside the configuration. Problems with single values become issues at their path; problems
with the whole text raise :class:`ConfigLoadError`.

Text that arrived over the network (``from_network``: template import, the web form, the REST
API) never reads the server's environment, secrets or files: ``!env`` and ``!file`` are refused
there, and ``!secret NAME`` stays an unresolved placeholder recorded in
:attr:`Located.placeholders` (its value is left unset).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from openpcs.config.issues import Issue, Severity
from openpcs.config.schema_walk import takes_text

__all__ = [
    "ConfigLoadError",
    "Located",
    "PathKey",
    "compose",
    "format_path",
    "to_values",
]

PathKey = tuple[str | int, ...]
_SECRET_ENV_PREFIX: Final = "OPENPCS_SECRET_"
_SECRETS_FILE: Final = "secrets.yaml"
_MAX_VALUES: Final = 20_000
_MAX_DEPTH: Final = 40
_MAX_FILE_BYTES: Final = 64 * 1024
_MAX_INT: Final = 2**63
_MAP_TAG: Final = "tag:yaml.org,2002:map"
_SEQ_TAG: Final = "tag:yaml.org,2002:seq"
_NUMBER_TAGS: Final = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_OWN_TAGS: Final = ("!secret", "!env", "!file")
_SECRET_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class ConfigLoadError(Exception):
    """The text cannot be read or parsed at all (exit status 2). Names the source and line."""


def format_path(path: PathKey) -> str:
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
    """Where values came from: their lines, which were given as secret references, and (for
    text from the network) the ``!secret`` placeholders left unresolved, by path."""

    source: str
    lines: dict[PathKey, int] = field(default_factory=dict)
    references: set[PathKey] = field(default_factory=set)
    placeholders: dict[PathKey, str] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor other than the whole document."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


class _TaggedLoader(yaml.SafeLoader):
    """A safe loader that reads our three tags as text; the builder resolves them."""


def _construct_tagged(loader: yaml.SafeLoader, node: Node) -> Any:
    if not isinstance(node, ScalarNode):
        raise yaml.constructor.ConstructorError(
            None, None, "expected a plain value", node.start_mark
        )
    return loader.construct_scalar(node)


for _tag in _OWN_TAGS:
    _TaggedLoader.add_constructor(_tag, _construct_tagged)


def compose(text: str, source: str) -> tuple[yaml.SafeLoader, Node | None]:
    """Parse YAML (or JSON) text into a node tree; raise :class:`ConfigLoadError` if it is not."""
    try:
        loader = _TaggedLoader(text)
        return loader, loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigLoadError(f"{source}{where}: {exc.problem or 'invalid YAML'}") from None
    except yaml.YAMLError as exc:
        raise ConfigLoadError(f"{source}: not readable as YAML ({exc})") from None
    except RecursionError:
        raise ConfigLoadError(f"{source}: nested too deeply") from None


def _read_secrets(base_dir: Path) -> dict[str, str]:
    """``secrets.yaml`` beside the configuration, every value kept as the text written."""
    path = base_dir / _SECRETS_FILE
    if not path.is_file():
        return {}
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise ConfigLoadError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    if not isinstance(loaded, dict):
        return {}
    return {str(k): v for k, v in loaded.items() if isinstance(v, str)}


class _Builder:
    """Walks a node tree into plain values, recording lines, references and issues."""

    def __init__(
        self,
        loader: yaml.SafeLoader,
        located: Located,
        base_dir: Path | None,
        model: type[BaseModel],
        from_network: bool,
    ) -> None:
        self.loader = loader
        self.model = model
        self.located = located
        self.base_dir = base_dir
        self.from_network = from_network
        self.issues: list[Issue] = []
        self._secrets: dict[str, str] | None = None
        self._count = 0
        self._open: set[int] = set()

    def build(self, node: Node, path: PathKey) -> Any:
        self._count += 1
        if self._count > _MAX_VALUES:
            raise ConfigLoadError(f"{self.located.source}: more than {_MAX_VALUES} values")
        if len(path) > _MAX_DEPTH:
            raise ConfigLoadError(f"{self.located.source}: nested too deeply")
        self.located.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in self._open:
            self._issue(path, node, "this value refers to itself (a YAML alias loop)")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            assert isinstance(node, SequenceNode)
            if node.tag != _SEQ_TAG:
                self._issue(path, node, f"unknown tag {node.tag} on a list")
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: MappingNode, path: PathKey) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            self._issue(path, node, f"unknown tag {node.tag} on a mapping")
        try:
            self.loader.flatten_mapping(node)  # YAML merge keys (<<)
        except yaml.constructor.ConstructorError as exc:
            self._issue(path, node, str(exc.problem or "cannot merge this mapping"))
            return {}
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in result:
                self._issue((*path, key), key_node, f"'{key}' is given twice")
            result[key] = self.build(value_node, (*path, key))
        return result

    def _key(self, node: Node, path: PathKey) -> str | None:
        try:
            key = self.loader.construct_object(node) if isinstance(node, ScalarNode) else None
        except (yaml.constructor.ConstructorError, ValueError):
            key = None
        if not isinstance(key, str) or node.tag in _OWN_TAGS:
            self._issue(path, node, "keys are plain words such as 'radio' or 'sockets'")
            return None
        return key

    def _scalar(self, node: ScalarNode, path: PathKey) -> Any:
        text = str(node.value)
        if node.tag in _OWN_TAGS and self.from_network:
            return self._network_tag(node.tag, text, node, path)
        if node.tag == "!secret":
            self.located.references.add(path)
            return self._secret(text, node, path)
        if node.tag == "!env":
            self.located.references.add(path)
            value = os.environ.get(text)
            if value is None:
                self._issue(path, node, f"environment variable {text} is not set")
            return value
        if node.tag == "!file":
            return self._file(text, node, path)
        if node.style is None and node.tag in _NUMBER_TAGS and takes_text(self.model, path):
            return text  # "0012" stays the text typed, not the number 10, however long
        try:
            value = self.loader.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            self._issue(path, node, str(exc.problem or "cannot read this value"))
            return None
        except ValueError:
            self._issue(path, node, "this number is too large")
            return None
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(value, int) and numeric and abs(value) >= _MAX_INT:
            self._issue(path, node, "this number is too large")
            return None
        return value

    def _network_tag(self, tag: str, text: str, node: Node, path: PathKey) -> None:
        """A tag in text sent to the server: never resolved here (always ``None``)."""
        if tag != "!secret":
            self._issue(
                path,
                node,
                f"{tag} is not read from text sent to the server: write the value itself, or "
                "use !secret NAME for a value each node brings",
            )
        elif _SECRET_NAME.fullmatch(text) is None:
            self._issue(path, node, "a !secret name is a word of letters, digits and _")
        else:
            self.located.references.add(path)
            self.located.placeholders[path] = text

    def _secret(self, name: str, node: Node, path: PathKey) -> str | None:
        env_name = _SECRET_ENV_PREFIX + name.upper()
        if env_name in os.environ:
            return os.environ[env_name]
        if self._secrets is None:
            self._secrets = _read_secrets(self.base_dir) if self.base_dir is not None else {}
        if name in self._secrets:
            return self._secrets[name]
        self._issue(path, node, f"secret '{name}' is not in {_SECRETS_FILE} nor ${env_name}")
        return None

    def _file(self, name: str, node: Node, path: PathKey) -> str | None:
        if self.base_dir is None:
            self._issue(path, node, "!file works only in a configuration file")
            return None
        try:
            base = self.base_dir.resolve()
            target = (base / name).resolve()
            if not target.is_relative_to(base):
                self._issue(path, node, "!file reads files beside the configuration only")
                return None
            if not target.is_file():
                self._issue(path, node, f"no file {name} beside the configuration")
                return None
            if target.stat().st_size > _MAX_FILE_BYTES:
                self._issue(path, node, f"{name} is larger than {_MAX_FILE_BYTES // 1024} KiB")
                return None
            return target.read_text(encoding="utf-8")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            self._issue(path, node, f"cannot read file {name} ({exc.__class__.__name__})")
            return None

    def _issue(self, path: PathKey, node: Node, message: str) -> None:
        line = node.start_mark.line + 1
        self.located.lines[path] = line
        self.issues.append(Issue(Severity.ERROR, format_path(path), message, line=line))


def to_values(
    loader: yaml.SafeLoader,
    node: Node,
    located: Located,
    base_dir: Path | None,
    model: type[BaseModel],
    *,
    from_network: bool = False,
) -> tuple[Any, list[Issue]]:
    """Walk a composed document into values for ``model``; return them and per-value issues.

    ``model`` decides which scalars stay the text typed (fields that take only text);
    ``from_network`` marks text sent to the server (see the module's contract).
    """
    builder = _Builder(loader, located, base_dir, model, from_network)
    try:
        return builder.build(node, ()), builder.issues
    except RecursionError:
        raise ConfigLoadError(f"{located.source}: nested too deeply") from None
