"""openpcs: an open, self-hostable Programming Cloud Service and gateway for sensor nodes."""

__version__ = "0.1.0"
