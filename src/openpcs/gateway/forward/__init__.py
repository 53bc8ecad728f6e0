"""Forwarders: delivering stored frames to other systems through the outbox, at least once."""
