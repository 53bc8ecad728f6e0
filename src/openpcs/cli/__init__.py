"""The ``openpcs`` command, one module per command group.

``root.py`` holds the root app, the top-level commands and the ``frame`` group; ``program.py``
``build`` and ``batch``; ``gateway.py`` ``serve``, ``process``, ``token`` and ``db``;
``ncd.py`` ``api`` and ``mesh``; ``twin.py`` ``twin``; ``upload.py`` ``upload``; ``common.py``
what they share (the consoles, failing with a one-line message).
"""

from openpcs.cli.root import app, main

__all__ = ["app", "main"]
