"""Device settings: changing them through the admin API and reading them into the directory.

Keys are stored sealed with the gateway's secret key, after a clear note of which kinds are
held (``payload,bridge|<sealed>``) so that listing devices never needs to open them. Ingest
tokens are stored as SHA-256 hashes.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Engine, delete, insert, select, update

from openpcs.catalog import sensor_table
from openpcs.gateway.directory import (
    DeviceKeys,
    DeviceSettings,
    Directory,
    normalize_serial,
    token_hash,
)
from openpcs.gateway.secret_box import SecretBox
from openpcs.gateway.storable import PrintableText
from openpcs.gateway.store.schema import DEVICE_ALIASES, DEVICES

__all__ = ["DeviceUpdate", "load_directory", "normalize_alias", "update_device"]

_ALIAS: Final = re.compile(r"(lorawan):([0-9A-Fa-f]{16})|(sigfox):([0-9A-Fa-f]{1,8})")


def normalize_alias(text: str) -> str:
    """``lorawan:<16 hex>`` or ``sigfox:<1-8 hex>``, the hex uppercased.

    Raises ``ValueError`` for anything else.
    """
    match = _ALIAS.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r} is not a network identity: use lorawan:<DevEUI, 16 hex digits> "
            "or sigfox:<device id, 1 to 8 hex digits>"
        )
    network = match.group(1) or match.group(3)
    ident = match.group(2) or match.group(4)
    return f"{network}:{ident.upper()}"


class DeviceUpdate(BaseModel):
    """A change to a device's settings; only the fields given change (``null`` clears one).

    ``keys`` replaces the keys held; ``ingest_token`` (at least 16 characters) makes every
    frame of the device bring that token; ``tiny_table`` is the sensor table (6, 7 or 8) of
    its tiny frames; ``expected_sensors`` the tags one reading carries, which lets the gateway
    tell a complete set of tiny frames from a partial one; ``aliases`` its network identities.
    """

    model_config = ConfigDict(extra="forbid")

    label: PrintableText | None = Field(None, max_length=64)
    keys: DeviceKeys | None = None
    ingest_token: str | None = Field(None, min_length=16, max_length=256)
    tiny_table: Literal[6, 7, 8] | None = None
    expected_sensors: list[Annotated[PrintableText, Field(max_length=16)]] | None = Field(
        None, max_length=100
    )
    aliases: list[Annotated[PrintableText, Field(max_length=64)]] | None = Field(
        None, max_length=16
    )

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else sorted({normalize_alias(a) for a in value})

    @model_validator(mode="after")
    def _known_sensors(self) -> DeviceUpdate:
        if self.expected_sensors:
            table = sensor_table(self.tiny_table or 6)
            unknown = [tag for tag in self.expected_sensors if table.find_tag(tag) is None]
            if unknown:
                raise ValueError(
                    f"expected_sensors: {', '.join(unknown)} not in sensor table {table.frame_type}"
                )
        return self


def _sealed_keys(box: SecretBox, keys: DeviceKeys | None) -> str | None:
    if keys is None:
        return None
    held = {kind: value for kind, value in keys.model_dump().items() if value is not None}
    if not held:
        return None
    return ",".join(sorted(held)) + "|" + box.seal(json.dumps(held))


def update_device(engine: Engine, box: SecretBox, serial: str, change: DeviceUpdate) -> None:
    """Apply ``change`` to the device (created if new). Raises ``ValueError`` for a bad
    serial or an alias another device already has."""
    serial = normalize_serial(serial)
    given = change.model_fields_set
    values: dict[str, Any] = {}
    if "label" in given:
        values["label"] = change.label
    if "keys" in given:
        values["keys"] = _sealed_keys(box, change.keys)
    if "ingest_token" in given:
        values["ingest_token_hash"] = (
            None if change.ingest_token is None else token_hash(change.ingest_token)
        )
    if "tiny_table" in given:
        values["tiny_table"] = change.tiny_table
    if "expected_sensors" in given:
        values["expected_sensors"] = change.expected_sensors
    devices, aliases = DEVICES, DEVICE_ALIASES
    with engine.begin() as connection:
        exists = connection.execute(
            select(devices.c.serial).where(devices.c.serial == serial)
        ).first()
        if exists is None:
            connection.execute(insert(devices).values(serial=serial, **values))
        elif values:
            connection.execute(update(devices).where(devices.c.serial == serial).values(**values))
        if change.aliases is not None:
            taken = connection.execute(
                select(aliases.c.alias, aliases.c.serial).where(
                    aliases.c.alias.in_(change.aliases), aliases.c.serial != serial
                )
            ).first()
            if taken is not None:
                raise ValueError(f"aliases: {taken[0]} already names device {taken[1]}")
            connection.execute(delete(aliases).where(aliases.c.serial == serial))
            for alias in change.aliases:
                connection.execute(insert(aliases).values(alias=alias, serial=serial))


def _opened_keys(box: SecretBox, stored: str | None) -> DeviceKeys:
    if not stored:
        return DeviceKeys()
    sealed = stored.partition("|")[2]
    return DeviceKeys.model_validate(json.loads(box.open(sealed)))


def load_directory(engine: Engine, box: SecretBox) -> Directory:
    """Every device's settings and every alias, as processing needs them.

    Raises :class:`openpcs.gateway.secret_box.SecretBoxError` when stored keys were sealed
    with another secret key.
    """
    devices, aliases = DEVICES.c, DEVICE_ALIASES.c
    keys = devices["keys"]  # not .keys: that is the column collection's own method
    query = select(
        devices.serial,
        keys,
        devices.ingest_token_hash,
        devices.tiny_table,
        devices.expected_sensors,
    ).where(
        (keys.is_not(None))
        | (devices.ingest_token_hash.is_not(None))
        | (devices.tiny_table.is_not(None))
        | (devices.expected_sensors.is_not(None))
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        alias_rows = connection.execute(select(aliases.alias, aliases.serial)).all()
    settings = {
        row.serial: DeviceSettings(
            serial=row.serial,
            keys=_opened_keys(box, row[1]),
            ingest_token_hash=row.ingest_token_hash,
            tiny_table=row.tiny_table,
            expected_sensors=(
                frozenset(row.expected_sensors) if row.expected_sensors is not None else None
            ),
        )
        for row in rows
    }
    return Directory(settings, {row[0]: row[1] for row in alias_rows})
