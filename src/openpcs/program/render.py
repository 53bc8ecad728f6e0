"""Rendering components with Jinja2 and assembling the sketch from their sections.

Each component template defines macros named after the sections it contributes to:

- ``includes()``: header names, one per line (``WaspFrame.h``);
- ``globals()``: objects and variables at file scope;
- ``setup()``: code run once at start-up;
- ``cycle_start()``: code at the start of every wake-up (re-arming the watchdog);
- ``wake()``: code deciding what an interrupt wake-up means (sets ``event``);
- ``power_on()``: probes switched on before the warm-up wait;
- ``read()``: reading probes and adding their fields, in plan order;
- ``power_off()``: probes switched off after reading;
- ``send()``: encrypting and sending the frame;
- ``after_cycle()`` and ``sleep_limit()``: what happens between cycles (the relay);
- ``before_sleep()``: after the cycle's work, before the time to sleep is worked out (arming
  the event interrupt, which may wait for a PIR);
- ``functions()``: helper functions at file scope.

A template may also ``{% set %}`` ``helpers`` (helper functions from ``helpers/`` the code
needs, emitted once), ``interrupts = true`` (the node wakes on events, so the loop
is scheduled by the RTC), ``sleep_option`` (what stays powered while asleep) and
``pluviometer = true`` (sleep with the rain gauge's interrupt). Every chunk of code is
preceded by a ``// [config: path]`` line naming the configuration item it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from openpcs.config.certificates import first_certificate
from openpcs.program.components import Component
from openpcs.program.cpp import (
    c_byte_list,
    c_bytes,
    c_comment,
    c_float,
    c_identifier,
    c_int,
    c_size,
    c_string,
    sleep_text,
)
from openpcs.program.errors import GenerationError
from openpcs.program.fields import add_sensor
from openpcs.program.source import CONFIG_MARK

__all__ = ["SECTIONS", "Rendered", "render_components", "template_environment"]

SECTIONS: Final = (
    "globals",
    "setup",
    "cycle_start",
    "wake",
    "power_on",
    "read",
    "power_off",
    "send",
    "after_cycle",
    "sleep_limit",
    "before_sleep",
    "functions",
)
_INDENT: Final = "  "
_IN_FUNCTIONS: Final = frozenset(SECTIONS) - {"globals", "functions"}


@cache
def template_environment() -> Environment:
    """The Jinja2 environment: package templates, undefined names are errors, C helpers."""
    environment = Environment(
        loader=PackageLoader("openpcs.program", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    environment.filters["comment"] = c_comment
    environment.globals.update(
        add=add_sensor,
        c_string=c_string,
        c_float=c_float,
        c_identifier=c_identifier,
        c_int=c_int,
        c_bytes=c_bytes,
        c_byte_list=c_byte_list,
        c_size=c_size,
        pem=_pem,
        sleep_text=sleep_text,
    )
    return environment


@dataclass
class Rendered:
    """The sections of all components, and what the components ask of the sketch."""

    includes: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    interrupts: bool = False
    pluviometer: bool = False
    sleep_option: str = "ALL_OFF"
    warmup_s: int = 0
    helpers: list[str] = field(default_factory=list)


def _pem(text: str) -> str:
    """The certificate the radio gets: the first PEM block (checked by the rules)."""
    block = first_certificate(text)
    if block is None:
        raise GenerationError("destination.certificate: no PEM certificate block")
    return block


def _attribute(module: Any, name: str) -> Any:
    """A macro or ``{% set %}`` value a template module defines, or ``None``."""
    return getattr(module, name, None)


def _chunk(component: Component, text: str, indent: bool) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    if not any(lines):
        return ""
    body = [CONFIG_MARK.format(path=component.path), *lines]
    prefix = _INDENT if indent else ""
    return "\n".join(prefix + line if line else "" for line in body)


def render_components(components: list[Component], shared: dict[str, Any]) -> Rendered:
    """Render every component's macros into sections, in component order."""
    environment = template_environment()
    rendered = Rendered()
    chunks: dict[str, list[str]] = {name: [] for name in SECTIONS}
    for component in components:
        try:
            template = environment.get_template(component.template)
        except TemplateNotFound:
            raise GenerationError(
                f"{component.path}: openpcs has no program template {component.template}"
            ) from None
        module = template.make_module({**shared, "c": component.data})
        includes = _attribute(module, "includes")
        if includes is not None:
            for name in str(includes()).split():
                if name not in rendered.includes:
                    rendered.includes.append(name)
        for section in SECTIONS:
            macro = _attribute(module, section)
            if macro is None:
                continue
            text = _chunk(component, str(macro()), section in _IN_FUNCTIONS)
            if text:
                chunks[section].append(text)
        rendered.interrupts |= bool(_attribute(module, "interrupts"))
        rendered.pluviometer |= bool(_attribute(module, "pluviometer"))
        for helper in _attribute(module, "helpers") or ():
            if helper not in rendered.helpers:
                rendered.helpers.append(helper)
                helper_module = environment.get_template(f"helpers/{helper}.j2").make_module(shared)
                text = str(_attribute(helper_module, "functions")())
                chunks["functions"].append(_chunk(component, text, False))
        option = _attribute(module, "sleep_option")
        if option:
            rendered.sleep_option = str(option)
        rendered.warmup_s = max(rendered.warmup_s, component.warmup_s)
    rendered.sections = {name: "\n\n".join(texts) for name, texts in chunks.items()}
    return rendered
