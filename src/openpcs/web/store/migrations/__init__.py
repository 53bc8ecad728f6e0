"""The web application's Alembic migrations (history in ``openpcs_web_version``)."""
