"""Signing in over HTTP under attack: failed logins are throttled (429 with ``Retry-After``)
before anything is hashed, an unknown name answers and costs as a known one does, password
hashes run at most two at once, and the login page never shows the server's data path."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from openpcs.web import accounts as accounts_module
from openpcs.web.login_throttle import Backoff, HashGate, LoginThrottle
from openpcs.web.services import WebServices
from tests.web.conftest import WebServer
from tests.web.test_login_throttle import FakeClock

WRONG = "not the password"
ROOMY = Backoff(free=1000, base_s=1.0, cap_s=900.0, decay_s=1800.0)


def services_of(web: WebServer) -> WebServices:
    """The web services behind the running server."""
    services: WebServices = web.server.config.app.state.web
    return services


def install_clock(web: WebServer, **backoffs: Backoff) -> FakeClock:
    """A fresh throttle on a fake clock (with ``account``/``address`` backoffs if given)."""
    clock = FakeClock()
    services_of(web).accounts.throttle = LoginThrottle(clock=clock, **backoffs)
    return clock


def sign_in(
    web: WebServer, username: str, password: str, client: httpx.Client | None = None
) -> httpx.Response:
    """The answer to the login form posted as a browser would (form token and cookie)."""
    own = client is None
    client = client or httpx.Client(base_url=web.url, timeout=60, follow_redirects=False)
    try:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        return client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": token.group(1),
                "next": "/devices",
            },
        )
    finally:
        if own:
            client.close()


def signed_in(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and answer.headers["location"] == "/devices"


def refused_as_wrong(answer: httpx.Response) -> bool:
    return answer.status_code == 303 and "wrong%20username%20or%20password" in answer.headers.get(
        "location", ""
    )


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    """Count the calls of ``owner.name`` (one list item per call)."""
    real: Callable[..., Any] = getattr(owner, name)
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


# --- throttling ---------------------------------------------------------------------------------


def test_wrong_passwords_are_throttled_until_the_wait_is_over(web: WebServer) -> None:
    clock = install_clock(web)
    for _ in range(5):
        assert refused_as_wrong(sign_in(web, "admin", WRONG))
    throttled = sign_in(web, "admin", web.admin_password)  # even the right one waits
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "1"
    assert "too many failed sign-in attempts" in throttled.text
    assert 'id="login"' in throttled.text  # the form, to try again later
    clock.advance(1)
    assert signed_in(sign_in(web, "admin", web.admin_password))


def test_the_wait_doubles_with_each_further_failure(web: WebServer) -> None:
    clock = install_clock(web)
    for _ in range(5):
        sign_in(web, "admin", WRONG)
    waits = []
    for _ in range(4):
        answer = sign_in(web, "admin", WRONG)
        assert answer.status_code == 429
        waits.append(int(answer.headers["retry-after"]))
        clock.advance(waits[-1])
        assert refused_as_wrong(sign_in(web, "admin", WRONG))
    assert waits == [1, 2, 4, 8]


def test_a_throttled_attempt_hashes_nothing(
    web: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(web)
    for _ in range(5):
        sign_in(web, "admin", WRONG)
    hashes = count_calls(monkeypatch, hashlib, "scrypt")
    assert sign_in(web, "admin", WRONG).status_code == 429
    assert hashes == []


def test_a_right_password_starts_the_account_afresh(web: WebServer) -> None:
    install_clock(web, address=ROOMY)
    for _ in range(4):
        assert refused_as_wrong(sign_in(web, "admin", WRONG))
    assert signed_in(sign_in(web, "admin", web.admin_password))
    for _ in range(5):
        assert refused_as_wrong(sign_in(web, "admin", WRONG))
    assert sign_in(web, "admin", WRONG).status_code == 429


def test_one_address_trying_many_names_is_throttled(web: WebServer) -> None:
    install_clock(web)
    for index in range(10):
        assert refused_as_wrong(sign_in(web, f"guess{index}", WRONG))
    answer = sign_in(web, "admin", web.admin_password)
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) >= 1


def test_right_passwords_are_never_throttled(web: WebServer) -> None:
    install_clock(web)
    for _ in range(25):
        assert signed_in(sign_in(web, "admin", web.admin_password))


def test_an_unknown_name_answers_and_costs_as_a_known_one(
    web: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(web, address=ROOMY)
    hashes = count_calls(monkeypatch, hashlib, "scrypt")
    answers: dict[str, list[tuple[int, str]]] = {}
    work: dict[str, list[int]] = {}
    for name in ("admin", "nobody"):
        answers[name], work[name] = [], []
        for _ in range(6):
            before = len(hashes)
            answer = sign_in(web, name, WRONG)
            work[name].append(len(hashes) - before)
            text = re.sub(r'value="[^"]*"', "", answer.text)  # the form token differs
            answers[name].append((answer.status_code, answer.headers.get("location", "") + text))
    assert work["nobody"][:5] == work["admin"][:5] == [1] * 5  # one hash per attempt
    assert answers["admin"] == answers["nobody"]
    assert answers["nobody"][-1][0] == 429
    assert work["admin"][5] == work["nobody"][5] == 0  # throttled: no hash


# --- concurrent hashes --------------------------------------------------------------------------


def test_parallel_logins_hash_at_most_two_at_once(
    web: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(web)
    real = accounts_module.verify_password
    lock = threading.Condition()
    active = [0]
    most = [0]

    def slow_verify(password: str, stored: str) -> bool:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
            lock.notify_all()
            # hold on until a third hash runs beside this one, or half a second
            lock.wait_for(lambda: active[0] > 2, timeout=0.5)
        try:
            return real(password, stored)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(accounts_module, "verify_password", slow_verify)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: sign_in(web, "admin", web.admin_password), range(6)))
    assert most[0] == 2
    assert all(signed_in(answer) for answer in answers)


def test_a_login_finding_every_hash_slot_taken_is_told_to_retry(
    web: WebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(web)
    services_of(web).accounts.gate = HashGate(1, waiting=0)
    real = accounts_module.verify_password
    hashing, release = threading.Event(), threading.Event()

    def held_verify(password: str, stored: str) -> bool:
        if not hashing.is_set():
            hashing.set()
            release.wait(30)
        return real(password, stored)

    monkeypatch.setattr(accounts_module, "verify_password", held_verify)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(sign_in, web, "admin", web.admin_password)
        assert hashing.wait(30)
        try:
            busy = sign_in(web, "admin", web.admin_password)
        finally:
            release.set()
        assert signed_in(first.result(30))
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert "too many passwords at once" in busy.text


# --- the login page -----------------------------------------------------------------------------


def test_the_login_page_names_the_first_password_file_not_the_data_path(web: WebServer) -> None:
    page = httpx.get(f"{web.url}/login").text
    assert "admin-password" in page
    assert str(web.settings.data_dir) not in page
    assert str(web.settings.data_dir.resolve()) not in page
