"""Shared test settings: hypothesis never asserts on time (no deadline)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "openpcs",
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("openpcs")
