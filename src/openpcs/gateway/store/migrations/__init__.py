"""Alembic migrations of the gateway's store, applied when the gateway starts."""
