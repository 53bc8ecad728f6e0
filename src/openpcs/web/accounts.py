"""Local accounts and browser sessions.

Passwords are hashed with scrypt (a random salt each); a session is a random cookie value of
which only the SHA-256 is stored, valid for ``session_hours``. The CSRF token of a session is
an HMAC of its cookie value, so it needs no storage and changes with every sign-in.

Every password check goes through the accounts' :class:`LoginThrottle` (asked before anything
is hashed) and every hash through their :class:`HashGate` (see ``login_throttle``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from openpcs.gateway.directory import token_hash
from openpcs.gateway.records import utc_now
from openpcs.web.errors import Conflict, Forbidden, NotFound, Refused
from openpcs.web.login_throttle import HashGate, LoginThrottle
from openpcs.web.names import check_name
from openpcs.web.store.schema import BATCHES, DEVICES, PROGRAMS, SESSIONS, USERS

__all__ = ["ROLES", "Account", "Accounts", "hash_password", "verify_password"]

Role = Literal["admin", "user"]
ROLES: Final = ("admin", "user")
_SCRYPT: Final = {"n": 2**14, "r": 8, "p": 1}
_MIN_PASSWORD: Final = 8
_USERS = USERS
_SESSIONS = SESSIONS


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` for ``password``."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant time; a malformed hash never does)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in or listed account (never its password hash)."""

    id: int
    username: str
    role: str
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        """Admins also manage accounts, API tokens and the licence."""
        return self.role == "admin"


def _account(row: object) -> Account:
    return Account(row.id, row.username, row.role, row.created_at)  # type: ignore[attr-defined]


def check_username(username: str) -> str:
    """The username in lower case; :class:`Refused` unless it is a name
    (:data:`openpcs.web.names.NAME_RULE`)."""
    return check_name(username.strip().lower(), "account", "username")


def check_password(password: str) -> str:
    """The password; :class:`Refused` when shorter than 8 characters or over 256."""
    if not _MIN_PASSWORD <= len(password) <= 256:
        raise Refused(f"at least {_MIN_PASSWORD} characters (at most 256)", "password")
    return password


#: Where an account is recorded as the owner of something (table, column).
_OWNED: Final = ((PROGRAMS, "made_by"), (BATCHES, "made_by"), (DEVICES, "config_saved_by"))


def removed_owner(username: str) -> str:
    """How a removed account is recorded as an owner: ``removed:<name>``, which the name rule
    keeps any account from being called (at most 64 characters, as the columns are)."""
    return f"removed:{username}"[:64]


class Accounts:
    """Accounts and sessions in the store."""

    def __init__(
        self,
        engine: Engine,
        *,
        session_hours: float = 12.0,
        throttle: LoginThrottle | None = None,
        gate: HashGate | None = None,
    ) -> None:
        self.engine = engine
        self.session_length = timedelta(hours=session_hours)
        self.throttle = throttle if throttle is not None else LoginThrottle()
        self.gate = gate if gate is not None else HashGate()
        # checked in place of a missing account's hash, so an unknown name costs one hash too
        self._decoy = hash_password(secrets.token_urlsafe(16))

    def _hash(self, password: str) -> str:
        with self.gate.slot():
            return hash_password(password)

    # --- accounts -------------------------------------------------------------------------

    def create(self, username: str, password: str, role: str = "user") -> Account:
        """A new account; :class:`Conflict` when the name is taken."""
        name = check_username(username)
        if role not in ROLES:
            raise Refused(f"a role is one of {', '.join(ROLES)}", "role")
        hashed = self._hash(check_password(password))
        with self.engine.begin() as connection:
            taken = connection.execute(select(_USERS.c.id).where(_USERS.c.username == name))
            if taken.first() is not None:
                raise Conflict(f"an account named {name!r} exists already", "username")
            try:
                connection.execute(
                    insert(_USERS).values(
                        username=name,
                        password_hash=hashed,
                        role=role,
                        created_at=utc_now(),
                        disabled=False,
                    )
                )
            except IntegrityError:  # made by another request since the look above
                raise Conflict(f"an account named {name!r} exists already", "username") from None
        return self.get(name)

    def get(self, username: str) -> Account:
        """The account named ``username``; :class:`NotFound` if none."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_USERS).where(_USERS.c.username == username.strip().lower())
            ).first()
        if row is None:
            raise NotFound(f"no account named {username!r}", "username")
        return _account(row)

    def all(self) -> list[Account]:
        """Every account, by name."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(_USERS).order_by(_USERS.c.username)).all()
        return [_account(row) for row in rows]

    def count(self) -> int:
        """How many accounts there are."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_USERS)).scalar_one())

    def authenticate(self, username: str, password: str, address: str | None) -> Account | None:
        """The account when the password is right, else ``None``, for a client at ``address``.

        :class:`Throttled` (429) before anything is hashed while the username or the address
        must wait; :class:`Busy` (503) when no hash slot frees up in time. A wrong password
        counts against both, a right one clears the username's count. An unknown or disabled
        name costs one hash, as a known one does, and answers the same.
        """
        self.throttle.check(username, address)
        with self.gate.slot():
            self.throttle.check(username, address)  # failures counted while this one waited
            with self.engine.connect() as connection:
                row = connection.execute(
                    select(_USERS).where(
                        _USERS.c.username == username.strip().lower(),
                        _USERS.c.disabled.is_(False),
                    )
                ).first()
            stored = row.password_hash if row is not None else self._decoy
            right = verify_password(password, stored) and row is not None
        if right and row is not None:
            self.throttle.succeeded(username)
            return _account(row)
        self.throttle.failed(username, address)
        return None

    def change_password(
        self, username: str, current: str, password: str, address: str | None
    ) -> None:
        """Change ``username``'s password to ``password`` if ``current`` is its password now.

        The new password is checked first (:class:`Refused`, nothing counted); a wrong current
        password is :class:`Forbidden` and counts as a failed sign-in, with the throttling of
        :meth:`authenticate`. Ends that account's sessions.
        """
        check_password(password)
        if self.authenticate(username, current, address) is None:
            raise Forbidden("the current password is wrong", "current_password")
        self.set_password(username, password)

    def set_password(self, username: str, password: str) -> None:
        """Change a password and end that account's sessions (no check of the old one)."""
        account = self.get(username)
        hashed = self._hash(check_password(password))
        with self.engine.begin() as connection:
            connection.execute(
                update(_USERS).where(_USERS.c.id == account.id).values(password_hash=hashed)
            )
            connection.execute(delete(_SESSIONS).where(_SESSIONS.c.user_id == account.id))

    def remove(self, username: str) -> None:
        """Delete an account (and its sessions); the last admin stays.

        What the account owned (the firmware and batches it made, the device keys it saved)
        is marked as a removed account's (:func:`removed_owner`), a name no account can take:
        a new account of the same name gets none of it; admins still do."""
        account = self.get(username)
        with self.engine.begin() as connection:
            if account.is_admin:
                admins = connection.execute(
                    select(func.count()).select_from(_USERS).where(_USERS.c.role == "admin")
                ).scalar_one()
                if admins <= 1:
                    raise Conflict("the last admin account cannot be removed", "username")
            connection.execute(delete(_SESSIONS).where(_SESSIONS.c.user_id == account.id))
            connection.execute(delete(_USERS).where(_USERS.c.id == account.id))
            gone = removed_owner(account.username)
            for table, column in _OWNED:
                connection.execute(
                    update(table).where(table.c[column] == account.username).values({column: gone})
                )

    # --- sessions -------------------------------------------------------------------------

    def start_session(self, account: Account) -> str:
        """A new session's cookie value (shown once; only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(delete(_SESSIONS).where(_SESSIONS.c.expires_at < now))
            connection.execute(
                insert(_SESSIONS).values(
                    token_hash=token_hash(token),
                    user_id=account.id,
                    created_at=now,
                    expires_at=now + self.session_length,
                )
            )
        return token

    def session_account(self, token: str | None) -> Account | None:
        """Whose live session ``token`` is, or ``None``."""
        if not token:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_USERS)
                .join(_SESSIONS, _SESSIONS.c.user_id == _USERS.c.id)
                .where(
                    _SESSIONS.c.token_hash == token_hash(token),
                    _SESSIONS.c.expires_at > utc_now(),
                    _USERS.c.disabled.is_(False),
                )
            ).first()
        return _account(row) if row is not None else None

    def end_session(self, token: str | None) -> None:
        """Sign out."""
        if token:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(_SESSIONS).where(_SESSIONS.c.token_hash == token_hash(token))
                )


def csrf_token(session_token: str) -> str:
    """The CSRF token belonging to a session."""
    return hmac.new(session_token.encode(), b"openpcs-csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    """Whether ``presented`` is the session's CSRF token (constant time)."""
    return bool(presented) and hmac.compare_digest(csrf_token(session_token), presented or "")


def first_admin(accounts: Accounts, username: str = "admin") -> str | None:
    """With no account yet, make ``admin`` with a random password and return the password."""
    if accounts.count():
        return None
    password = secrets.token_urlsafe(12)
    accounts.create(username, password, "admin")
    return password
