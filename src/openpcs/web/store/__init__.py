"""The web application's tables: accounts, the device registry, templates, programs, batches."""
