"""``python -m openpcs`` runs the ``openpcs`` command."""

from openpcs.cli import main

main()
