"""The ``openpcs`` command, one module per command group.

``root.py`` holds the root app and the commands of no group (``sensors``, ``check``,
``schema``); ``frame.py`` ``frame``; ``program.py`` ``build`` and ``batch``; ``gateway.py``
``serve``, ``process``, ``token`` and ``db``; ``ncd.py`` ``api`` and ``mesh``; ``twin.py``
``twin``; ``upload.py`` ``upload``; ``common.py`` what they share.
"""

from openpcs.cli.root import app, main

__all__ = ["app", "main"]
