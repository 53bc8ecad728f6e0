"""The HTTP side: authentication, the ingest and query routes, the application."""
