"""The errors the web services raise; the HTTP layer turns them into answers."""

from __future__ import annotations

__all__ = ["Conflict", "Forbidden", "LicenceFull", "NotFound", "Refused", "WebError"]


class WebError(Exception):
    """A request that cannot be done; ``path`` names the field it is about, if one."""

    status = 400

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class Refused(WebError):
    """Bad input (400)."""


class NotFound(WebError):
    """No such thing (404)."""

    status = 404


class Conflict(WebError):
    """It exists already, or the licence does not allow it (409)."""

    status = 409


class LicenceFull(Conflict):
    """The licence's node count is reached (409)."""


class Forbidden(WebError):
    """The account may not do this (403)."""

    status = 403
