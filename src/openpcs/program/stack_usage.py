"""The worst stack a program can need, so that a build is refused when it cannot fit its RAM.

Inputs: the ``.su`` files GCC writes with ``-fstack-usage`` for the program, the core and its
libraries (one line per function: ``file:line:column:name<TAB>bytes<TAB>qualifiers``, the
bytes including the return address), the stabs of the linked ELF (which name each function's
symbol with its file and line, the key that joins the two) and the call graph of
:mod:`openpcs.program.stack_graph`.

The worst chain is searched from ``main`` (the core's ``main`` runs ``setup()`` and ``loop()``)
and from every interrupt handler; an interrupt can come at the deepest point of ``main``'s
chain, so the program needs ``.data + .bss + main's worst + the worst handler``. The rules
for what the compiler cannot bound:

- a ``dynamic`` frame (a variable-length array) takes the bound ``stack_bounds.yaml`` gives
  from the API's source; without one the chain is *unbounded*;
- ``dynamic,bounded`` frames (arguments pushed for a call) are the bound GCC reports;
- an indirect call can reach every function whose address the program takes;
- recursion is *unbounded* unless ``stack_bounds.yaml`` bounds its depth; a cycle through
  library code the program did not compile (avr-libc's and libgcc's assembler, whose float
  routines jump into each other's code) is shared code, not recursion, unless the data file
  lists one of its functions as recursive (``qsort``);
- code without a ``.su`` line (avr-libc, libgcc, assembler) is measured from its instructions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from openpcs.catalog.sensors import CatalogError
from openpcs.program.stack_graph import CallGraph

__all__ = ["UNIT_MARK", "Chain", "StackBounds", "StackReport", "analyse_stack", "stack_bounds"]

_SU_LINE: Final = re.compile(r"^(.+?):(\d+):(\d+):(.+)\t(\d+)\t(\S+)\s*$")
_STAB: Final = re.compile(r"^\d+\s+(SO|SOL|FUN)\s+\d+\s+(\d+)\s+[0-9a-f]+\s+\d+\s*(.*)$")
_ROOT: Final = "main"
_INTERRUPT: Final = re.compile(r"^__vector_\d+$")
#: labels of the start-up code's constructor table, whose entries run before main
_CONSTRUCTORS: Final = ("_GLOBAL__sub_I", "_GLOBAL__sub_D", "__ctors_", "__dtors_")


class _Bound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bytes: int
    why: str


class StackBounds(BaseModel):
    """What the API's source bounds: variable-length frames and recursion depths, by the name
    the ``.su`` files give each function."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dynamic: dict[str, _Bound] = {}
    recursion: dict[str, _Bound] = {}
    #: library functions without a .su line that do recurse (a cycle through them is one)
    recursive_library: frozenset[str] = frozenset()


@cache
def stack_bounds() -> StackBounds:
    """``program/data/stack_bounds.yaml``, checked."""
    name = "stack_bounds.yaml"
    text = resources.files("openpcs.program.data").joinpath(name).read_text(encoding="utf-8")
    try:
        return TypeAdapter(StackBounds).validate_python(yaml.safe_load(text) or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CatalogError(f"{name}: {where}: {first['msg']}") from None


@dataclass(frozen=True)
class _SuLine:
    """One line of a ``.su`` file."""

    file: str
    line: int
    name: str
    bytes: int
    qualifiers: str


@dataclass(frozen=True)
class _Frame:
    bytes: int
    name: str
    unbounded: str = ""
    #: from a .su line (compiled code), not measured from the instructions
    compiled: bool = True


@dataclass(frozen=True)
class Chain:
    """A call chain from a root, with each function's frame; ``unbounded`` says why there is no
    bound when there is none."""

    functions: tuple[str, ...]
    frames: tuple[int, ...]
    unbounded: str = ""

    @property
    def bytes(self) -> int:
        """The stack the chain needs (its frames added)."""
        return sum(self.frames)

    def describe(self) -> str:
        """``setup (12) → loraWANJoin() (40) → …``."""
        return " → ".join(f"{f} ({b})" for f, b in zip(self.functions, self.frames, strict=True))


@dataclass(frozen=True)
class StackReport:
    """The RAM a program needs at worst: its static data, the deepest chain from ``main`` and
    the deepest interrupt handler on top of it."""

    static_bytes: int
    limit: int
    main: Chain
    interrupt: Chain | None
    notes: tuple[str, ...] = field(default=())

    @property
    def stack_bytes(self) -> int:
        """Bytes of stack at worst."""
        return self.main.bytes + (self.interrupt.bytes if self.interrupt else 0)

    @property
    def worst_bytes(self) -> int:
        """``.data + .bss`` plus the worst stack."""
        return self.static_bytes + self.stack_bytes

    @property
    def margin(self) -> int:
        """RAM left at the worst moment (negative: it does not fit)."""
        return self.limit - self.worst_bytes

    @property
    def unbounded(self) -> str:
        """Why the worst case has no bound ("" when it has one)."""
        return self.main.unbounded or (self.interrupt.unbounded if self.interrupt else "")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready figures for the manifest."""
        result: dict[str, object] = {
            "static_bytes": self.static_bytes,
            "stack_bytes": self.stack_bytes,
            "worst_bytes": self.worst_bytes,
            "limit": self.limit,
            "margin_bytes": self.margin,
            "worst_chain": self.main.describe(),
            "interrupt_chain": self.interrupt.describe() if self.interrupt else None,
            "notes": list(self.notes),
        }
        if self.unbounded:
            result["unbounded"] = self.unbounded
        return result


#: marks where one compilation unit's ``.su`` lines start, with the source path compiled
UNIT_MARK: Final = "#unit "


def _su_units(texts: list[str]) -> dict[str, list[_SuLine]]:
    """Source path → its ``.su`` lines in order (texts hold ``#unit <path>`` marks)."""
    units: dict[str, list[_SuLine]] = {}
    current: list[_SuLine] = units.setdefault("", [])
    for text in texts:
        for line in text.splitlines():
            if line.startswith(UNIT_MARK):
                current = units.setdefault(line[len(UNIT_MARK) :].strip(), [])
                continue
            match = _SU_LINE.match(line)
            if match is not None:
                current.append(
                    _SuLine(
                        Path(match.group(1)).name,
                        int(match.group(2)),
                        match.group(4).strip(),
                        int(match.group(5)),
                        match.group(6),
                    )
                )
    return units


def _stab_units(stabs: str) -> dict[str, list[tuple[str, str, int]]]:
    """Source path → (symbol, file name, line) of each function it defines, in order."""
    units: dict[str, list[tuple[str, str, int]]] = {}
    functions: list[tuple[str, str, int]] = units.setdefault("", [])
    current = ""
    for line in stabs.splitlines():
        match = _STAB.match(line.strip())
        if match is None:
            continue
        kind, desc, text = match.groups()
        if kind == "SO" and text and not text.endswith("/"):
            functions = units.setdefault(text, [])
        if kind in ("SO", "SOL") and text and not text.endswith("/"):
            current = Path(text).name
        elif kind == "FUN" and text:  # a named FUN starts a function; an empty one ends it
            functions.append((text.split(":", 1)[0], current, int(desc)))
    return units


def _su_by_symbol(stabs: str, texts: list[str]) -> dict[str, _SuLine]:
    """Each function symbol's ``.su`` line. Within one unit, the functions of one source line
    (a function and the parts GCC split off it, ``.part.N``) come in the same order in the
    stabs and the ``.su`` file; where the counts differ the largest frame stands for all."""
    su_units = _su_units(texts)
    found: dict[str, _SuLine] = {}
    for unit, functions in _stab_units(stabs).items():
        lines = su_units.get(unit) or next(
            (v for k, v in su_units.items() if k and Path(k).name == Path(unit).name),
            su_units.get("", []),  # lines with no unit mark: joined by file and line alone
        )
        by_place: dict[tuple[str, int], list[_SuLine]] = {}
        for entry in lines:
            by_place.setdefault((entry.file, entry.line), []).append(entry)
        seen: dict[tuple[str, int], int] = {}
        for symbol, file, line in functions:
            group = by_place.get((file, line), [])
            if not group:
                continue
            index = seen.get((file, line), 0)
            seen[(file, line)] = index + 1
            same_count = len(group) == sum(1 for _, f, n in functions if (f, n) == (file, line))
            entry = group[index] if same_count else max(group, key=lambda e: e.bytes)
            found.setdefault(symbol, entry)
    return found


class _Search:
    """Depth-first search of the worst chain, frames memoised, cycles found: a cycle of jumps
    only is a loop of shared code (assembler tails), one with a call is recursion."""

    def __init__(self, graph: CallGraph, frames: dict[str, _Frame]) -> None:
        self.graph = graph
        self.frames = frames
        self.best: dict[str, Chain] = {}
        self.active: list[tuple[str, bool]] = []
        self.pointers = sorted(n for n in graph.address_taken if not n.startswith(_CONSTRUCTORS))

    def _cycle(self, name: str, called: bool) -> Chain:
        names = [n for n, _ in self.active]
        start = names.index(name)
        kinds = [c for _, c in self.active[start + 1 :]] + [called]
        if not any(kinds):
            return Chain((), ())  # a loop through shared code: no more stack
        members = [self.frames[n] for n in names[start:]]
        recursive = stack_bounds().recursive_library
        if all(not f.compiled and f.name not in recursive for f in members):
            # library assembler entering each other's code (avr-libc's and libgcc's float
            # routines share tails): each counted once on the way, not a recursion
            return Chain((), ())
        frame = self.frames[name]
        bound = stack_bounds().recursion.get(frame.name)
        if bound is not None:
            return Chain((f"{frame.name} (recursion)",), (bound.bytes,))
        path = " → ".join(self.frames[n].name for n in (*names[start:], name))
        return Chain((frame.name,), (frame.bytes,), f"recursion: {path}")

    def chain(self, name: str, called: bool = True) -> Chain:
        if any(n == name for n, _ in self.active):
            return self._cycle(name, called)
        if name in self.best:
            return self.best[name]
        frame = self.frames[name]
        self.active.append((name, called))
        callees = self.graph.callees(name)
        if self.graph.nodes[name].indirect:
            callees |= dict.fromkeys(self.pointers, True)
        if not frame.compiled and callees.pop(name, False):
            # assembler that calls its own entry from code other entries share: one level
            frame = _Frame(frame.bytes * 2, frame.name, frame.unbounded, compiled=False)
        deepest: Chain | None = None
        for callee in sorted(callees):
            candidate = self.chain(callee, callees[callee])
            if deepest is None or _worse(candidate, deepest):
                deepest = candidate
        self.active.pop()
        own = Chain((frame.name,), (frame.bytes,), frame.unbounded)
        if deepest is not None:
            own = Chain(
                own.functions + deepest.functions,
                own.frames + deepest.frames,
                own.unbounded or deepest.unbounded,
            )
        self.best[name] = own
        return own


def _worse(a: Chain, b: Chain) -> bool:
    if bool(a.unbounded) != bool(b.unbounded):
        return bool(a.unbounded)
    return a.bytes > b.bytes


def _frames(graph: CallGraph, su: dict[str, _SuLine]) -> tuple[dict[str, _Frame], dict[str, str]]:
    bounds = stack_bounds().dynamic
    names_of: dict[str, list[str]] = {name: [name] for name in graph.nodes}
    for alias, name in graph.aliases.items():
        names_of[name].append(alias)
    frames: dict[str, _Frame] = {}
    notes: dict[str, str] = {}
    for name, node in graph.nodes.items():
        entry = next((su[n] for n in names_of[name] if n in su), None)
        if entry is None:
            frames[name] = _Frame(node.frame_estimate, name, compiled=False)
            continue
        size, unbounded = entry.bytes, ""
        if entry.qualifiers == "dynamic":
            bound = bounds.get(entry.name)
            if bound is None:
                unbounded = f"{entry.name} has a variable-length frame with no known bound"
            else:
                size += bound.bytes
                notes[entry.name] = f"{entry.name}: {bound.bytes} B more ({bound.why})"
        frames[name] = _Frame(size, entry.name, unbounded)
    return frames, notes


def analyse_stack(
    graph: CallGraph, stabs: str, su_texts: list[str], *, static_bytes: int, limit: int
) -> StackReport:
    """The worst RAM of a linked program (see the module docstring for the rules)."""
    frames, notes = _frames(graph, _su_by_symbol(stabs, su_texts))
    search = _Search(graph, frames)
    root = graph.aliases.get(_ROOT, _ROOT)
    if root not in graph.nodes:
        raise ValueError("the program has no main()")
    main = search.chain(root)
    handlers = [search.chain(n) for n in sorted(graph.nodes) if _INTERRUPT.match(n)]
    interrupt = None
    for handler in handlers:
        if interrupt is None or _worse(handler, interrupt):
            interrupt = handler
    on_chains = {*main.functions, *(interrupt.functions if interrupt else ())}
    shown = [note for name, note in notes.items() if name in on_chains]
    if search.pointers:
        names = ", ".join(frames[n].name for n in search.pointers[:6])
        more = f" and {len(search.pointers) - 6} more" if len(search.pointers) > 6 else ""
        shown.append(f"an indirect call may reach any of {names}{more}")
    return StackReport(static_bytes, limit, main, interrupt, tuple(shown))
