"""Alembic's entry point for the gateway's store.

openpcs runs migrations itself (:func:`openpcs.gateway.store.database.migrate`) and hands the
open connection in ``config.attributes["connection"]``; offline (SQL script) mode writes the
statements for the URL in the ``sqlalchemy.url`` option.
"""

from __future__ import annotations

from alembic import context

from openpcs.gateway.store.schema import Base, belongs_on

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=belongs_on(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
