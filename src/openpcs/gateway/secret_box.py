"""Keeping device keys encrypted at rest with the gateway's secret key.

The secret key comes from the settings (``security.secret_key``, best given through the
environment) or from ``secret.key`` in the data folder, created on first use with owner-only
permissions. Every gateway instance sharing a database must use the same secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["SECRET_FILE", "SecretBox", "SecretBoxError"]

SECRET_FILE: Final = "secret.key"
#: What the digest key is derived for (a key used for one purpose only).
_DIGEST_PURPOSE: Final = b"openpcs digest of documents that hold secrets, v1"


class SecretBoxError(Exception):
    """The secret key is unusable, or a sealed value was sealed with another key."""


class SecretBox:
    """Authenticated encryption of short texts (Fernet: AES-128-CBC with HMAC-SHA-256)."""

    def __init__(self, secret: bytes | str) -> None:
        try:
            self._fernet = Fernet(secret)
        except ValueError:
            raise SecretBoxError(
                "the secret key must be 32 bytes in URL-safe base64 (44 characters)"
            ) from None
        raw = base64.urlsafe_b64decode(secret)
        self._digest_key = hmac.new(raw, _DIGEST_PURPOSE, hashlib.sha256).digest()

    def digest(self, data: bytes) -> str:
        """A keyed digest of ``data`` (HMAC-SHA-256 under a key derived from the secret key),
        in hex: equal data give equal digests, and without the secret key a digest cannot be
        used to test guesses of the data (a plain hash of a document holding a 4-digit PIN
        gives the PIN away)."""
        return hmac.new(self._digest_key, data, hashlib.sha256).hexdigest()

    @classmethod
    def for_gateway(cls, data_dir: Path, configured: str | None) -> SecretBox:
        """The box for the configured key, or for ``data_dir/secret.key`` (created if absent)."""
        if configured:
            return cls(configured.strip())
        path = data_dir / SECRET_FILE
        try:
            return cls(path.read_bytes().strip())
        except FileNotFoundError:
            pass
        data_dir.mkdir(parents=True, exist_ok=True)
        secret = Fernet.generate_key()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(secret + b"\n")
        return cls(secret)

    def seal(self, text: str) -> str:
        """``text`` encrypted and authenticated, as ASCII."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def seal_bytes(self, data: bytes) -> bytes:
        """``data`` encrypted and authenticated (a Fernet token, ASCII bytes)."""
        return self._fernet.encrypt(data)

    def open_bytes(self, sealed: bytes) -> bytes:
        """The bytes :meth:`seal_bytes` sealed; raises :class:`SecretBoxError` if not ours."""
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise SecretBoxError(
                "a stored file cannot be opened: the gateway's secret key has changed"
            ) from None

    def open(self, sealed: str) -> str:
        """The text :meth:`seal` sealed; raises :class:`SecretBoxError` if it is not ours."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretBoxError(
                "a stored device key cannot be opened: the gateway's secret key has changed"
            ) from None
