"""What ``openpcs upload`` writes: a bundle's ``.hex`` (with the node it was built for) or a
``.hex`` file, checked before anything reaches the node.

:func:`program_to_upload` refuses, with an :class:`UploadError` saying why in the user's
words, a file that cannot be read, a bundle without a binary (built source only), a file that
is not Intel HEX, an empty program, one that reaches into the bootloader's section, and a
bundle that names no node.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from openpcs.program.bundle_read import BundleError, NoBinary, read_bundle
from openpcs.program.intel_hex import HexError, HexImage, read_intel_hex

__all__ = ["ProgramToUpload", "UploadError", "program_to_upload"]

#: the largest .hex file read (the ATmega1281's 128 KiB of flash as Intel HEX)
_LARGEST_HEX: Final = 400_000
#: a node's serial as a manifest gives it
_SERIAL: Final = re.compile(r"[0-9A-F]{16}")


class UploadError(Exception):
    """The upload cannot go on; the message says why and what to do, in the user's words."""


@dataclass(frozen=True)
class ProgramToUpload:
    """A program checked for the node: its Intel HEX, its image, and the node it was built
    for (``None`` for a bare ``.hex``)."""

    source: Path
    hex_text: str
    image: HexImage
    serial: str | None


def _hex_text(path: Path) -> tuple[str, str | None]:
    if zipfile.is_zipfile(path):
        try:
            bundle = read_bundle(path)
        except NoBinary as exc:
            raise UploadError(f"{exc}: build it with the Waspmote API (--api-dir)") from None
        except BundleError as exc:
            raise UploadError(str(exc)) from None
        serial = bundle.serial
        if serial is None or _SERIAL.fullmatch(serial) is None:
            raise UploadError(f"{path}: the bundle names no node (its manifest's serial)")
        return bundle.hex_text, serial
    try:
        if path.stat().st_size > _LARGEST_HEX:
            raise UploadError(f"{path}: larger than any ATmega1281 program")
        return path.read_text("ascii"), None
    except (OSError, UnicodeDecodeError) as exc:
        raise UploadError(f"{path}: cannot be read ({exc})") from None


def program_to_upload(path: Path, application_limit: int) -> ProgramToUpload:
    """The program in ``path`` (a bundle or a ``.hex``), checked to fit below
    ``application_limit``."""
    if path.is_dir():
        raise UploadError(f"{path}: a folder, not a bundle or a .hex file")
    if not path.is_file():
        raise UploadError(f"{path}: no such file")
    text, serial = _hex_text(path)
    try:
        image = read_intel_hex(text)
    except HexError as exc:
        raise UploadError(f"{path}: not a program in Intel HEX ({exc})") from None
    if not image.size:
        raise UploadError(f"{path}: the program is empty")
    if image.end > application_limit:
        raise UploadError(
            f"{path}: the program reaches {image.end:#07x}, past {application_limit:#07x} "
            "where the node's bootloader begins"
        )
    return ProgramToUpload(path, text, image, serial)
