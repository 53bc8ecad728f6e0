"""Alembic's entry point for the web application's tables.

openpcs runs these itself (:func:`openpcs.web.store.database.open_web_store`) with the open
connection in ``config.attributes["connection"]``; their history is kept in its own version
table, beside the gateway's.
"""

from __future__ import annotations

from alembic import context

from openpcs.web.store.schema import VERSION_TABLE, WebBase

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=WebBase.metadata,
        literal_binds=True,
        render_as_batch=True,
        version_table=VERSION_TABLE,
    )
else:
    context.configure(
        connection=connection,
        target_metadata=WebBase.metadata,
        render_as_batch=True,
        compare_type=True,
        version_table=VERSION_TABLE,
    )
with context.begin_transaction():
    context.run_migrations()
