"""The builder against a small test tree: library discovery, the cache, linking, sizes, and
compiler errors traced back to the configuration item. Needs avr-gcc (CI installs it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from openpcs.program.api_tree import find_api_tree, includes_of
from openpcs.program.build import Builder
from openpcs.program.build_tools import parse_diagnostics, program_size
from openpcs.program.errors import ApiTreeError, BuildError, SizeLimitError, ToolchainMissing
from openpcs.program.source import ProgramSource
from openpcs.program.toolchain import find_toolchain
from tests.program.fake_tree import write_fake_tree

needs_avr = pytest.mark.usefixtures("avr_toolchain")
SKETCH = """#include <Alpha.h>
#include <HeaderOnly.h>
#include "node_values.h"

// [config: sockets.A.probe]
volatile uint16_t reading;

void setup()
{
  reading = alpha.twice(NODE_VALUE) + header_only(1);
}

void loop()
{
  reading = fake_counter();
}
"""


def _program(node_value: int = 7, sketch: str = SKETCH) -> ProgramSource:
    return ProgramSource(
        "openpcs_node.pde",
        {
            "openpcs_node.pde": sketch,
            "node_values.h": "extern const unsigned int NODE_VALUE;\n",
            "node_values.cpp": f'#include "node_values.h"\nconst unsigned int NODE_VALUE = '
            f"{node_value};\n",
        },
        "0" * 64,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_fake_tree(tmp_path / "api")


def test_both_layouts_are_found_and_bad_paths_named(tmp_path: Path, tree: Path) -> None:
    assert find_api_tree(tree).version.define == "99"
    ide = tmp_path / "ide"
    (ide / "hardware/waspmote/avr/cores").mkdir(parents=True)
    shutil.copytree(tree / "waspmote-api", ide / "hardware/waspmote/avr/cores/waspmote-api")
    shutil.copytree(tree / "libraries", ide / "libraries")
    assert find_api_tree(ide).core.name == "waspmote-api"
    with pytest.raises(ApiTreeError, match="no such directory"):
        find_api_tree(tmp_path / "missing")
    with pytest.raises(ApiTreeError, match="not a Waspmote API tree"):
        find_api_tree(tmp_path)


def test_no_tree_given_names_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WASPMOTE_API_DIR", raising=False)
    with pytest.raises(ApiTreeError, match="--api-dir DIR or set WASPMOTE_API_DIR"):
        find_api_tree(None)


def test_libraries_are_found_through_includes(tree: Path) -> None:
    api = find_api_tree(tree)
    assert api.libraries_for(SKETCH.encode()) == ("Alpha", "Beta", "HeaderOnly")
    assert api.libraries_for(b'#include "Beta.h"\n') == ("Beta",)
    assert api.libraries_for(b"#include <stdio.h>\n") == ()
    assert includes_of(b'  #  include <a.h>\n#include "b/c.h"\n// #include <no.h>\n') == [
        "a.h",
        "b/c.h",
    ]


def test_the_tree_hash_follows_its_content(tree: Path) -> None:
    before = find_api_tree(tree).content_hash
    (tree / "libraries/Beta/Beta.cpp").write_text("/* changed */\n", encoding="utf-8")
    assert find_api_tree(tree).content_hash != before


def test_missing_toolchain_is_named_with_the_install_hint(tmp_path: Path) -> None:
    with pytest.raises(ToolchainMissing) as caught:
        find_toolchain(str(tmp_path))
    message = str(caught.value)
    assert "avr-gcc, avr-g++, avr-ar, avr-objcopy, avr-objdump, avr-size not found" in message
    assert "apt-get install gcc-avr avr-libc binutils-avr" in message


@needs_avr
def test_cold_build_then_the_cache_serves_everything(tmp_path: Path, tree: Path) -> None:
    builder = Builder(find_api_tree(tree), find_toolchain(), cache_root=tmp_path / "cache")
    first = builder.build(_program(), tmp_path / "one", hex_name="node.hex")
    assert set(first.compiled) == {
        "core",
        "Alpha",
        "Beta",
        "HeaderOnly",
        "openpcs_node.cpp",
        "node_values.cpp",
    }
    assert first.libraries == ("Alpha", "Beta", "HeaderOnly")
    hex_text = first.hex_path.read_text()
    assert hex_text.startswith(":")
    assert hex_text.rstrip().endswith(":00000001FF")  # Intel HEX end-of-file record
    assert 0 < first.flash_bytes < 4096
    assert 0 < first.ram_bytes < 256
    again = builder.build(_program(), tmp_path / "two", hex_name="node.hex")
    assert again.compiled == ()
    assert again.hex_path.read_bytes() == first.hex_path.read_bytes()
    other_node = builder.build(_program(node_value=9), tmp_path / "three", hex_name="node.hex")
    assert other_node.compiled == ("node_values.cpp",)  # the sketch's object is shared


@needs_avr
def test_a_compiler_error_names_the_line_and_the_configuration_item(
    tmp_path: Path, tree: Path
) -> None:
    broken = SKETCH.replace("alpha.twice(NODE_VALUE)", "alpha.thrice(NODE_VALUE)")
    builder = Builder(find_api_tree(tree), find_toolchain(), cache_root=tmp_path / "cache")
    with pytest.raises(BuildError) as caught:
        builder.build(_program(sketch=broken), tmp_path / "work", hex_name="node.hex")
    message = caught.value.messages[0]
    assert (message.file, message.line, message.config_path) == (
        "openpcs_node.pde",
        10,
        "sockets.A.probe",
    )
    assert "thrice" in message.text
    assert "alpha.thrice(NODE_VALUE)" in message.describe()


@needs_avr
@pytest.mark.parametrize(
    ("declaration", "use", "message"),
    [
        # links (the chip has 128 KiB) but is over the 120 KiB the bootloader leaves
        (
            "const uint8_t t1[31000] __attribute__((__progmem__)) = {1};\n"
            "const uint8_t t2[31000] __attribute__((__progmem__)) = {2};\n"
            "const uint8_t t3[31000] __attribute__((__progmem__)) = {3};\n"
            "const uint8_t t4[31000] __attribute__((__progmem__)) = {4};",
            "reading = (uint16_t)(uintptr_t)&t1[reading] + (uint16_t)(uintptr_t)&t2[reading]"
            " + (uint16_t)(uintptr_t)&t3[reading] + (uint16_t)(uintptr_t)&t4[reading];",
            r"needs [\d,]+ bytes of flash \(limit 122,880\)",
        ),
        # the linker cannot place it in the 8 KiB of RAM at all
        (
            "volatile uint8_t big[9000];",
            "reading = big[reading];",
            r"does not fit the node's RAM \(8,192 bytes\)",
        ),
    ],
)
def test_a_program_too_big_for_the_node_is_refused(
    tmp_path: Path, tree: Path, declaration: str, use: str, message: str
) -> None:
    hungry = SKETCH.replace(
        "volatile uint16_t reading;", f"volatile uint16_t reading;\n{declaration}"
    ).replace("reading = fake_counter();", f"reading = fake_counter();\n  {use}")
    builder = Builder(find_api_tree(tree), find_toolchain(), cache_root=tmp_path / "cache")
    with pytest.raises(SizeLimitError, match=message):
        builder.build(_program(sketch=hungry), tmp_path / "work", hex_name="node.hex")
    assert not (tmp_path / "work/node.hex").exists()


def test_sizes_and_diagnostics_are_parsed() -> None:
    sections = """x.elf  :
section           size      addr
.data              544   8388864
.text            29226         0
.bss              2884   8389408
.comment            17         0
"""
    assert program_size(sections) == (29770, 3428)
    output = (
        "openpcs_node.pde: In function 'void setup()':\n"
        "openpcs_node.pde:12:5: error: 'foo' was not declared in this scope\n"
        "/api/lib/x.h:3:1: warning: something\n"
        "node_values.cpp:2:1: fatal error: y.h: No such file or directory\n"
    )
    found = parse_diagnostics(output)
    assert [(m.file, m.line, m.column, m.severity) for m in found] == [
        ("openpcs_node.pde", 12, 5, "error"),
        ("node_values.cpp", 2, 1, "fatal error"),
    ]


@needs_avr
def test_a_damaged_cache_entry_is_built_again(tmp_path: Path, tree: Path) -> None:
    builder = Builder(find_api_tree(tree), find_toolchain(), cache_root=tmp_path / "cache")
    first = builder.build(_program(), tmp_path / "one", hex_name="node.hex")
    core = builder.cache.core_archive
    core.write_bytes(core.read_bytes()[:100])  # truncated, as a crash or a bad disk leaves it
    objects = sorted((builder.cache.directory / "objects").glob("*.o"))
    damaged = bytearray(objects[0].read_bytes())
    damaged[-20:] = bytes(20)
    objects[0].write_bytes(bytes(damaged))
    again = builder.build(_program(), tmp_path / "two", hex_name="node.hex")
    assert "core" in again.compiled
    assert again.hex_path.read_bytes() == first.hex_path.read_bytes()


@needs_avr
def test_parallel_builds_with_an_empty_cache_all_succeed(tmp_path: Path, tree: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    builder = Builder(find_api_tree(tree), find_toolchain(), cache_root=tmp_path / "cache")

    def build(index: int) -> bytes:
        result = builder.build(_program(index % 3), tmp_path / f"w{index}", hex_name="n.hex")
        return result.hex_path.read_bytes()

    with ThreadPoolExecutor(8) as pool:
        hexes = list(pool.map(build, range(16)))
    assert len(set(hexes)) == 3  # one .hex per distinct program, built without collisions
