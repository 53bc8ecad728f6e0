"""Protocol models of the radio modules a node's socket 0 holds, as the Waspmote API drives
them (docs/twin.md)."""
