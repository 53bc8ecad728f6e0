"""The gateway's store: tables, the database connection and migrations, batched writes, queries."""
