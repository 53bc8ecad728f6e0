"""Writing values as C++ source: string and number literals, identifiers, sleep strings."""

from __future__ import annotations

import math
import re
from typing import Final

__all__ = [
    "c_byte_list",
    "c_bytes",
    "c_comment",
    "c_float",
    "c_identifier",
    "c_int",
    "c_size",
    "c_string",
    "sleep_text",
]

_SIMPLE: Final = re.compile(r"[ -!#-\[\]-~]")  # printable ASCII except '"' and '\'


def c_string(text: str) -> str:
    """A C string literal for ``text`` (UTF-8 bytes; quotes, backslashes, controls escaped).

    Bytes outside printable ASCII become three-digit octal escapes, which never swallow a
    following digit the way ``\\x`` escapes do.
    """
    parts = ['"']
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if _SIMPLE.fullmatch(char) and char != "?":  # '?' escaped: no trigraphs
            parts.append(char)
        elif char in ('"', "\\", "?"):
            parts.append("\\" + char)
        else:
            parts.append(f"\\{byte:03o}")
    parts.append('"')
    return "".join(parts)


def c_float(value: float) -> str:
    """A C ``float``/``double`` literal that reads back as ``value``."""
    if not math.isfinite(value):
        raise ValueError(f"{value} has no C literal")
    text = repr(float(value))
    return text if ("." in text or "e" in text) else text + ".0"


def c_identifier(text: str) -> str:
    """An identifier made of ``text``: letters, digits and ``_``, not starting with a digit."""
    cleaned = re.sub(r"[^0-9A-Za-z_]", "_", text)
    return f"_{cleaned}" if not cleaned or cleaned[0].isdigit() else cleaned


def sleep_text(total_seconds: int) -> str:
    """``PWR.deepSleep``'s ``"DD:HH:MM:SS"`` for a number of seconds (days up to 99)."""
    if not 0 <= total_seconds < 100 * 86_400:
        raise ValueError(f"{total_seconds} s does not fit DD:HH:MM:SS")
    days, rest = divmod(total_seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    return f"{days:02d}:{hours:02d}:{minutes:02d}:{seconds:02d}"


def c_int(value: int | str) -> str:
    """An integer given as a number or as text (``12``, ``0x0C``) as a C hex literal."""
    number = value if isinstance(value, int) else int(str(value), 0)
    return f"0x{number:02X}"


def c_byte_list(hex_text: str) -> list[str]:
    """Hex text (``7FFF``) as C byte literals (``0x7F``, ``0xFF``), most significant first."""
    digits = hex_text.strip().removeprefix("0x").removeprefix("0X")
    if len(digits) % 2:
        digits = "0" + digits
    return [f"0x{digits[i : i + 2].upper()}" for i in range(0, len(digits), 2)]


def c_bytes(hex_text: str, size: int | None = None) -> str:
    """A C array initialiser of the bytes of ``hex_text``, zero-padded to ``size`` bytes."""
    items = c_byte_list(hex_text)
    if size is not None:
        if len(items) > size:
            raise ValueError(f"{hex_text} is more than {size} bytes")
        items += ["0x00"] * (size - len(items))
    return "{" + ", ".join(items) + "}"


def c_size(text: str) -> int:
    """Bytes ``text`` takes in a C string (UTF-8), without the terminating zero."""
    return len(text.encode("utf-8"))


def c_comment(text: str) -> str:
    """``text`` made safe inside a ``/* … */`` comment: no ``*/``, no line breaks."""
    return " ".join(str(text).replace("*/", "* /").splitlines())
