"""The digest of a configuration document, kept with a device's saved configuration and with
each program built from one: equal digests mean the same configuration by the same account."""

from __future__ import annotations

import json
from typing import Any

from openpcs.gateway.secret_box import SecretBox

__all__ = ["config_hash"]


def config_hash(document: dict[str, Any], box: SecretBox, author: str) -> str:
    """The keyed digest (:meth:`SecretBox.digest`) of a configuration document in canonical
    JSON, secrets included, bound to the account that saved or built it (``author``).

    A change of any value, a key too, changes it. Whoever sees it (it is listed with every
    program) cannot test guesses of the secrets against it: without the secret key no digest
    can be computed, and a digest of what another account saves never equals one of
    ``author``'s, so saving guesses and watching the digest (or "changed since the last
    build") answers nothing."""
    canonical = json.dumps(
        {"author": author, "document": document},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return box.digest(canonical.encode("ascii"))
