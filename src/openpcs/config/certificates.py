"""CA certificates as the node's radio stores them: the first PEM block, and its size limit."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["CERTIFICATE_MAX_BYTES", "first_certificate"]

#: The largest CA certificate the WiFi PRO module stores (WaspWIFI_PRO.cpp setCA()); the
#: program writes it to the radio from flash, so its size costs no RAM.
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
