"""The call graph of a linked AVR program, read from ``avr-objdump -dr`` of its ELF.

Every symbol that labels code is a node. Its edges are what its instructions reach:

- ``call``/``rcall`` to another node: a call (the callee runs on top of the caller's frame);
- ``jmp``/``rjmp`` or a branch out of the node, and running off its end into the next label:
  a transfer that needs no new return address, counted like a call (a bound, never an
  underestimate);
- ``icall``/``eicall``, and ``ijmp``/``eijmp`` (a call through a pointer or a C++ virtual
  function, or such a call made last, as a jump): an indirect call, which can reach any
  function whose address the program takes (a ``gs()``/``pm()`` relocation in its code, or in
  its data where the virtual-function tables are, kept in the ELF by ``--emit-relocs``, whose
  target is the start of a function; which of them a call can reach is decided in
  :mod:`openpcs.program.stack_usage`); except the jumps of
  ``__tablejump2__`` (a ``switch``, back into the function that uses it) and
  ``__prologue_saves__`` / ``__epilogue_restores__`` (back into their caller): no edge.

For a node the compiler gave no stack usage (assembler and C from avr-libc and libgcc) the
frame is worked out from its own instructions: pushes, ``rcall .+0`` slots, the frame it
reserves by moving the stack pointer (``in r28, 0x3d`` … ``out 0x3d, r28``) or hands to
``__prologue_saves__``, and its return address.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Final

__all__ = ["RETURN_ADDRESS", "CallGraph", "Node", "parse_disassembly"]

#: bytes a call pushes on the ATmega1281 (16-bit program counter)
RETURN_ADDRESS: Final = 2
_ADDEND: Final = re.compile(r"^(.*?)\+0x([0-9a-f]+)$")
_FUNCTION_POINTER_RELOCATIONS: Final = frozenset(
    {"R_AVR_16_PM", "R_AVR_LO8_LDI_GS", "R_AVR_HI8_LDI_GS", "R_AVR_LO8_LDI_PM", "R_AVR_HI8_LDI_PM"}
)
_ENDS: Final = frozenset({"ret", "reti", "jmp", "rjmp", "ijmp", "eijmp"})
#: instructions that go to an address (and conditional branches, br…)
_TRANSFERS: Final = frozenset({"call", "rcall", "jmp", "rjmp"})
#: instructions that change the stack or what the frame estimate reads
_FRAME_MNEMONICS: Final = frozenset(
    {"push", "pop", "rcall", "in", "ldi", "sbiw", "adiw", "subi", "sbci", "out", "jmp", "rjmp"}
)
_PROLOGUE_SAVES: Final = "__prologue_saves__"
_PROLOGUE_HELPERS: Final = ("__prologue_saves__", "__epilogue_restores__")
#: whose indirect jumps go back into the code that jumped to them
_TABLE_HELPERS: Final = ("__tablejump", "__prologue_saves__", "__epilogue_restores__")
#: registers __prologue_saves__ pushes when entered at its start (r2-r17, r28, r29)
_PROLOGUE_SAVES_REGISTERS: Final = 18
_STACK_POINTER_LOW: Final = "0x3d"


@dataclass
class Node:
    """One labelled piece of code: where it starts, what it reaches, its own frame estimate."""

    name: str
    address: int
    calls: set[int] = field(default_factory=set)
    jumps: set[int] = field(default_factory=set)
    indirect: bool = False
    #: it re-enables interrupts (``sei``): inside an interrupt handler, another can nest
    enables_interrupts: bool = False
    falls_through: bool = False
    #: bytes its instructions put on the stack (pushes, reserved frame, return address)
    frame_estimate: int = RETURN_ADDRESS


@dataclass
class CallGraph:
    """The nodes by name, their start addresses in order, and the functions whose address the
    program takes."""

    nodes: dict[str, Node]
    starts: list[int]
    by_address: dict[int, str]
    address_taken: set[str]
    #: other labels of a node's code (a constructor's C1 and C2 names), to the node's name
    aliases: dict[str, str] = field(default_factory=dict)
    #: the functions whose address the code itself takes (not a virtual-function table)
    code_pointers: set[str] = field(default_factory=set)

    def containing(self, address: int) -> str | None:
        """The node whose code holds ``address``."""
        index = bisect.bisect_right(self.starts, address) - 1
        return self.by_address[self.starts[index]] if index >= 0 else None

    def end_of(self, node: Node) -> int:
        """The address after ``node``'s code (the next node's start)."""
        index = bisect.bisect_right(self.starts, node.address)
        return self.starts[index] if index < len(self.starts) else 1 << 32

    def callees(self, name: str) -> dict[str, bool]:
        """The nodes ``name`` reaches, each with whether it is called (True) or jumped or run
        on into (False): its calls (itself too, when it recurses), jumps out of its code, and
        the next node when it runs on into it. Never the prologue helpers, whose pushes are
        counted in the frame of the node that uses them."""
        node = self.nodes[name]
        end = self.end_of(node)
        called = {a for a in node.calls if a == node.address or not node.address <= a < end}
        jumped = {a for a in node.jumps if not node.address <= a < end}
        if node.falls_through and end in self.by_address:
            jumped.add(end)
        reached: dict[str, bool] = {}
        for addresses, is_call in ((jumped, False), (called, True)):
            for address in addresses:
                target = self.containing(address)
                if target is not None and not target.startswith(_PROLOGUE_HELPERS):
                    reached[target] = is_call or reached.get(target, False)
        return reached


class _Frame:
    """Tracks the stack a node's instructions reserve, in the order they appear: pushes, two
    bytes per ``rcall .+0``, and a frame reserved through the stack pointer (``in r28, 0x3d``
    and ``in r29, 0x3e``, a constant taken off ``r28:r29`` by ``sbiw`` or ``subi``/``sbci``,
    then ``out 0x3d, r28``) or handed to ``__prologue_saves__``. A constant added back (the
    epilogue's ``subi r28, 0x88``/``sbci r29, 0xFF``, or ``adiw``) frees, never reserves."""

    def __init__(self) -> None:
        self.depth = RETURN_ADDRESS
        self.deepest = RETURN_ADDRESS
        self.pointer: int | None = None  # r28:r29 moved from the stack pointer by this much
        self.registers: dict[str, int] = {}

    def step(self, mnemonic: str, operands: str, target: str | None) -> None:
        register, immediate = _operands(operands)
        if mnemonic == "push":
            self._grow(1)
        elif mnemonic == "pop":
            self.depth = max(RETURN_ADDRESS, self.depth - 1)
        elif mnemonic == "rcall" and operands.startswith(".+0"):
            self._grow(RETURN_ADDRESS)  # a two-byte slot reserved by a call to the next word
        elif mnemonic == "in" and register in ("r28", "r29") and "0x3d" in operands.lower():
            self.pointer = 0  # r28:r29 now hold the stack pointer
        elif mnemonic == "ldi" and immediate is not None:
            self.registers[register] = immediate
        elif self.pointer is not None and immediate is not None:
            self._move(mnemonic, register, immediate)
        elif mnemonic == "out" and register.lower() == _STACK_POINTER_LOW:
            if self.pointer is not None and self.pointer > 0:
                self._grow(self.pointer)
            self.pointer = None
        elif mnemonic in ("jmp", "rjmp") and target and target.startswith(_PROLOGUE_SAVES):
            # r26:r27 is the frame; entering at +2n skips the first n of the saved registers
            frame = self.registers.get("r26", 0) | self.registers.get("r27", 0) << 8
            offset = _ADDEND.match(target)
            skipped = int(offset.group(2), 16) // 2 if offset else 0
            self._grow(frame + max(0, _PROLOGUE_SAVES_REGISTERS - skipped))

    def _move(self, mnemonic: str, register: str, immediate: int) -> None:
        """``r28:r29`` taken down (a frame) or back up (freed) by a constant."""
        assert self.pointer is not None
        if mnemonic == "sbiw" and register == "r28":
            self.pointer += immediate
        elif mnemonic == "adiw" and register == "r28":
            self.pointer -= immediate
        elif mnemonic == "subi" and register == "r28":
            self.pointer += immediate & 0xFF
        elif mnemonic == "sbci" and register == "r29":
            # subi/sbci take a 16-bit constant off r28:r29; 0xFF.. above is a negative one
            high = immediate & 0xFF
            self.pointer += (high << 8) - (0x10000 if high & 0x80 else 0)

    def _grow(self, count: int) -> None:
        self.depth += count
        self.deepest = max(self.deepest, self.depth)


def _named_target(operands: str) -> str | None:
    """The symbol an instruction's comment names (``; 0x13b22 <__prologue_saves__+0x20>``)."""
    start = operands.find("<")
    end = operands.find(">", start + 1)
    return operands[start + 1 : end] if 0 <= start < end else None


def _operands(operands: str) -> tuple[str, int | None]:
    """The first operand and the number of the second (``r28, 0x0b`` → ``("r28", 11)``)."""
    first, _, rest = operands.partition(",")
    number = re.match(r"\s*(0x[0-9a-fA-F]+|\d+)", rest)
    return first.strip(), int(number.group(1), 0) if number else None


def _relocation_target(text: str, labels: dict[str, int]) -> int | None:
    """The address a relocation points at (``name``, ``name+0x..`` or ``.text+0x..``)."""
    match = _ADDEND.match(text)
    base, offset = (match.group(1), int(match.group(2), 16)) if match else (text, 0)
    if base == ".text":
        return offset
    return labels[base] + offset if base in labels else None


def parse_disassembly(text: str, data_relocations: str = "") -> CallGraph:
    """The call graph of ``avr-objdump -dr`` output of a linked program; ``data_relocations``
    is ``avr-objdump -r -j .data`` of it (the virtual-function tables' entries)."""
    nodes: dict[str, Node] = {}
    aliases: dict[str, str] = {}
    pointers: list[str] = []
    current: Node | None = None
    frame = _Frame()
    last = ""

    def close() -> None:
        if current is not None:
            current.frame_estimate = frame.deepest
            current.falls_through = last not in _ENDS

    for line in text.splitlines():
        if not line or line[0] not in " \t":
            # a label, "0001459a <vfprintf>:" (or a header line, which has no " <")
            address_text, marker, rest = line.partition(" <")
            if not marker or not line.endswith(">:"):
                continue
            address, name = int(address_text, 16), rest[:-2]
            if current is not None and current.address == address and not last:
                aliases[name] = current.name  # another name of the same code
                continue
            close()
            if name in nodes and nodes[name].address != address:
                name = f"{name}@{address:x}"  # a static function of the same name in another unit
            current = nodes.setdefault(name, Node(name, address))
            frame, last = _Frame(), ""
            continue
        if line.startswith("\t\t\t"):
            # a relocation, "\t\t\t12f46: R_AVR_CALL\t__addsf3x"
            kind, _, target_text = line[3:].partition(" ")[2].partition("\t")
            if kind in _FUNCTION_POINTER_RELOCATIONS:
                pointers.append(target_text.strip())
            continue
        # an instruction, "   12f46:\t0e 94 b8 97 \tcall\t0x12f70\t; 0x12f70 <__addsf3x>"
        parts = line.split("\t")
        if current is None or len(parts) < 3 or not parts[0].rstrip().endswith(":"):
            continue
        mnemonic, operands = parts[2].strip(), "\t".join(parts[3:])
        last = mnemonic
        if mnemonic in _FRAME_MNEMONICS:
            frame.step(mnemonic, operands, _named_target(operands))
        if mnemonic in ("icall", "eicall") or (
            mnemonic in ("ijmp", "eijmp") and not current.name.startswith(_TABLE_HELPERS)
        ):
            current.indirect = True
        elif mnemonic == "sei":
            current.enables_interrupts = True
        elif mnemonic in _TRANSFERS or mnemonic.startswith("br"):
            if operands.startswith(".+0"):
                continue
            _, marker, after = operands.partition("; 0x")
            if marker:
                kind_set = current.calls if mnemonic.endswith("call") else current.jumps
                kind_set.add(int(after.split(" ", 1)[0], 16))
    close()
    in_code = len(pointers)
    for line in data_relocations.splitlines():
        # "00000012 R_AVR_16_PM       .text+0x00005fa6"
        fields = line.split()
        if len(fields) == 3 and fields[1] in _FUNCTION_POINTER_RELOCATIONS:
            pointers.append(fields[2])
    by_address = {node.address: name for name, node in nodes.items()}
    labels = {name: node.address for name, node in nodes.items()}
    labels |= {alias: labels[name] for alias, name in aliases.items()}
    taken, from_code = set(), set()
    for index, pointer in enumerate(pointers):
        pointed = _relocation_target(pointer, labels)
        if pointed is not None and pointed in by_address:
            taken.add(by_address[pointed])
            if index < in_code:
                from_code.add(by_address[pointed])
    graph = CallGraph(nodes, sorted(by_address), by_address, taken, aliases, from_code)
    for node in nodes.values():
        # a call into its own code (assembler subroutines) pushes a return address more
        end = graph.end_of(node)
        if any(node.address < a < end for a in node.calls):
            node.frame_estimate += RETURN_ADDRESS
    return graph
