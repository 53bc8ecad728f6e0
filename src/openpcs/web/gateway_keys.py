"""Handing a programmed node's keys to the gateway that will receive its frames.

When the web application builds a node's program (alone or in a batch), the keys that program
gives the node are registered with the gateway's key store for that serial, sealed as the
gateway seals every key: the payload key (``encryption.key``: device-to-gateway frames, type
96, are opened as they arrive; device-to-cloud ones, 100 and 102, are stored as received and
opened on request) and the Cloud Bridge key (``destination.key``: type 103). The network
identity the node will arrive under (``lorawan:<DevEUI>``) becomes an alias of the serial, so
its tiny frames are stored under it. Keys the new program does not set are kept (frames
already stored may need them); aliases are added to those the device has.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from openpcs.gateway.directory import DeviceKeys
from openpcs.gateway.node_keys import keys_of
from openpcs.gateway.runtime import Gateway
from openpcs.gateway.store.devices import DeviceUpdate, update_device
from openpcs.gateway.store.schema import DEVICE_ALIASES

__all__ = ["KINDS", "GatewayKeys", "HandedOver"]

_log = logging.getLogger("openpcs.web.keys")
#: The kinds of key the gateway holds for a device.
KINDS: Final = ("payload", "bridge")


@dataclass(frozen=True, slots=True)
class HandedOver:
    """What a program gave the gateway for one node: which keys (``payload``, ``bridge``),
    which aliases."""

    keys: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


class GatewayKeys:
    """Registers programmed nodes' keys and aliases with one gateway."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def problem(self, serial: str, document: Mapping[str, Any]) -> str | None:
        """Why what ``document`` gives its node cannot be registered for ``serial`` (an alias
        that already names another device), or ``None``; asked before anything is built and
        by "Check configuration" on what is still being typed: an identity that is not yet
        one (a DevEUI half typed) names no device, and the check says what is wrong with it."""
        try:
            _, aliases = keys_of(document)
        except ValueError:
            return None
        if not aliases:
            return None
        a = DEVICE_ALIASES.c
        with self.gateway.engine.connect() as connection:
            taken = connection.execute(
                select(a.alias, a.serial).where(a.alias.in_(aliases), a.serial != serial)
            ).first()
        if taken is None:
            return None
        return f"the gateway already knows {taken[0]} as device {taken[1]}"

    def hand_over(
        self, serial: str, document: Mapping[str, Any], *, replace: bool = True
    ) -> HandedOver:
        """Register what ``document`` (a configuration that passed its check) gives the node
        ``serial``; what was registered. Without ``replace`` (the builder is neither an admin
        nor the account whose keys the device had) a key the gateway holds is kept, and no
        alias is added to a device that has one: only what the device lacks is given.
        Raises ``ValueError`` when an alias already names another device (nothing is changed
        then)."""
        keys, aliases = keys_of(document)
        kept = self._held_keys(serial)
        known = self._aliases(serial)
        if not replace:
            keys = {kind: key for kind, key in keys.items() if kind not in kept}
            aliases = aliases if not known else []
        if not keys and not aliases:
            return HandedOver()
        change: dict[str, Any] = {}
        if keys:
            change["keys"] = DeviceKeys(**(kept | keys))
        if aliases:
            change["aliases"] = sorted(set(known) | set(aliases))
        update_device(self.gateway.engine, self.gateway.box, serial, DeviceUpdate(**change))
        self.gateway.reload_directory()
        handed = HandedOver(tuple(sorted(keys)), tuple(aliases))
        _log.info("%s: gave the gateway %s", serial, _said(handed))  # never the keys
        return handed

    def give(
        self,
        serial: str,
        document: Mapping[str, Any],
        *,
        builder: str,
        admin: bool,
        saver: str | None,
    ) -> None:
        """:meth:`hand_over` for a program ``builder`` has just stored: replacing what the
        gateway holds only for an admin or the account whose keys the device had (``saver``,
        ``None`` when nobody's). An alias another device took meanwhile is logged and left
        out: the program stands."""
        try:
            self.hand_over(serial, document, replace=admin or saver in (None, builder))
        except (ValueError, IntegrityError) as exc:
            _log.warning("%s: its keys were not handed to the gateway: %s", serial, exc)

    def held(self, serial: str) -> tuple[dict[str, bool], list[str]]:
        """Which keys the gateway holds for ``serial`` (``payload``, ``bridge``: never the
        keys) and the aliases it knows the device by."""
        keys = self._held_keys(serial)
        return {kind: kind in keys for kind in KINDS}, sorted(self._aliases(serial))

    def replace(self, serial: str, kind: str, key: str | None) -> None:
        """Hold ``key`` as the device's ``kind`` key (``None``: hold none); the other kind stays.
        Raises ``ValueError`` naming the kind for a key that cannot be one (its length)."""
        if kind not in KINDS:
            raise ValueError(f"a key is one of {', '.join(KINDS)}")
        keys: dict[str, str | None] = {**self._held_keys(serial), kind: key}
        try:
            held = DeviceKeys(**keys)
        except ValidationError as exc:
            raise ValueError(f"{kind}: {exc.errors()[0]['msg']}") from None
        update_device(self.gateway.engine, self.gateway.box, serial, DeviceUpdate(keys=held))
        self.gateway.reload_directory()
        _log.info("%s: the %s key was %s by hand", serial, kind, "replaced" if key else "removed")

    def _held_keys(self, serial: str) -> dict[str, str]:
        """The keys the gateway holds for ``serial``, by kind (only those it holds)."""
        settings = self.gateway.pipeline.processor.directory.settings(serial)
        keys = settings.keys.model_dump() if settings is not None else {}
        return {kind: key for kind, key in keys.items() if key is not None}

    def _aliases(self, serial: str) -> list[str]:
        with self.gateway.engine.connect() as connection:
            rows = connection.execute(
                select(DEVICE_ALIASES.c.alias).where(DEVICE_ALIASES.c.serial == serial)
            )
            return [str(alias) for alias in rows.scalars()]


def _said(handed: HandedOver) -> str:
    parts = [f"the {kind} key" for kind in handed.keys]
    parts += [f"the alias {alias}" for alias in handed.aliases]
    return ", ".join(parts)
