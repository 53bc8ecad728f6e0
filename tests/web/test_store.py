"""The web tables on each database: migrations to the head, and the models match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet

from openpcs.gateway.secret_box import SecretBox
from openpcs.gateway.store.database import migrate, open_engine
from openpcs.web.registry import Registry
from openpcs.web.store.database import migrate_web, web_head, web_revision
from openpcs.web.store.schema import WebBase


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
