"""The login throttle and the hash gate on their own, driven by a fake clock."""

from __future__ import annotations

import threading

import pytest

from openpcs.web.login_throttle import (
    ACCOUNT_BACKOFF,
    ADDRESS_BACKOFF,
    Backoff,
    Busy,
    HashGate,
    LoginThrottle,
    Throttled,
    client_key,
)


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


ROOMY = Backoff(free=1000, base_s=1.0, cap_s=900.0, decay_s=1800.0)


def throttle(
    clock: FakeClock,
    account: Backoff = ACCOUNT_BACKOFF,
    address: Backoff = ADDRESS_BACKOFF,
    capacity: int = 4096,
) -> LoginThrottle:
    return LoginThrottle(account=account, address=address, capacity=capacity, clock=clock)


def wait_of(guard: LoginThrottle, username: str, address: str) -> int:
    """The Retry-After seconds ``check`` answers, or 0 when it lets the attempt through."""
    try:
        guard.check(username, address)
    except Throttled as exc:
        refused = exc
    else:
        return 0
    assert refused.status == 429
    assert refused.headers == {"Retry-After": str(refused.retry_after)}
    return refused.retry_after


def test_the_backoff_doubles_after_the_free_tries_up_to_its_cap() -> None:
    backoff = Backoff(free=3, base_s=1.0, cap_s=8.0, decay_s=60.0)
    assert [backoff.delay(n) for n in range(9)] == [0, 0, 0, 1, 2, 4, 8, 8, 8]
    assert backoff.delay(10**6) == 8.0  # no overflow however long an attack lasts


def test_an_account_waits_longer_after_each_failure_past_the_free_ones() -> None:
    clock = FakeClock()
    guard = throttle(clock, address=ROOMY)
    for _ in range(ACCOUNT_BACKOFF.free):
        assert wait_of(guard, "admin", "192.0.2.1") == 0
        guard.failed("admin", "192.0.2.1")
    waits = []
    for _ in range(5):
        wait = wait_of(guard, "admin", "192.0.2.1")
        waits.append(wait)
        clock.advance(wait)
        assert wait_of(guard, "admin", "192.0.2.1") == 0  # waited it out
        guard.failed("admin", "192.0.2.1")
    assert waits == [1, 2, 4, 8, 16]


def test_the_account_is_throttled_from_every_address_and_any_spelling() -> None:
    guard = throttle(FakeClock(), address=ROOMY)
    for index in range(ACCOUNT_BACKOFF.free):
        guard.failed("Admin ", f"192.0.2.{index}")
    assert wait_of(guard, "admin", "198.51.100.7") == 1
    assert wait_of(guard, "someone-else", "198.51.100.7") == 0


def test_an_address_is_throttled_whatever_usernames_it_tries() -> None:
    guard = throttle(FakeClock(), account=ROOMY)
    for index in range(ADDRESS_BACKOFF.free):
        guard.failed(f"user{index}", "192.0.2.1")
    assert wait_of(guard, "user-never-tried", "192.0.2.1") == 1
    assert wait_of(guard, "user-never-tried", "192.0.2.2") == 0


def test_a_right_password_clears_the_account_not_the_address() -> None:
    guard = throttle(FakeClock())
    for _ in range(ACCOUNT_BACKOFF.free):
        guard.failed("ana", "192.0.2.1")
    assert guard.failures("ana", "192.0.2.1") == (ACCOUNT_BACKOFF.free, ACCOUNT_BACKOFF.free)
    guard.succeeded("ana")
    assert guard.failures("ana", "192.0.2.1") == (0, ACCOUNT_BACKOFF.free)
    assert wait_of(guard, "ana", "192.0.2.1") == 0


def test_failures_are_forgotten_one_per_quiet_period() -> None:
    clock = FakeClock()
    guard = throttle(clock)
    for _ in range(3):
        guard.failed("ana", "192.0.2.1")
    clock.advance(ACCOUNT_BACKOFF.decay_s * 2)
    assert guard.failures("ana", "192.0.2.1") == (1, 1)
    guard.failed("ana", "192.0.2.1")  # counts on from what is left
    assert guard.failures("ana", "192.0.2.1") == (2, 2)


def test_ipv6_addresses_of_one_64_share_a_count() -> None:
    one_64 = "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == one_64
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.4") == "192.0.2.4"
    assert client_key("192.0.2.4") == "192.0.2.4"
    assert client_key(None) == "unknown"
    assert client_key("testclient") == "testclient"


def test_spraying_usernames_and_addresses_keeps_the_tables_bounded() -> None:
    guard = throttle(FakeClock(), capacity=8)
    for index in range(5000):
        guard.failed(f"user{index}", f"10.{index // 65536}.{index // 256 % 256}.{index % 256}")
    assert guard.sizes() == (8, 8)


def test_a_spray_does_not_evict_the_account_under_attack() -> None:
    clock = FakeClock()
    guard = throttle(clock, address=ROOMY, capacity=8)
    for _ in range(ACCOUNT_BACKOFF.free + 2):
        guard.failed("admin", "192.0.2.1")
        clock.advance(1)
    for index in range(1000):  # many new names, one failure each, to push the admin out
        guard.failed(f"spray{index}", f"198.51.100.{index % 250}")
    assert guard.failures("admin", "192.0.2.1")[0] == ACCOUNT_BACKOFF.free + 2
    assert wait_of(guard, "admin", "203.0.113.9") > 0
    # the newest name is counted even with the table full of names with more failures
    for index in range(8):
        for _ in range(3):
            guard.failed(f"busy{index}", "192.0.2.1")
    guard.failed("newcomer", "192.0.2.1")
    assert guard.failures("newcomer", "192.0.2.1")[0] == 1


def test_keys_that_forgot_everything_go_first_when_the_table_is_full() -> None:
    clock = FakeClock()
    guard = throttle(clock, capacity=4)
    for name in ("a", "b", "c"):
        guard.failed(name, "192.0.2.1")
    for _ in range(3):
        guard.failed("persistent", "192.0.2.1")
    clock.advance(ACCOUNT_BACKOFF.decay_s)  # a, b and c forget their one failure
    guard.failed("d", "192.0.2.1")
    assert guard.sizes()[0] == 2  # all three went, not just the one over the capacity
    assert guard.failures("persistent", "192.0.2.1")[0] == 2


def test_a_throttle_needs_room_for_a_key() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        LoginThrottle(capacity=0)


def test_the_gate_refuses_when_its_slots_and_waiting_places_are_taken() -> None:
    gate = HashGate(1, waiting=0)
    with gate.slot():
        with pytest.raises(Busy) as refused, gate.slot():
            pass
        assert refused.value.status == 503
        assert refused.value.headers == {"Retry-After": "1"}
    with gate.slot():  # the slot was given back
        pass


def test_a_waiter_gives_up_after_its_wait() -> None:
    gate = HashGate(1, waiting=1, wait_s=0.01)
    with gate.slot(), pytest.raises(Busy), gate.slot():
        pass


def test_a_waiter_gets_the_slot_once_it_is_free() -> None:
    gate = HashGate(1, waiting=1, wait_s=30.0)
    holding, release, got = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with gate.slot():
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(30)

    def wait_for_slot() -> None:
        with gate.slot():
            got.set()

    waiter = threading.Thread(target=wait_for_slot)
    waiter.start()
    assert not got.wait(0.05)  # the slot is held
    release.set()
    assert got.wait(30)
    holder.join(30)
    waiter.join(30)
