"""API tokens kept in the store: created once (the token is shown then only), hashed, revoked.

A token is 32 random bytes in URL-safe base64 with an ``opk_`` prefix (so that it is easy to
spot if it ever leaks into a file). Only its SHA-256 is stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import Engine, insert, select, update

from openpcs.gateway.directory import token_hash
from openpcs.gateway.records import utc_now
from openpcs.gateway.storable import MAX_ID
from openpcs.gateway.store.schema import API_TOKENS
from openpcs.text.names import name_problem

__all__ = ["SCOPES", "StoredToken", "TokenStore", "new_token"]

Scope = Literal["read", "ingest", "admin"]
SCOPES: Final = ("read", "ingest", "admin")
_PREFIX: Final = "opk_"


def new_token() -> str:
    """A fresh random token."""
    return _PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A token's record (without the token)."""

    id: int
    name: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None


class TokenStore:
    """Tokens in the ``api_tokens`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, name: str, scope: Scope) -> str:
        """Store a new token and return it (the only time it is seen). ``ValueError`` for a
        name that breaks :data:`openpcs.text.names.NAME_RULE` or an unknown scope."""
        if problem := name_problem(name, "token"):
            raise ValueError(problem)
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        token = new_token()
        with self.engine.begin() as connection:
            connection.execute(
                insert(API_TOKENS).values(
                    name=name, scope=scope, token_hash=token_hash(token), created_at=utc_now()
                )
            )
        return token

    def scope_of(self, token: str) -> str | None:
        """The scope of a valid, unrevoked token; ``None`` otherwise."""
        t = API_TOKENS.c
        with self.engine.connect() as connection:
            row = connection.execute(
                select(t.scope).where(t.token_hash == token_hash(token), t.revoked_at.is_(None))
            ).first()
        return None if row is None else str(row[0])

    def all(self) -> list[StoredToken]:
        """Every token record, oldest first."""
        t = API_TOKENS.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(t.id, t.name, t.scope, t.created_at, t.revoked_at).order_by(t.id)
            ).all()
        return [StoredToken(*row) for row in rows]

    def revoke(self, name_or_id: str) -> int:
        """Revoke the tokens with this name (or id); how many were revoked.

        Only ASCII digits up to the largest id a row can have are an id; other text (a
        number beyond 64 bits, other scripts' digits) is a name only.
        """
        t = API_TOKENS.c
        condition = t.name == name_or_id
        digits = name_or_id.lstrip("0") or "0"
        if name_or_id.isascii() and name_or_id.isdigit() and len(digits) <= len(str(MAX_ID)):
            number = int(digits)
            if number <= MAX_ID:
                condition = condition | (t.id == number)
        with self.engine.begin() as connection:
            result = connection.execute(
                update(API_TOKENS)
                .where(condition, t.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            )
        return int(result.rowcount)

    def has_admin(self) -> bool:
        """Whether an unrevoked admin token exists."""
        t = API_TOKENS.c
        with self.engine.connect() as connection:
            row = connection.execute(
                select(t.id).where(t.scope == "admin", t.revoked_at.is_(None)).limit(1)
            ).first()
        return row is not None
