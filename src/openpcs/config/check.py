"""\"Check configuration\": load, instantiate a template, run every rule, plan and estimate.

The result follows the ``{data, warnings, errors}`` shape; every finding has a ``path``. A
configuration is valid when it has no errors (warnings allowed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpcs.config.estimates import Estimates
from openpcs.config.issues import Issue, Severity
from openpcs.config.loader import LoadedConfig, load_config, parse_config_data, parse_config_text
from openpcs.config.model import NodeConfig
from openpcs.config.plan import FramePlan
from openpcs.config.provisional import provisional_findings
from openpcs.config.rules import RuleContext, run_rules
from openpcs.config.summary import summarize

__all__ = [
    "CheckResult",
    "check_config",
    "check_data",
    "check_file",
    "check_loaded",
    "check_text",
]


@dataclass
class CheckResult:
    """What "Check configuration" found for one file or configuration."""

    source: str
    config: NodeConfig | None
    issues: list[Issue] = field(default_factory=list)
    plan: FramePlan | None = None
    estimates: Estimates | None = None
    template: bool = False

    @property
    def errors(self) -> list[Issue]:
        """The errors: the node cannot be programmed until they are fixed."""
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        """The warnings: worth reading, not blocking."""
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        """No errors."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The ``{data, warnings, errors}`` JSON shape."""
        data: dict[str, Any] = {"source": self.source, "valid": self.valid}
        if self.config is not None:
            data["summary"] = summarize(self.config)
        if self.plan is not None:
            data["plan"] = self.plan.to_dict()
        if self.estimates is not None:
            data["estimates"] = self.estimates.to_dict()
        return {
            "data": data,
            "warnings": [i.to_dict() for i in self.warnings],
            "errors": [i.to_dict() for i in self.errors],
        }


def _instantiate(config: NodeConfig, serial: str | None, name: str | None) -> NodeConfig:
    updates: dict[str, Any] = {}
    if serial is not None:
        updates["serial"] = serial.strip().upper()
    if name is not None:
        updates["node_name"] = name
    return config.model_copy(update=updates) if updates else config


def _with_provisional(loaded: LoadedConfig, serial: str | None, name: str | None) -> list[Issue]:
    """The loading issues and, after them, what the rules find in everything else (see
    :mod:`openpcs.config.provisional`), each finding once."""
    raw = loaded.raw
    if isinstance(raw, dict):
        template = raw.get("serial") is None
        raw = raw | {k: v for k, v in (("serial", serial), ("node_name", name)) if v is not None}
    else:
        template = False
    issues = list(loaded.issues)
    seen = {(issue.path, issue.message) for issue in issues}
    for finding in provisional_findings(raw, loaded.located, template=template):
        if (finding.path, finding.message) not in seen:
            seen.add((finding.path, finding.message))
            issues.append(finding)
    return issues


def check_loaded(
    loaded: LoadedConfig, *, serial: str | None = None, name: str | None = None
) -> CheckResult:
    """Check a loaded configuration; ``serial``/``name`` instantiate a template."""
    if loaded.value is None:
        return CheckResult(loaded.located.source, None, _with_provisional(loaded, serial, name))
    template = loaded.value.serial is None
    config = _instantiate(loaded.value, serial, name)
    context = RuleContext(config, loaded.located, template=template)
    issues = list(loaded.issues) + list(run_rules(context))
    plan = context.plan
    estimates = context.estimates
    return CheckResult(loaded.located.source, config, issues, plan, estimates, template)


def check_file(
    path: str | Path, *, serial: str | None = None, name: str | None = None
) -> CheckResult:
    """Check a YAML/JSON file. Raises :class:`ConfigLoadError` when it cannot be read at all."""
    return check_loaded(load_config(path), serial=serial, name=name)


def check_text(text: str, *, source: str = "<config>", base_dir: Path | None = None) -> CheckResult:
    """Check configuration text (a file's or standard input's)."""
    return check_loaded(parse_config_text(text, source=source, base_dir=base_dir))


def check_data(data: Any, *, source: str = "<config>") -> CheckResult:
    """Check an already parsed configuration (the web form's and the REST API's JSON), as
    data: it is never re-read as text, so no tag reaches the server's environment or files."""
    return check_loaded(parse_config_data(data, source=source))


def check_config(config: NodeConfig, *, source: str = "<config>") -> CheckResult:
    """Check an already built configuration (no line numbers)."""
    context = RuleContext(config, None, template=config.serial is None)
    issues = list(run_rules(context))
    return CheckResult(
        source, config, issues, context.plan, context.estimates, config.serial is None
    )
