"""The device registry: registered nodes, the licence tier that caps their number, each node's
saved configuration (sealed: it holds keys) and its firmware archive.

A device "changed since its last build" when the hash of its saved configuration differs from
the one recorded with its newest bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from openpcs.catalog.devices import licences
from openpcs.catalog.hardware import model_id, node_models
from openpcs.config.licence import check_node_count
from openpcs.config.rules.identity import serial_problem
from openpcs.gateway.records import utc_now
from openpcs.gateway.secret_box import SecretBox
from openpcs.text.csv_table import CsvProblem, read_csv_table
from openpcs.web.config_digest import config_hash
from openpcs.web.downloads import Download
from openpcs.web.errors import Conflict, LicenceFull, NotFound, Refused
from openpcs.web.names import check_name
from openpcs.web.sealed_files import open_file, seal_file
from openpcs.web.store.schema import DEVICES, PROGRAMS, SETTINGS

__all__ = ["DEFAULT_LICENCE", "DeviceEntry", "ImportReport", "ProgramEntry", "Registry"]

DEFAULT_LICENCE: Final = "basic"
_LICENCE_SETTING: Final = "licence"
_MAX_TAGS: Final = 16
_MAX_NAME: Final = 64
_DEVICES = DEVICES
_PROGRAMS = PROGRAMS
_SETTINGS = SETTINGS


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    """A registered device as lists and pages show it."""

    serial: str
    name: str
    model: str
    tags: list[str]
    created_at: datetime
    has_config: bool
    config_saved_at: datetime | None
    last_build: datetime | None
    changed_since_build: bool

    def model_problem(self, configured: object, what: str = "this configuration") -> str | None:
        """Why a configuration for the model ``configured`` cannot program this device (it is
        registered as another model), naming both; ``None`` when the models agree or the
        configuration names none (its own check says so)."""
        if not isinstance(configured, str) or not configured or configured == self.model:
            return None
        models = node_models()
        registered = models[self.model].name if self.model in models else self.model
        meant = models[configured].name if configured in models else configured
        return f"{self.serial} is registered as {registered}; {what} is for {meant}"


@dataclass(frozen=True, slots=True)
class ProgramEntry:
    """One bundle of the firmware archive (without its bytes)."""

    id: int
    serial: str
    created_at: datetime
    made_by: str
    config_hash: str
    bundle_name: str
    has_hex: bool
    flash_bytes: int | None
    ram_bytes: int | None
    batch_id: int | None


@dataclass
class ImportReport:
    """What a CSV import added and which lines it refused, with why."""

    added: list[str]
    refused: list[str]


def check_serial(serial: str) -> str:
    """The serial in upper case; :class:`Refused` unless 16 hex digits."""
    problem = serial_problem(serial)
    if problem is not None:
        raise Refused(problem)
    return serial.strip().upper()


def check_tags(tags: list[str]) -> list[str]:
    """Tags trimmed, lower case, without repeats; :class:`Refused` for too many, or for one
    that is not a name (:data:`openpcs.web.names.NAME_RULE`)."""
    cleaned: list[str] = []
    for tag in tags:
        text = tag.strip().lower()
        if not text:
            continue
        text = check_name(text, "tag", "tags")
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > _MAX_TAGS:
        raise Refused(f"at most {_MAX_TAGS} tags", "tags")
    return cleaned


def _entry(row: Any, last_build: datetime | None, last_hash: str | None) -> DeviceEntry:
    changed = row.config_hash is not None and row.config_hash != last_hash
    return DeviceEntry(
        row.serial,
        row.name,
        row.model,
        list(row.tags or []),
        row.created_at,
        row.config_sealed is not None,
        row.config_saved_at,
        last_build,
        changed,
    )


class Registry:
    """Registered devices, the licence, saved configurations and the firmware archive."""

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self.engine = engine
        self.box = box

    # --- licence --------------------------------------------------------------------------

    def licence(self) -> str:
        """The registry's licence tier (``basic`` until one is set)."""
        with self.engine.connect() as connection:
            value = connection.execute(
                select(_SETTINGS.c.value).where(_SETTINGS.c.name == _LICENCE_SETTING)
            ).scalar()
        return str(value) if value in licences() else DEFAULT_LICENCE

    def set_licence(self, tier: str) -> None:
        """Change the tier; refused when the registry holds more devices than it allows."""
        if tier not in licences():
            raise Refused(f"a licence is one of {', '.join(licences())}", "licence")
        over = check_node_count(tier, self.count())
        if over is not None:
            raise Conflict(over.message, "licence")
        with self.engine.begin() as connection:
            connection.execute(delete(_SETTINGS).where(_SETTINGS.c.name == _LICENCE_SETTING))
            connection.execute(insert(_SETTINGS).values(name=_LICENCE_SETTING, value=tier))

    # --- devices --------------------------------------------------------------------------

    def count(self) -> int:
        """How many devices are registered."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_DEVICES)).scalar_one())

    def add(self, serial: str, name: str, model: str, tags: list[str] | None = None) -> DeviceEntry:
        """Register a device; :class:`Conflict` when it exists or the licence is full."""
        serial = check_serial(serial)
        name = name.strip()
        if len(name) > _MAX_NAME or not name.isprintable():
            raise Refused(f"at most {_MAX_NAME} printable characters", "name")
        try:
            model = model_id(model)
        except ValueError as exc:
            raise Refused(str(exc), "model") from None
        cleaned = check_tags(tags or [])
        tier = licences()[self.licence()]
        try:
            with self.engine.begin() as connection:
                # the count and the insert in one transaction that no other add runs beside
                # (SQLite: every write transaction holds the write lock from its start)
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(
                        "LOCK TABLE registry_devices IN SHARE ROW EXCLUSIVE MODE"
                    )
                count = connection.execute(select(func.count()).select_from(_DEVICES)).scalar_one()
                if count >= tier.nodes:
                    raise LicenceFull(
                        f"{tier.name} programs up to {tier.nodes} nodes and this registry has "
                        f"{count} already: a higher licence takes more",
                        "serial",
                    )
                connection.execute(
                    insert(_DEVICES).values(
                        serial=serial, name=name, model=model, tags=cleaned, created_at=utc_now()
                    )
                )
        except IntegrityError:
            raise Conflict(f"{serial} is registered already", "serial") from None
        return self.get(serial)

    def import_csv(self, text: str) -> ImportReport:
        """Register every row of a ``serial,name,model,tags`` CSV (tags separated by ``;``).

        Each line stands alone: a bad or duplicate line is reported, the others are added.
        """
        report = ImportReport([], [])
        try:
            table = read_csv_table(text)
        except CsvProblem as exc:
            raise Refused(str(exc), "file") from None
        header = [column.lower() for column in table.header]
        if "serial" not in header or "model" not in header:
            raise Refused("the CSV's first line names its columns: serial, name, model, tags")
        for row in table.rows:
            cells = {column.lower(): cell for column, cell in row.cells.items()}
            serial, name, model = (cells.get(c, "") for c in ("serial", "name", "model"))
            try:
                if row.extra_cells:  # a short line's missing cells are empty
                    raise Refused(str(row.problem))
                entry = self.add(serial, name, model, cells.get("tags", "").split(";"))
            except LicenceFull as exc:  # said once, for this line and every one after it
                last = table.rows[-1].line
                lines = f"line {row.line}" if row.line == last else f"lines {row.line} to {last}"
                report.refused.append(f"{lines}: not added: {exc}")
                break
            except (Refused, Conflict) as exc:
                report.refused.append(f"line {row.line}: {exc}")  # by its column
            else:
                report.added.append(entry.serial)
        return report

    def get(self, serial: str) -> DeviceEntry:
        """One device; :class:`NotFound` if it is not registered."""
        found = self.search(serial=serial.strip().upper())
        if not found:
            raise NotFound(f"{serial} is not in the device registry", "serial")
        return found[0]

    def search(self, text: str = "", *, serial: str | None = None) -> list[DeviceEntry]:
        """Devices whose serial, name or a tag contains ``text`` (any case), by serial.

        A licence caps the registry at 100 devices, so the filter runs over all of them.
        """
        d = _DEVICES.c
        query = select(_DEVICES).order_by(d.serial)
        if serial is not None:
            query = query.where(d.serial == serial)
        needle = text.strip().lower()
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            builds = self._last_builds(connection, [row.serial for row in rows])
        if needle:
            rows = [
                row
                for row in rows
                if needle in row.serial.lower()
                or needle in row.name.lower()
                or any(needle in tag for tag in row.tags or [])
            ]
        return [_entry(row, *builds.get(row.serial, (None, None))) for row in rows]

    @staticmethod
    def _last_builds(
        connection: Any, serials: list[str]
    ) -> dict[str, tuple[datetime | None, str | None]]:
        if not serials:
            return {}
        p = _PROGRAMS.c
        newest = (
            select(p.serial, func.max(p.id).label("id"))
            .where(p.serial.in_(serials))
            .group_by(p.serial)
            .subquery()
        )
        rows = connection.execute(
            select(p.serial, p.created_at, p.config_hash).join(newest, newest.c.id == p.id)
        ).all()
        return {row.serial: (row.created_at, row.config_hash) for row in rows}

    def update(
        self, serial: str, *, name: str | None = None, tags: list[str] | None = None
    ) -> None:
        """Rename or re-tag a device."""
        entry = self.get(serial)
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name.strip()[:_MAX_NAME]
        if tags is not None:
            values["tags"] = check_tags(tags)
        if values:
            with self.engine.begin() as connection:
                connection.execute(
                    update(_DEVICES).where(_DEVICES.c.serial == entry.serial).values(**values)
                )

    def remove(self, serial: str) -> None:
        """Unregister a device; its firmware archive stays."""
        entry = self.get(serial)
        with self.engine.begin() as connection:
            connection.execute(delete(_DEVICES).where(_DEVICES.c.serial == entry.serial))

    # --- saved configurations -------------------------------------------------------------

    def save_config(self, serial: str, document: dict[str, Any], saved_by: str = "") -> str:
        """Keep a device's configuration document (with its secrets, sealed) and the account
        that saved it; its hash."""
        entry = self.get(serial)
        digest = config_hash(document, self.box, saved_by)
        sealed = self.box.seal(json.dumps(document, sort_keys=True))
        with self.engine.begin() as connection:
            connection.execute(
                update(_DEVICES)
                .where(_DEVICES.c.serial == entry.serial)
                .values(
                    config_sealed=sealed,
                    config_hash=digest,
                    config_saved_at=utc_now(),
                    config_saved_by=saved_by or None,
                )
            )
        return digest

    def saved_config(self, serial: str) -> dict[str, Any] | None:
        """The saved document, secrets included (``None`` when none was saved)."""
        return self.saved_config_and_saver(serial)[0]

    def saved_config_and_saver(self, serial: str) -> tuple[dict[str, Any] | None, str | None]:
        """The saved document (secrets included) and the account that saved it (``None``
        when unknown: saved before savers were recorded)."""
        d = _DEVICES.c
        with self.engine.connect() as connection:
            row = connection.execute(
                select(d.config_sealed, d.config_saved_by).where(d.serial == serial.upper())
            ).first()
        if row is None or row.config_sealed is None:
            return None, None
        document: dict[str, Any] = json.loads(self.box.open(row.config_sealed))
        return document, row.config_saved_by

    # --- firmware archive -----------------------------------------------------------------

    def record_program(
        self,
        serial: str,
        *,
        made_by: str,
        digest: str,
        bundle_name: str,
        bundle: bytes,
        has_hex: bool,
        flash_bytes: int | None = None,
        ram_bytes: int | None = None,
        batch_id: int | None = None,
    ) -> int:
        """Keep a bundle in the archive (sealed: it holds the node's keys); its id."""
        with self.engine.begin() as connection:
            result = connection.execute(
                insert(_PROGRAMS)
                .values(
                    serial=serial,
                    created_at=utc_now(),
                    made_by=made_by,
                    config_hash=digest,
                    bundle_name=bundle_name,
                    bundle=seal_file(self.box, bundle),
                    has_hex=has_hex,
                    flash_bytes=flash_bytes,
                    ram_bytes=ram_bytes,
                    batch_id=batch_id,
                )
                .returning(_PROGRAMS.c.id)
            )
            return int(result.scalar_one())

    def programs(self, serial: str) -> list[ProgramEntry]:
        """A device's bundles, newest first."""
        p = _PROGRAMS.c
        columns = [c for c in _PROGRAMS.c if c.name != "bundle"]
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(*columns).where(p.serial == serial.upper()).order_by(p.id.desc())
            ).all()
        return [ProgramEntry(**row._asdict()) for row in rows]

    def program_bundle(self, program_id: int) -> Download:
        """A bundle, opened, with who made it; :class:`NotFound` if there is none."""
        p = _PROGRAMS.c
        with self.engine.connect() as connection:
            row = connection.execute(
                select(p.bundle_name, p.bundle, p.made_by, p.serial).where(p.id == program_id)
            ).first()
        if row is None:
            raise NotFound(f"no bundle {program_id} in the firmware archive")
        data = open_file(self.box, bytes(row.bundle))
        return Download(row.bundle_name, data, row.made_by, f"device {row.serial}")
