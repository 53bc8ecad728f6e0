"""Industrial protocol: Modbus over RS-232/RS-485 and CAN bus (guide §2.6, §3.2.1)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from openpcs.catalog import sensor_table
from openpcs.catalog.devices import industrial
from openpcs.config.issues import Issue
from openpcs.config.model import CanBusConfig, ModbusConfig
from openpcs.config.rules.base import RuleContext, error, rule


@rule("industrial-licence", "2.6")
def industrial_needs_pro(context: RuleContext) -> Iterator[Issue]:
    """Industrial protocols need a PRO or Elite licence."""
    if context.config.industrial is not None and not context.licence.industrial_protocols:
        yield error(
            "industrial",
            f"industrial protocols need a PRO or Elite licence, not {context.licence.name}",
        )


def _modbus(config: ModbusConfig) -> Iterator[Issue]:
    spec = industrial().modbus
    if config.baud_rate not in spec.baud_rates:
        rates = ", ".join(str(rate) for rate in spec.baud_rates)
        yield error("industrial.baud_rate", f"{config.baud_rate} baud is not one of {rates}")
    if not config.reads:
        yield error("industrial.reads", "give at least one read (slave, start_register, count)")
    if len(config.reads) > spec.max_reads:
        yield error(
            "industrial.reads",
            f"{len(config.reads)} reads; the PCS programs at most {spec.max_reads}",
        )
    for index, read in enumerate(config.reads):
        path = f"industrial.reads[{index}]"
        low, high = spec.slave_address
        if not low <= read.slave <= high:
            yield error(f"{path}.slave", f"slave address {read.slave} is outside {low}..{high}")
        low, high = spec.start_register
        if not low <= read.start_register <= high:
            yield error(
                f"{path}.start_register", f"register {read.start_register} is outside {low}..{high}"
            )
        low, high = spec.registers_per_read
        if not low <= read.count <= high:
            yield error(
                f"{path}.count",
                f"read {low} or {high} registers: each read is one {spec.field} field "
                "carrying at most two registers (guide §3.2.1)",
            )


def _canbus(config: CanBusConfig, frame_type: int | None) -> Iterator[Issue]:
    spec = industrial().canbus
    if frame_type is not None:
        table = sensor_table(frame_type)
        missing = [
            name
            for name, operation in spec.operations.items()
            if name in config.operations
            and table.find_tag(operation.field) is None
            and table.find_constant(operation.field) is None
        ]
        if missing:
            yield error(
                "industrial",
                f"frames of type {frame_type} ({table.title}) have no CAN bus fields: "
                "this model cannot send CAN bus readings",
            )
            return
    if config.speed_kbps not in spec.speeds_kbps:
        speeds = ", ".join(str(s) for s in spec.speeds_kbps)
        yield error("industrial.speed_kbps", f"{config.speed_kbps} kbps is not one of {speeds}")
    if not config.operations:
        yield error("industrial.operations", "choose at least one CAN bus operation")
    seen: set[str] = set()
    known = list(spec.operations)
    for index, operation in enumerate(config.operations):
        path = f"industrial.operations[{index}]"
        if operation not in spec.operations:
            close = difflib.get_close_matches(operation, known, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f" (choose from {', '.join(known)})"
            )
            yield error(path, f"unknown operation '{operation}'{hint}")
        elif operation in seen:
            yield error(path, f"{operation} is listed twice")
        seen.add(operation)


@rule("industrial", "2.6")
def industrial_settings(context: RuleContext) -> Iterator[Issue]:
    """Modbus: baud rate, 1-3 reads, slave 1-247, register 0-255, count 1-2; CAN: the list."""
    config = context.config.industrial
    if isinstance(config, ModbusConfig):
        yield from _modbus(config)
    elif isinstance(config, CanBusConfig):
        model = context.model
        yield from _canbus(config, model.frame_type if model is not None else None)
