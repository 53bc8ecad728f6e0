"""The release a Waspmote API tree is, read from its markers (IDE revisions, git history, folder
name) with the core's raw define beside it; never the define passed off as the release."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from openpcs.program.api_tree import find_api_tree
from tests.program.fake_tree import write_fake_tree
from tests.requirements import require_programs

# the shape of an IDE's revisions.txt: newest entry first, each under an "IDE vNN.NN" heading
REVISIONS = """-- WASPMOTE PRO IDE v07.02 --

*******************
***   IDE v07.02   ***
*******************
* Update Waspmote API to v061

*******************
***   IDE v07.01   ***
*******************
* Update Waspmote API to v060
"""


def _ide(tmp_path: Path, tree: Path) -> Path:
    ide = tmp_path / "ide"
    shutil.copytree(tree / "waspmote-api", ide / "hardware/waspmote/avr/cores/waspmote-api")
    shutil.copytree(tree / "libraries", ide / "libraries")
    return ide


def test_an_ide_install_names_the_api_of_its_newest_entry(tmp_path: Path) -> None:
    ide = _ide(tmp_path, write_fake_tree(tmp_path / "api"))
    (ide / "revisions.txt").write_text(REVISIONS, encoding="utf-8")
    (ide / "lib").mkdir()
    (ide / "lib" / "version.txt").write_text("v07.02\n", encoding="utf-8")
    version = find_api_tree(ide).version
    assert version.release == "v061"
    assert version.source == "revisions.txt of Waspmote IDE v07.02"
    assert version.define == "99"
    identity = find_api_tree(ide).identity()
    assert identity["waspmote_api_version"] == "v061"
    assert identity["waspmote_api_define"] == "99"


def test_a_git_checkout_names_the_newest_release_commit(tmp_path: Path) -> None:
    require_programs("git")
    tree = write_fake_tree(tmp_path / "api")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "API v046")
    (tree / "waspmote-api" / "note.h").write_text("/* a release */\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "API v048")
    (tree / "waspmote-api" / "local.h").write_text("/* a local change */\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "my own change to the core")
    version = find_api_tree(tree).version
    assert version.release == "v048"
    assert version.source.startswith("git commit ")
    assert version.source.endswith("(API v048)")
    assert version.define == "99"


def test_the_folder_name_is_the_last_marker(tmp_path: Path) -> None:
    tree = write_fake_tree(tmp_path / "waspmote-api-v047")
    assert find_api_tree(tree).version.release == "v047"
    plain = write_fake_tree(tmp_path / "plain")
    version = find_api_tree(plain).version
    assert version.release == "unknown"
    assert "no release marker" in version.source
    assert version.define == "99"
