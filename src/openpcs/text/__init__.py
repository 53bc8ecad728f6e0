"""Text people give the service: the rule every name they set keeps (``names.py``) and the
CSV they upload, read into rows (``csv_table.py``).

Shared by ``program/`` (a batch's nodes), ``web/`` (names, registry imports, batches) and
``gateway/`` (API token names); it imports nothing else of openpcs, so any package can use it.
"""
