"""API token names keep the name rule: refused when new, renamed in stores written before."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from openpcs.cli import app
from openpcs.gateway.store.database import migrate, open_engine
from openpcs.gateway.store.tokens import TokenStore
from tests.gateway.running import RunningGateway

_BAD = ["../users/victim", "a/b", " .hidden", "tab\there", "\u00e9t\u00e9", "", "x" * 65]


@pytest.mark.parametrize("name", _BAD)
def test_a_token_name_outside_the_rule_is_refused_by_the_store(name: str, store_url: str) -> None:
    engine = open_engine(store_url)
    migrate(engine)
    tokens = TokenStore(engine)
    with pytest.raises(ValueError, match="a token name is 1 to 64 letters"):
        tokens.create(name, "read")
    assert tokens.all() == []
    engine.dispose()


def test_the_admin_api_and_the_command_refuse_such_names(gateway: RunningGateway) -> None:
    with gateway.client() as client:
        answers = [client.post("/api/v1/tokens", json={"name": n, "scope": "read"}) for n in _BAD]
        good = client.post("/api/v1/tokens", json={"name": "ops 2.b_c-d", "scope": "read"})
    assert [answer.status_code for answer in answers] == [422] * len(_BAD)
    assert all("name: Value error, a token name is 1 to 64" in a.json()["error"] for a in answers)
    assert good.status_code == 201
    result = CliRunner().invoke(
        app, ["token", "create", "a/b", "--data-dir", str(gateway.settings.data_dir)]
    )
    assert result.exit_code == 2
    assert "a token name is 1 to 64 letters" in result.output


def test_names_stored_before_the_rule_are_renamed_and_logged(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_engine(store_url)
    migrate(engine, "0001")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        stored_names = ["../users/victim", "ops", "../users/victim", "///", "ci/read", "ci:read"]
        for index, name in enumerate(stored_names, 1):
            connection.execute(
                text(
                    "INSERT INTO api_tokens (id, name, scope, token_hash, created_at)"
                    " VALUES (:id, :name, 'read', :hash, :now)"
                ),
                {"id": index, "name": name, "hash": f"h{index}", "now": now},
            )
    with caplog.at_level(logging.WARNING, logger="openpcs.gateway.migrations"):
        migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, name, token_hash FROM api_tokens ORDER BY id"))
        stored = [tuple(row) for row in rows]
    assert stored == [
        (1, "users_victim", "h1"),
        (2, "ops", "h2"),
        (3, "users_victim", "h3"),
        (4, "token", "h4"),
        (5, "ci_read", "h5"),
        (6, "ci_read-2", "h6"),  # distinct names stay distinct
    ]
    assert "'../users/victim'" in caplog.text
    assert "'///'" in caplog.text
    assert "'ops'" not in caplog.text
    engine.dispose()
