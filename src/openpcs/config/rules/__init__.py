"""The PCS rules. Importing this package registers every rule, in the order of the form."""

from openpcs.config.rules import (  # noqa: F401  (each module registers its rules)
    destination,
    frame,
    identity,
    industrial,
    probes,
    radio,
    security,
    timing,
)
from openpcs.config.rules.base import RuleContext, registered_rules, run_rules

__all__ = ["RuleContext", "registered_rules", "run_rules"]
