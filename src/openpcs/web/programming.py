"""Checking and programming one node from the form's document.

The form sends a configuration document (the shape of a YAML file, as JSON). Before the rules
run, the registry's licence tier is written into it, and secrets the form left empty are taken
from the device's saved configuration (a password field is never filled back into a page).
The check is :func:`openpcs.config.check.check_data`, the rules ``openpcs check`` runs on a
file, so the form's messages are the command's; the document is checked as the data it is, never
re-read as text.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from openpcs.config.check import CheckResult, check_data
from openpcs.config.issues import Issue, Severity
from openpcs.config.loader import data_values
from openpcs.config.model import NodeConfig
from openpcs.config.schema_walk import is_secret
from openpcs.config.secret_paths import without_secrets
from openpcs.config.yaml_source import format_path
from openpcs.program.errors import BuildError, GenerationError, ProgramError
from openpcs.program.pipeline import BuilderChoice, program_node, summary_text
from openpcs.web.auth import Caller
from openpcs.web.build_settings import without_server_paths
from openpcs.web.downloads import may_download
from openpcs.web.errors import Conflict, NotFound, Refused, WebError
from openpcs.web.gateway_keys import GatewayKeys
from openpcs.web.registry import Registry
from openpcs.web.summary_sheet import summary_sheet

#: Where a network alias another device has is said (the LoRaWAN DevEUI, most often).
ALIAS_PATH = "radio.dev_eui"
_NO_SERIAL: Final = "a node needs its serial ID to be programmed"
_REGISTER: Final = "register it on the Devices page to program it"

__all__ = [
    "CheckFailed",
    "Programmed",
    "check_document",
    "compile_document",
    "keep_saved_keys",
    "registry_issues",
    "with_saved_secrets",
]


class CheckFailed(WebError):
    """The configuration has errors: nothing was built (422, with the check's findings)."""

    status = 422

    def __init__(self, result: CheckResult) -> None:
        super().__init__(f"the configuration has {len(result.errors)} error(s)")
        self.result = result


@dataclass(frozen=True)
class Programmed:
    """A bundle made for a node and where the archive keeps it."""

    program_id: int
    bundle_name: str
    bundle: bytes
    has_hex: bool


def with_saved_secrets(
    document: dict[str, Any], saved: dict[str, Any] | None, path: tuple[str | int, ...] = ()
) -> dict[str, Any]:
    """``document`` with each secret it leaves out taken from ``saved``, where both describe
    the same kind of section (the same radio type, say)."""
    merged = dict(document)
    if not saved or saved.get("type", merged.get("type")) != merged.get("type"):
        return merged
    for key, value in saved.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = with_saved_secrets(merged[key], value, here)
        elif key not in merged and value is not None and is_secret(NodeConfig, here):
            merged[key] = value
    return merged


def saved_for(registry: Registry, serial: str, caller: Caller) -> dict[str, Any] | None:
    """A device's saved configuration as ``caller`` may use it: with its secrets for an admin
    or the account that saved it, without them for anyone else (``None``: nothing saved)."""
    saved, saver = registry.saved_config_and_saver(serial)
    if saved is None or may_download(caller, saver or ""):
        return saved
    return without_secrets(saved, NodeConfig)


def _secrets_set(value: Any, path: tuple[str | int, ...] = ()) -> set[tuple[str | int, ...]]:
    """The paths of the secrets a configuration document sets."""
    if isinstance(value, dict):
        return {found for k, v in value.items() for found in _secrets_set(v, (*path, k))}
    if isinstance(value, list):
        return {found for i, v in enumerate(value) for found in _secrets_set(v, (*path, i))}
    return {path} if value not in (None, "") and path and is_secret(NodeConfig, path) else set()


def key_held_by_another(
    saved: dict[str, Any] | None, saver: str | None, account: str, *, admin: bool
) -> str | None:
    """The path of a key a device's ``saved`` configuration holds that another account
    (``saver``) saved, when ``account`` (an ``admin`` or not) may not save over it: only
    that account or an admin may replace those keys. ``None`` when it may."""
    if saved is None or admin or (saver is not None and saver == account):
        return None
    held = sorted(_secrets_set(saved), key=format_path)
    return format_path(held[0]) if held else None


def keep_saved_keys(
    registry: Registry, serial: str, document: dict[str, Any], caller: Caller
) -> str | None:
    """:class:`Conflict` when ``caller`` would save over a configuration holding keys another
    account saved (:func:`key_held_by_another`). (Letting anyone who gives every key save
    over them would let them try guesses, and take the device's keys over.) Otherwise the
    account that saved the configuration there is (``None``: none recorded)."""
    saved, saver = registry.saved_config_and_saver(serial)
    writer = caller.name if caller.writable else ""
    if path := key_held_by_another(saved, saver, writer, admin=caller.account.is_admin):
        raise Conflict(
            "the saved configuration holds keys another account saved: only that account or "
            "an admin may save over it",
            path,
        )
    return saver


def prepared(document: dict[str, Any], registry: Registry, caller: Caller) -> dict[str, Any]:
    """The document as it will be checked: the licence set, and the secrets it leaves empty
    filled from the device's saved configuration where ``caller`` may use them
    (:func:`saved_for`)."""
    if not isinstance(document, dict):
        raise Refused("a configuration is a JSON object")
    _, problems = data_values(document, NodeConfig)
    if problems:
        raise Refused(problems[0].message, problems[0].path)
    ready = dict(document)
    ready["licence"] = registry.licence()
    serial = ready.get("serial")
    if isinstance(serial, str) and serial.strip():
        ready = with_saved_secrets(ready, saved_for(registry, serial.strip(), caller))
    return ready


def check_document(document: dict[str, Any]) -> CheckResult:
    """Run "Check configuration" on a prepared document, as ``openpcs check`` does."""
    return check_data(document, source="form")


def registry_issues(
    document: dict[str, Any],
    registry: Registry,
    keys: GatewayKeys | None = None,
    *,
    to_program: bool = False,
) -> list[Issue]:
    """What the registry and the gateway say against a prepared document: no serial or an
    unregistered one (errors ``to_program``, else an unregistered one is a warning: a node may
    be checked first), another model than the device is registered as, a network alias that
    names another device. "Compile" refuses these, so "Check configuration" says them too."""
    serial = document.get("serial")
    if not isinstance(serial, str) or not serial.strip():
        if not to_program:
            return []
        return [Issue(Severity.ERROR, "serial", _NO_SERIAL, rule="registry")]
    try:
        entry = registry.get(serial)
    except NotFound:
        severity = Severity.ERROR if to_program else Severity.WARNING
        said = f"{serial.strip().upper()} is not in the device registry: {_REGISTER}"
        return [Issue(severity, "serial", said, rule="registry")]
    found = []
    if problem := entry.model_problem(document.get("model")):
        found.append(Issue(Severity.ERROR, "model", problem, rule="registry"))
    if keys is not None and (problem := keys.problem(entry.serial, document)):
        found.append(Issue(Severity.ERROR, ALIAS_PATH, problem, rule="registry"))
    return found


def check_report(result: CheckResult) -> dict[str, Any]:
    """The check's ``{data, warnings, errors}``, the summary as a readable ``sheet`` and the
    text the command prints."""
    report = result.to_dict()
    report["text"] = summary_text(result) if result.config is not None else ""
    summary = report["data"].get("summary")
    report["sheet"] = summary_sheet(summary, report["data"]) if summary else []
    return report


def compile_document(
    document: dict[str, Any],
    registry: Registry,
    choice: BuilderChoice,
    caller: Caller,
    keys: GatewayKeys | None = None,
) -> Programmed:
    """Check, generate, build where possible and bundle a registered node; archive the bundle,
    keep the configuration as the device's saved one and hand the keys it gives the node to
    the gateway (``keys``, :mod:`openpcs.web.gateway_keys`).

    Raises :class:`CheckFailed` for a configuration with errors (the registry's among them:
    no serial, one not registered, another model, an alias another device has),
    :class:`Conflict` for keys another account saved, :class:`Refused` with the compiler's
    first message when the program does not build.
    """
    document = prepared(document, registry, caller)
    result = check_document(document)  # every finding at once, the registry's among them
    result.issues.extend(registry_issues(document, registry, keys, to_program=True))
    if not result.valid:
        raise CheckFailed(result)
    entry = registry.get(str(document["serial"]))
    saver = keep_saved_keys(registry, entry.serial, document, caller)
    digest = registry.save_config(entry.serial, document, caller.name)
    with tempfile.TemporaryDirectory(prefix="openpcs-web-") as scratch:
        try:
            made = program_node(result, Path(scratch), choice)
        except BuildError as exc:
            first = without_server_paths(str(exc).splitlines()[0])
            raise Refused(f"the program does not build: {first}") from None
        except (GenerationError, ProgramError) as exc:
            raise Refused(without_server_paths(str(exc))) from None
        data = made.bundle.path.read_bytes()
    build = made.build
    program_id = registry.record_program(
        entry.serial,
        made_by=caller.name,
        digest=digest,
        bundle_name=made.bundle.path.name,
        bundle=data,
        has_hex=made.bundle.has_hex,
        flash_bytes=build.flash_bytes if build else None,
        ram_bytes=build.ram_bytes if build else None,
    )
    if keys is not None:
        keys.give(
            entry.serial, document, builder=caller.name, admin=caller.account.is_admin, saver=saver
        )
    return Programmed(program_id, made.bundle.path.name, data, made.bundle.has_hex)


def saved_form(registry: Registry, serial: str, caller: Caller) -> dict[str, Any]:
    """A device's saved configuration for the form: secrets left out (only whether each is
    kept for ``caller`` to use is said, under ``_kept_secrets``); :class:`NotFound` when there
    is none."""
    saved = saved_for(registry, serial, caller)
    if saved is None:
        raise NotFound(f"{serial} has no saved configuration", "serial")
    kept: list[str] = []

    def strip(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if is_secret(NodeConfig, (*path, key)):
                    kept.append(".".join(str(p) for p in (*path, key)))
                    continue
                out[key] = strip(item, (*path, key))
            return out
        if isinstance(value, list):
            return [strip(item, (*path, i)) for i, item in enumerate(value)]
        return value

    form: dict[str, Any] = strip(saved, ())
    form["_kept_secrets"] = kept
    return form
