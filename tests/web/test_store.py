"""The web tables on each database: migrations to the head, and the models match them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import text

from openpcs.gateway.secret_box import SecretBox
from openpcs.gateway.store.database import migrate, open_engine
from openpcs.web.registry import Registry
from openpcs.web.store.database import migrate_web, web_head, web_revision
from openpcs.web.store.schema import VERSION_TABLE, WebBase


def test_the_web_schema_sits_beside_the_gateways(store_url: str) -> None:
    engine = open_engine(store_url)
    migrate(engine)
    assert web_revision(engine) is None
    migrate_web(engine)
    migrate_web(engine)  # a second start changes nothing
    assert web_revision(engine) == web_head()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            d
            for d in compare_metadata(context, WebBase.metadata)
            if d[0] not in ("remove_table", "remove_index")  # the gateway's own tables
            and d[0] not in ("add_constraint", "remove_constraint")
        ]
    assert differences == []
    registry = Registry(engine, SecretBox(Fernet.generate_key()))
    registry.add("1a2b3c4d5e6f7081", "n", "smart_water", ["a"])
    registry.save_config("1A2B3C4D5E6F7081", {"radio": {"app_key": "secret"}})
    assert registry.saved_config("1A2B3C4D5E6F7081") == {"radio": {"app_key": "secret"}}
    assert [d.serial for d in registry.search("A")] == ["1A2B3C4D5E6F7081"]
    engine.dispose()


def test_names_that_break_the_rule_are_renamed_by_the_migration(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A store written before names were restricted: its template and account names that could
    carry a path into a link are renamed, with who made what, and each rename is logged."""
    engine = open_engine(store_url)
    migrate(engine)
    migrate(engine, "w0001", location="openpcs.web.store:migrations", version_table=VERSION_TABLE)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for index, name in enumerate(["../users/victim", "users_victim", "ok name"], start=1):
            connection.execute(
                text(
                    "INSERT INTO node_templates (id, name, created_at, updated_at)"
                    " VALUES (:id, :name, :now, :now)"
                ),
                {"id": index, "name": name, "now": now},
            )
        connection.execute(
            text(
                "INSERT INTO web_users (id, username, password_hash, role, created_at, disabled)"
                " VALUES (1, 'a/b', 'x', 'user', :now, false)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO programs (id, serial, created_at, made_by, config_hash,"
                " bundle_name, has_hex, bundle) VALUES (1, '1A2B3C4D5E6F7081', :now, 'a/b',"
                " 'h', 'b.zip', false, :bundle)"
            ),
            {"now": now, "bundle": b"PK"},
        )
    with caplog.at_level(logging.WARNING, logger="openpcs.web.migrations"):
        migrate_web(engine)
    with engine.connect() as connection:
        names = sorted(connection.execute(text("SELECT name FROM node_templates")).scalars())
        user = connection.execute(text("SELECT username FROM web_users")).scalar_one()
        made_by = connection.execute(text("SELECT made_by FROM programs")).scalar_one()
    assert names == ["ok name", "users_victim", "users_victim-2"]
    assert user == made_by == "a_b"
    assert "'../users/victim'" in caplog.text
    assert "'a/b'" in caplog.text
    engine.dispose()


def test_plain_configuration_digests_are_cleared_by_the_migration(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Digests stored before they were keyed were plain SHA-256 of a document holding keys:
    none stays stored or listed."""
    engine = open_engine(store_url)
    migrate(engine)
    migrate(engine, "w0003", location="openpcs.web.store:migrations", version_table=VERSION_TABLE)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO registry_devices (id, serial, name, model, tags, created_at,"
                " config_hash) VALUES (1, '1A2B3C4D5E6F7081', 'n', 'smart_water', '[]', :now,"
                " 'a1b2')"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO programs (id, serial, created_at, made_by, config_hash,"
                " bundle_name, has_hex, bundle) VALUES (1, '1A2B3C4D5E6F7081', :now, 'admin',"
                " 'a1b2', 'b.zip', false, :bundle)"
            ),
            {"now": now, "bundle": b"PK"},
        )
    with caplog.at_level(logging.WARNING, logger="openpcs.web.migrations"):
        migrate_web(engine)
    with engine.connect() as connection:
        device = connection.execute(text("SELECT config_hash FROM registry_devices")).scalar()
        program = connection.execute(text("SELECT config_hash FROM programs")).scalar()
    assert (device, program) == (None, "")
    assert "cleared 1 device and 1 program configuration digests" in caplog.text
    engine.dispose()
