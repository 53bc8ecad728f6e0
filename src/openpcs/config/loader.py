"""Reading a document (a node configuration, a template, a topology) from YAML or JSON.

Every value's line is recorded under its path, so errors say ``node.yaml line 12: radio.channel:
…``. Three tags keep secrets and long values out of the file:

- ``!secret name`` — the value of ``name`` in ``secrets.yaml`` beside the file, or of the
  environment variable ``OPENPCS_SECRET_<NAME>``;
- ``!env NAME`` — the environment variable ``NAME``;
- ``!file path`` — the text of a file, relative to the document (certificates).

A scalar that YAML reads as a number (``0012``, ``1234``) keeps the text the user typed where
the model expects text: a PAN ID ``0012`` is not the number 10. The machinery is the same for
every pydantic model; :func:`load_config` and :func:`parse_config_text` read a
:class:`NodeConfig`.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from openpcs.config.issues import Issue, Severity
from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import is_leaf, model_at, takes_text
from openpcs.config.yaml_source import (
    ConfigLoadError,
    Located,
    PathKey,
    compose,
    format_path,
    to_values,
)

__all__ = [
    "ConfigLoadError",
    "Loaded",
    "LoadedConfig",
    "Located",
    "clean_loc",
    "data_values",
    "format_path",
    "load_config",
    "load_document",
    "parse_config_data",
    "parse_config_text",
    "parse_data",
    "parse_document",
]

M = TypeVar("M", bound=BaseModel)


@dataclass
class Loaded(Generic[M]):
    """The result of loading: the value (``None`` if it did not validate) and the issues."""

    value: M | None
    issues: list[Issue]
    located: Located
    raw: Any = None
    #: The issues of reading the text itself (tags, limits), before the model's validation.
    read_issues: list[Issue] = field(default_factory=list)


LoadedConfig = Loaded[NodeConfig]


def _suggestion(model: type[BaseModel], loc: PathKey, key: str) -> str:
    parents = model_at(model, loc[:-1])
    known = sorted({name for model in parents for name in model.model_fields})
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?"
    if known:
        return f"unknown key '{key}' (known here: {', '.join(known)})"
    return f"unknown key '{key}'"


def clean_loc(model: type[BaseModel], loc: tuple[Any, ...]) -> PathKey:
    """Drop the union tags pydantic adds to locations (``radio.lorawan.port`` → ``radio.port``,
    ``radio.channel.int`` → ``radio.channel``)."""
    cleaned: list[str | int] = []
    for part in loc:
        if part == "[key]":  # a dict key that failed validation: the path already names it
            continue
        if isinstance(part, str) and cleaned and is_leaf(model, tuple(cleaned)):
            continue  # the member of a plain union pydantic tried (``radio.channel.int``)
        if isinstance(part, str):
            options = model_at(model, tuple(cleaned))
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


def _validation_issues(
    model: type[BaseModel], exc: ValidationError, located: Located
) -> list[Issue]:
    issues = []
    for error in exc.errors():
        raw_loc = tuple(error["loc"])
        loc = clean_loc(model, raw_loc)
        if error["type"] == "extra_forbidden":
            message = _suggestion(model, raw_loc, str(raw_loc[-1]))
        elif error["type"] == "missing":
            message = "is required"
        elif error["type"] == "union_tag_not_found":
            discriminator = str((error.get("ctx") or {}).get("discriminator", "type")).strip("'")
            loc = (*loc, discriminator)
            message = "is required to tell which kind this is"
        elif error["type"] == "union_tag_invalid":
            discriminator = str((error.get("ctx") or {}).get("discriminator", "type")).strip("'")
            loc = (*loc, discriminator)
            message = _choices_message(error)
        elif error["type"] == "literal_error":
            message = _choices_message(error)
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        issues.append(Issue(Severity.ERROR, format_path(loc), message, line=located.line_of(loc)))
    return _one_per_path(issues)


#: How pydantic begins the error of one member of a union that did not take a value.
_UNION_MEMBER = "Input should be "


def _one_per_path(issues: list[Issue]) -> list[Issue]:
    """One issue per path where a value no member of a plain union took has an error per
    member: said together (``Input should be a valid integer, or a valid string``). Other
    errors at one path (a key that is not allowed and a value of the wrong kind) stay apart,
    each to be fixed."""
    kept: list[Issue] = []
    unions: dict[str, int] = {}
    for issue in issues:
        union_member = issue.message.startswith(_UNION_MEMBER)
        at = unions.get(issue.path) if union_member else None
        if at is None:
            if union_member:
                unions[issue.path] = len(kept)
            if issue not in kept:
                kept.append(issue)
        elif issue.message not in kept[at].message:
            again = issue.message.removeprefix(_UNION_MEMBER)
            kept[at] = replace(kept[at], message=f"{kept[at].message}, or {again}")
    return kept


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


def _validated(
    model: type[M], raw: Any, located: Located, issues: list[Issue], what: str
) -> Loaded[M]:
    if not isinstance(raw, dict):
        raise ConfigLoadError(f"{located.source} line 1: {what} is a mapping of keys to values")
    try:
        value = model.model_validate(raw)
    except ValidationError as exc:
        # a value the loader could not produce (a missing secret) is reported once, by the loader
        already = {issue.path for issue in issues}
        found = [i for i in _validation_issues(model, exc, located) if i.path not in already]
        return Loaded(None, issues + found, located, raw, list(issues))
    return Loaded(None if issues else value, issues, located, raw, list(issues))


def parse_document(
    text: str,
    model: type[M],
    *,
    source: str = "<document>",
    base_dir: Path | None = None,
    what: str = "a document",
    from_network: bool = False,
) -> Loaded[M]:
    """Parse YAML or JSON text into ``model`` and validate its structure.

    Raises :class:`ConfigLoadError` only when the text cannot be parsed at all; every other
    problem is an :class:`Issue` in the result, with its path and line. ``base_dir`` is where
    ``secrets.yaml`` and ``!file`` targets are looked up (``None``: neither is available).
    ``what`` names the document in the one message about its overall shape. Text that
    arrived over the network is read with ``from_network``: it never reads the server's
    environment, secrets or files (``!secret`` names stay placeholders, see ``Located``).
    """
    if from_network and base_dir is not None:
        raise ValueError("text from the network has no directory on the server")
    located = Located(source)
    loader, node = compose(text, source)
    if node is None:
        raise ConfigLoadError(f"{source}: the file is empty")
    raw, issues = to_values(loader, node, located, base_dir, model, from_network=from_network)
    return _validated(model, raw, located, issues, what)


def parse_data(data: Any, model: type[M], *, source: str, what: str = "a document") -> Loaded[M]:
    """Validate values that arrived already parsed (a JSON request body) as ``model``.

    No text is re-read, so no tag can reach the server's environment or files, and what the
    client sent (any Unicode, any key) is what is validated; paths have no lines.
    """
    values, issues = data_values(data, model)
    return _validated(model, values, Located(source), issues, what)


def data_values(data: Any, model: type[BaseModel]) -> tuple[Any, list[Issue]]:
    """Already parsed values held to the limits text gets from the YAML walk: a nesting depth,
    64-bit integers, keys of at most 256 characters, text without NUL or lone surrogates (so
    that storage and JSON answers can hold it), numbers kept as text where ``model`` takes
    text. A value that breaks a limit is left out, with an error issue at its path."""
    issues: list[Issue] = []
    return _plain_values(data, (), model, issues), issues


_MAX_DATA_DEPTH = 40
_MAX_KEY = 256
_MAX_INT = 2**63


def _text_problem(text: str) -> str | None:
    """Why a text value cannot be kept (a lone surrogate, a NUL), or ``None``."""
    if "\x00" in text:
        return "a NUL character is not allowed in text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (a lone surrogate)"
    return None


def _plain_values(value: Any, path: PathKey, model: type[BaseModel], issues: list[Issue]) -> Any:
    """:func:`data_values` below ``path``."""

    def refuse(message: str) -> None:
        issues.append(Issue(Severity.ERROR, format_path(path) or "(document)", message))

    if len(path) > _MAX_DATA_DEPTH:
        refuse("nested too deeply")
        return None
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            problem = _text_problem(str(key)) or (
                f"a key is at most {_MAX_KEY} characters" if len(str(key)) > _MAX_KEY else None
            )
            if problem is not None:
                refuse(problem)
                continue
            kept[str(key)] = _plain_values(item, (*path, str(key)), model, issues)
        return kept
    if isinstance(value, list):
        return [_plain_values(item, (*path, i), model, issues) for i, item in enumerate(value)]
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem is not None:
            refuse(problem)
            return None
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= _MAX_INT:
            refuse("this number is too large")
            return None
        if takes_text(model, path):
            return str(value)  # as YAML keeps "0012": a PAN ID typed as a number is its text
    return value


def _parse_json(
    text: str, model: type[M], source: str, base_dir: Path | None, what: str
) -> Loaded[M]:
    """A ``.json`` file must be JSON; read through YAML for line numbers when YAML can."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigLoadError(f"{source} line {exc.lineno}: invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise ConfigLoadError(f"{source}: nested too deeply") from None
    except ValueError:  # an integer beyond Python's digit limit
        raise ConfigLoadError(f"{source}: a number is too large") from None
    try:
        return parse_document(text, model, source=source, base_dir=base_dir, what=what)
    except ConfigLoadError:
        # valid JSON that YAML cannot read (tabs, keys over 1024 characters): no line numbers
        return _validated(model, raw, Located(source), [], what)


def load_document(path: str | Path, model: type[M], *, what: str = "a document") -> Loaded[M]:
    """Read and parse a YAML or JSON file into ``model``; ``-`` reads standard input."""
    if str(path) == "-":
        return parse_document(
            sys.stdin.read(), model, source="<stdin>", base_dir=Path.cwd(), what=what
        )
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigLoadError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigLoadError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    if file.suffix == ".json":
        return _parse_json(text, model, str(path), file.parent, what)
    return parse_document(text, model, source=str(path), base_dir=file.parent, what=what)


_CONFIGURATION = "a configuration"


def parse_config_text(
    text: str, *, source: str = "<config>", base_dir: Path | None = None, from_network: bool = False
) -> LoadedConfig:
    """Parse node configuration text (YAML or JSON); see :func:`parse_document`."""
    return parse_document(
        text,
        NodeConfig,
        source=source,
        base_dir=base_dir,
        what=_CONFIGURATION,
        from_network=from_network,
    )


def parse_config_data(data: Any, *, source: str = "<config>") -> LoadedConfig:
    """Validate an already parsed node configuration; see :func:`parse_data`."""
    return parse_data(data, NodeConfig, source=source, what=_CONFIGURATION)


def load_config(path: str | Path) -> LoadedConfig:
    """Read and parse a node configuration file; ``-`` reads standard input."""
    return load_document(path, NodeConfig, what=_CONFIGURATION)
