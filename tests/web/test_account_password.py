"""Changing one's password asks for the current one (page and API), wrong ones are throttled
like failed sign-ins, and the first admin's password file goes once its password changed."""

from __future__ import annotations

import re

import httpx

from openpcs.web.services import ADMIN_PASSWORD_FILE
from tests.web.conftest import WebServer
from tests.web.test_login import WRONG, install_clock, sign_in, signed_in

NEW = "a brand new passphrase"
API = "/api/v1/pcs/account/password"


# --- the REST API -------------------------------------------------------------------------------


def test_the_api_wants_the_current_password(web: WebServer, admin: httpx.Client) -> None:
    old = web.admin_password
    assert admin.put(API, json={"password": NEW}).status_code == 422
    wrong = admin.put(API, json={"current_password": WRONG, "password": NEW})
    assert wrong.status_code == 403
    assert wrong.json() == {
        "error": "current_password: the current password is wrong",
        "path": "current_password",
    }
    assert signed_in(sign_in(web, "admin", old))  # unchanged
    assert admin.put(API, json={"current_password": old, "password": NEW}).status_code == 204
    assert signed_in(sign_in(web, "admin", NEW))
    assert not signed_in(sign_in(web, "admin", old))


def test_a_short_new_password_costs_no_attempt(web: WebServer, admin: httpx.Client) -> None:
    install_clock(web)
    for _ in range(10):
        short = admin.put(API, json={"current_password": WRONG, "password": "short"})
        assert short.status_code == 400
        assert short.json()["path"] == "password"
    assert signed_in(sign_in(web, "admin", web.admin_password))


def test_wrong_current_passwords_are_throttled_over_the_api(
    web: WebServer, admin: httpx.Client
) -> None:
    clock = install_clock(web)
    for _ in range(5):
        assert admin.put(API, json={"current_password": WRONG, "password": NEW}).status_code == 403
    right = {"current_password": web.admin_password, "password": NEW}
    throttled = admin.put(API, json=right)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "1"
    assert "too many failed sign-in attempts" in throttled.json()["error"]
    # counted against the account: signing in waits too
    assert sign_in(web, "admin", web.admin_password).status_code == 429
    clock.advance(1)
    assert admin.put(API, json=right).status_code == 204


def test_a_token_has_no_password_to_change(web: WebServer) -> None:
    with web.client() as client:
        answer = client.put(API, json={"current_password": WRONG, "password": NEW})
    assert answer.status_code == 400
    assert answer.json()["error"] == "password: a token has no password"


# --- the account page ---------------------------------------------------------------------------


def test_the_account_page_asks_for_the_current_password(admin: httpx.Client) -> None:
    page = admin.get("/account").text
    form = re.search(r'<form method="post" action="/account/password".*?</form>', page, re.S)
    assert form is not None
    assert re.search(
        r'<label>Current password <input name="current_password" type="password"', form.group(0)
    )


def test_the_page_changes_the_password_only_given_the_current_one(
    web: WebServer, admin: httpx.Client
) -> None:
    old = web.admin_password
    missing = admin.post("/account/password", data={"password": NEW})
    assert missing.status_code == 422
    wrong = admin.post("/account/password", data={"current_password": WRONG, "password": NEW})
    assert wrong.status_code == 303
    assert wrong.headers["location"] == (
        "/account?error=Current%20password%3A%20the%20current%20password%20is%20wrong"
    )
    assert signed_in(sign_in(web, "admin", old))
    done = admin.post("/account/password", data={"current_password": old, "password": NEW})
    assert done.status_code == 303
    assert done.headers["location"].startswith("/login?ok=")
    assert signed_in(sign_in(web, "admin", NEW))
    assert not signed_in(sign_in(web, "admin", old))


def test_wrong_current_passwords_are_throttled_on_the_page(
    web: WebServer, admin: httpx.Client
) -> None:
    clock = install_clock(web)
    for _ in range(5):
        wrong = admin.post("/account/password", data={"current_password": WRONG, "password": NEW})
        assert wrong.status_code == 303
    right = {"current_password": web.admin_password, "password": NEW}
    throttled = admin.post("/account/password", data=right)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "1"
    assert 'id="refusal"' in throttled.text
    assert "too many failed sign-in attempts" in throttled.text
    clock.advance(1)
    assert admin.post("/account/password", data=right).headers["location"].startswith("/login?ok=")


# --- the first admin's password file ------------------------------------------------------------


def test_the_password_file_goes_once_the_page_changed_the_password(
    web: WebServer, admin: httpx.Client
) -> None:
    file = web.settings.data_dir / ADMIN_PASSWORD_FILE
    old = web.admin_password
    admin.post("/account/password", data={"current_password": WRONG, "password": NEW})
    assert file.exists()  # a refused change keeps it
    admin.post("/account/password", data={"current_password": old, "password": NEW})
    assert not file.exists()
    assert "admin-password" not in httpx.get(f"{web.url}/login").text


def test_the_password_file_goes_once_the_api_changed_the_password(
    web: WebServer, admin: httpx.Client
) -> None:
    file = web.settings.data_dir / ADMIN_PASSWORD_FILE
    answer = admin.put(API, json={"current_password": web.admin_password, "password": NEW})
    assert answer.status_code == 204
    assert not file.exists()


def test_the_password_file_stays_when_another_account_changes_its_password(
    web: WebServer, admin: httpx.Client
) -> None:
    admin.post("/api/v1/pcs/users", json={"username": "ana", "password": "correct horse"})
    ana = web.session("ana", "correct horse")
    changed = ana.put(API, json={"current_password": "correct horse", "password": NEW})
    assert changed.status_code == 204
    assert (web.settings.data_dir / ADMIN_PASSWORD_FILE).exists()


def test_the_password_file_goes_with_the_first_admins_account(
    web: WebServer, admin: httpx.Client
) -> None:
    made = admin.post(
        "/api/v1/pcs/users", json={"username": "root", "password": NEW, "role": "admin"}
    )
    assert made.status_code == 201
    root = web.session("root", NEW)
    assert root.delete("/api/v1/pcs/users/admin").status_code == 204
    assert not (web.settings.data_dir / ADMIN_PASSWORD_FILE).exists()
