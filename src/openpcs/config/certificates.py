"""CA certificates as the node's radio stores them: the first PEM block, and its size limit."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["CERTIFICATE_MAX_BYTES", "first_certificate"]

#: The largest CA certificate the WiFi PRO module stores (setCA); the program also copies it
#: onto the node's stack to install it, which a longer text would not leave room for.
CERTIFICATE_MAX_BYTES: Final = 1500
_BLOCK: Final = re.compile(
    r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----"
)


def first_certificate(text: str) -> str | None:
    """The first ``BEGIN/END CERTIFICATE`` block of a PEM text, lines ending in ``\\n``."""
    match = _BLOCK.search(text)
    if match is None:
        return None
    lines = [line.strip() for line in match.group(0).splitlines() if line.strip()]
    return "\n".join(lines) + "\n"
