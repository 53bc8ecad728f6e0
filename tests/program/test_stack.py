"""The stack check: the call graph read from ``avr-objdump -dr`` (edges, indirect calls,
address-taken functions, frames measured from prologues), the worst chain joined with GCC's
``.su`` lines through the stabs, the warnings and the configuration item named, and real
builds on the test tree that overflow, nearly overflow, fit, and recurse.

The disassembly and stabs vectors below are real ``avr-objdump`` output of small programs
built with Debian's avr-gcc 5.4 and the build's flags (``toolchain.C_FLAGS``/``LINK_FLAGS``),
cut to the functions each test needs; the frames they quote are what GCC's ``.su`` files said.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import pytest

from openpcs.program import build as build_module
from openpcs.program.api_tree import find_api_tree
from openpcs.program.build import Builder
from openpcs.program.errors import SizeLimitError
from openpcs.program.source import ProgramSource
from openpcs.program.stack_check import STACK_MARGIN, chain_config_path, stack_warnings
from openpcs.program.stack_graph import RETURN_ADDRESS, CallGraph, Node, parse_disassembly
from openpcs.program.stack_symbols import UNIT_MARK
from openpcs.program.stack_usage import Chain, StackReport, analyse_stack, stack_bounds
from openpcs.program.toolchain import RAM_LIMIT, find_toolchain
from tests.program.fake_tree import write_fake_tree

needs_avr = pytest.mark.usefixtures("avr_toolchain")

#: ``avr-objdump -dr`` of a linked C program (avr-gcc 5.4, the build's flags), from its first
#: function on: ``callit`` calls through a pointer (as a tail jump, ``ijmp``), ``tail`` jumps
#: to ``leaf``, ``divide`` calls libgcc's ``__udivmodsi4``, whose pieces branch into each other
#: and run on into the next label; ``main`` takes the address of ``target`` (``gs()``) and loops.
#:
#: .. code-block:: c
#:
#:     void target(uint8_t n) { sink = n; }
#:     void callit(cb f) { f(sink); }
#:     void leaf(uint8_t n) { volatile uint8_t b[11]; b[n] = n; sink = b[0]; }  /* .su: 15 */
#:     void tail(uint8_t n) { if (n) leaf(n); }
#:     uint32_t divide(uint32_t a, uint32_t b) { return a / b; }
#:     int main(void) { callit(target); tail(sink); wide = divide(wide, sink);
#:                      for (;;) { if (sink) leaf(2); } }
PROGRAM: Final = """\
000000f4 <target>:
  f4:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\tf6: R_AVR_16\tsink
  f8:\t08 95       \tret

000000fa <callit>:
  fa:\tfc 01       \tmovw\tr30, r24
  fc:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\tfe: R_AVR_16\tsink
 100:\t09 94       \tijmp

00000102 <leaf>:
 102:\tcf 93       \tpush\tr28
 104:\tdf 93       \tpush\tr29
 106:\tcd b7       \tin\tr28, 0x3d\t; 61
 108:\tde b7       \tin\tr29, 0x3e\t; 62
 10a:\t2b 97       \tsbiw\tr28, 0x0b\t; 11
 10c:\t0f b6       \tin\tr0, 0x3f\t; 63
 10e:\tf8 94       \tcli
 110:\tde bf       \tout\t0x3e, r29\t; 62
 112:\t0f be       \tout\t0x3f, r0\t; 63
 114:\tcd bf       \tout\t0x3d, r28\t; 61
 116:\te1 e0       \tldi\tr30, 0x01\t; 1
 118:\tf0 e0       \tldi\tr31, 0x00\t; 0
 11a:\tec 0f       \tadd\tr30, r28
 11c:\tfd 1f       \tadc\tr31, r29
 11e:\te8 0f       \tadd\tr30, r24
 120:\tf1 1d       \tadc\tr31, r1
 122:\t80 83       \tst\tZ, r24
 124:\t89 81       \tldd\tr24, Y+1\t; 0x01
 126:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t128: R_AVR_16\tsink
 12a:\t2b 96       \tadiw\tr28, 0x0b\t; 11
 12c:\t0f b6       \tin\tr0, 0x3f\t; 63
 12e:\tf8 94       \tcli
 130:\tde bf       \tout\t0x3e, r29\t; 62
 132:\t0f be       \tout\t0x3f, r0\t; 63
 134:\tcd bf       \tout\t0x3d, r28\t; 61
 136:\tdf 91       \tpop\tr29
 138:\tcf 91       \tpop\tr28
 13a:\t08 95       \tret

0000013c <tail>:
 13c:\t81 11       \tcpse\tr24, r1
 13e:\t0c 94 81 00 \tjmp\t0x102\t; 0x102 <leaf>
\t\t\t13e: R_AVR_CALL\t.text+0x102
 142:\t08 95       \tret

00000144 <divide>:
 144:\t0e 94 ce 00 \tcall\t0x19c\t; 0x19c <__udivmodsi4>
\t\t\t144: R_AVR_CALL\t__udivmodsi4
 148:\tca 01       \tmovw\tr24, r20
 14a:\tb9 01       \tmovw\tr22, r18
 14c:\t08 95       \tret

0000014e <main>:
 14e:\t8a e7       \tldi\tr24, 0x7A\t; 122
\t\t\t14e: R_AVR_LO8_LDI_GS\t.text+0xf4
 150:\t90 e0       \tldi\tr25, 0x00\t; 0
\t\t\t150: R_AVR_HI8_LDI_GS\t.text+0xf4
 152:\t0e 94 7d 00 \tcall\t0xfa\t; 0xfa <callit>
\t\t\t152: R_AVR_CALL\t.text+0xfa
 156:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t158: R_AVR_16\tsink
 15a:\t0e 94 9e 00 \tcall\t0x13c\t; 0x13c <tail>
\t\t\t15a: R_AVR_CALL\t.text+0x13c
 15e:\t20 91 00 02 \tlds\tr18, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t160: R_AVR_16\tsink
 162:\t60 91 01 02 \tlds\tr22, 0x0201\t; 0x800201 <wide>
\t\t\t164: R_AVR_16\twide
 166:\t70 91 02 02 \tlds\tr23, 0x0202\t; 0x800202 <wide+0x1>
\t\t\t168: R_AVR_16\twide+0x1
 16a:\t80 91 03 02 \tlds\tr24, 0x0203\t; 0x800203 <wide+0x2>
\t\t\t16c: R_AVR_16\twide+0x2
 16e:\t90 91 04 02 \tlds\tr25, 0x0204\t; 0x800204 <wide+0x3>
\t\t\t170: R_AVR_16\twide+0x3
 172:\t30 e0       \tldi\tr19, 0x00\t; 0
 174:\t40 e0       \tldi\tr20, 0x00\t; 0
 176:\t50 e0       \tldi\tr21, 0x00\t; 0
 178:\t0e 94 a2 00 \tcall\t0x144\t; 0x144 <divide>
\t\t\t178: R_AVR_CALL\t.text+0x144
 17c:\t60 93 01 02 \tsts\t0x0201, r22\t; 0x800201 <wide>
\t\t\t17e: R_AVR_16\twide
 180:\t70 93 02 02 \tsts\t0x0202, r23\t; 0x800202 <wide+0x1>
\t\t\t182: R_AVR_16\twide+0x1
 184:\t80 93 03 02 \tsts\t0x0203, r24\t; 0x800203 <wide+0x2>
\t\t\t186: R_AVR_16\twide+0x2
 188:\t90 93 04 02 \tsts\t0x0204, r25\t; 0x800204 <wide+0x3>
\t\t\t18a: R_AVR_16\twide+0x3
 18c:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t18e: R_AVR_16\tsink
 190:\t88 23       \tand\tr24, r24
 192:\te1 f3       \tbreq\t.-8      \t; 0x18c <main+0x3e>
\t\t\t192: R_AVR_7_PCREL\t.text+0x18c
 194:\t82 e0       \tldi\tr24, 0x02\t; 2
 196:\t0e 94 81 00 \tcall\t0x102\t; 0x102 <leaf>
\t\t\t196: R_AVR_CALL\t.text+0x102
 19a:\tf8 cf       \trjmp\t.-16     \t; 0x18c <main+0x3e>
\t\t\t19a: R_AVR_13_PCREL\t.text+0x18c

0000019c <__udivmodsi4>:
 19c:\ta1 e2       \tldi\tr26, 0x21\t; 33
 19e:\t1a 2e       \tmov\tr1, r26
 1a0:\taa 1b       \tsub\tr26, r26
 1a2:\tbb 1b       \tsub\tr27, r27
 1a4:\tfd 01       \tmovw\tr30, r26
 1a6:\t0d c0       \trjmp\t.+26     \t; 0x1c2 <__udivmodsi4_ep>
\t\t\t1a6: R_AVR_13_PCREL\t.text+0x1c2

000001a8 <__udivmodsi4_loop>:
 1a8:\taa 1f       \tadc\tr26, r26
 1aa:\tbb 1f       \tadc\tr27, r27
 1ac:\tee 1f       \tadc\tr30, r30
 1ae:\tff 1f       \tadc\tr31, r31
 1b0:\ta2 17       \tcp\tr26, r18
 1b2:\tb3 07       \tcpc\tr27, r19
 1b4:\te4 07       \tcpc\tr30, r20
 1b6:\tf5 07       \tcpc\tr31, r21
 1b8:\t20 f0       \tbrcs\t.+8      \t; 0x1c2 <__udivmodsi4_ep>
\t\t\t1b8: R_AVR_7_PCREL\t.text+0x1c2
 1ba:\ta2 1b       \tsub\tr26, r18
 1bc:\tb3 0b       \tsbc\tr27, r19
 1be:\te4 0b       \tsbc\tr30, r20
 1c0:\tf5 0b       \tsbc\tr31, r21

000001c2 <__udivmodsi4_ep>:
 1c2:\t66 1f       \tadc\tr22, r22
 1c4:\t77 1f       \tadc\tr23, r23
 1c6:\t88 1f       \tadc\tr24, r24
 1c8:\t99 1f       \tadc\tr25, r25
 1ca:\t1a 94       \tdec\tr1
 1cc:\t69 f7       \tbrne\t.-38     \t; 0x1a8 <__udivmodsi4_loop>
\t\t\t1cc: R_AVR_7_PCREL\t.text+0x1a8
 1ce:\t60 95       \tcom\tr22
 1d0:\t70 95       \tcom\tr23
 1d2:\t80 95       \tcom\tr24
 1d4:\t90 95       \tcom\tr25
 1d6:\t9b 01       \tmovw\tr18, r22
 1d8:\tac 01       \tmovw\tr20, r24
 1da:\tbd 01       \tmovw\tr22, r26
 1dc:\tcf 01       \tmovw\tr24, r30
 1de:\t08 95       \tret

000001e0 <_exit>:
 1e0:\tf8 94       \tcli

000001e2 <__stop_program>:
 1e2:\tff cf       \trjmp\t.-2      \t; 0x1e2 <__stop_program>
\t\t\t1e2: R_AVR_13_PCREL\t.text+0x1e2
"""

#: The same kind of program in C++ built with ``-mcall-prologues`` (the constructor table's entry,
#: then the code): ``callit`` calls through its pointer with ``icall``, ``slot`` hands its frame
#: to ``__prologue_saves__`` (``.su``: 6), ``main`` takes the address of ``target``; the table
#: holds the static constructor ``_GLOBAL__sub_I_sink``.
CALLBACKS: Final = """\
000000cc <__ctors_start>:
  cc:\ta8 00       \t.word\t0x00a8\t; ????
\t\t\tcc: R_AVR_16_PM\t.text+0x150

0000010c <_Z6targeth>:
 10c:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t10e: R_AVR_16\t.bss
 110:\t08 95       \tret

00000112 <_Z6callitPFvhE>:
 112:\tfc 01       \tmovw\tr30, r24
 114:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t116: R_AVR_16\t.bss
 118:\t09 95       \ticall
 11a:\t08 95       \tret

0000011c <_Z4slotj>:
 11c:\ta2 e0       \tldi\tr26, 0x02\t; 2
 11e:\tb0 e0       \tldi\tr27, 0x00\t; 0
 120:\te4 e9       \tldi\tr30, 0x94\t; 148
\t\t\t120: R_AVR_LO8_LDI_GS\t.text+0x128
 122:\tf0 e0       \tldi\tr31, 0x00\t; 0
\t\t\t122: R_AVR_HI8_LDI_GS\t.text+0x128
 124:\t0c 94 bc 00 \tjmp\t0x178\t; 0x178 <__prologue_saves__+0x20>
\t\t\t124: R_AVR_CALL\t__prologue_saves__+0x20
 128:\t9a 83       \tstd\tY+2, r25\t; 0x02
 12a:\t89 83       \tstd\tY+1, r24\t; 0x01
 12c:\t89 81       \tldd\tr24, Y+1\t; 0x01
 12e:\t9a 81       \tldd\tr25, Y+2\t; 0x02
 130:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t132: R_AVR_16\t.bss
 134:\t22 96       \tadiw\tr28, 0x02\t; 2
 136:\te2 e0       \tldi\tr30, 0x02\t; 2
 138:\t0c 94 d8 00 \tjmp\t0x1b0\t; 0x1b0 <__epilogue_restores__+0x20>
\t\t\t138: R_AVR_CALL\t__epilogue_restores__+0x20

0000013c <main>:
 13c:\t86 e8       \tldi\tr24, 0x86\t; 134
\t\t\t13c: R_AVR_LO8_LDI_GS\t.text+0x10c
 13e:\t90 e0       \tldi\tr25, 0x00\t; 0
\t\t\t13e: R_AVR_HI8_LDI_GS\t.text+0x10c
 140:\t0e 94 89 00 \tcall\t0x112\t; 0x112 <_Z6callitPFvhE>
\t\t\t140: R_AVR_CALL\t.text+0x112
 144:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t146: R_AVR_16\t.bss
 148:\t90 e0       \tldi\tr25, 0x00\t; 0
 14a:\t0e 94 8e 00 \tcall\t0x11c\t; 0x11c <_Z4slotj>
\t\t\t14a: R_AVR_CALL\t.text+0x11c
 14e:\tff cf       \trjmp\t.-2      \t; 0x14e <main+0x12>
\t\t\t14e: R_AVR_13_PCREL\t.text+0x14e

00000150 <_GLOBAL__sub_I_sink>:
 150:\t81 e0       \tldi\tr24, 0x01\t; 1
 152:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t154: R_AVR_16\t.bss
 156:\t08 95       \tret

00000158 <__prologue_saves__>:
 158:\t2f 92       \tpush\tr2
 15a:\t3f 92       \tpush\tr3
 15c:\t4f 92       \tpush\tr4
 15e:\t5f 92       \tpush\tr5
 160:\t6f 92       \tpush\tr6
 162:\t7f 92       \tpush\tr7
 164:\t8f 92       \tpush\tr8
 166:\t9f 92       \tpush\tr9
 168:\taf 92       \tpush\tr10
 16a:\tbf 92       \tpush\tr11
 16c:\tcf 92       \tpush\tr12
 16e:\tdf 92       \tpush\tr13
 170:\tef 92       \tpush\tr14
 172:\tff 92       \tpush\tr15
 174:\t0f 93       \tpush\tr16
 176:\t1f 93       \tpush\tr17
 178:\tcf 93       \tpush\tr28
 17a:\tdf 93       \tpush\tr29
 17c:\tcd b7       \tin\tr28, 0x3d\t; 61
 17e:\tde b7       \tin\tr29, 0x3e\t; 62
 180:\tca 1b       \tsub\tr28, r26
 182:\tdb 0b       \tsbc\tr29, r27
 184:\t0f b6       \tin\tr0, 0x3f\t; 63
 186:\tf8 94       \tcli
 188:\tde bf       \tout\t0x3e, r29\t; 62
 18a:\t0f be       \tout\t0x3f, r0\t; 63
 18c:\tcd bf       \tout\t0x3d, r28\t; 61
 18e:\t09 94       \tijmp

00000190 <__epilogue_restores__>:
 190:\t2a 88       \tldd\tr2, Y+18\t; 0x12
 192:\t39 88       \tldd\tr3, Y+17\t; 0x11
 194:\t48 88       \tldd\tr4, Y+16\t; 0x10
 196:\t5f 84       \tldd\tr5, Y+15\t; 0x0f
 198:\t6e 84       \tldd\tr6, Y+14\t; 0x0e
 19a:\t7d 84       \tldd\tr7, Y+13\t; 0x0d
 19c:\t8c 84       \tldd\tr8, Y+12\t; 0x0c
 19e:\t9b 84       \tldd\tr9, Y+11\t; 0x0b
 1a0:\taa 84       \tldd\tr10, Y+10\t; 0x0a
 1a2:\tb9 84       \tldd\tr11, Y+9\t; 0x09
 1a4:\tc8 84       \tldd\tr12, Y+8\t; 0x08
 1a6:\tdf 80       \tldd\tr13, Y+7\t; 0x07
 1a8:\tee 80       \tldd\tr14, Y+6\t; 0x06
 1aa:\tfd 80       \tldd\tr15, Y+5\t; 0x05
 1ac:\t0c 81       \tldd\tr16, Y+4\t; 0x04
 1ae:\t1b 81       \tldd\tr17, Y+3\t; 0x03
 1b0:\taa 81       \tldd\tr26, Y+2\t; 0x02
 1b2:\tb9 81       \tldd\tr27, Y+1\t; 0x01
 1b4:\tce 0f       \tadd\tr28, r30
 1b6:\td1 1d       \tadc\tr29, r1
 1b8:\t0f b6       \tin\tr0, 0x3f\t; 63
 1ba:\tf8 94       \tcli
 1bc:\tde bf       \tout\t0x3e, r29\t; 62
 1be:\t0f be       \tout\t0x3f, r0\t; 63
 1c0:\tcd bf       \tout\t0x3d, r28\t; 61
 1c2:\ted 01       \tmovw\tr28, r26
 1c4:\t08 95       \tret
"""

#: An interrupt handler that only pushes (``.su``: 6).
HANDLER: Final = """\
00000322 <__vector_5>:
 322:\t1f 92       \tpush\tr1
 324:\t0f 92       \tpush\tr0
 326:\t0f b6       \tin\tr0, 0x3f\t; 63
 328:\t0f 92       \tpush\tr0
 32a:\t11 24       \teor\tr1, r1
 32c:\t8f 93       \tpush\tr24
 32e:\t80 91 02 02 \tlds\tr24, 0x0202\t; 0x800202 <__data_end>
\t\t\t330: R_AVR_16\t.bss
 332:\t8f 5f       \tsubi\tr24, 0xFF\t; 255
 334:\t80 93 02 02 \tsts\t0x0202, r24\t; 0x800202 <__data_end>
\t\t\t336: R_AVR_16\t.bss
 338:\t8f 91       \tpop\tr24
 33a:\t0f 90       \tpop\tr0
 33c:\t0f be       \tout\t0x3f, r0\t; 63
 33e:\t0f 90       \tpop\tr0
 340:\t1f 90       \tpop\tr1
 342:\t18 95       \treti
"""

#: A frame over 255 bytes reserved with ``subi``/``sbci`` (``volatile uint8_t b[288]``,
#: ``.su``: 292).
FRAME_16_BIT: Final = """\
000000f4 <table>:
  f4:\tcf 93       \tpush\tr28
  f6:\tdf 93       \tpush\tr29
  f8:\tcd b7       \tin\tr28, 0x3d\t; 61
  fa:\tde b7       \tin\tr29, 0x3e\t; 62
  fc:\tc0 52       \tsubi\tr28, 0x20\t; 32
  fe:\td1 40       \tsbci\tr29, 0x01\t; 1
 100:\t0f b6       \tin\tr0, 0x3f\t; 63
 102:\tf8 94       \tcli
 104:\tde bf       \tout\t0x3e, r29\t; 62
 106:\t0f be       \tout\t0x3f, r0\t; 63
 108:\tcd bf       \tout\t0x3d, r28\t; 61
 10a:\te1 e0       \tldi\tr30, 0x01\t; 1
 10c:\tf0 e0       \tldi\tr31, 0x00\t; 0
 10e:\tec 0f       \tadd\tr30, r28
 110:\tfd 1f       \tadc\tr31, r29
 112:\te8 0f       \tadd\tr30, r24
 114:\tf1 1d       \tadc\tr31, r1
 116:\t80 83       \tst\tZ, r24
 118:\t8a 81       \tldd\tr24, Y+2\t; 0x02
 11a:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t11c: R_AVR_16\tsink
 11e:\tc0 5e       \tsubi\tr28, 0xE0\t; 224
 120:\tde 4f       \tsbci\tr29, 0xFE\t; 254
 122:\t0f b6       \tin\tr0, 0x3f\t; 63
 124:\tf8 94       \tcli
 126:\tde bf       \tout\t0x3e, r29\t; 62
 128:\t0f be       \tout\t0x3f, r0\t; 63
 12a:\tcd bf       \tout\t0x3d, r28\t; 61
 12c:\tdf 91       \tpop\tr29
 12e:\tcf 91       \tpop\tr28
 130:\t08 95       \tret
"""

#: ``main`` of a ``-mcall-prologues`` build: a 1-byte frame from ``__prologue_saves__+0x10``
#: (eight registers skipped) and four bytes of arguments pushed for a call (``.su``: 17,
#: ``dynamic,bounded``).
FRAME_PROLOGUE_SAVES: Final = """\
00000220 <main>:
 220:\ta1 e0       \tldi\tr26, 0x01\t; 1
 222:\tb0 e0       \tldi\tr27, 0x00\t; 0
 224:\te6 e1       \tldi\tr30, 0x16\t; 22
\t\t\t224: R_AVR_LO8_LDI_GS\t.text+0x22c
 226:\tf1 e0       \tldi\tr31, 0x01\t; 1
\t\t\t226: R_AVR_HI8_LDI_GS\t.text+0x22c
 228:\t0c 94 90 01 \tjmp\t0x320\t; 0x320 <__prologue_saves__+0x10>
\t\t\t228: R_AVR_CALL\t__prologue_saves__+0x10
 22c:\t8a e7       \tldi\tr24, 0x7A\t; 122
\t\t\t22c: R_AVR_LO8_LDI_GS\t.text+0xf4
 22e:\t90 e0       \tldi\tr25, 0x00\t; 0
\t\t\t22e: R_AVR_HI8_LDI_GS\t.text+0xf4
 230:\t0e 94 7d 00 \tcall\t0xfa\t; 0xfa <_Z6callitPFvhE>
\t\t\t230: R_AVR_CALL\t.text+0xfa
 234:\t80 91 02 02 \tlds\tr24, 0x0202\t; 0x800202 <sink>
\t\t\t236: R_AVR_16\t.bss+0x2
 238:\t90 e0       \tldi\tr25, 0x00\t; 0
 23a:\t0e 94 82 00 \tcall\t0x104\t; 0x104 <_Z4slotj>
\t\t\t23a: R_AVR_CALL\t.text+0x104
 23e:\t80 91 02 02 \tlds\tr24, 0x0202\t; 0x800202 <sink>
\t\t\t240: R_AVR_16\t.bss+0x2
 242:\t89 83       \tstd\tY+1, r24\t; 0x01
 244:\t80 93 02 02 \tsts\t0x0202, r24\t; 0x800202 <sink>
\t\t\t246: R_AVR_16\t.bss+0x2
 248:\tce 01       \tmovw\tr24, r28
 24a:\t01 96       \tadiw\tr24, 0x01\t; 1
 24c:\t90 93 01 02 \tsts\t0x0201, r25\t; 0x800201 <__DATA_REGION_ORIGIN__+0x1>
\t\t\t24e: R_AVR_16\t.bss+0x1
 250:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t252: R_AVR_16\t.bss
 254:\t60 91 02 02 \tlds\tr22, 0x0202\t; 0x800202 <sink>
\t\t\t256: R_AVR_16\t.bss+0x2
 258:\t70 e0       \tldi\tr23, 0x00\t; 0
 25a:\t80 e0       \tldi\tr24, 0x00\t; 0
 25c:\t90 e0       \tldi\tr25, 0x00\t; 0
 25e:\t1f 92       \tpush\tr1
 260:\t1f 92       \tpush\tr1
 262:\t1f 92       \tpush\tr1
 264:\t25 e0       \tldi\tr18, 0x05\t; 5
 266:\t2f 93       \tpush\tr18
 268:\t24 e0       \tldi\tr18, 0x04\t; 4
 26a:\ta2 2e       \tmov\tr10, r18
 26c:\tb1 2c       \tmov\tr11, r1
 26e:\tc1 2c       \tmov\tr12, r1
 270:\td1 2c       \tmov\tr13, r1
 272:\t13 e0       \tldi\tr17, 0x03\t; 3
 274:\te1 2e       \tmov\tr14, r17
 276:\tf1 2c       \tmov\tr15, r1
 278:\t00 e0       \tldi\tr16, 0x00\t; 0
 27a:\t10 e0       \tldi\tr17, 0x00\t; 0
 27c:\t22 e0       \tldi\tr18, 0x02\t; 2
 27e:\t30 e0       \tldi\tr19, 0x00\t; 0
 280:\t40 e0       \tldi\tr20, 0x00\t; 0
 282:\t50 e0       \tldi\tr21, 0x00\t; 0
 284:\t0e 94 92 00 \tcall\t0x124\t; 0x124 <_Z5heavymmmmm>
\t\t\t284: R_AVR_CALL\t.text+0x124
 288:\t60 93 02 02 \tsts\t0x0202, r22\t; 0x800202 <sink>
\t\t\t28a: R_AVR_16\t.bss+0x2
 28c:\t0f 90       \tpop\tr0
 28e:\t0f 90       \tpop\tr0
 290:\t0f 90       \tpop\tr0
 292:\t0f 90       \tpop\tr0
 294:\tff cf       \trjmp\t.-2      \t; 0x294 <main+0x74>
\t\t\t294: R_AVR_13_PCREL\t.text+0x294
"""

#: ``volatile uint8_t buf[300]``: objdump writes the ``subi`` immediate as ``0x2C`` (``.su``: 304).
FRAME_UPPERCASE: Final = """\
00000168 <_Z3bigh>:
 168:\tcf 93       \tpush\tr28
 16a:\tdf 93       \tpush\tr29
 16c:\tcd b7       \tin\tr28, 0x3d\t; 61
 16e:\tde b7       \tin\tr29, 0x3e\t; 62
 170:\tcc 52       \tsubi\tr28, 0x2C\t; 44
 172:\td1 40       \tsbci\tr29, 0x01\t; 1
 174:\t0f b6       \tin\tr0, 0x3f\t; 63
 176:\tf8 94       \tcli
 178:\tde bf       \tout\t0x3e, r29\t; 62
 17a:\t0f be       \tout\t0x3f, r0\t; 63
 17c:\tcd bf       \tout\t0x3d, r28\t; 61
 17e:\te1 e0       \tldi\tr30, 0x01\t; 1
 180:\tf0 e0       \tldi\tr31, 0x00\t; 0
 182:\tec 0f       \tadd\tr30, r28
 184:\tfd 1f       \tadc\tr31, r29
 186:\te8 0f       \tadd\tr30, r24
 188:\tf1 1d       \tadc\tr31, r1
 18a:\t80 83       \tst\tZ, r24
 18c:\t8a 81       \tldd\tr24, Y+2\t; 0x02
 18e:\t80 93 02 02 \tsts\t0x0202, r24\t; 0x800202 <__data_end>
\t\t\t190: R_AVR_16\t.bss
 192:\tc4 5d       \tsubi\tr28, 0xD4\t; 212
 194:\tde 4f       \tsbci\tr29, 0xFE\t; 254
 196:\t0f b6       \tin\tr0, 0x3f\t; 63
 198:\tf8 94       \tcli
 19a:\tde bf       \tout\t0x3e, r29\t; 62
 19c:\t0f be       \tout\t0x3f, r0\t; 63
 19e:\tcd bf       \tout\t0x3d, r28\t; 61
 1a0:\tdf 91       \tpop\tr29
 1a2:\tcf 91       \tpop\tr28
 1a4:\t08 95       \tret
"""

#: ``volatile uint8_t buf[200]`` in a virtual method: ``subi r28, 0xC8`` and ``sbc r29, r1``
#: (``.su``: 204).
FRAME_LOW_BYTE: Final = """\
0000010e <_ZN7Derived3runEh>:
 10e:\tcf 93       \tpush\tr28
 110:\tdf 93       \tpush\tr29
 112:\tcd b7       \tin\tr28, 0x3d\t; 61
 114:\tde b7       \tin\tr29, 0x3e\t; 62
 116:\tc8 5c       \tsubi\tr28, 0xC8\t; 200
 118:\td1 09       \tsbc\tr29, r1
 11a:\t0f b6       \tin\tr0, 0x3f\t; 63
 11c:\tf8 94       \tcli
 11e:\tde bf       \tout\t0x3e, r29\t; 62
 120:\t0f be       \tout\t0x3f, r0\t; 63
 122:\tcd bf       \tout\t0x3d, r28\t; 61
 124:\te1 e0       \tldi\tr30, 0x01\t; 1
 126:\tf0 e0       \tldi\tr31, 0x00\t; 0
 128:\tec 0f       \tadd\tr30, r28
 12a:\tfd 1f       \tadc\tr31, r29
 12c:\te6 0f       \tadd\tr30, r22
 12e:\tf1 1d       \tadc\tr31, r1
 130:\t60 83       \tst\tZ, r22
 132:\t8c 81       \tldd\tr24, Y+4\t; 0x04
 134:\t80 93 3a 02 \tsts\t0x023A, r24\t; 0x80023a <sink>
\t\t\t136: R_AVR_16\t.bss+0x28
 138:\tc8 53       \tsubi\tr28, 0x38\t; 56
 13a:\tdf 4f       \tsbci\tr29, 0xFF\t; 255
 13c:\t0f b6       \tin\tr0, 0x3f\t; 63
 13e:\tf8 94       \tcli
 140:\tde bf       \tout\t0x3e, r29\t; 62
 142:\t0f be       \tout\t0x3f, r0\t; 63
 144:\tcd bf       \tout\t0x3d, r28\t; 61
 146:\tdf 91       \tpop\tr29
 148:\tcf 91       \tpop\tr28
 14a:\t08 95       \tret
"""

#: GCC's partial inlining: ``entry`` tests its argument and jumps to ``entry.part.0``; both come
#: from line 4 of ``c.c`` (``.su``: ``entry.part.0`` 124 then ``entry`` 2).
PARTS: Final = """\
000000f4 <entry.part.0>:
  f4:\tcf 93       \tpush\tr28
  f6:\tdf 93       \tpush\tr29
  f8:\tcd b7       \tin\tr28, 0x3d\t; 61
  fa:\tde b7       \tin\tr29, 0x3e\t; 62
  fc:\tc8 57       \tsubi\tr28, 0x78\t; 120
  fe:\td1 09       \tsbc\tr29, r1
 100:\t0f b6       \tin\tr0, 0x3f\t; 63
 102:\tf8 94       \tcli
 104:\tde bf       \tout\t0x3e, r29\t; 62
 106:\t0f be       \tout\t0x3f, r0\t; 63
 108:\tcd bf       \tout\t0x3d, r28\t; 61
 10a:\te1 e0       \tldi\tr30, 0x01\t; 1
 10c:\tf0 e0       \tldi\tr31, 0x00\t; 0
 10e:\tec 0f       \tadd\tr30, r28
 110:\tfd 1f       \tadc\tr31, r29
 112:\te8 0f       \tadd\tr30, r24
 114:\tf1 1d       \tadc\tr31, r1
 116:\t80 83       \tst\tZ, r24
 118:\t9b 81       \tldd\tr25, Y+3\t; 0x03
 11a:\t90 93 00 02 \tsts\t0x0200, r25\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t11c: R_AVR_16\tsink
 11e:\t91 e0       \tldi\tr25, 0x01\t; 1
 120:\t98 0f       \tadd\tr25, r24
 122:\te9 e2       \tldi\tr30, 0x29\t; 41
 124:\tf0 e0       \tldi\tr31, 0x00\t; 0
 126:\tec 0f       \tadd\tr30, r28
 128:\tfd 1f       \tadc\tr31, r29
 12a:\te9 0f       \tadd\tr30, r25
 12c:\tf1 1d       \tadc\tr31, r1
 12e:\t90 83       \tst\tZ, r25
 130:\t9b a5       \tldd\tr25, Y+43\t; 0x2b
 132:\t90 93 00 02 \tsts\t0x0200, r25\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t134: R_AVR_16\tsink
 136:\t92 e0       \tldi\tr25, 0x02\t; 2
 138:\t98 0f       \tadd\tr25, r24
 13a:\te1 e5       \tldi\tr30, 0x51\t; 81
 13c:\tf0 e0       \tldi\tr31, 0x00\t; 0
 13e:\tec 0f       \tadd\tr30, r28
 140:\tfd 1f       \tadc\tr31, r29
 142:\te9 0f       \tadd\tr30, r25
 144:\tf1 1d       \tadc\tr31, r1
 146:\t90 83       \tst\tZ, r25
 148:\t64 96       \tadiw\tr28, 0x14\t; 20
 14a:\t9f ad       \tldd\tr25, Y+63\t; 0x3f
 14c:\t64 97       \tsbiw\tr28, 0x14\t; 20
 14e:\t90 93 00 02 \tsts\t0x0200, r25\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t150: R_AVR_16\tsink
 152:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t154: R_AVR_16\tsink
 156:\tc8 58       \tsubi\tr28, 0x88\t; 136
 158:\tdf 4f       \tsbci\tr29, 0xFF\t; 255
 15a:\t0f b6       \tin\tr0, 0x3f\t; 63
 15c:\tf8 94       \tcli
 15e:\tde bf       \tout\t0x3e, r29\t; 62
 160:\t0f be       \tout\t0x3f, r0\t; 63
 162:\tcd bf       \tout\t0x3d, r28\t; 61
 164:\tdf 91       \tpop\tr29
 166:\tcf 91       \tpop\tr28
 168:\t08 95       \tret

0000016a <entry>:
 16a:\t81 11       \tcpse\tr24, r1
 16c:\t0c 94 7a 00 \tjmp\t0xf4\t; 0xf4 <entry.part.0>
\t\t\t16c: R_AVR_CALL\t.text+0xf4
 170:\t08 95       \tret

00000172 <main>:
 172:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t174: R_AVR_16\tsink
 176:\t0e 94 b5 00 \tcall\t0x16a\t; 0x16a <entry>
\t\t\t176: R_AVR_CALL\t.text+0x16a
 17a:\t83 e0       \tldi\tr24, 0x03\t; 3
 17c:\t0e 94 7a 00 \tcall\t0xf4\t; 0xf4 <entry.part.0>
\t\t\t17c: R_AVR_CALL\t.text+0xf4
 180:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t182: R_AVR_16\tsink
 184:\t8f 5f       \tsubi\tr24, 0xFF\t; 255
 186:\t0e 94 b5 00 \tcall\t0x16a\t; 0x16a <entry>
\t\t\t186: R_AVR_CALL\t.text+0x16a
 18a:\tff cf       \trjmp\t.-2      \t; 0x18a <main+0x18>
\t\t\t18a: R_AVR_13_PCREL\t.text+0x18a
"""

#: Two units each with a ``static`` function ``helper`` (14 and 204 bytes of frame).
DUPLICATES: Final = """\
000000f4 <helper>:
  f4:\tcf 93       \tpush\tr28
  f6:\tdf 93       \tpush\tr29
  f8:\tcd b7       \tin\tr28, 0x3d\t; 61
  fa:\tde b7       \tin\tr29, 0x3e\t; 62
  fc:\t2a 97       \tsbiw\tr28, 0x0a\t; 10
  fe:\t0f b6       \tin\tr0, 0x3f\t; 63
 100:\tf8 94       \tcli
 102:\tde bf       \tout\t0x3e, r29\t; 62
 104:\t0f be       \tout\t0x3f, r0\t; 63
 106:\tcd bf       \tout\t0x3d, r28\t; 61
 108:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t10a: R_AVR_16\ts
 10c:\te1 e0       \tldi\tr30, 0x01\t; 1
 10e:\tf0 e0       \tldi\tr31, 0x00\t; 0
 110:\tec 0f       \tadd\tr30, r28
 112:\tfd 1f       \tadc\tr31, r29
 114:\te8 0f       \tadd\tr30, r24
 116:\tf1 1d       \tadc\tr31, r1
 118:\t87 fd       \tsbrc\tr24, 7
 11a:\tfa 95       \tdec\tr31
 11c:\t81 e0       \tldi\tr24, 0x01\t; 1
 11e:\t80 83       \tst\tZ, r24
 120:\t8b 81       \tldd\tr24, Y+3\t; 0x03
 122:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t124: R_AVR_16\ts
 126:\t2a 96       \tadiw\tr28, 0x0a\t; 10
 128:\t0f b6       \tin\tr0, 0x3f\t; 63
 12a:\tf8 94       \tcli
 12c:\tde bf       \tout\t0x3e, r29\t; 62
 12e:\t0f be       \tout\t0x3f, r0\t; 63
 130:\tcd bf       \tout\t0x3d, r28\t; 61
 132:\tdf 91       \tpop\tr29
 134:\tcf 91       \tpop\tr28
 136:\t08 95       \tret

00000138 <one>:
 138:\t0c 94 7a 00 \tjmp\t0xf4\t; 0xf4 <helper>
\t\t\t138: R_AVR_CALL\t.text+0xf4

0000013c <helper>:
 13c:\tcf 93       \tpush\tr28
 13e:\tdf 93       \tpush\tr29
 140:\tcd b7       \tin\tr28, 0x3d\t; 61
 142:\tde b7       \tin\tr29, 0x3e\t; 62
 144:\tc8 5c       \tsubi\tr28, 0xC8\t; 200
 146:\td1 09       \tsbc\tr29, r1
 148:\t0f b6       \tin\tr0, 0x3f\t; 63
 14a:\tf8 94       \tcli
 14c:\tde bf       \tout\t0x3e, r29\t; 62
 14e:\t0f be       \tout\t0x3f, r0\t; 63
 150:\tcd bf       \tout\t0x3d, r28\t; 61
 152:\t80 91 00 02 \tlds\tr24, 0x0200\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t154: R_AVR_16\ts
 156:\te1 e0       \tldi\tr30, 0x01\t; 1
 158:\tf0 e0       \tldi\tr31, 0x00\t; 0
 15a:\tec 0f       \tadd\tr30, r28
 15c:\tfd 1f       \tadc\tr31, r29
 15e:\te8 0f       \tadd\tr30, r24
 160:\tf1 1d       \tadc\tr31, r1
 162:\t87 fd       \tsbrc\tr24, 7
 164:\tfa 95       \tdec\tr31
 166:\t81 e0       \tldi\tr24, 0x01\t; 1
 168:\t80 83       \tst\tZ, r24
 16a:\t8b 81       \tldd\tr24, Y+3\t; 0x03
 16c:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t16e: R_AVR_16\ts
 170:\tc8 53       \tsubi\tr28, 0x38\t; 56
 172:\tdf 4f       \tsbci\tr29, 0xFF\t; 255
 174:\t0f b6       \tin\tr0, 0x3f\t; 63
 176:\tf8 94       \tcli
 178:\tde bf       \tout\t0x3e, r29\t; 62
 17a:\t0f be       \tout\t0x3f, r0\t; 63
 17c:\tcd bf       \tout\t0x3d, r28\t; 61
 17e:\tdf 91       \tpop\tr29
 180:\tcf 91       \tpop\tr28
 182:\t08 95       \tret

00000184 <two>:
 184:\t0e 94 9e 00 \tcall\t0x13c\t; 0x13c <helper>
\t\t\t184: R_AVR_CALL\t.text+0x13c
 188:\t81 e0       \tldi\tr24, 0x01\t; 1
 18a:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t18c: R_AVR_16\ts
 18e:\t08 95       \tret

00000190 <main>:
 190:\t0e 94 9c 00 \tcall\t0x138\t; 0x138 <one>
\t\t\t190: R_AVR_CALL\tone
 194:\t0e 94 c2 00 \tcall\t0x184\t; 0x184 <two>
\t\t\t194: R_AVR_CALL\t.text+0x184
 198:\tff cf       \trjmp\t.-2      \t; 0x198 <main+0x8>
\t\t\t198: R_AVR_13_PCREL\t.text+0x198
"""

#: A constructor compiled in one unit and called from another: objdump prints one label
#: (``_ZN3FooC1Eh``) for the two symbols at its address, the stabs name the other
#: (``_ZN3FooC2Eh``); ``slot`` and ``slot4`` reserve their frames with ``rcall .+0``
#: (``.su``: 6 and 8), ``main`` with a push (``.su``: 5).
CONSTRUCTOR: Final = """\
000000f4 <_ZN3FooC1Eh>:
  f4:\tfc 01       \tmovw\tr30, r24
  f6:\t60 83       \tst\tZ, r22
  f8:\t60 93 00 02 \tsts\t0x0200, r22\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\tfa: R_AVR_16\t.bss
  fc:\t08 95       \tret

000000fe <_Z4slotj>:
  fe:\tcf 93       \tpush\tr28
 100:\tdf 93       \tpush\tr29
 102:\t00 d0       \trcall\t.+0      \t; 0x104 <_Z4slotj+0x6>
\t\t\t102: R_AVR_13_PCREL\t.text+0x104
 104:\tcd b7       \tin\tr28, 0x3d\t; 61
 106:\tde b7       \tin\tr29, 0x3e\t; 62
 108:\t9a 83       \tstd\tY+2, r25\t; 0x02
 10a:\t89 83       \tstd\tY+1, r24\t; 0x01
 10c:\t89 81       \tldd\tr24, Y+1\t; 0x01
 10e:\t9a 81       \tldd\tr25, Y+2\t; 0x02
 110:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t112: R_AVR_16\t.bss
 114:\t0f 90       \tpop\tr0
 116:\t0f 90       \tpop\tr0
 118:\tdf 91       \tpop\tr29
 11a:\tcf 91       \tpop\tr28
 11c:\t08 95       \tret

0000011e <_Z5slot4j>:
 11e:\tcf 93       \tpush\tr28
 120:\tdf 93       \tpush\tr29
 122:\t00 d0       \trcall\t.+0      \t; 0x124 <_Z5slot4j+0x6>
\t\t\t122: R_AVR_13_PCREL\t.text+0x124
 124:\t00 d0       \trcall\t.+0      \t; 0x126 <_Z5slot4j+0x8>
\t\t\t124: R_AVR_13_PCREL\t.text+0x126
 126:\tcd b7       \tin\tr28, 0x3d\t; 61
 128:\tde b7       \tin\tr29, 0x3e\t; 62
 12a:\t9c 83       \tstd\tY+4, r25\t; 0x04
 12c:\t8b 83       \tstd\tY+3, r24\t; 0x03
 12e:\t9a 83       \tstd\tY+2, r25\t; 0x02
 130:\t89 83       \tstd\tY+1, r24\t; 0x01
 132:\t2b 81       \tldd\tr18, Y+3\t; 0x03
 134:\t3c 81       \tldd\tr19, Y+4\t; 0x04
 136:\t89 81       \tldd\tr24, Y+1\t; 0x01
 138:\t9a 81       \tldd\tr25, Y+2\t; 0x02
 13a:\t82 0f       \tadd\tr24, r18
 13c:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t13e: R_AVR_16\t.bss
 140:\t0f 90       \tpop\tr0
 142:\t0f 90       \tpop\tr0
 144:\t0f 90       \tpop\tr0
 146:\t0f 90       \tpop\tr0
 148:\tdf 91       \tpop\tr29
 14a:\tcf 91       \tpop\tr28
 14c:\t08 95       \tret

0000014e <main>:
 14e:\tcf 93       \tpush\tr28
 150:\tdf 93       \tpush\tr29
 152:\t1f 92       \tpush\tr1
 154:\tcd b7       \tin\tr28, 0x3d\t; 61
 156:\tde b7       \tin\tr29, 0x3e\t; 62
 158:\t63 e0       \tldi\tr22, 0x03\t; 3
 15a:\t8e 01       \tmovw\tr16, r28
 15c:\t0f 5f       \tsubi\tr16, 0xFF\t; 255
 15e:\t1f 4f       \tsbci\tr17, 0xFF\t; 255
 160:\tc8 01       \tmovw\tr24, r16
 162:\t0e 94 7a 00 \tcall\t0xf4\t; 0xf4 <_ZN3FooC1Eh>
\t\t\t162: R_AVR_CALL\t_ZN3FooC1Eh
 166:\t10 93 02 02 \tsts\t0x0202, r17\t; 0x800202 <gp+0x1>
\t\t\t168: R_AVR_16\t.bss+0x2
 16a:\t00 93 01 02 \tsts\t0x0201, r16\t; 0x800201 <gp>
\t\t\t16c: R_AVR_16\t.bss+0x1
 16e:\t83 e0       \tldi\tr24, 0x03\t; 3
 170:\t90 e0       \tldi\tr25, 0x00\t; 0
 172:\t0e 94 7f 00 \tcall\t0xfe\t; 0xfe <_Z4slotj>
\t\t\t172: R_AVR_CALL\t_Z4slotj
 176:\t84 e0       \tldi\tr24, 0x04\t; 4
 178:\t90 e0       \tldi\tr25, 0x00\t; 0
 17a:\t0e 94 8f 00 \tcall\t0x11e\t; 0x11e <_Z5slot4j>
\t\t\t17a: R_AVR_CALL\t_Z5slot4j
 17e:\tff cf       \trjmp\t.-2      \t; 0x17e <main+0x30>
\t\t\t17e: R_AVR_13_PCREL\t.text+0x17e
"""

#: A sketch built on the test tree whose recursive ``walk`` is the unit's first function (its
#: stabs ``FUN`` comes before the ``SOL`` naming the ``.pde``).
SKETCH_FIRST: Final = """\
0000010e <_Z4walki>:
 10e:\tef 92       \tpush\tr14
 110:\tff 92       \tpush\tr15
 112:\t0f 93       \tpush\tr16
 114:\t1f 93       \tpush\tr17
 116:\tcf 93       \tpush\tr28
 118:\tdf 93       \tpush\tr29
 11a:\t00 d0       \trcall\t.+0      \t; 0x11c <_Z4walki+0xe>
\t\t\t11a: R_AVR_13_PCREL\t.text+0x11c
 11c:\t00 d0       \trcall\t.+0      \t; 0x11e <_Z4walki+0x10>
\t\t\t11c: R_AVR_13_PCREL\t.text+0x11e
 11e:\tcd b7       \tin\tr28, 0x3d\t; 61
 120:\tde b7       \tin\tr29, 0x3e\t; 62
 122:\tfc 01       \tmovw\tr30, r24
 124:\te3 70       \tandi\tr30, 0x03\t; 3
 126:\tff 27       \teor\tr31, r31
 128:\t21 e0       \tldi\tr18, 0x01\t; 1
 12a:\t30 e0       \tldi\tr19, 0x00\t; 0
 12c:\t2c 0f       \tadd\tr18, r28
 12e:\t3d 1f       \tadc\tr19, r29
 130:\te2 0f       \tadd\tr30, r18
 132:\tf3 1f       \tadc\tr31, r19
 134:\t80 83       \tst\tZ, r24
 136:\t18 16       \tcp\tr1, r24
 138:\t19 06       \tcpc\tr1, r25
 13a:\t7c f4       \tbrge\t.+30     \t; 0x15a <_Z4walki+0x4c>
\t\t\t13a: R_AVR_7_PCREL\t.text+0x15a
 13c:\t8c 01       \tmovw\tr16, r24
 13e:\t01 97       \tsbiw\tr24, 0x01\t; 1
 140:\t0e 94 87 00 \tcall\t0x10e\t; 0x10e <_Z4walki>
\t\t\t140: R_AVR_CALL\t.text+0x10e
 144:\t7c 01       \tmovw\tr14, r24
 146:\tc8 01       \tmovw\tr24, r16
 148:\t02 97       \tsbiw\tr24, 0x02\t; 2
 14a:\t0e 94 87 00 \tcall\t0x10e\t; 0x10e <_Z4walki>
\t\t\t14a: R_AVR_CALL\t.text+0x10e
 14e:\t29 81       \tldd\tr18, Y+1\t; 0x01
 150:\t8e 0d       \tadd\tr24, r14
 152:\t9f 1d       \tadc\tr25, r15
 154:\t82 0f       \tadd\tr24, r18
 156:\t91 1d       \tadc\tr25, r1
 158:\t02 c0       \trjmp\t.+4      \t; 0x15e <_Z4walki+0x50>
\t\t\t158: R_AVR_13_PCREL\t.text+0x15e
 15a:\t80 e0       \tldi\tr24, 0x00\t; 0
 15c:\t90 e0       \tldi\tr25, 0x00\t; 0
 15e:\t0f 90       \tpop\tr0
 160:\t0f 90       \tpop\tr0
 162:\t0f 90       \tpop\tr0
 164:\t0f 90       \tpop\tr0
 166:\tdf 91       \tpop\tr29
 168:\tcf 91       \tpop\tr28
 16a:\t1f 91       \tpop\tr17
 16c:\t0f 91       \tpop\tr16
 16e:\tff 90       \tpop\tr15
 170:\tef 90       \tpop\tr14
 172:\t08 95       \tret

00000174 <setup>:
 174:\t0e 94 ca 00 \tcall\t0x194\t; 0x194 <fake_counter>
\t\t\t174: R_AVR_CALL\tfake_counter
 178:\t0e 94 87 00 \tcall\t0x10e\t; 0x10e <_Z4walki>
\t\t\t178: R_AVR_CALL\t.text+0x10e
 17c:\t90 93 01 02 \tsts\t0x0201, r25\t; 0x800201 <__DATA_REGION_ORIGIN__+0x1>
\t\t\t17e: R_AVR_16\t.bss+0x1
 180:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t182: R_AVR_16\t.bss
 184:\t08 95       \tret

00000186 <loop>:
 186:\t0e 94 ca 00 \tcall\t0x194\t; 0x194 <fake_counter>
\t\t\t186: R_AVR_CALL\tfake_counter
 18a:\t90 93 01 02 \tsts\t0x0201, r25\t; 0x800201 <__DATA_REGION_ORIGIN__+0x1>
\t\t\t18c: R_AVR_16\t.bss+0x1
 18e:\t80 93 00 02 \tsts\t0x0200, r24\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\t190: R_AVR_16\t.bss
 192:\t08 95       \tret

00000194 <fake_counter>:
 194:\t80 91 02 02 \tlds\tr24, 0x0202\t; 0x800202 <counter>
\t\t\t196: R_AVR_16\t.bss+0x2
 198:\t90 91 03 02 \tlds\tr25, 0x0203\t; 0x800203 <counter+0x1>
\t\t\t19a: R_AVR_16\t.bss+0x3
 19c:\t01 96       \tadiw\tr24, 0x01\t; 1
 19e:\t90 93 03 02 \tsts\t0x0203, r25\t; 0x800203 <counter+0x1>
\t\t\t1a0: R_AVR_16\t.bss+0x3
 1a2:\t80 93 02 02 \tsts\t0x0202, r24\t; 0x800202 <counter>
\t\t\t1a4: R_AVR_16\t.bss+0x2
 1a6:\t08 95       \tret

000001a8 <main>:
 1a8:\t0e 94 ba 00 \tcall\t0x174\t; 0x174 <setup>
\t\t\t1a8: R_AVR_CALL\tsetup
 1ac:\t0e 94 c3 00 \tcall\t0x186\t; 0x186 <loop>
\t\t\t1ac: R_AVR_CALL\tloop
 1b0:\tfd cf       \trjmp\t.-6      \t; 0x1ac <main+0x4>
\t\t\t1b0: R_AVR_13_PCREL\t.text+0x1ac
"""

#: stabs rows (Symnum, type, desc, value, strx, string) of real ``avr-objdump -G`` output
Stab = tuple[int, str, int, int, int, str]

PARTS_STABS: Final[tuple[Stab, ...]] = (
    (0, "SO", 2, 0x0, 5, "/tmp/stk/"),
    (1, "SO", 2, 0x0, 1, "c.c"),
    (84, "FUN", 4, 0xF4, 2900, "entry.part.0:f(0,49)"),
    (104, "FUN", 0, 0x76, 0, ""),
    (106, "FUN", 4, 0x16A, 2995, "entry:F(0,49)"),
    (111, "FUN", 0, 0x8, 0, ""),
    (113, "FUN", 8, 0x172, 3009, "main:F(0,1)"),
    (117, "FUN", 0, 0x1A, 0, ""),
    (120, "SO", 0, 0x0, 0, ""),
)
PARTS_SU: Final = (
    "c.c:4:6:entry.part.0\t124\tstatic\nc.c:4:6:entry\t2\tstatic\nc.c:8:5:main\t2\tstatic\n"
)

DUPLICATES_STABS: Final[tuple[Stab, ...]] = (
    (0, "SO", 2, 0x0, 7, "/tmp/stk/dup/"),
    (1, "SO", 2, 0x0, 1, "one.c"),
    (52, "FUN", 2, 0xF4, 2127, "helper:f(0,49)"),
    (59, "FUN", 0, 0x44, 0, ""),
    (61, "FUN", 3, 0x138, 2197, "one:F(0,49)"),
    (65, "FUN", 0, 0x4, 0, ""),
    (68, "SO", 0, 0x0, 0, ""),
    (69, "SO", 2, 0x0, 7, "/tmp/stk/dup/"),
    (70, "SO", 2, 0x0, 2219, "two.c"),
    (121, "FUN", 2, 0x13C, 2127, "helper:f(0,49)"),
    (128, "FUN", 0, 0x48, 0, ""),
    (130, "FUN", 3, 0x184, 2282, "two:F(0,49)"),
    (134, "FUN", 0, 0xC, 0, ""),
    (136, "FUN", 4, 0x190, 2294, "main:F(0,1)"),
    (140, "FUN", 0, 0xA, 0, ""),
    (142, "SO", 0, 0x0, 0, ""),
)
DUPLICATES_SU: Final = (
    f"{UNIT_MARK}one.c\none.c:2:39:helper\t14\tstatic\none.c:3:6:one\t2\tstatic\n"
    f"{UNIT_MARK}two.c\ntwo.c:2:39:helper\t204\tstatic\ntwo.c:3:6:two\t2\tstatic\n"
    "two.c:4:5:main\t2\tstatic\n"
)

CONSTRUCTOR_STABS: Final[tuple[Stab, ...]] = (
    (0, "SO", 4, 0x0, 8, "/tmp/stk/"),
    (1, "SO", 4, 0x0, 1, "f1.cpp"),
    (96, "FUN", 4, 0xF4, 3545, "_ZN3FooC2Eh:F(0,4)"),
    (102, "FUN", 0, 0xA, 0, ""),
    (104, "FUN", 5, 0xFE, 3595, "_Z4slotj:F(0,4)"),
    (112, "FUN", 0, 0x20, 0, ""),
    (114, "FUN", 6, 0x11E, 3638, "_Z5slot4j:F(0,4)"),
    (123, "FUN", 0, 0x30, 0, ""),
    (126, "SO", 0, 0x0, 0, ""),
    (127, "SO", 4, 0x0, 8, "/tmp/stk/"),
    (128, "SO", 4, 0x0, 3694, "f2.cpp"),
    (223, "FUN", 6, 0x14E, 3701, "main:F(0,9)"),
    (230, "FUN", 0, 0x32, 0, ""),
    (233, "SO", 0, 0x0, 0, ""),
)

SKETCH_FIRST_STABS: Final[tuple[Stab, ...]] = (
    (0, "SO", 4, 0x0, 18, "/work/main/"),
    (1, "SO", 4, 0x0, 30, "/tmp/stk/fb/t/w/openpcs_node.cpp"),
    (95, "FUN", 4, 0x10E, 3443, "_Z4walki:F(0,9)"),
    (98, "SOL", 0, 0x10E, 3472, "openpcs_node.pde"),
    (108, "FUN", 0, 0x66, 0, ""),
    (110, "FUN", 15, 0x174, 3548, "setup:F(0,4)"),
    (114, "FUN", 0, 0x12, 0, ""),
    (116, "FUN", 20, 0x186, 3561, "loop:F(0,4)"),
    (120, "FUN", 0, 0xE, 0, ""),
    (123, "SO", 0, 0x0, 0, ""),
    (124, "SO", 2, 0x0, 18, "/work/main/"),
    (125, "SO", 2, 0x0, 3656, "/tmp/stk/fb/t/api/waspmote-api/counter.c"),
    (210, "FUN", 5, 0x194, 6568, "fake_counter:F(3,4)"),
    (215, "FUN", 0, 0x14, 0, ""),
    (218, "SO", 0, 0x0, 0, ""),
    (219, "SO", 4, 0x0, 18, "/work/main/"),
    (220, "SO", 4, 0x0, 6611, "/tmp/stk/fb/t/api/waspmote-api/main.cpp"),
    (314, "FUN", 3, 0x1A8, 6651, "main:F(0,9)"),
    (319, "FUN", 0, 0xA, 0, ""),
    (321, "SO", 0, 0x0, 0, ""),
)
#: the .su texts the builder joined for that program (program object, then the core archive)
SKETCH_FIRST_SU: Final = (
    f"{UNIT_MARK}/tmp/stk/fb/t/w/openpcs_node.cpp\n"
    "openpcs_node.pde:4:5:int walk(int)\t12\tstatic\n"
    "openpcs_node.pde:15:6:void setup()\t2\tstatic\n"
    "openpcs_node.pde:20:6:void loop()\t2\tstatic\n",
    f"{UNIT_MARK}/tmp/stk/fb/t/api/waspmote-api/counter.c\n"
    "counter.c:5:10:fake_counter\t2\tstatic\n"
    f"{UNIT_MARK}/tmp/stk/fb/t/api/waspmote-api/main.cpp\n"
    "main.cpp:3:5:int main()\t2\tstatic\n",
)

#: two units at different paths with the same file name, each defining a function on line 2
UNITS_STABS: Final[tuple[Stab, ...]] = (
    (0, "SO", 2, 0x0, 8, "/"),
    (1, "SO", 2, 0x0, 10, "/tmp/stk/u1/util.c"),
    (52, "FUN", 2, 0xF4, 2135, "f1:F(0,49)"),
    (59, "FUN", 0, 0x44, 0, ""),
    (62, "SO", 0, 0x0, 0, ""),
    (63, "SO", 2, 0x0, 8, "/"),
    (64, "SO", 2, 0x0, 2211, "/tmp/stk/u2/util.c"),
    (115, "FUN", 2, 0x138, 2230, "f2:F(0,49)"),
    (122, "FUN", 0, 0x44, 0, ""),
    (124, "FUN", 3, 0x17C, 2297, "main:F(0,1)"),
    (128, "FUN", 0, 0xA, 0, ""),
    (131, "SO", 0, 0x0, 0, ""),
)
UNITS_SU: Final = (
    f"{UNIT_MARK}/tmp/stk/u1/util.c\nutil.c:2:6:f1\t14\tstatic\n",
    f"{UNIT_MARK}/tmp/stk/u2/util.c\nutil.c:2:6:f2\t34\tstatic\nutil.c:3:5:main\t2\tstatic\n",
)

SOURCE: Final = "/tmp/openpcs/w/openpcs_node.cpp"


def _stab_dump(rows: tuple[Stab, ...] | list[Stab], elf: str = "node.elf") -> str:
    """``avr-objdump -G`` output holding these rows, byte for byte as the tool writes it."""
    lines = [
        "",
        f"{elf}:     file format elf32-avr",
        "",
        "Contents of .stab section:",
        "",
        "Symnum n_type n_othr n_desc n_value  n_strx String",
        "",
        f"-1     HdrSym 0      {len(rows):<6} 00000bda 1     ",
    ]
    lines += [
        f"{index:<6} {kind:<6} 0      {desc:<6} {value:08x} {strx:<6} {text}"
        for index, kind, desc, value, strx, text in rows
    ]
    return "\n".join(lines) + "\n"


def _compiled(
    graph: CallGraph, *functions: tuple[str, str, int, str], source: str = SOURCE
) -> tuple[str, str]:
    """The stabs and the ``.su`` text of one unit that defines these functions, in order:
    (symbol, name in the .su file, bytes, qualifiers); function ``i`` is on line ``10 * i``,
    at the address of its node in ``graph``."""
    file = Path(source).name
    rows: list[Stab] = [(0, "SO", 4, 0, 18, "/work/main/"), (1, "SO", 4, 0, 30, source)]
    su = [f"{UNIT_MARK}{source}"]
    for number, (symbol, name, size, qualifiers) in enumerate(functions, start=1):
        address = graph.nodes[symbol].address
        rows.append((2 * number, "FUN", 10 * number, address, 99, f"{symbol}:F(0,4)"))
        rows.append((2 * number + 1, "FUN", 0, 0x40, 0, ""))
        su.append(f"{file}:{10 * number}:6:{name}\t{size}\t{qualifiers}")
    rows.append((2 * len(functions) + 2, "SO", 0, 0, 0, ""))
    return _stab_dump(rows), "\n".join(su) + "\n"


def _graph(
    calls: dict[str, tuple[str, ...]],
    *,
    jumps: dict[str, tuple[str, ...]] | None = None,
    estimates: dict[str, int] | None = None,
    indirect: tuple[str, ...] = (),
    taken: tuple[str, ...] = (),
    addresses: dict[str, int] | None = None,
) -> CallGraph:
    """A call graph: every node a key of ``calls``, 0x40 bytes of code each (or at
    ``addresses``)."""
    address = addresses or {name: 0x100 + 0x40 * index for index, name in enumerate(calls)}
    nodes = {
        name: Node(
            name,
            address[name],
            calls={address[callee] for callee in callees},
            jumps={address[target] for target in (jumps or {}).get(name, ())},
            indirect=name in indirect,
            frame_estimate=(estimates or {}).get(name, RETURN_ADDRESS),
        )
        for name, callees in calls.items()
    }
    by_address = {start: name for name, start in address.items()}
    return CallGraph(nodes, sorted(by_address), by_address, set(taken))


def _analyse(
    graph: CallGraph, stabs: str, su_texts: list[str] | tuple[str, ...], static: int = 100
) -> StackReport:
    return analyse_stack(graph, stabs, list(su_texts), static_bytes=static, limit=RAM_LIMIT)


MAIN: Final = ("main", "int main()", 2, "static")


# --- the call graph from avr-objdump -dr -------------------------------------------------------


def test_calls_and_tail_jumps_are_edges_branches_inside_a_node_are_not() -> None:
    graph = parse_disassembly(PROGRAM)
    assert graph.callees("main") == {"callit": True, "tail": True, "divide": True, "leaf": True}
    # main's loop branches back into main (breq, rjmp): recorded, never an edge
    assert graph.nodes["main"].jumps == {0x18C}
    assert graph.callees("tail") == {"leaf": False}  # jmp leaf: a tail call
    assert graph.callees("divide") == {"__udivmodsi4": True}
    assert graph.callees("__stop_program") == {}  # rjmp .-2 onto itself
    assert graph.callees("target") == {}


def test_branches_out_of_a_node_and_running_off_its_end_reach_the_next_label() -> None:
    graph = parse_disassembly(PROGRAM)
    assert graph.callees("__udivmodsi4") == {"__udivmodsi4_ep": False}  # rjmp into the next-but-one
    assert graph.callees("__udivmodsi4_ep") == {"__udivmodsi4_loop": False}  # brne back
    assert not graph.nodes["__udivmodsi4_ep"].falls_through  # it ends with ret
    loop = graph.nodes["__udivmodsi4_loop"]
    assert loop.falls_through
    assert graph.callees("__udivmodsi4_loop") == {"__udivmodsi4_ep": False}
    # _exit is a lone cli: only running on reaches __stop_program
    assert graph.nodes["_exit"].falls_through
    assert graph.callees("_exit") == {"__stop_program": False}
    assert not graph.nodes["main"].falls_through


def test_icall_marks_the_node_indirect() -> None:
    graph = parse_disassembly(CALLBACKS)
    indirect = {name for name, node in graph.nodes.items() if node.indirect}
    assert indirect == {"_Z6callitPFvhE"}


def test_function_pointer_relocations_make_address_taken_functions() -> None:
    # gs(target) in main resolves by address (.text+0xf4) to the label there
    assert parse_disassembly(PROGRAM).address_taken == {"target"}
    callbacks = parse_disassembly(CALLBACKS)
    # gs() of target, the constructor table's pm() entry; not the return point that
    # -mcall-prologues code loads for __prologue_saves__ (.text+0x128, inside slot)
    assert callbacks.address_taken == {"_Z6targeth", "_GLOBAL__sub_I_sink"}


@pytest.mark.parametrize(
    ("vector", "name", "expected"),
    [
        pytest.param(PROGRAM, "leaf", 15, id="pushes+sbiw"),
        pytest.param(HANDLER, "__vector_5", 6, id="pushes"),
        pytest.param(FRAME_16_BIT, "table", 292, id="subi+sbci"),
        pytest.param(CONSTRUCTOR, "_Z4slotj", 6, id="rcall .+0"),
        pytest.param(CONSTRUCTOR, "_Z5slot4j", 8, id="rcall .+0 twice"),
        pytest.param(CONSTRUCTOR, "main", 5, id="push r1 slot"),
        pytest.param(CALLBACKS, "_Z4slotj", 6, id="prologue_saves+0x20"),
        pytest.param(FRAME_PROLOGUE_SAVES, "main", 17, id="prologue_saves+0x10+args"),
    ],
)
def test_frames_are_measured_from_the_prologue(vector: str, name: str, expected: int) -> None:
    """Each expected value is what GCC's .su file says for the function."""
    assert parse_disassembly(vector).nodes[name].frame_estimate == expected


@pytest.mark.parametrize(
    ("vector", "name", "expected"),
    [
        pytest.param(FRAME_UPPERCASE, "_Z3bigh", 304, id="subi 0x2C: read 262"),
        pytest.param(FRAME_LOW_BYTE, "_ZN7Derived3runEh", 204, id="subi 0xC8: read 60"),
        pytest.param(PARTS, "entry.part.0", 124, id="epilogue subi 0x88: read 280"),
    ],
)
def test_frames_with_upper_case_immediates_and_an_epilogue(
    vector: str, name: str, expected: int
) -> None:
    assert parse_disassembly(vector).nodes[name].frame_estimate == expected


def test_edges_to_the_prologue_helpers_are_dropped() -> None:
    graph = parse_disassembly(CALLBACKS)
    slot = graph.nodes["_Z4slotj"]
    # jmp __prologue_saves__+0x20 and jmp __epilogue_restores__+0x20 were read ...
    assert slot.jumps == {0x178, 0x1B0}
    assert graph.containing(0x178) == "__prologue_saves__"
    assert graph.containing(0x1B0) == "__epilogue_restores__"
    # ... but their pushes are slot's frame, not a callee
    assert graph.callees("_Z4slotj") == {}
    assert graph.callees("main") == {"_Z6callitPFvhE": True, "_Z4slotj": True}


ALIASED: Final = """\
000000f4 <_ZN3FooC2Eh>:
000000f4 <_ZN3FooC1Eh>:
  f4:\tfc 01       \tmovw\tr30, r24
  f6:\t60 83       \tst\tZ, r22
  f8:\t60 93 00 02 \tsts\t0x0200, r22\t; 0x800200 <__DATA_REGION_ORIGIN__>
\t\t\tfa: R_AVR_16\t.bss
  fc:\t08 95       \tret

000000fe <main>:
  fe:\t0e 94 7a 00 \tcall\t0xf4\t; 0xf4 <_ZN3FooC1Eh>
\t\t\tfe: R_AVR_CALL\t_ZN3FooC1Eh
 102:\tff cf       \trjmp\t.-2      \t; 0x102 <main+0x4>
\t\t\t102: R_AVR_13_PCREL\t.text+0x102
"""


def test_labels_at_one_address_are_one_node_with_aliases() -> None:
    graph = parse_disassembly(ALIASED)
    assert graph.aliases == {"_ZN3FooC1Eh": "_ZN3FooC2Eh"}
    assert set(graph.nodes) == {"_ZN3FooC2Eh", "main"}
    assert graph.callees("main") == {"_ZN3FooC2Eh": True}
    assert graph.nodes["_ZN3FooC2Eh"].frame_estimate == RETURN_ADDRESS
    # the stabs may name the code by its other label: its .su line is still found
    stabs = _stab_dump(
        [
            (0, "SO", 4, 0, 8, "/tmp/stk/"),
            (1, "SO", 4, 0, 1, "f.cpp"),
            (2, "FUN", 4, 0xF4, 99, "_ZN3FooC1Eh:F(0,4)"),
            (3, "FUN", 0, 0xA, 0, ""),
            (4, "FUN", 9, 0xFE, 99, "main:F(0,9)"),
            (5, "FUN", 0, 0x6, 0, ""),
            (6, "SO", 0, 0, 0, ""),
        ]
    )
    su = (
        f"{UNIT_MARK}f.cpp\nf.cpp:4:1:Foo::Foo(uint8_t)\t40\tstatic\n"
        "f.cpp:9:5:int main()\t2\tstatic\n"
    )
    report = _analyse(graph, stabs, [su])
    assert report.main.functions == ("int main()", "Foo::Foo(uint8_t)")
    assert report.main.frames == (2, 40)


def test_an_indirect_tail_jump_is_an_indirect_call() -> None:
    # callit's call through its pointer is made last, as movw r30, r24 ... ijmp
    graph = parse_disassembly(PROGRAM)
    assert {name for name, node in graph.nodes.items() if node.indirect} == {"callit"}


#: ``avr-objdump -r -j .data`` of the program whose ``Derived::run`` is :data:`FRAME_LOW_BYTE`:
#: the virtual-function table's entry for it is a ``pm()`` relocation in ``.data``
DATA_RELOCATIONS: Final = (
    "\n"
    "/tmp/stk/b.elf:     file format elf32-avr\n"
    "\n"
    "RELOCATION RECORDS FOR [.data]:\n"
    "OFFSET   TYPE              VALUE \n"
    "00000000 R_AVR_16          .data+0x00000002\n"
    "00000002 R_AVR_16          _ZTV7Derived+0x00000004\n"
    "00000010 R_AVR_16_PM       .text+0x0000010e\n"
    "\n"
    "\n"
)


def test_a_virtual_function_table_entry_makes_its_function_address_taken() -> None:
    assert parse_disassembly(FRAME_LOW_BYTE).address_taken == set()
    taken = parse_disassembly(FRAME_LOW_BYTE, DATA_RELOCATIONS).address_taken
    assert taken == {"_ZN7Derived3runEh"}


def test_static_functions_of_one_name_in_two_units_stay_apart() -> None:
    graph = parse_disassembly(DUPLICATES)
    report = _analyse(graph, _stab_dump(DUPLICATES_STABS), [DUPLICATES_SU], static=0)
    assert report.main.functions == ("main", "two", "helper")
    assert report.main.bytes == 2 + 2 + 204


# --- the worst chain ------------------------------------------------------------------------


def test_the_worst_chain_adds_the_frames_of_the_deepest_path() -> None:
    graph = _graph({"main": ("alpha", "beta"), "alpha": (), "beta": ("gamma",), "gamma": ()})
    stabs, su = _compiled(
        graph,
        MAIN,
        ("alpha", "void alpha()", 100, "static"),
        ("beta", "void beta()", 10, "static"),
        ("gamma", "void gamma()", 95, "static"),
    )
    report = _analyse(graph, stabs, [su], static=100)
    # beta's chain (10 + 95) is deeper than alpha's one big frame (100)
    assert report.main.functions == ("int main()", "void beta()", "void gamma()")
    assert report.main.frames == (2, 10, 95)
    assert report.interrupt is None
    assert report.unbounded == ""
    assert report.stack_bytes == 107
    assert report.worst_bytes == 207
    assert report.margin == RAM_LIMIT - 207
    assert report.main.describe() == "int main() (2) → void beta() (10) → void gamma() (95)"


def test_the_worst_interrupt_handler_adds_on_top_of_main() -> None:
    graph = _graph(
        {
            "main": ("alpha",),
            "alpha": (),
            "__bad_interrupt": (),
            "__vector_5": ("log",),
            "log": (),
            "__vector_7": (),
        },
        estimates={"__bad_interrupt": 500},  # no handler: never a root
    )
    stabs, su = _compiled(
        graph,
        MAIN,
        ("alpha", "void alpha()", 20, "static"),
        ("__vector_5", "void __vector_5()", 6, "static"),
        ("log", "void log()", 40, "static"),
        ("__vector_7", "void __vector_7()", 30, "static"),
    )
    report = _analyse(graph, stabs, [su])
    assert report.interrupt is not None
    assert report.interrupt.functions == ("void __vector_5()", "void log()")
    assert report.interrupt.bytes == 46
    assert report.stack_bytes == 22 + 46
    assert report.to_dict()["interrupt_chain"] == "void __vector_5() (6) → void log() (40)"


def test_a_dynamic_frame_takes_its_bound_from_the_data_file() -> None:
    name = "int WaspRTC::readRTC(uint8_t)"
    bound = stack_bounds().dynamic[name]
    graph = _graph(
        {"main": ("_ZN7WaspRTC7readRTCEh", "_Z4sendv"), "_ZN7WaspRTC7readRTCEh": (), "_Z4sendv": ()}
    )
    stabs, su = _compiled(
        graph,
        MAIN,
        ("_ZN7WaspRTC7readRTCEh", name, 25, "dynamic"),
        # arguments pushed for a call: GCC's figure is the bound
        ("_Z4sendv", "void send()", 30, "dynamic,bounded"),
    )
    report = _analyse(graph, stabs, [su])
    assert report.unbounded == ""
    assert report.main.functions == ("int main()", name)
    assert report.main.frames == (2, 25 + bound.bytes)
    assert report.notes == (f"{name}: {bound.bytes} B more ({bound.why})",)


def test_a_dynamic_frame_without_a_bound_makes_the_chain_unbounded() -> None:
    graph = _graph({"main": ("_Z4growh", "_Z3bigv"), "_Z4growh": (), "_Z3bigv": ()})
    stabs, su = _compiled(
        graph,
        MAIN,
        ("_Z4growh", "void grow(uint8_t)", 10, "dynamic"),
        ("_Z3bigv", "void big()", 500, "static"),
    )
    report = _analyse(graph, stabs, [su])
    assert report.unbounded == "void grow(uint8_t) has a variable-length frame with no known bound"
    # an unbounded chain is the worst, however small its known part
    assert report.main.functions == ("int main()", "void grow(uint8_t)")
    assert report.to_dict()["unbounded"] == report.unbounded


@pytest.mark.parametrize(
    ("calls", "jumps", "expected"),
    [
        pytest.param(
            {"main": ("walk",), "walk": ("walk",), "ping": (), "pong": ()},
            {},
            "recursion: int walk(int) → int walk(int)",
            id="itself",
        ),
        pytest.param(
            {"main": ("ping",), "walk": (), "ping": ("pong",), "pong": ("ping",)},
            {},
            "recursion: void ping() → void pong() → void ping()",
            id="mutual",
        ),
        pytest.param(
            {"main": ("ping",), "walk": (), "ping": ("pong",), "pong": ()},
            {"pong": ("ping",)},
            "recursion: void ping() → void pong() → void ping()",
            id="a call and a jump",
        ),
    ],
)
def test_recursion_through_compiled_functions_is_unbounded(
    calls: dict[str, tuple[str, ...]], jumps: dict[str, tuple[str, ...]], expected: str
) -> None:
    graph = _graph(calls, jumps=jumps)
    stabs, su = _compiled(
        graph,
        MAIN,
        ("walk", "int walk(int)", 12, "static"),
        ("ping", "void ping()", 4, "static"),
        ("pong", "void pong()", 4, "static"),
    )
    report = _analyse(graph, stabs, [su])
    assert report.unbounded == expected
    assert stack_warnings(report)[0].startswith(f"the stack check found no bound ({expected})")


def test_a_cycle_of_jumps_only_is_a_loop() -> None:
    graph = _graph(
        {"main": ("spin",), "spin": (), "wait": ()}, jumps={"spin": ("wait",), "wait": ("spin",)}
    )
    stabs, su = _compiled(
        graph, MAIN, ("spin", "void spin()", 4, "static"), ("wait", "void wait()", 6, "static")
    )
    report = _analyse(graph, stabs, [su])
    assert report.unbounded == ""
    assert report.main.functions == ("int main()", "void spin()", "void wait()")
    assert report.main.bytes == 12


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param("__fp_split", "", id="shared library code"),
        pytest.param("qsort", "recursion: qsort → __shared_tail → qsort", id="listed recursive"),
    ],
)
def test_a_cycle_through_library_code_is_recursion_only_when_listed(
    entry: str, expected: str
) -> None:
    assert "qsort" in stack_bounds().recursive_library
    # no .su lines: library code, a call out and a jump back into the entry
    graph = _graph(
        {"main": (entry,), entry: ("__shared_tail",), "__shared_tail": ()},
        jumps={"__shared_tail": (entry,)},
        estimates={entry: 8, "__shared_tail": 4},
    )
    stabs, su = _compiled(graph, MAIN)
    report = _analyse(graph, stabs, [su])
    assert report.unbounded == expected
    if not expected:
        assert report.main.functions == ("int main()", entry, "__shared_tail")
        assert report.main.frames == (2, 8, 4)


def test_a_listed_library_function_calling_itself_is_unbounded() -> None:
    graph = _graph({"main": ("qsort",), "qsort": ("qsort",)}, estimates={"qsort": 20})
    stabs, su = _compiled(graph, MAIN)
    report = _analyse(graph, stabs, [su])
    assert "qsort" in report.unbounded


def test_a_loop_of_jumps_does_not_hide_a_deeper_path() -> None:
    # __loop_tail's chain, found while the loop through __loop_head was open, stops at the
    # loop; prepare's path into __loop_tail must still go round it to heavy
    graph = _graph(
        {
            "main": ("__loop_head", "prepare"),
            "__loop_head": ("heavy",),
            "__loop_tail": (),
            "prepare": ("__loop_tail",),
            "heavy": (),
        },
        jumps={"__loop_head": ("__loop_tail",), "__loop_tail": ("__loop_head",)},
    )
    stabs, su = _compiled(
        graph,
        MAIN,
        ("prepare", "void prepare()", 50, "static"),
        ("heavy", "void heavy()", 100, "static"),
    )
    report = _analyse(graph, stabs, [su])
    assert report.main.bytes == 2 + 50 + 2 + 2 + 100
    assert report.main.functions == (
        "int main()",
        "void prepare()",
        "__loop_tail",
        "__loop_head",
        "void heavy()",
    )


def test_split_off_parts_on_one_source_line_keep_their_own_frames() -> None:
    graph = parse_disassembly(PARTS)
    report = _analyse(graph, _stab_dump(PARTS_STABS), [f"{UNIT_MARK}c.c\n{PARTS_SU}"])
    # neither swapped (2, 124, 2) nor the larger for both (2, 124, 124)
    assert report.main.functions == ("main", "entry", "entry.part.0")
    assert report.main.frames == (2, 2, 124)


@pytest.mark.parametrize("joined", [False, True], ids=["one text a unit", "one text"])
@pytest.mark.parametrize(("callee", "frame"), [("f1", 14), ("f2", 34)])
def test_unit_marks_separate_units_whose_lines_share_file_and_line(
    joined: bool, callee: str, frame: int
) -> None:
    graph = _graph(
        {"f1": (), "f2": (), "main": (callee,)},
        estimates={"f1": 7, "f2": 7},
        addresses={"f1": 0xF4, "f2": 0x138, "main": 0x17C},  # as the stabs say
    )
    texts = ["".join(UNITS_SU)] if joined else list(UNITS_SU)
    report = _analyse(graph, _stab_dump(UNITS_STABS), texts)
    assert report.main.functions == ("main", callee)
    assert report.main.frames == (2, frame)


def test_an_indirect_call_reaches_address_taken_functions_but_not_constructors() -> None:
    graph = _graph(
        {"main": (), "_Z6targeth": (), "_Z5otherv": (), "_GLOBAL__sub_I_sink": ()},
        indirect=("main",),
        taken=("_Z6targeth", "_GLOBAL__sub_I_sink"),
        estimates={"_GLOBAL__sub_I_sink": 500},
    )
    stabs, su = _compiled(
        graph,
        MAIN,
        ("_Z6targeth", "void target(uint8_t)", 40, "static"),
        ("_Z5otherv", "void other()", 300, "static"),  # its address is never taken
    )
    report = _analyse(graph, stabs, [su])
    assert report.main.functions == ("int main()", "void target(uint8_t)")
    assert report.main.frames == (2, 40)
    assert report.notes == ("an indirect call may reach any of void target(uint8_t)",)


def test_a_program_without_main_is_refused() -> None:
    graph = _graph({"setup": ()})
    stabs, su = _compiled(graph, ("setup", "void setup()", 2, "static"))
    with pytest.raises(ValueError, match="no main"):
        _analyse(graph, stabs, [su])


def test_the_first_function_of_the_sketch_keeps_its_su_line() -> None:
    # GCC emits the SOL naming the #line file (openpcs_node.pde) only inside the unit's first
    # function, after its FUN: without its .su line walk() would count as library code, its
    # recursion as shared code, and the program as bounded
    graph = parse_disassembly(SKETCH_FIRST)
    report = _analyse(graph, _stab_dump(SKETCH_FIRST_STABS), SKETCH_FIRST_SU, static=4)
    assert report.unbounded == "recursion: int walk(int) → int walk(int)"


def test_a_constructor_keeps_its_su_line() -> None:
    # objdump prints one label (_ZN3FooC1Eh) for the constructor's two symbols, the stabs
    # name the other (_ZN3FooC2Eh): the address they share joins them
    graph = parse_disassembly(CONSTRUCTOR)
    su = [
        # the constructor's real line, with a variable-length frame to make the join visible
        f"{UNIT_MARK}f1.cpp\nf1.cpp:4:1:Foo::Foo(uint8_t)\t2\tdynamic\n"
        "f1.cpp:5:6:void slot(uint16_t)\t6\tstatic\nf1.cpp:6:6:void slot4(uint16_t)\t8\tstatic\n",
        f"{UNIT_MARK}f2.cpp\nf2.cpp:6:5:int main()\t5\tstatic\n",
    ]
    report = _analyse(graph, _stab_dump(CONSTRUCTOR_STABS), su)
    assert "Foo::Foo(uint8_t)" in report.unbounded


# --- warnings and the manifest --------------------------------------------------------------


def _report(margin: int, unbounded: str = "") -> StackReport:
    main = Chain(("int main()", "void setup()"), (2, 98), unbounded)
    return StackReport(RAM_LIMIT - 100 - margin, RAM_LIMIT, main, None)


def test_warnings_under_the_margin_and_without_a_bound() -> None:
    assert stack_warnings(_report(STACK_MARGIN)) == ()
    assert stack_warnings(_report(-1)) == ()  # does not fit: the builder refuses it
    (warning,) = stack_warnings(_report(STACK_MARGIN - 1))
    assert warning == (
        f"only {STACK_MARGIN - 1:,} B of RAM to spare at the worst moment (under "
        f"{STACK_MARGIN:,}): int main() (2) → void setup() (98)"
    )
    (unbounded,) = stack_warnings(_report(4000, "recursion: void setup() → void setup()"))
    assert unbounded == (
        "the stack check found no bound (recursion: void setup() → void setup()); at least "
        f"{RAM_LIMIT - 4000:,} B of RAM at worst"
    )


EXPECTED_FIGURES: Final = {
    "static_bytes": RAM_LIMIT - 1100,
    "stack_bytes": 100,
    "worst_bytes": RAM_LIMIT - 1000,
    "limit": RAM_LIMIT,
    "margin_bytes": 1000,
    "worst_chain": "int main() (2) → void setup() (98)",
    "interrupt_chain": None,
    "notes": [],
}


def test_the_report_as_a_dict() -> None:
    figures = _report(1000).to_dict()
    assert {key: figures[key] for key in EXPECTED_FIGURES} == EXPECTED_FIGURES
    assert "unbounded" not in figures
    unbounded = _report(1000, "recursion: void setup() → void setup()").to_dict()
    assert unbounded["unbounded"] == "recursion: void setup() → void setup()"


# --- the configuration item of a chain ------------------------------------------------------

CONFIG_SKETCH: Final = """\
#include <WaspFrame.h>
#include "node_values.h"

void measureAndSend();
void calibrationMenuA();
void calibrationMenuB();

void setup()
{
  USB.ON();
  // [config: sockets.A.probe]
  calibrationMenuA();
  // [config: sockets.B.probe]
  calibrationMenuB();
}

void loop()
{
  measureAndSend();
}

void measureAndSend()
{
  frame.createFrame(BINARY);
  // [config: sockets.A.probe]
  SensorAgrv30.ON();
  frame.addSensor(SENSOR_AGR_TC, SensorAgrv30.getTemperature());
  // [config: sockets.C.probe]
  PM.ON();
  PM.getPM(1000, 100);
  frame.addSensor(SENSOR_GASES_PRO_PM1, PM._PM1);
}

// [config: sockets.A.probe]
void calibrationMenuA()
{
  USB.println(F("A"));
  SensorXtr.readCalibration(SOCKET_A);
}
// [config: sockets.B.probe]
void calibrationMenuB()
{
  USB.println(F("B"));
  SensorXtr.readCalibration(SOCKET_B);
}
"""


def _source(sketch: str = CONFIG_SKETCH) -> ProgramSource:
    return ProgramSource("openpcs_node.pde", {"openpcs_node.pde": sketch}, "0" * 64)


def _chain(*functions: str) -> Chain:
    return Chain(functions, tuple(10 for _ in functions))


def test_the_config_item_of_the_sketch_line_making_the_deepest_call() -> None:
    chain = _chain(
        "int main()",
        "void loop()",
        "void measureAndSend()",
        "int8_t WaspPM::getPM(uint32_t, uint32_t)",
        "uint8_t WaspUART::readBuffer(uint16_t, bool)",
    )
    assert chain_config_path(chain, _source()) == "sockets.C.probe"
    temperature = _chain(
        "int main()",
        "void loop()",
        "void measureAndSend()",
        "float WaspSensorAgr::getTemperature()",
    )
    assert chain_config_path(temperature, _source()) == "sockets.A.probe"


def test_a_sketch_function_deepest_itself_names_its_call() -> None:
    chain = _chain("int main()", "void setup()", "void calibrationMenuB()")
    assert chain_config_path(chain, _source()) == "sockets.B.probe"


def test_a_chain_off_the_sketch_has_no_config_item() -> None:
    chain = _chain("void __vector_5()", "void WaspRTC::handler()")
    assert chain_config_path(chain, _source()) == ""


def test_a_compiler_helper_call_still_names_the_item() -> None:
    sketch = (
        "void fill(uint16_t index);\n\nvoid setup()\n{\n  // [config: sockets.B.probe]\n"
        "  fill(fake_counter());\n}\n\nvoid fill(uint16_t index)\n{\n"
        "  volatile uint8_t buffer[8200];\n  buffer[index % sizeof(buffer)] = 1;\n}\n"
    )
    chain = _chain(
        "int main()", "void setup()", "void fill(uint16_t)", "__udivmodhi4", "__udivmodhi4_ep"
    )
    assert chain_config_path(chain, _source(sketch)) == "sockets.B.probe"


def test_the_call_is_looked_for_in_the_deepest_sketch_function() -> None:
    chain = _chain(
        "int main()",
        "void setup()",
        "void calibrationMenuB()",
        "uint8_t WaspSensorXtr::readCalibration(uint8_t)",
    )
    assert chain_config_path(chain, _source()) == "sockets.B.probe"


# --- real builds on the test tree -----------------------------------------------------------

FILL_SKETCH: Final = """\
volatile uint16_t reading;
void fill(uint16_t index) __attribute__((noinline));

void setup()
{
  // [config: sockets.B.probe]
  fill(fake_counter());
}

void loop()
{
  reading = fake_counter();
}

void fill(uint16_t index)
{
  volatile uint8_t buffer[BUFFER_BYTES];
  buffer[index & 0xff] = 1;
  reading = buffer[0];
}
"""

SMALL_SKETCH: Final = """\
// [config: sockets.A.probe]
volatile uint16_t reading;

void setup()
{
  reading = fake_counter();
}

void loop()
{
  reading = fake_counter() + 1;
}
"""

RECURSIVE_SKETCH: Final = """\
volatile uint16_t reading;
int walk(int depth) __attribute__((noinline));

void setup()
{
  reading = walk(fake_counter());
}

void loop()
{
  reading = fake_counter();
}

int walk(int depth)
{
  volatile uint8_t mark[4];
  mark[depth & 3] = depth;
  if (depth <= 0)
  {
    return 0;
  }
  return walk(depth - 1) + walk(depth - 2) + mark[0];
}
"""

VIRTUAL_SKETCH: Final = """\
volatile uint16_t reading;

class Probe
{
public:
  virtual void read(uint16_t index);
};

class BigProbe : public Probe
{
public:
  void read(uint16_t index) override;
};

void Probe::read(uint16_t index)
{
  reading = index;
}

void BigProbe::read(uint16_t index)
{
  volatile uint8_t samples[8200];
  samples[index & 0xff] = 1;
  reading = samples[0];
}

BigProbe big;
Probe * volatile probe = &big;

void setup()
{
  probe->read(fake_counter());
}

void loop()
{
  reading = fake_counter();
}
"""


@pytest.fixture
def builder(tmp_path: Path) -> Builder:
    tree = write_fake_tree(tmp_path / "api")
    return Builder(find_api_tree(tree), find_toolchain(), cache_root=tmp_path / "cache")


@needs_avr
def test_a_stack_beyond_the_ram_is_refused_naming_the_chain(
    tmp_path: Path, builder: Builder
) -> None:
    sketch = FILL_SKETCH.replace("BUFFER_BYTES", "8200")
    with pytest.raises(SizeLimitError) as caught:
        builder.build(_source(sketch), tmp_path / "work", hex_name="node.hex")
    message = str(caught.value)
    assert message.startswith("sockets.B.probe: the program needs ")
    needed = re.search(r"needs ([\d,]+) bytes of RAM at its worst moment", message)
    assert needed is not None
    assert int(needed.group(1).replace(",", "")) > RAM_LIMIT
    assert "limit 8,192" in message
    assert "int main() (2) → void setup() (2) → void fill(uint16_t) (82" in message
    assert not (tmp_path / "work/node.hex").exists()


@needs_avr
def test_little_ram_to_spare_builds_with_a_warning(tmp_path: Path, builder: Builder) -> None:
    sketch = FILL_SKETCH.replace("BUFFER_BYTES", "7800")
    result = builder.build(_source(sketch), tmp_path / "work", hex_name="node.hex")
    assert result.stack is not None
    assert 0 <= result.stack.margin < STACK_MARGIN
    assert result.stack.worst_bytes == result.ram_bytes + result.stack.stack_bytes
    (warning,) = result.warnings
    assert warning.startswith(f"only {result.stack.margin:,} B of RAM to spare")
    assert "void fill(uint16_t) (78" in warning
    assert result.to_dict()["warnings"] == [warning]
    assert result.hex_path.is_file()


@needs_avr
def test_a_small_program_reports_its_stack(tmp_path: Path, builder: Builder) -> None:
    result = builder.build(_source(SMALL_SKETCH), tmp_path / "work", hex_name="node.hex")
    stack = result.stack
    assert stack is not None
    assert stack.static_bytes == result.ram_bytes
    assert stack.margin > STACK_MARGIN
    assert stack.unbounded == ""
    assert result.warnings == ()
    figures = result.to_dict()["stack"]
    assert isinstance(figures, dict)
    assert figures["worst_chain"].startswith("int main() (2) → ")
    assert figures["margin_bytes"] == stack.margin
    assert figures["limit"] == RAM_LIMIT


@needs_avr
def test_a_recursive_sketch_function_is_built_but_unbounded(
    tmp_path: Path, builder: Builder
) -> None:
    result = builder.build(_source(RECURSIVE_SKETCH), tmp_path / "work", hex_name="node.hex")
    assert result.hex_path.is_file()
    assert result.stack is not None
    assert result.stack.unbounded == "recursion: int walk(int) → int walk(int)"
    assert [w for w in result.warnings if "no bound" in w] == [
        f"the stack check found no bound (recursion: int walk(int) → int walk(int)); at least "
        f"{result.stack.worst_bytes:,} B of RAM at worst"
    ]


@needs_avr
def test_a_virtual_call_reaches_the_override(tmp_path: Path, builder: Builder) -> None:
    # the override is reached only through the vtable, whose entries are relocations in .data
    with pytest.raises(SizeLimitError, match=r"BigProbe::read\(uint16_t\) \(82"):
        builder.build(_source(VIRTUAL_SKETCH), tmp_path / "work", hex_name="node.hex")


@needs_avr
def test_a_builder_checks_a_program_once_and_again_when_its_code_changes(
    tmp_path: Path, builder: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[Path] = []
    real_check = build_module.check_stack

    def counted_check(*args: Any) -> StackReport:
        checks.append(args[2])
        return real_check(*args)

    monkeypatch.setattr(build_module, "check_stack", counted_check)

    def node(buffer_bytes: int, value: int) -> ProgramSource:
        sketch = FILL_SKETCH.replace("BUFFER_BYTES", str(buffer_bytes))
        values = f"extern const int nodeValue = {value};\n"  # data only, as node_values.cpp is
        files = {"openpcs_node.pde": sketch, "node_values.cpp": values}
        return ProgramSource("openpcs_node.pde", files, "0" * 64)

    first = builder.build(node(7800, 1), tmp_path / "one", hex_name="node.hex")
    second = builder.build(node(7800, 2), tmp_path / "two", hex_name="node.hex")
    # the second node differs only in its data: its stack is the first one's, not checked again
    assert len(checks) == 1
    assert first.stack is not None
    assert second.stack is not None
    assert second.stack.main == first.stack.main
    assert second.stack.static_bytes == second.ram_bytes
    # a change to the code is checked again, and the deeper frame refused
    with pytest.raises(SizeLimitError, match=r"void fill\(uint16_t\) \(82"):
        builder.build(node(8200, 1), tmp_path / "three", hex_name="node.hex")
    assert len(checks) == 2
