"""The worst stack a program can need, so that a build is refused when it cannot fit its RAM.

Inputs: the ``.su`` files GCC writes with ``-fstack-usage`` for the program, the core and its
libraries (one line per function: ``file:line:column:name<TAB>bytes<TAB>qualifiers``, the
bytes including the return address), the stabs of the linked ELF (which name each function's
symbol with its file and line, the key that joins the two) and the call graph of
:mod:`openpcs.program.stack_graph`.

The worst chain is searched from ``main`` (the core's ``main`` runs ``setup()`` and ``loop()``)
and from every interrupt handler; an interrupt can come at the deepest point of ``main``'s
chain, so the program needs ``.data + .bss + heap + main's worst + the worst handler``, and
the worst other handler on top when a handler re-enables interrupts (``sei``, as the core's
pin-interrupt handlers do), so one more can nest. The rules for what the compiler cannot
bound:

- a ``dynamic`` frame (a variable-length array) takes the bound ``stack_bounds.yaml`` gives
  from the API's source; without one the chain is *unbounded*;
- ``dynamic,bounded`` frames (arguments pushed for a call) are the bound GCC reports;
- an indirect call can reach every function whose address the program takes (its code or,
  for virtual calls, its tables in the data); one from an interrupt vector or from library
  code (avr-libc's streams) only those whose address the code takes;
- recursion is *unbounded* unless ``stack_bounds.yaml`` bounds its depth; a cycle through
  library code the program did not compile (avr-libc's and libgcc's assembler, whose float
  routines jump into each other's code) is shared code, not recursion, unless the data file
  lists one of its functions as recursive (``qsort``);
- code without a ``.su`` line (avr-libc, libgcc, assembler) is measured from its instructions;
- the heap: each function ``main`` can reach that calls ``malloc``/``calloc``/``realloc``
  takes the bound ``stack_bounds.yaml`` gives (``heap``), all counted as live at once; one
  without a bound makes the figure *unbounded*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from openpcs.catalog.sensors import CatalogError
from openpcs.program.stack_graph import CallGraph
from openpcs.program.stack_symbols import SuLine, su_by_symbol

__all__ = ["Chain", "StackBounds", "StackReport", "analyse_stack", "stack_bounds"]

_ROOT: Final = "main"
_INTERRUPT: Final = re.compile(r"^__vector_\d+$")
_NO_CUT: Final = 1 << 30
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
    heap: dict[str, _Bound] = {}
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
    #: a second handler on top of the first, when a handler re-enables interrupts
    nested: Chain | None = None
    heap_bytes: int = 0
    heap_unbounded: str = ""

    @property
    def stack_bytes(self) -> int:
        """Bytes of stack at worst."""
        return sum(c.bytes for c in (self.main, self.interrupt, self.nested) if c is not None)

    @property
    def worst_bytes(self) -> int:
        """``.data + .bss``, the heap and the worst stack."""
        return self.static_bytes + self.heap_bytes + self.stack_bytes

    @property
    def margin(self) -> int:
        """RAM left at the worst moment (negative: it does not fit)."""
        return self.limit - self.worst_bytes

    @property
    def unbounded(self) -> str:
        """Why the worst case has no bound ("" when it has one)."""
        chains = (self.main, self.interrupt, self.nested)
        return next((c.unbounded for c in chains if c and c.unbounded), self.heap_unbounded)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready figures for the manifest."""
        result: dict[str, object] = {
            "static_bytes": self.static_bytes,
            "stack_bytes": self.stack_bytes,
            "worst_bytes": self.worst_bytes,
            "limit": self.limit,
            "margin_bytes": self.margin,
            "heap_bytes": self.heap_bytes,
            "worst_chain": self.main.describe(),
            "interrupt_chain": self.interrupt.describe() if self.interrupt else None,
            "nested_interrupt_chain": self.nested.describe() if self.nested else None,
            "notes": list(self.notes),
        }
        if self.unbounded:
            result["unbounded"] = self.unbounded
        return result


class _Search:
    """Depth-first search of the worst chain, frames memoised, cycles found: a cycle of jumps
    only is a loop of shared code (assembler tails), one with a call is recursion."""

    def __init__(self, graph: CallGraph, frames: dict[str, _Frame]) -> None:
        self.graph = graph
        self.frames = frames
        self.best: dict[str, Chain] = {}
        self.active: list[tuple[str, bool]] = []
        #: the shallowest place on the active path a cycle went back to (len: none)
        self.cut = _NO_CUT
        self.pointers = sorted(n for n in graph.address_taken if not n.startswith(_CONSTRUCTORS))
        self.code_pointers = [n for n in self.pointers if n in graph.code_pointers]

    def targets_of(self, name: str) -> list[str]:
        """What an indirect call in ``name`` can reach: from compiled code (C++, where virtual
        calls go through the tables in the data) every address-taken function; from a vector
        (the handlers the code gives ``attachInterrupt()``) and from library code (C and
        assembler of avr-libc, whose streams call the functions the code gives them), only
        those the code takes."""
        if _INTERRUPT.match(name) or not self.frames[name].compiled:
            return self.code_pointers
        return self.pointers

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
        """The deepest chain from ``name``. A chain found while a cycle was cut short at a
        function above it on the path is not kept: another path into it must see the rest."""
        for index, (active, _) in enumerate(self.active):
            if active == name:
                self.cut = min(self.cut, index)
                return self._cycle(name, called)
        if name in self.best:
            return self.best[name]
        frame = self.frames[name]
        depth, outer_cut = len(self.active), self.cut
        self.cut = _NO_CUT
        self.active.append((name, called))
        callees = self.graph.callees(name)
        if self.graph.nodes[name].indirect:
            callees |= dict.fromkeys(self.targets_of(name), True)
        recursive = frame.name in stack_bounds().recursive_library
        if not frame.compiled and not recursive and callees.pop(name, False):
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
        if self.cut >= depth:
            self.best[name] = own
        self.cut = min(outer_cut, self.cut if self.cut < depth else _NO_CUT)
        return own


def _worse(a: Chain, b: Chain) -> bool:
    if bool(a.unbounded) != bool(b.unbounded):
        return bool(a.unbounded)
    return a.bytes > b.bytes


def _frames(
    graph: CallGraph, su: dict[str | int, SuLine]
) -> tuple[dict[str, _Frame], dict[str, str]]:
    bounds = stack_bounds().dynamic
    names_of: dict[str, list[str]] = {name: [name] for name in graph.nodes}
    for alias, name in graph.aliases.items():
        names_of[name].append(alias)
    frames: dict[str, _Frame] = {}
    notes: dict[str, str] = {}
    for name, node in graph.nodes.items():
        # by name; by address for a symbol the disassembly does not show (a constructor's twin)
        entry = su.get(node.address) or next((su[n] for n in names_of[name] if n in su), None)
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
    frames, notes = _frames(graph, su_by_symbol(stabs, su_texts))
    search = _Search(graph, frames)
    root = graph.aliases.get(_ROOT, _ROOT)
    if root not in graph.nodes:
        raise ValueError("the program has no main()")
    main = search.chain(root)
    vectors = sorted(n for n in graph.nodes if _INTERRUPT.match(n))
    handlers = sorted(
        ((search.chain(n), n) for n in vectors),
        key=lambda pair: (bool(pair[0].unbounded), pair[0].bytes),
        reverse=True,
    )
    interrupt = handlers[0][0] if handlers else None
    nested = None
    if len(handlers) > 1 and any(
        graph.nodes[n].enables_interrupts for h in vectors for n in _reachable(graph, search, h)
    ):
        nested = handlers[1][0]
    heap, heap_unbounded, heap_notes = _heap(graph, search, frames, root)
    on_chains = {
        *main.functions,
        *(interrupt.functions if interrupt else ()),
        *(nested.functions if nested else ()),
    }
    shown = [note for name, note in notes.items() if name in on_chains]
    if search.pointers:
        targets = ", ".join(frames[n].name for n in search.pointers[:6])
        more = f" and {len(search.pointers) - 6} more" if len(search.pointers) > 6 else ""
        shown.append(f"an indirect call may reach any of {targets}{more}")
    shown += heap_notes
    return StackReport(
        static_bytes, limit, main, interrupt, tuple(shown), nested, heap, heap_unbounded
    )


_ALLOCATORS: Final = ("malloc", "calloc", "realloc")


def _reachable(graph: CallGraph, search: _Search, root: str) -> set[str]:
    """Every node ``root`` can reach (indirect calls reach the address-taken functions)."""
    seen = {root}
    pending = [root]
    while pending:
        name = pending.pop()
        following = set(graph.callees(name))
        if graph.nodes[name].indirect:
            following |= set(search.targets_of(name))
        for callee in following - seen:
            seen.add(callee)
            pending.append(callee)
    return seen


def _heap(
    graph: CallGraph, search: _Search, frames: dict[str, _Frame], root: str
) -> tuple[int, str, list[str]]:
    """The heap ``root`` can take: the bounds of the allocating functions it reaches."""
    reached = _reachable(graph, search, root)
    allocators = {a for a in _ALLOCATORS if a in graph.nodes}
    callers = sorted(
        n for n in reached if n not in allocators and allocators & set(graph.callees(n))
    )
    bounds = stack_bounds().heap
    total, unbounded, notes = 0, "", []
    for caller in callers:
        name = frames[caller].name
        bound = bounds.get(name)
        if bound is None:
            unbounded = unbounded or f"{name} takes heap memory with no known bound"
            continue
        total += bound.bytes
        notes.append(f"{name}: {bound.bytes} B of heap ({bound.why})")
    return total, unbounded, notes
