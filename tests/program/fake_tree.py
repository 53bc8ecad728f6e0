"""A tiny stand-in for a Waspmote API tree, written into a temporary folder for the build tests.

A core with a ``main()`` that runs ``setup()`` and ``loop()``, and four libraries: Alpha
includes Beta by a relative path, Unused is never included (and does not compile), HeaderOnly
has no sources. It exercises the builder (library discovery, the cache, linking, sizes, error
mapping), not the Waspmote API, and is written out at test time so that no API-shaped tree sits
in the repository.
"""

from __future__ import annotations

from pathlib import Path

FILES: dict[str, str] = {
    "waspmote-api/Waspmote.h": """\
/* Core header of the test tree: what every sketch sees. */
#ifndef FAKE_WASPMOTE_H
#define FAKE_WASPMOTE_H
#include <stdint.h>
#include "WaspConstants.h"
#ifdef __cplusplus
extern "C" {
#endif
void setup(void);
void loop(void);
uint16_t fake_counter(void);
#ifdef __cplusplus
}
#endif
#endif
""",
    "waspmote-api/WaspConstants.h": """\
#ifndef FAKE_WASP_CONSTANTS_H
#define FAKE_WASP_CONSTANTS_H
#define WASPMOTE_API_VERSION 99
#endif
""",
    "waspmote-api/main.cpp": """\
#include "Waspmote.h"

int main(void)
{
  setup();
  for (;;)
  {
    loop();
  }
}
""",
    "waspmote-api/counter.c": """\
#include "Waspmote.h"

static volatile uint16_t counter;

uint16_t fake_counter(void)
{
  return ++counter;
}
""",
    "waspmote-api/extras/extra.cpp": """\
/* a core source in a subfolder */
int fake_extra(int value)
{
  return value * 2;
}
""",
    "libraries/Alpha/Alpha.h": """\
#ifndef ALPHA_H
#define ALPHA_H
#include <stdint.h>
#include "../Beta/Beta.h"
class Alpha
{
public:
  uint16_t twice(uint16_t value);
};
extern Alpha alpha;
#endif
""",
    "libraries/Alpha/Alpha.cpp": """\
#include "Alpha.h"

uint16_t Alpha::twice(uint16_t value)
{
  return beta_add(value, value);
}

Alpha alpha;
""",
    "libraries/Beta/Beta.h": """\
#ifndef BETA_H
#define BETA_H
#include <stdint.h>
uint16_t beta_add(uint16_t a, uint16_t b);
#endif
""",
    "libraries/Beta/Beta.cpp": """\
#include "Beta.h"

uint16_t beta_add(uint16_t a, uint16_t b)
{
  return a + b;
}
""",
    "libraries/Unused/Unused.h": """\
#ifndef UNUSED_H
#define UNUSED_H
int unused_function(void);
#endif
""",
    "libraries/Unused/Unused.cpp": """\
#include "Unused.h"
this does not compile: no program includes Unused.h, so the builder must never compile it
""",
    "libraries/HeaderOnly/HeaderOnly.h": """\
#ifndef HEADER_ONLY_H
#define HEADER_ONLY_H
static inline int header_only(int value)
{
  return value + 1;
}
#endif
""",
}


def write_fake_tree(root: Path) -> Path:
    """Write the test tree under ``root`` and return ``root``."""
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
