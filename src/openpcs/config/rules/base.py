"""The rule machinery: a context every rule reads, and the registry that runs them.

A rule is a function ``(RuleContext) -> Iterable[Issue]`` registered with
``@rule("name", "guide section")``.
Rules never raise for bad input: they report it. Each issue names the field path it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from openpcs.catalog.devices import LicenceSpec, RadioSpec, licences, radios
from openpcs.catalog.hardware import ModelSpec, node_models
from openpcs.config.estimates import Estimates, estimate
from openpcs.config.issues import Issue, Severity
from openpcs.config.loader import Located
from openpcs.config.model import NodeConfig
from openpcs.config.plan import FramePlan, plan_frame

__all__ = ["Rule", "RuleContext", "error", "registered_rules", "rule", "run_rules", "warning"]


@dataclass
class RuleContext:
    """What the rules look at: the configuration and the catalog entries it names."""

    config: NodeConfig
    located: Located | None = None
    template: bool = False

    @cached_property
    def model(self) -> ModelSpec | None:
        """The model's catalog entry, ``None`` when the model id is unknown."""
        return node_models().get(self.config.model)

    @cached_property
    def radio(self) -> RadioSpec:
        """The radio's catalog entry (every radio type of the config model is in the catalog)."""
        return radios()[self.config.radio.type]

    @cached_property
    def licence(self) -> LicenceSpec:
        """The licence tier's entry."""
        return licences()[self.config.licence]

    @cached_property
    def plan(self) -> FramePlan | None:
        """The frame plan, ``None`` when the model is unknown."""
        return plan_frame(self.config)

    @cached_property
    def estimates(self) -> Estimates | None:
        """Air time, messages, battery and memory estimates, ``None`` without a plan."""
        return estimate(self.config, self.plan) if self.plan is not None else None


Rule = Callable[[RuleContext], Iterable[Issue]]
_RULES: list[tuple[tuple[int, ...], str, Rule]] = []


def rule(name: str, section: str) -> Callable[[Rule], Rule]:
    """Register a rule under ``name`` for the PCS guide ``section`` it enforces (``"2.5.5"``).

    Rules run in section order, so findings read in the order of the form.
    """
    key = tuple(int(part) for part in section.split("."))

    def register(function: Rule) -> Rule:
        if any(existing == name for _, existing, _ in _RULES):
            raise ValueError(f"rule {name} is registered twice")
        _RULES.append((key, name, function))
        _RULES.sort(key=lambda entry: entry[0])
        return function

    return register


def registered_rules() -> list[str]:
    """The names of every registered rule, in running order."""
    return [name for _, name, _ in _RULES]


def error(path: str, message: str) -> Issue:
    """An error about ``path``."""
    return Issue(Severity.ERROR, path, message)


def warning(path: str, message: str) -> Issue:
    """A warning about ``path``."""
    return Issue(Severity.WARNING, path, message)


def _path_key(path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for chunk in path.replace("]", "").split("."):
        name, _, index = chunk.partition("[")
        if name:
            parts.append(name)
        if index:
            parts.append(int(index))
    return tuple(parts)


def run_rules(context: RuleContext) -> Iterator[Issue]:
    """Run every rule; each issue gets its rule name and, when known, its line."""
    for _, name, function in _RULES:
        for issue in function(context):
            line = None
            if context.located is not None:
                line = context.located.line_of(_path_key(issue.path))
            yield Issue(issue.severity, issue.path, issue.message, rule=name, line=line)
