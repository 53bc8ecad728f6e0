"""Putting a built program on a node over its USB port (``openpcs upload``, guide §2.15)."""
