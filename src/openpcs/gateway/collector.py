"""The cyclic garbage collector, set for a long-running gateway process.

A gateway process holds a large heap for its whole life (the applications, their routes and
models, settings, the devices' keys) and, under load, makes and drops many small objects per
frame. With CPython's defaults a young collection runs every 700 objects that outlive their
statement, and each older collection walks everything that survived start-up again: under
the Meshlium GET load this was 9 % of the front's main thread (``gc_collect_main`` in a
``py-spy --native`` profile).

:func:`settle_collector` is called once the store is open and the applications are built
(``server.serve``), and once the processing process has its store and settings: it collects,
moves every object then alive to the permanent generation (``gc.freeze``: never walked again;
they live as long as the process anyway) and raises the young threshold, so that collections
are rarer and walk only what was made since. Reference counting still frees at once
everything that is not in a cycle, which is all a request makes on the paths taken under
load; what is in a cycle waits for the next collection longer, so the paths that keep an
exception must not keep it in a cycle with a request's body (see ``ingest/node_paths.py``).
"""

from __future__ import annotations

import gc
from typing import Final

__all__ = ["THRESHOLDS", "settle_collector"]

#: Young-generation allocations before a collection, then how many collections of each
#: generation before the next older one is collected too.
THRESHOLDS: Final = (10_000, 20, 100)


def settle_collector() -> None:
    """Collect, freeze what survives start-up, and set :data:`THRESHOLDS`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
