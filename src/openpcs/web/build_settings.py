"""Where the web application's builds find the Waspmote API, and an admin's check of the
toolchain.

The API folder is, first found: the folder an admin set on the settings page (kept in
``web_settings``, so it outlives a restart), ``web.api_dir`` of the settings file, and
``$WASPMOTE_API_DIR``. A folder is kept only once it is a Waspmote API tree; what is said of it
is its path (as the admin typed it), its layout and the release found, never its files.

The check names the compiler, avr-libc and the API tree, each found or with what is missing,
and a test build compiles and links the API core with an empty program, so that a missing
piece shows on the settings page rather than in a user's download.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import Engine, delete, insert, select

from openpcs.program.api_tree import API_DIR_ENV, ApiTree, find_api_tree
from openpcs.program.build import Builder
from openpcs.program.errors import ApiTreeError, BuildError, ProgramError, ToolchainMissing
from openpcs.program.pipeline import BuilderChoice, choose_builder
from openpcs.program.source import ProgramSource
from openpcs.program.toolchain import FLASH_LIMIT, Toolchain, find_toolchain, libc_path
from openpcs.web.errors import Refused
from openpcs.web.store.schema import SETTINGS

__all__ = ["NO_BINARY_ON_SERVER", "ApiFolder", "BuildSettings", "Check", "without_server_paths"]

#: why a bundle made on this server holds sources only, as its manifest says it to whoever
#: downloads it (the settings page names what is missing, with paths, to admins)
NO_BINARY_ON_SERVER: Final = (
    "this server builds no binary yet (no Waspmote API folder or AVR toolchain it can use); "
    "an admin sees what is missing on the settings page"
)

_API_DIR_SETTING: Final = "api_dir"
_MAX_PATH: Final = 256
_EMPTY_SKETCH: Final = "void setup()\n{\n}\n\nvoid loop()\n{\n}\n"
_MAX_MESSAGE_LINES: Final = 6
#: an absolute path (two parts or more) in a message: the compiler's, the cache's, a file's
_ABSOLUTE_PATH: Final = re.compile(r"(?<![\w.:/])(?:/[\w.+@-]+)+/([\w.+@-]+)")


def without_server_paths(message: str) -> str:
    """``message`` with each absolute path cut to its last part (``/srv/api/libraries/x.cpp``
    → ``x.cpp``): what a build says reaches whoever built, and the server's folders are its
    own (admins see them on the settings page)."""
    return _ABSOLUTE_PATH.sub(r"\1", message)


@dataclass(frozen=True)
class ApiFolder:
    """The API folder builds use (``None``: none) and where it was set."""

    path: str | None
    source: str


@dataclass(frozen=True)
class Check:
    """One line of the toolchain check: what was looked for, whether it is there, and what was
    found or is missing (with how to get it); ``ran`` is false for a test build that could
    not start."""

    name: str
    ok: bool
    detail: str
    ran: bool = True


def _check_path(text: str) -> str:
    """An absolute folder path of at most 256 characters without control characters."""
    path = text.strip()
    if not path:
        raise Refused("give the folder of a Waspmote API tree", "api_dir")
    if len(path) > _MAX_PATH:
        raise Refused(f"at most {_MAX_PATH} characters", "api_dir")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        raise Refused("a folder path has no control characters", "api_dir")
    if not os.path.isabs(path):
        raise Refused("give the folder's full path on the server (starting with /)", "api_dir")
    return path


class BuildSettings:
    """The API folder of the web application's builds, and the check of what builds need."""

    def __init__(self, engine: Engine, configured: str | None, *, jobs: int) -> None:
        self.engine = engine
        self.configured = configured
        self.jobs = jobs

    def stored(self) -> str | None:
        """The folder an admin set on the settings page, if one."""
        with self.engine.connect() as connection:
            value = connection.execute(
                select(SETTINGS.c.value).where(SETTINGS.c.name == _API_DIR_SETTING)
            ).scalar()
        return str(value) if value else None

    def api_folder(self) -> ApiFolder:
        """The folder builds use and where it was set (page, settings file, environment)."""
        stored = self.stored()
        if stored:
            return ApiFolder(stored, "set on this page")
        if self.configured:
            return ApiFolder(self.configured, "web.api_dir in the settings file")
        from_environment = os.environ.get(API_DIR_ENV)
        if from_environment:
            return ApiFolder(from_environment, f"{API_DIR_ENV} in the server's environment")
        return ApiFolder(None, "not set")

    def set_api_dir(self, text: str) -> ApiTree:
        """Keep ``text`` as the API folder once it is a Waspmote API tree, as typed (a link
        re-pointed later moves the builds with it).

        :class:`Refused` (path ``api_dir``) when it is not a full path, not a folder, or not an
        API tree; nothing is kept then.
        """
        path = _check_path(text)
        try:
            tree = find_api_tree(path)
        except ApiTreeError as exc:
            raise Refused(str(exc), "api_dir") from None
        with self.engine.begin() as connection:
            connection.execute(delete(SETTINGS).where(SETTINGS.c.name == _API_DIR_SETTING))
            connection.execute(insert(SETTINGS).values(name=_API_DIR_SETTING, value=path))
        return tree

    def forget_api_dir(self) -> None:
        """Drop the folder set on the page; the settings file or environment apply again."""
        with self.engine.begin() as connection:
            connection.execute(delete(SETTINGS).where(SETTINGS.c.name == _API_DIR_SETTING))

    def choose(self) -> BuilderChoice:
        """A builder for the folder in use, or source-only with the reason, said for the web
        page (never raises)."""
        folder = self.api_folder()
        if folder.path is None:
            reasons = ["no Waspmote API folder is set"]
            try:
                find_toolchain()
            except ToolchainMissing as exc:
                reasons.append(str(exc))
            return BuilderChoice(None, "; ".join(reasons))
        try:
            return choose_builder(folder.path, jobs=self.jobs)
        except ProgramError as exc:
            return BuilderChoice(None, str(exc))

    def checks(self) -> list[Check]:
        """The compiler, avr-libc and the API tree, each found or with what is missing."""
        found: list[Check] = []
        toolchain: Toolchain | None = None
        try:
            toolchain = find_toolchain()
            found.append(Check("AVR compiler", True, f"{toolchain.version} ({toolchain.gcc})"))
        except ToolchainMissing as exc:
            found.append(Check("AVR compiler", False, str(exc)))
        libc = libc_path(toolchain.gcc) if toolchain is not None else None
        found.append(
            Check("avr-libc", True, str(libc.parent))
            if libc is not None
            else Check(
                "avr-libc",
                False,
                "not found for the ATmega1281; on Debian or Ubuntu: apt-get install avr-libc",
            )
        )
        found.append(self._tree_check())
        return found

    def _tree_check(self) -> Check:
        folder = self.api_folder()
        if folder.path is None:
            return Check(
                "Waspmote API",
                False,
                f"no folder set: set it below, as web.api_dir in the settings file, "
                f"or as {API_DIR_ENV}",
            )
        try:
            tree = find_api_tree(folder.path)
        except ApiTreeError as exc:
            return Check("Waspmote API", False, f"{exc} ({folder.source})")
        version = tree.version
        release = (
            f"release {version.release}"
            if version.release != "unknown"
            else "its release is not recorded in the folder (name the folder after it, as "
            "waspmote-api-v048, and each bundle's manifest records it too)"
        )
        return Check(
            "Waspmote API",
            True,
            f"{release}; WASPMOTE_API_VERSION {version.define}; at {tree.root} ({folder.source})",
        )

    def test_build(self) -> Check:
        """Compile and link the API core with an empty program; the flash it takes, or why
        it failed (the compiler's first messages)."""
        choice = self.choose()
        if choice.builder is None:
            return Check("Test build", False, choice.reason, ran=False)
        return _empty_build(choice.builder)


def _empty_build(builder: Builder) -> Check:
    program = ProgramSource("openpcs_check.pde", {"openpcs_check.pde": _EMPTY_SKETCH}, "0" * 64)
    with tempfile.TemporaryDirectory(prefix="openpcs-check-") as scratch:
        try:
            result = builder.build(program, Path(scratch), hex_name="openpcs_check.hex")
        except BuildError as exc:
            lines = [str(exc), *(f"{m.file}:{m.line}: {m.text}" for m in exc.messages)]
            lines = lines[:_MAX_MESSAGE_LINES]
            return Check("Test build", False, "; ".join(lines))
    return Check(
        "Test build",
        True,
        f"the API core and an empty program compile and link: {result.flash_bytes:,} of "
        f"{FLASH_LIMIT:,} bytes of flash, {result.ram_bytes:,} bytes of RAM",
    )
