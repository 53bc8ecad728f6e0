"""``python -m openpcs`` runs the ``openpcs`` command."""

from openpcs.cli import main

if __name__ == "__main__":  # not when a processing process imports it (spawn)
    main()
