"""A Waspmote API tree on disk: its core, its libraries, which header belongs where, its hash.

openpcs does not ship the Waspmote API; the user points at their copy with ``--api-dir`` or
``WASPMOTE_API_DIR``. Two layouts are understood: the API repository (``waspmote-api/`` and
``libraries/`` side by side) and a Waspmote IDE install
(``hardware/waspmote/avr/cores/waspmote-api`` and ``libraries/``).

The libraries a program needs are found the way the IDE finds them: every ``#include`` whose
file is a header at the top of a library folder pulls in that library, and the libraries'
own sources are scanned the same way until nothing new turns up.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Final

from openpcs.program.api_version import ApiVersion, read_api_version
from openpcs.program.errors import ApiTreeError

__all__ = ["API_DIR_ENV", "ApiTree", "Library", "find_api_tree", "includes_of"]

API_DIR_ENV: Final = "WASPMOTE_API_DIR"
SOURCE_SUFFIXES: Final = (".c", ".cpp", ".S")
_HASHED_SUFFIXES: Final = (".c", ".cpp", ".S", ".h", ".hpp")
_INCLUDE: Final = re.compile(rb'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.MULTILINE)
_CORE_LAYOUTS: Final = ("waspmote-api", "hardware/waspmote/avr/cores/waspmote-api")


def _files(base: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Regular, readable files under ``base`` with one of ``suffixes`` (broken links skipped)."""
    return [p for p in base.rglob("*") if p.suffix in suffixes and p.is_file()]


def includes_of(text: bytes) -> list[str]:
    """The file names a C/C++ text includes, in order (``"../WaspAES/WaspAES.h"`` as written)."""
    return [match.decode("utf-8", "replace") for match in _INCLUDE.findall(text)]


@dataclass(frozen=True)
class Library:
    """One folder of ``libraries/``: its name, place, sources and top-level headers."""

    name: str
    path: Path
    sources: tuple[Path, ...]
    headers: tuple[str, ...]


@dataclass
class ApiTree:
    """A checked Waspmote API tree. Build it with :func:`find_api_tree`."""

    root: Path
    core: Path
    libraries_dir: Path
    _includes: dict[Path, list[str]] = field(default_factory=dict, repr=False)

    @cached_property
    def core_sources(self) -> tuple[Path, ...]:
        """Every C, C++ and assembler source of the core, subfolders included, sorted."""
        return tuple(sorted(_files(self.core, SOURCE_SUFFIXES)))

    @cached_property
    def core_include_dirs(self) -> tuple[Path, ...]:
        """The core folder and its subfolders that hold headers."""
        folders = {p.parent for p in _files(self.core, (".h",))}
        return (self.core, *sorted(folders - {self.core}))

    @cached_property
    def libraries(self) -> dict[str, Library]:
        """Every library by folder name."""
        found: dict[str, Library] = {}
        for folder in sorted(p for p in self.libraries_dir.iterdir() if p.is_dir()):
            sources = tuple(sorted(p for p in folder.rglob("*") if p.suffix in SOURCE_SUFFIXES))
            headers = tuple(sorted(p.name for p in folder.glob("*.h")))
            found[folder.name] = Library(folder.name, folder, sources, headers)
        return found

    @cached_property
    def header_owner(self) -> dict[str, str]:
        """Top-level header file name → the library that provides it (core headers excluded)."""
        core_headers = {p.name for p in self.core.glob("*.h") if p.is_file()}
        owner: dict[str, str] = {}
        for library in self.libraries.values():
            for header in library.headers:
                if header not in core_headers:
                    owner.setdefault(header, library.name)
        return owner

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 over the names and bytes of every source and header of core and libraries."""
        digest = hashlib.sha256()
        for base in (self.core, self.libraries_dir):
            for path in sorted(_files(base, _HASHED_SUFFIXES)):
                digest.update(str(path.relative_to(self.root)).encode())
                digest.update(b"\0")
                try:
                    digest.update(path.read_bytes())
                except OSError as exc:
                    raise ApiTreeError(f"{path}: cannot read ({exc.strerror})") from None
                digest.update(b"\0")
        return digest.hexdigest()

    @cached_property
    def version(self) -> ApiVersion:
        """The API release this tree is (from its markers) and the core's raw define."""
        return read_api_version(self.root, self.core)

    @property
    def api_version(self) -> str:
        """The release (``v048``) or ``unknown``."""
        return self.version.release

    def identity(self) -> dict[str, str]:
        """What the manifest records about the tree: its folder's name, never the path of
        the machine that built (a bundle travels, and a server's paths are its own)."""
        return {
            "folder": self.root.name,
            **self.version.to_dict(),
            "content_sha256": self.content_hash,
        }

    def _file_includes(self, path: Path) -> list[str]:
        if path not in self._includes:
            self._includes[path] = includes_of(path.read_bytes())
        return self._includes[path]

    def libraries_for(self, text: bytes) -> tuple[str, ...]:
        """The libraries a source text needs, directly or through other libraries, sorted."""
        wanted: set[str] = set()
        pending = [self.header_owner.get(Path(name).name) for name in includes_of(text)]
        while pending:
            name = pending.pop()
            if name is None or name in wanted:
                continue
            wanted.add(name)
            library = self.libraries[name]
            for path in (*library.sources, *(library.path / h for h in library.headers)):
                for included in self._file_includes(path):
                    pending.append(self.header_owner.get(Path(included).name))
        return tuple(sorted(wanted))


def find_api_tree(directory: str | Path | None = None) -> ApiTree:
    """The API tree at ``directory`` or ``$WASPMOTE_API_DIR``; :class:`ApiTreeError` if none."""
    given = directory if directory is not None else os.environ.get(API_DIR_ENV)
    if not given:
        raise ApiTreeError(
            f"no Waspmote API tree given: pass --api-dir DIR or set {API_DIR_ENV} "
            "(a checkout of the Waspmote API or a Waspmote IDE folder)"
        )
    root = Path(given).expanduser()
    try:
        return _tree_at(root)
    except OSError as exc:  # unreadable, a name too long for the file system, a loop
        raise ApiTreeError(
            f"{root}: cannot be read ({exc.strerror or type(exc).__name__}); "
            "give a folder the server's user can read"
        ) from None


def _tree_at(root: Path) -> ApiTree:
    if not root.is_dir():
        raise ApiTreeError(f"{root}: no such directory (expected a Waspmote API tree)")
    core = next((root / c for c in _CORE_LAYOUTS if (root / c / "Waspmote.h").is_file()), None)
    libraries = root / "libraries"
    if core is None or not libraries.is_dir():
        raise ApiTreeError(
            f"{root}: not a Waspmote API tree (expected waspmote-api/Waspmote.h, or the IDE's "
            "hardware/waspmote/avr/cores/waspmote-api/Waspmote.h, and a libraries/ folder)"
        )
    return ApiTree(root=root.resolve(), core=core.resolve(), libraries_dir=libraries.resolve())
