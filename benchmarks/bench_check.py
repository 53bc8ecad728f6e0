"""How fast "Check configuration" runs (load, rules, plan, estimates), per configuration.

Batch programming checks up to 100 nodes at once; run with ``make bench``.
"""

from __future__ import annotations

import time
from pathlib import Path

from openpcs.config.check import check_file, check_text

NODES = Path(__file__).resolve().parent.parent / "examples" / "nodes"


def main() -> None:
    """Check every example many times and print configurations per second."""
    examples = sorted(p for p in NODES.glob("*.yaml") if p.name != "secrets.yaml")
    texts = [(p, p.read_text()) for p in examples]
    for path in examples:  # warm the catalog caches
        check_file(path)
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for path, text in texts:
            check_text(text, source=path.name, base_dir=NODES)
    elapsed = time.perf_counter() - start
    count = rounds * len(texts)
    print(
        f"check_text over {len(texts)} examples: {count / elapsed:,.0f} configs/s, "
        f"{elapsed / count * 1000:.2f} ms each"
    )


if __name__ == "__main__":
    main()
