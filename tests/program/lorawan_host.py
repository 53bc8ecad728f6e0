"""Running a generated program's LoRaWAN code on the host, against a model of the module.

The model is written from the Waspmote API's LoRaWAN library (WaspLoRaWAN.cpp, v048) and the
modules' behaviour it relies on, only as far as frame counters go:

- the library keeps a RAM copy of the counters (``_upCounter``, ``_downCounter``), 0 after a
  reset of the node; ``getUpCounter()`` reads the module's into it; ``joinABP()`` on the
  RN2483/RN2903 writes it into the module (``setUpCounter``/``setDownCounter``);
- ``saveConfig()`` ("mac save") keeps the module's settings and counters across power-off,
  then reads the counters back; every send calls it;
- ``joinOTAA()`` starts a new session with counters at 0 and saves;
- the ABZ module saves nothing (``saveConfig()`` answers OK) and its ``joinABP()`` only
  switches mode; the model makes it lose its counters at power-off, the worst case.

Each uplink the "network" hears is logged with its counter; a network server with counter
checks drops an uplink whose counter is not above the last one it accepted.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from openpcs.program.source import ProgramSource

__all__ = ["HostRun", "heard_counters"]

MODEL = r"""
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#define F(text) (text)
#define PROGMEM
#define pgm_read_dword(address) (*(const uint32_t*)(address))
#define EEPROM_START 1024
#define SOCKET0 0

// the node's EEPROM: it survives a reset
static uint8_t eepromBytes[4096];
static uint8_t eeprom_read_byte(const uint8_t* a) { return eepromBytes[(size_t)a]; }
static uint32_t eeprom_read_dword(const uint32_t* a)
{
  uint32_t v;
  memcpy(&v, eepromBytes + (size_t)a, 4);
  return v;
}
// EEPROM cells written (an update that changes them), which wear the EEPROM out
static unsigned eepromWrites = 0;
static void eeprom_update_dword(uint32_t* a, uint32_t v)
{
  if (memcmp(eepromBytes + (size_t)a, &v, 4) != 0)
  {
    eepromWrites++;
  }
  memcpy(eepromBytes + (size_t)a, &v, 4);
}
static void eeprom_update_block(const void* s, void* d, size_t n)
{
  memcpy(eepromBytes + (size_t)d, s, n);
}

struct Console
{
  template <typename T> void print(T) {}
  template <typename T> void println(T) {}
};
static Console USB;
// the node's clock: it goes on while the program waits (and a cycle later, while it sleeps)
static unsigned long clockMs = 0;
static void delay(unsigned long ms) { clockMs += ms; }
static struct
{
  unsigned long getEpochTime() { return clockMs / 1000UL; }
} RTC;
// the time of each uplink heard, in ms
static unsigned long heardAt[64];

enum { LORAWAN_ANSWER_OK = 0, LORAWAN_ANSWER_ERROR = 1, LORAWAN_NO_ANSWER = 2,
       LORAWAN_INIT_ERROR = 3, LORAWAN_NOT_JOINED = 6 };
enum { BAND_JP923 = 0, BAND_KR920 = 6 };

// the radio module: what it holds while powered, and what "mac save" keeps
static struct
{
  bool abz;
  uint32_t up, down;
  bool keys;
  uint32_t savedUp, savedDown;
  bool savedKeys;
  uint32_t heard[64];
  int count;
} radio;

class WaspLoRaWAN
{
public:
  uint32_t _upCounter = 0;
  uint32_t _downCounter = 0;
  uint8_t _maxPayload = 0;
  uint8_t _dataRate = 0;
  uint8_t _OTAAError = 1;  // above 1 after a failed joinOTAA(): joinABP() refuses

  uint8_t ON(uint8_t)
  {
    radio.up = radio.abz ? 0 : radio.savedUp;
    radio.down = radio.abz ? 0 : radio.savedDown;
    radio.keys = radio.savedKeys;
    return LORAWAN_ANSWER_OK;
  }
  uint8_t OFF(uint8_t) { return LORAWAN_ANSWER_OK; }
  uint8_t factoryReset()
  {
    radio.savedUp = radio.savedDown = radio.up = radio.down = 0;
    radio.savedKeys = radio.keys = false;
    return LORAWAN_ANSWER_OK;
  }
  uint8_t keys() { radio.keys = true; if (radio.abz) radio.savedKeys = true; return 0; }
  uint8_t setDeviceEUI(char*) { return keys(); }
  uint8_t setAppEUI(char*) { return keys(); }
  uint8_t setAppKey(char*) { return keys(); }
  uint8_t setDeviceAddr(char*) { return keys(); }
  uint8_t setNwkSessionKey(char*) { return keys(); }
  uint8_t setAppSessionKey(char*) { return keys(); }
  uint8_t setADR(char*) { return 0; }
  uint8_t setDataRate(uint8_t) { return 0; }
  uint8_t setBand(uint8_t) { return 0; }
  uint8_t setChannelStatus(uint8_t, char*) { return 0; }
  uint8_t getMaxPayload() { return LORAWAN_ANSWER_ERROR; }
  uint8_t getDataRate() { _dataRate = 5; return LORAWAN_ANSWER_OK; }
  uint8_t getUpCounter()
  {
    _upCounter = radio.up;
    if (radio.abz) _downCounter = radio.down;  // at+frmcnt? answers both
    return 0;
  }
  uint8_t getDownCounter() { _downCounter = radio.down; return 0; }
  uint8_t saveConfig()
  {
    if (radio.abz) return LORAWAN_ANSWER_OK;
    radio.savedUp = radio.up;
    radio.savedDown = radio.down;
    radio.savedKeys = radio.keys;
    getUpCounter();
    getDownCounter();
    return LORAWAN_ANSWER_OK;
  }
  uint8_t setUpCounter(uint32_t c)
  {
    radio.up = c;
    _upCounter = c;
    if (radio.abz) { radio.down = _downCounter; return 0; }
    saveConfig();
    return LORAWAN_ANSWER_OK;
  }
  uint8_t setDownCounter(uint32_t c) { radio.down = c; _downCounter = c; saveConfig(); return 0; }
  uint8_t joinABP()
  {
    if (_OTAAError > 1) return LORAWAN_NOT_JOINED;
    if (radio.abz) return LORAWAN_ANSWER_OK;  // at+mode=0
    if (!radio.keys) return LORAWAN_INIT_ERROR;
    setUpCounter(_upCounter);
    setDownCounter(_downCounter);
    return LORAWAN_ANSWER_OK;
  }
  uint8_t joinOTAA()
  {
    if (!radio.keys) { _OTAAError = 2; return LORAWAN_ANSWER_ERROR; }
    radio.up = radio.down = 0;
    _OTAAError = 0;
    return saveConfig();
  }
  uint8_t send(uint8_t, uint8_t*, uint16_t)
  {
    heardAt[radio.count] = clockMs;
    radio.heard[radio.count++] = radio.up++;
    clockMs += 100;  // the time on air
    saveConfig();
    return LORAWAN_ANSWER_OK;
  }
  uint8_t sendUnconfirmed(uint8_t p, uint8_t* d, uint16_t n) { return send(p, d, n); }
  uint8_t sendConfirmed(uint8_t p, uint8_t* d, uint16_t n) { return send(p, d, n); }
};
static WaspLoRaWAN LoRaWAN;

// the frame library's tiny frames: two of them per cycle
static struct
{
  uint8_t bufferTiny[64];
  uint8_t lengthTiny;
  int pending;
  void setTinyLength(uint8_t) {}
  uint8_t generateTinyFrame() { lengthTiny = 10; pending--; return pending > 0 ? pending : 0; }
} frame;
"""

MAIN = r"""
static void cycle()
{
  frame.pending = 2;
SEND
}

int main(int argc, char** argv)
{
  radio.abz = ABZ;
  for (int i = 1; i < argc; i++)
  {
    if (strcmp(argv[i], "boot") == 0)
    {
      LoRaWAN = WaspLoRaWAN();  // a reset: the library's RAM copy is gone, and the program's
RESET
      loraWANPrepare();
    }
    else if (strncmp(argv[i], "module:", 7) == 0)
    {
      // a module that an earlier program left with a session at this counter
      radio.savedUp = radio.up = (uint32_t)atol(argv[i] + 7);
      radio.savedKeys = radio.keys = true;
    }
    else
    {
      cycle();
    }
  }
  printf("writes %u\n", eepromWrites);
  for (int i = 0; i < radio.count; i++)
  {
    printf("%u %lu\n", (unsigned)radio.heard[i], heardAt[i]);
  }
  return 0;
}
"""

_SIGNATURE = re.compile(r"^((?:void|bool|uint8_t|uint32_t) \w+\([^)]*\))$", re.MULTILINE)
_VARIABLE = re.compile(r"^(?:bool|uint8_t|uint32_t|unsigned long) (\w+) = ([^;]+);$", re.MULTILINE)


def _chunk(sketch: str, start: str, end: str, *, last: bool = False) -> str:
    begin = sketch.rindex(start) if last else sketch.index(start)
    stop = sketch.find(end, begin + len(start))
    return sketch[begin : stop if stop >= 0 else len(sketch)]


@dataclass(frozen=True)
class HostRun:
    """What a run showed: the counter of each uplink heard, and the EEPROM cells written."""

    heard: list[int]
    eeprom_writes: int
    #: when each uplink went, in ms of the node's clock
    times: list[int]


def heard_counters(program: ProgramSource, steps: list[str], work: Path, *, abz: bool) -> HostRun:
    """The counters of the uplinks the network hears when the program's LoRaWAN code runs
    ``steps`` ("boot": a reset and setup(); "cycle": one cycle sending two tiny frames;
    "module:N": before the first boot, the module holds a session at counter N)."""
    sketch = program.files[program.sketch]
    globals_ = _chunk(sketch, "// [config: radio]\n// the user EEPROM", "\n\n")
    # setup() starts the same way; the send is the last chunk of measureAndSend()
    send = _chunk(sketch, "  // [config: radio]\n  loraWANPrepare();", "\n}\n", last=True)
    functions = _chunk(sketch, "// [config: radio]\n// Set the module up", "\n// [config: ")
    prototypes = "\n".join(f"{s};" for s in _SIGNATURE.findall(functions))
    # a reset sets the program's variables to their first values again
    reset = "\n".join(f"      {name} = {value};" for name, value in _VARIABLE.findall(globals_))
    source = "\n".join(
        [
            MODEL,
            '#include "node_values.h"',
            globals_,
            prototypes,
            functions,
            MAIN.replace("SEND", send)
            .replace("RESET", reset)
            .replace("ABZ", "true" if abz else "false"),
        ]
    )
    work.mkdir(parents=True, exist_ok=True)
    (work / "node_values.h").write_text(program.files["node_values.h"], encoding="utf-8")
    (work / "node_values.cpp").write_text(program.files["node_values.cpp"], encoding="utf-8")
    (work / "run.cpp").write_text(source, encoding="utf-8")
    binary = work / "run"
    subprocess.run(
        ["g++", "-std=c++11", "-w", "-o", str(binary), "run.cpp", "node_values.cpp"],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    result = subprocess.run(
        [str(binary), *steps], check=True, capture_output=True, text=True, timeout=30
    )
    lines = result.stdout.splitlines()
    writes = int(lines[0].split()[1])
    pairs = [line.split() for line in lines[1:]]
    return HostRun([int(c) for c, _ in pairs], writes, [int(t) for _, t in pairs])
