"""Slowing down password guessing: failed sign-ins back off per account and per client address,
and at most a few password hashes run at once.

:class:`LoginThrottle` counts failed password checks under two keys, the username (whether or
not such an account exists, so its answers never tell) and the client's address (an IPv6
address by its /64, which one host usually holds whole). A key's first ``free`` failures cost
nothing; from then on each failure makes the key wait ``base_s`` seconds, doubling with every
further failure up to ``cap_s``. A key forgets one failure per ``decay_s`` of quiet since its
last failure, and a right password clears the account's count (never the address's: anyone
with an account of their own could clear it). Each table holds at most ``capacity`` keys; when
full it drops keys that have forgotten everything first, then the key with the fewest failures
(the oldest of those), so spraying new usernames or addresses evicts the sprayer's own keys
before a key under sustained attack. Time comes from ``clock`` (monotonic seconds), which tests
replace.

:class:`HashGate` bounds the scrypt hashes running at once (each takes 16 MiB): a caller over
the bound waits up to ``wait_s`` for a slot, and when ``waiting`` callers wait already it is
refused at once, so waiters cannot fill the server's thread pool either.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from openpcs.web.errors import WebError

__all__ = [
    "ACCOUNT_BACKOFF",
    "ADDRESS_BACKOFF",
    "Backoff",
    "Busy",
    "HashGate",
    "LoginThrottle",
    "Throttled",
    "TryLater",
    "client_key",
]

_MAX_KEY: Final = 64


class TryLater(WebError):
    """A request refused for now; ``retry_after`` is the whole seconds to wait (at least 1)."""

    def __init__(self, message: str, retry_after: float, path: str = "") -> None:
        super().__init__(message, path)
        self.retry_after = max(1, math.ceil(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        """The ``Retry-After`` header of the answer."""
        return {"Retry-After": str(self.retry_after)}


class Throttled(TryLater):
    """Too many failed password checks for this account or from this address (429)."""

    status = 429

    def __init__(self, retry_after: float) -> None:
        wait = max(1, math.ceil(retry_after))
        super().__init__(
            "too many failed sign-in attempts for this account or from this address: "
            f"wait {wait} s and try again",
            wait,
        )


class Busy(TryLater):
    """Too many passwords are being checked at once (503)."""

    status = 503

    def __init__(self, retry_after: float = 1.0) -> None:
        super().__init__(
            "the server is checking too many passwords at once: try again shortly", retry_after
        )


@dataclass(frozen=True, slots=True)
class Backoff:
    """When a key may try again after ``failures`` failures, and how long they are kept."""

    free: int
    base_s: float
    cap_s: float
    decay_s: float

    def delay(self, failures: int) -> float:
        """Seconds to wait after the last of ``failures`` failures: none for the first
        ``free``, then ``base_s`` doubling with each failure, at most ``cap_s``."""
        over = failures - self.free
        if over < 0:
            return 0.0
        return min(self.cap_s, self.base_s * 2.0 ** min(over, 64))


#: A username: five free tries, then 1 s doubling up to 15 minutes; a failure is forgotten per
#: 30 minutes of quiet (longer than the cap, so waiting out the cap never starts afresh).
ACCOUNT_BACKOFF: Final = Backoff(free=5, base_s=1.0, cap_s=900.0, decay_s=1800.0)
#: A client address (several people may share one): ten free tries, then the same backoff.
ADDRESS_BACKOFF: Final = Backoff(free=10, base_s=1.0, cap_s=900.0, decay_s=1800.0)


@dataclass(slots=True)
class _Entry:
    failures: int
    last: float


class _Table:
    """Failure counts by key, at most ``capacity`` keys, in order of their last failure."""

    def __init__(self, backoff: Backoff, capacity: int) -> None:
        self.backoff = backoff
        self.capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def _remaining(self, entry: _Entry, now: float) -> int:
        """Failures not yet forgotten at ``now``."""
        quiet = max(0.0, now - entry.last)
        return entry.failures - int(quiet // self.backoff.decay_s)

    def failures(self, key: str, now: float) -> int:
        """Failures of ``key`` not yet forgotten."""
        entry = self._entries.get(key)
        return 0 if entry is None else max(0, self._remaining(entry, now))

    def wait(self, key: str, now: float) -> float:
        """Seconds ``key`` must still wait (0: it may try now)."""
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        return max(0.0, entry.last + self.backoff.delay(entry.failures) - now)

    def fail(self, key: str, now: float) -> None:
        """Count a failure of ``key`` at ``now``."""
        entry = self._entries.pop(key, None)
        failures = 0 if entry is None else max(0, self._remaining(entry, now))
        self._entries[key] = _Entry(failures + 1, now)
        if len(self._entries) > self.capacity:
            self._shrink(now, key)

    def clear(self, key: str) -> None:
        """Forget ``key``."""
        self._entries.pop(key, None)

    def _shrink(self, now: float, keep: str) -> None:
        """Back to ``capacity``: entries that forgot everything go first, then the one with
        the fewest failures, the oldest of those; never ``keep`` (the key that just failed),
        so a new key is counted and one under attack outlives the sprayer's many new keys."""
        while self._entries:  # the oldest last failure comes first
            oldest_key, oldest = next(iter(self._entries.items()))
            if self._remaining(oldest, now) > 0:
                break
            del self._entries[oldest_key]
        while len(self._entries) > self.capacity:
            victim, fewest = "", 0
            for key, entry in self._entries.items():
                if key != keep and (not victim or entry.failures < fewest):
                    victim, fewest = key, entry.failures
                    if fewest <= 1:
                        break  # none has fewer: this is the oldest of the fewest
            del self._entries[victim]


def client_key(address: str | None) -> str:
    """The throttle's key for a client address: an IPv6 address by its /64 (an IPv4-mapped one
    as IPv4), anything else as given, no address as ``"unknown"``."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:_MAX_KEY]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _account_key(username: str) -> str:
    return username.strip().lower()[:_MAX_KEY]


class LoginThrottle:
    """Failed password checks per account and per client address (thread-safe)."""

    def __init__(
        self,
        *,
        account: Backoff = ACCOUNT_BACKOFF,
        address: Backoff = ADDRESS_BACKOFF,
        capacity: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError("a throttle tracks at least one key")
        self.clock = clock
        self._accounts = _Table(account, capacity)
        self._addresses = _Table(address, capacity)
        self._lock = threading.Lock()

    def check(self, username: str, address: str | None) -> None:
        """:class:`Throttled` while the account or the address must wait; call it before any
        password is hashed."""
        with self._lock:
            now = self.clock()
            wait = max(
                self._accounts.wait(_account_key(username), now),
                self._addresses.wait(client_key(address), now),
            )
        if wait > 0:
            raise Throttled(wait)

    def failed(self, username: str, address: str | None) -> None:
        """Count a wrong password for the account and the address."""
        with self._lock:
            now = self.clock()
            self._accounts.fail(_account_key(username), now)
            self._addresses.fail(client_key(address), now)

    def succeeded(self, username: str) -> None:
        """A right password: the account starts afresh (the address keeps its count)."""
        with self._lock:
            self._accounts.clear(_account_key(username))

    def failures(self, username: str, address: str | None) -> tuple[int, int]:
        """The failures the account and the address have not yet forgotten."""
        with self._lock:
            now = self.clock()
            return (
                self._accounts.failures(_account_key(username), now),
                self._addresses.failures(client_key(address), now),
            )

    def sizes(self) -> tuple[int, int]:
        """How many accounts and addresses are tracked."""
        with self._lock:
            return len(self._accounts), len(self._addresses)


class HashGate:
    """At most ``concurrent`` password hashes at once; see the module's docstring."""

    def __init__(self, concurrent: int = 2, *, waiting: int = 8, wait_s: float = 5.0) -> None:
        self.concurrent = concurrent
        self.waiting = waiting
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._waiters = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots for the block; :class:`Busy` when none frees up in time or
        too many callers wait already."""
        if not self._slots.acquire(blocking=False):
            with self._lock:
                if self._waiters >= self.waiting:
                    raise Busy()
                self._waiters += 1
            try:
                acquired = self._slots.acquire(timeout=self.wait_s)
            finally:
                with self._lock:
                    self._waiters -= 1
            if not acquired:
                raise Busy()
        try:
            yield
        finally:
            self._slots.release()
