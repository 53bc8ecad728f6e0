"""Compiling a generated program into a ``.hex`` with the AVR toolchain and a Waspmote API tree.

Steps (reference §7, §9): the core and each library the program includes are compiled once into
archives in the cache; the program's translation units are compiled (or taken from the cache by
content); everything is linked with ``--gc-sections``, the archives grouped and ``-lm`` last;
``avr-objcopy -O ihex -R .eeprom`` makes the ``.hex``; ``avr-size -A`` gives flash and RAM,
which must fit 122,880 and 8,192 bytes; the stack check (:mod:`openpcs.program.stack_check`)
adds the worst stack to ``.data + .bss`` and refuses a program whose worst case does not fit
8,192 bytes, naming the chain. Each tool is run by :mod:`openpcs.program.build_tools`, which
reports a compiler error with the generated line and the configuration item that produced it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from openpcs.program.api_tree import ApiTree
from openpcs.program.build_tools import compile_source, link, program_size, run_tool
from openpcs.program.cache import BuildCache, default_cache_dir
from openpcs.program.errors import BuildError, SizeLimitError
from openpcs.program.source import ProgramSource
from openpcs.program.stack_check import (
    StackReports,
    chain_config_path,
    check_stack,
    stack_warnings,
)
from openpcs.program.stack_symbols import UNIT_MARK
from openpcs.program.stack_usage import StackReport
from openpcs.program.toolchain import (
    CXX_FLAGS,
    FLASH_LIMIT,
    LINK_FLAGS,
    RAM_LIMIT,
    Toolchain,
)

__all__ = ["BuildResult", "Builder"]


@dataclass(frozen=True)
class BuildResult:
    """A built program: the ``.hex`` and what it costs, and what had to be compiled."""

    hex_path: Path
    elf_path: Path
    flash_bytes: int
    ram_bytes: int
    libraries: tuple[str, ...]
    compiled: tuple[str, ...] = field(default=())
    stack: StackReport | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """What is worth knowing although the program fits (little RAM to spare at its worst
        moment, a stack the check could not bound)."""
        return stack_warnings(self.stack) if self.stack is not None else ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        return {
            "hex": self.hex_path.name,
            "flash_bytes": self.flash_bytes,
            "flash_limit": FLASH_LIMIT,
            "ram_bytes": self.ram_bytes,
            "ram_limit": RAM_LIMIT,
            "stack": self.stack.to_dict() if self.stack is not None else None,
            "libraries": list(self.libraries),
            "warnings": list(self.warnings),
        }


def _stack_usage_path(target: Path) -> Path:
    """Where the ``.su`` lines of a cached archive or object live (beside it)."""
    return target.with_name(target.name + ".su")


def _stack_usage_of(units: Sequence[tuple[Path, Path]]) -> str:
    """The ``.su`` lines GCC wrote beside the objects of these (source, object) units, each
    unit's under a mark naming its source as it was compiled (assembler units have none)."""
    texts = []
    for source, built in units:
        usage = built.with_suffix(".su")
        if usage.is_file():
            texts.append(f"{UNIT_MARK}{source}\n")
            texts.append(usage.read_text(encoding="utf-8", errors="replace"))
    return "".join(texts)


def _read_cached(path: Path) -> str:
    if not BuildCache.valid(path):
        raise BuildError(f"{path}: the build cache lost this file; build again")
    return path.read_text(encoding="utf-8", errors="replace")


class Builder:
    """Builds programs against one API tree with one toolchain, sharing one cache."""

    def __init__(
        self,
        tree: ApiTree,
        toolchain: Toolchain,
        *,
        cache_root: Path | None = None,
        jobs: int | None = None,
    ) -> None:
        self.tree = tree
        self.toolchain = toolchain
        self.cache = BuildCache(
            cache_root or default_cache_dir(), tree.content_hash, toolchain.fingerprint()
        )
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._stack_reports = StackReports()

    # --- compiling --------------------------------------------------------------------------

    def _archive(
        self, target: Path, sources: Sequence[Path], include_dirs: Sequence[Path], what: str
    ) -> bool:
        """Compile ``sources`` into the archive ``target`` unless it is cached; True if built."""
        if BuildCache.valid(target):
            return False
        with BuildCache.locked(target):
            if BuildCache.valid(target):
                return False
            with tempfile.TemporaryDirectory(prefix="openpcs-") as scratch:
                objects = [
                    Path(scratch) / f"{index:03d}_{source.stem}.o"
                    for index, source in enumerate(sources)
                ]
                with ThreadPoolExecutor(self.jobs) as pool:
                    list(
                        pool.map(
                            lambda pair: compile_source(
                                self.toolchain, pair[0], pair[1], include_dirs
                            ),
                            zip(sources, objects, strict=True),
                        )
                    )
                built = Path(scratch) / target.name
                # the .su of every unit, published first: a valid archive has its stack usage
                usage = Path(scratch) / "stack.su"
                usage.write_text(
                    _stack_usage_of(list(zip(sources, objects, strict=True))), encoding="utf-8"
                )
                BuildCache.publish(usage, _stack_usage_path(target))
                if objects:
                    run_tool([self.toolchain.ar, "rcs", built, *objects], f"archiving {what}", None)
                else:  # a header-only library: an empty archive keeps the link line uniform
                    run_tool([self.toolchain.ar, "rcs", built], f"archiving {what}", None)
                BuildCache.publish(built, target)
        return True

    def _library_includes(self, name: str) -> list[Path]:
        library = self.tree.libraries[name]
        text = b"".join(path.read_bytes() for path in library.sources)
        text += b"".join((library.path / header).read_bytes() for header in library.headers)
        needed = {name, *self.tree.libraries_for(text)}
        return [self.tree.core, *(self.tree.libraries[n].path for n in sorted(needed))]

    def prepare(self, libraries: Iterable[str]) -> list[str]:
        """Make sure the core and these libraries are compiled; return what had to be built."""
        built = []
        if self._archive(self.cache.core_archive, self.tree.core_sources, [self.tree.core], "core"):
            built.append("core")
        for name in libraries:
            library = self.tree.libraries[name]
            target = self.cache.library_archive(name)
            if self._archive(target, library.sources, self._library_includes(name), name):
                built.append(name)
        return built

    def _compile_unit(
        self,
        name: str,
        text: str,
        cached: Path,
        *,
        work_dir: Path,
        include_dirs: Sequence[Path],
        program: ProgramSource,
    ) -> bool:
        """Compile one program unit into the cache unless it is there; True if compiled. Under
        the entry's lock, so builds at once publish one object and its ``.su`` together."""

        def present() -> bool:
            return BuildCache.valid(cached) and BuildCache.valid(_stack_usage_path(cached))

        if present():
            return False
        with BuildCache.locked(cached):
            if present():
                return False
            unit = work_dir / name
            unit.write_text(text, encoding="utf-8")
            built = work_dir / f"{unit.stem}.o"
            compile_source(self.toolchain, unit, built, include_dirs, program)
            usage = work_dir / f"{unit.stem}.stack"
            usage.write_text(_stack_usage_of([(unit, built)]), encoding="utf-8")
            BuildCache.publish(usage, _stack_usage_path(cached))
            BuildCache.publish(built, cached)
        return True

    # --- one program ------------------------------------------------------------------------

    def build(self, program: ProgramSource, work_dir: Path, *, hex_name: str) -> BuildResult:
        """Compile, link and size ``program`` in ``work_dir``; the ``.hex`` is ``hex_name``.

        Raises :class:`BuildError` with the compiler's messages, or :class:`SizeLimitError`
        when the program does not fit the node.
        """
        work_dir.mkdir(parents=True, exist_ok=True)
        for name, text in program.files.items():
            (work_dir / name).write_text(text, encoding="utf-8")
        units = program.translation_units()
        libraries = self.tree.libraries_for("\n".join(program.files.values()).encode())
        compiled = self.prepare(libraries)
        include_dirs = [
            work_dir,
            self.tree.core,
            *(self.tree.libraries[name].path for name in libraries),
        ]
        include_key = "\n".join(("core", *libraries))
        objects = []
        for name, text in units.items():
            cached = self.cache.object_for(text, CXX_FLAGS, include_key)
            if self._compile_unit(
                name, text, cached, work_dir=work_dir, include_dirs=include_dirs, program=program
            ):
                compiled.append(name)
            objects.append(cached)
        elf = work_dir / f"{program.sketch_name}.elf"
        archives = [self.cache.library_archive(name) for name in libraries]
        link(
            [
                self.toolchain.gcc,
                *LINK_FLAGS,
                "-o",
                elf,
                *objects,
                "-Wl,--start-group",
                *archives,
                self.cache.core_archive,
                "-Wl,--end-group",
                "-lm",
            ],
            program,
        )
        hex_path = work_dir / hex_name
        run_tool(
            [self.toolchain.objcopy, "-O", "ihex", "-R", ".eeprom", elf, hex_path],
            "making the .hex",
            None,
        )
        flash, ram = program_size(run_tool([self.toolchain.size, "-A", elf], "sizing", None))
        if flash > FLASH_LIMIT or ram > RAM_LIMIT:
            hex_path.unlink()
            raise SizeLimitError(
                f"the program needs {flash:,} bytes of flash (limit {FLASH_LIMIT:,}) and "
                f"{ram:,} bytes of RAM (limit {RAM_LIMIT:,}); remove options (GPS, industrial "
                "protocol, HTTPS) or probes (guide §2.16.2)"
            )
        linked = [self.cache.core_archive, *archives]
        object_texts = [_read_cached(_stack_usage_path(path)) for path in objects]
        # objects with .su lines hold code (node_values.o holds data only)
        code = [o.name for o, t in zip(objects, object_texts, strict=True) if "\t" in t]
        stack = self._stack_reports.report(
            StackReports.key([*code, *map(BuildCache.seal_of, linked)]),
            ram,
            lambda: check_stack(
                lambda c, w: run_tool(c, w, None),
                self.toolchain,
                elf,
                [*(_read_cached(_stack_usage_path(path)) for path in linked), *object_texts],
                ram,
            ),
        )
        if stack.margin < 0:
            hex_path.unlink()
            where = chain_config_path(stack.main, program)
            raise SizeLimitError(
                f"{where + ': ' if where else ''}the program needs {stack.worst_bytes:,} bytes of "
                f"RAM at its worst moment ({ram:,} B of data and {stack.stack_bytes:,} B of "
                f"stack; limit {RAM_LIMIT:,}); the deepest chain: {stack.main.describe()}; "
                "remove options (GPS, industrial protocol, HTTPS) or probes (guide §2.16.2)"
            )
        return BuildResult(hex_path, elf, flash, ram, libraries, tuple(compiled), stack)
