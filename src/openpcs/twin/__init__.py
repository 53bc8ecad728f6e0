"""The node twin: the program openpcs built, run on an emulated ATmega1281 (docs/twin.md)."""
