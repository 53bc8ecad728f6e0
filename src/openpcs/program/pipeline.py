"""One node, from a checked configuration to its bundle: generate, build if possible, zip.

A build needs both the AVR toolchain and a Waspmote API tree; without either the bundle holds
the source only and says why. A compiler error is raised, not bundled: a bundle never pretends.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from rich.console import Console

from openpcs.catalog.hardware import node_models
from openpcs.config.check import CheckResult
from openpcs.program.api_tree import API_DIR_ENV, find_api_tree
from openpcs.program.build import Builder, BuildResult
from openpcs.program.bundle import Bundle, BundleContents, bundle_stem, write_bundle
from openpcs.program.cache import CACHE_DIR_ENV, default_cache_dir
from openpcs.program.check_view import print_check
from openpcs.program.errors import ApiTreeError, ProgramError, ToolchainMissing
from openpcs.program.generator import generate_checked
from openpcs.program.toolchain import find_toolchain

__all__ = ["BuilderChoice", "NodeBundle", "choose_builder", "program_node", "summary_text"]


@dataclass(frozen=True)
class BuilderChoice:
    """A builder, or why there is none (the bundle is then source-only)."""

    builder: Builder | None
    reason: str = ""


def choose_builder(
    api_dir: str | None, *, source_only: bool = False, jobs: int | None = None
) -> BuilderChoice:
    """A builder for ``api_dir`` (or ``$WASPMOTE_API_DIR``) and the installed toolchain.

    With no tree named, or no toolchain installed, the choice is source-only and says why. A
    tree that was named but is not one raises :class:`ApiTreeError`: the user asked for it.
    """
    if source_only:
        return BuilderChoice(None, "source only was asked for (--source-only)")
    named = api_dir or os.environ.get(API_DIR_ENV)
    if not named:
        try:
            find_api_tree(None)
        except ApiTreeError as exc:
            return BuilderChoice(None, str(exc))
    tree = find_api_tree(named)
    try:
        toolchain = find_toolchain()
    except ToolchainMissing as exc:
        return BuilderChoice(None, str(exc))
    try:
        return BuilderChoice(Builder(tree, toolchain, jobs=jobs))
    except OSError as exc:
        raise ProgramError(
            f"build cache {exc.filename or default_cache_dir()}: cannot use it "
            f"({exc.strerror or exc}); set {CACHE_DIR_ENV} to a writable directory"
        ) from None


def summary_text(result: CheckResult) -> str:
    """What "Check configuration" prints for this node, as plain text."""
    console = Console(file=io.StringIO(), record=True, width=100, color_system=None)
    print_check(console, result)
    return console.export_text()


@dataclass(frozen=True)
class NodeBundle:
    """A node's bundle and its build figures (``None`` when source-only).

    The build's file paths pointed into a scratch directory that is gone; the ``.hex`` is in
    the bundle.
    """

    bundle: Bundle
    build: BuildResult | None


def program_node(
    result: CheckResult,
    out_dir: Path,
    choice: BuilderChoice,
    *,
    when: datetime | None = None,
) -> NodeBundle:
    """Generate, build (when a builder is given) and bundle one checked node.

    Raises :class:`GenerationError` for a configuration with errors and :class:`BuildError`
    (with the compiler's messages) when the program does not compile or fit.
    """
    program = generate_checked(result)
    config = result.config
    if config is None or config.serial is None:  # generate_checked refuses these
        raise ProgramError("the configuration has no serial ID")
    model = node_models()[config.model]
    moment = when or datetime.now().astimezone()
    contents = BundleContents(
        serial=config.serial,
        program=program,
        summary_text=summary_text(result),
        config_facts={"node_name": config.node_name, "model": model.id, "model_name": model.name},
        not_built_reason=choice.reason,
    )
    builder = choice.builder
    if builder is None:
        return NodeBundle(write_bundle(contents, out_dir, when=moment), None)
    with tempfile.TemporaryDirectory(prefix="openpcs-build-") as scratch:
        hex_name = f"{bundle_stem(config.serial, moment)}.hex"
        build = builder.build(program, Path(scratch), hex_name=hex_name)
        built = replace(
            contents,
            build=build,
            not_built_reason="",
            toolchain={"compiler": builder.toolchain.version},
            api_tree=builder.tree.identity(),
        )
        return NodeBundle(write_bundle(built, out_dir, when=moment), build)
