"""Which release of the Waspmote API a tree is, read from the markers the release leaves.

The core's ``WASPMOTE_API_VERSION`` define does not follow the releases (the v048 tree still
says 28), so the release is read, in this order, from:

1. a Waspmote IDE install: ``revisions.txt``, whose newest entry says which API it carries
   ("Update Waspmote API to v054"), with the IDE's own version from ``lib/version.txt``;
2. a git checkout of the API repository: the newest commit whose subject names a release
   ("API v048"), found with ``git log``;
3. the folder's name when it carries a release (``waspmote-api-v048``).

Nothing is guessed: without a marker the release is ``unknown``, and the raw define is always
reported beside it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["ApiVersion", "read_api_version"]

_RELEASE: Final = re.compile(r"\bAPI\s+(?:to\s+)?(v\d{3})\b", re.IGNORECASE)
_FOLDER_RELEASE: Final = re.compile(r"(?:^|[^0-9a-z])(v0\d\d)(?:$|[^0-9])", re.IGNORECASE)
_IDE_ENTRY: Final = re.compile(r"\bIDE\s+(v\d+(?:\.\d+)*)", re.IGNORECASE)
_DEFINE: Final = re.compile(rb"#define\s+WASPMOTE_API_VERSION\s+(\d+)")
_GIT_TIMEOUT_S: Final = 10
_GIT_COMMITS: Final = 200
_MAX_MARKER_BYTES: Final = 1 << 20


@dataclass(frozen=True)
class ApiVersion:
    """The release a tree is (``v048``, or ``unknown``), where that was read, and the define."""

    release: str
    source: str
    define: str

    def to_dict(self) -> dict[str, str]:
        """What the manifest records."""
        return {
            "waspmote_api_version": self.release,
            "waspmote_api_version_source": self.source,
            "waspmote_api_define": self.define,
        }


def _read_text(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_MARKER_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _from_ide(root: Path) -> tuple[str, str] | None:
    """The API release of the newest entry of an IDE's ``revisions.txt`` (entries run newest
    first, each under an ``IDE vNN.NN`` heading)."""
    text = _read_text(root / "revisions.txt")
    if text is None:
        return None
    heading = ""
    for line in text.splitlines():
        entry = _IDE_ENTRY.search(line)
        if entry is not None:
            heading = entry.group(1)
            continue
        release = _RELEASE.search(line)
        if release is not None:
            ide = (_read_text(root / "lib" / "version.txt") or "").strip() or heading
            return release.group(1).lower(), f"revisions.txt of Waspmote IDE {ide}".rstrip()
    return None


def _from_git(root: Path) -> tuple[str, str] | None:
    """The release named by the newest commit subject that names one."""
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        return None
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    try:
        result = subprocess.run(
            [git, "-C", str(root), "log", f"-{_GIT_COMMITS}", "--format=%h%x09%s"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_GIT_TIMEOUT_S,
            check=False,
            env=environment,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    for line in result.stdout.splitlines():
        commit, _, subject = line.partition("\t")
        release = _RELEASE.search(subject)
        if release is not None:
            return release.group(1).lower(), f"git commit {commit} ({subject.strip()[:60]})"
    return None


def _from_folder(root: Path) -> tuple[str, str] | None:
    match = _FOLDER_RELEASE.search(root.name)
    if match is None:
        return None
    return match.group(1).lower(), f"the folder's name ({root.name})"


def _define(core: Path) -> str:
    constants = core / "WaspConstants.h"
    try:
        match = _DEFINE.search(constants.read_bytes()) if constants.is_file() else None
    except OSError:
        match = None
    return match.group(1).decode() if match else "unknown"


def read_api_version(root: Path, core: Path) -> ApiVersion:
    """The release of the tree at ``root`` (core folder ``core``), from its markers."""
    define = _define(core)
    for reader in (_from_ide, _from_git, _from_folder):
        found = reader(root)
        if found is not None:
            return ApiVersion(found[0], found[1], define)
    return ApiVersion(
        "unknown", "no release marker (IDE revisions.txt, git history or folder name)", define
    )
