"""Who may call what: API tokens and their scopes, and how a request presents one.

Scopes: ``read`` (queries), ``ingest`` (sending frames where a token is asked for), ``admin``
(everything, including device keys and reprocessing). Tokens come from the settings or from
the store (``openpcs token create``); only hashes are compared, in constant time.

A request presents a token as ``Authorization: Bearer <token>``, as the password of HTTP
Basic authentication (what network servers' webhook settings offer), or as ``X-Api-Key``.
Ingest routes also take ``?token=`` because some senders can only change the URL; query and
admin routes do not, so that tokens with wide powers stay out of URLs and access logs.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Callable, Sequence
from typing import Final

from fastapi import HTTPException, Request, status

from openpcs.gateway.directory import token_hash
from openpcs.gateway.settings import TokenSetting
from openpcs.gateway.store.tokens import TokenStore

__all__ = ["Authenticator", "presented_token", "satisfies"]

_CACHE_S: Final = 10.0
_CACHE_SIZE: Final = 1024
#: What each scope may also do.
_IMPLIED: Final = {"admin": {"admin", "read", "ingest"}, "read": {"read"}, "ingest": {"ingest"}}


def satisfies(scope: str | None, needed: str) -> bool:
    """Whether a token of ``scope`` may do what needs ``needed``."""
    return scope is not None and needed in _IMPLIED.get(scope, set())


def presented_token(
    request: Request, *, allow_query: bool = False, allow_basic: bool = True
) -> str | None:
    """The token a request presents, or ``None``: ``Authorization: Bearer``, ``X-Api-Key``,
    the password of HTTP Basic unless ``allow_basic`` is off, and ``?token=`` where
    ``allow_query`` says. Basic and the query string are what a browser may send by itself
    (remembered credentials, a link), so the web application, whose token callers skip the
    CSRF check, takes neither."""
    query = request.query_params.get("token") if allow_query else None
    return token_in(request.headers.get, query, allow_basic=allow_basic)


def token_in(
    header: Callable[[str], str | None], query_token: str | None, *, allow_basic: bool = True
) -> str | None:
    """:func:`presented_token` from a request's parts: ``header(name)`` gives a header's
    value (names in lower case), ``query_token`` the ``?token=`` taken (``None``: not taken)."""
    kind, _, value = (header("authorization") or "").partition(" ")
    value = value.strip()
    if kind.lower() == "bearer" and value:
        return value
    if kind.lower() == "basic" and value and allow_basic:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    key = header("x-api-key")
    if key:
        return key.strip()
    return query_token or None


class Authenticator:
    """Tells a token's scope, from the settings' tokens and the store's (cached briefly)."""

    def __init__(self, configured: Sequence[TokenSetting], store: TokenStore | None) -> None:
        self._configured = [
            (token_hash(item.token.get_secret_value()), item.scope) for item in configured
        ]
        self._store = store
        self._cache: dict[str, tuple[str | None, float]] = {}

    def scope_of(self, token: str | None) -> str | None:
        """The scope of ``token``; ``None`` when it is missing, unknown or revoked."""
        if not token:
            return None
        hashed = token_hash(token)
        for known, scope in self._configured:
            if hmac.compare_digest(known, hashed):
                return scope
        if self._store is None:
            return None
        now = time.monotonic()
        cached = self._cache.get(hashed)
        if cached is not None and cached[1] > now:
            return cached[0]
        scope_found = self._store.scope_of(token)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[hashed] = (scope_found, now + _CACHE_S)
        return scope_found

    def forget(self) -> None:
        """Drop cached answers (after a token was revoked)."""
        self._cache.clear()

    def requirement(self, needed: str, *, allow_query: bool = False) -> Callable[[Request], str]:
        """A FastAPI dependency that refuses requests without a token of ``needed`` scope."""

        # an admin call changes things: its token never comes as HTTP Basic, which a browser
        # may send by itself on a form another site posts
        allow_basic = needed != "admin"

        def check(request: Request) -> str:
            token = presented_token(request, allow_query=allow_query, allow_basic=allow_basic)
            scope = self.scope_of(token)
            if satisfies(scope, needed):
                assert scope is not None
                return scope
            if token is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    f"this call needs a token with the {needed!r} scope "
                    "(Authorization: Bearer <token>)",
                    headers={"WWW-Authenticate": 'Bearer realm="openpcs"'},
                )
            if scope is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "the token is not valid (unknown or revoked)",
                    headers={"WWW-Authenticate": 'Bearer realm="openpcs", error="invalid_token"'},
                )
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"the token's scope {scope!r} does not allow this"
            )

        return check
