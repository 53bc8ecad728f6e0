"""The build cache: compiled core and libraries, and program objects by content.

Everything is keyed by content, never by node: a directory per (API tree hash, toolchain
fingerprint) holds the core archive, one archive per library and the objects of program
sources by the SHA-256 of their text. Two identical programs (or two nodes whose per-node
values differ only in their own small file) share every object but that one.

Entries are written to a temporary name and renamed into place, under a lock file, so threads
and processes building at once never see half an archive. Each entry has a ``.sha256`` beside
it, written last: an entry without one, or whose bytes no longer match it (a crash, a damaged
disk), is not used and is built again.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

__all__ = ["CACHE_DIR_ENV", "BuildCache", "default_cache_dir"]

CACHE_DIR_ENV: Final = "OPENPCS_CACHE_DIR"
#: what the entries of a cache directory hold; a change makes a new directory
_LAYOUT: Final = "archives and objects with their stack usage (.su by unit), 1"


def default_cache_dir() -> Path:
    """``$OPENPCS_CACHE_DIR``, else ``$XDG_CACHE_HOME/openpcs``, else ``~/.cache/openpcs``."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openpcs"


class BuildCache:
    """One cache directory for one API tree and toolchain (see the module docstring)."""

    def __init__(self, root: Path, tree_hash: str, toolchain_fingerprint: str) -> None:
        key = hashlib.sha256(
            f"{tree_hash}\n{toolchain_fingerprint}\n{_LAYOUT}".encode()
        ).hexdigest()[:20]
        self.key = key
        self.directory = root / "avr" / key
        (self.directory / "objects").mkdir(parents=True, exist_ok=True)
        (self.directory / "libraries").mkdir(parents=True, exist_ok=True)

    @property
    def core_archive(self) -> Path:
        """Where the compiled core lives."""
        return self.directory / "core.a"

    def library_archive(self, name: str) -> Path:
        """Where one compiled library lives."""
        return self.directory / "libraries" / f"lib{name}.a"

    def object_for(self, text: str, flags: tuple[str, ...], include_key: str) -> Path:
        """Where the object of a program source with this text, flags and includes lives."""
        digest = hashlib.sha256(
            "\0".join((text, *flags, include_key)).encode("utf-8", "surrogatepass")
        ).hexdigest()
        return self.directory / "objects" / f"{digest[:32]}.o"

    @staticmethod
    @contextmanager
    def locked(target: Path) -> Iterator[None]:
        """Hold an exclusive lock for building ``target`` (threads and processes alike)."""
        lock_path = target.with_name(target.name + ".lock")
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    @staticmethod
    def seal_of(target: Path) -> str:
        """The SHA-256 recorded for a cache entry ("" when it has none)."""
        seal = target.with_name(target.name + ".sha256")
        try:
            return seal.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return ""

    @staticmethod
    def valid(target: Path) -> bool:
        """Whether a cache entry exists and its bytes match its recorded SHA-256."""
        seal = target.with_name(target.name + ".sha256")
        try:
            return seal.read_text(encoding="ascii").strip() == BuildCache._digest(target)
        except (OSError, UnicodeDecodeError):
            return False

    @staticmethod
    def publish(built: Path, target: Path) -> None:
        """Move a finished file into the cache atomically, then record its SHA-256."""
        _replace_with(target, built.read_bytes())
        _replace_with(
            target.with_name(target.name + ".sha256"),
            (BuildCache._digest(target) + "\n").encode("ascii"),
        )


def _replace_with(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file of its own beside ``target``, then rename it over."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
