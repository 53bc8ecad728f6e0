"""Program generation and the build: "Compile and Download Binary" and batch programming.

A checked configuration becomes the node's program (``generator.py``, ``components.py`` and
``render.py`` with the Jinja2 templates in ``templates/``), is built with the AVR toolchain
against the user's Waspmote API (``build.py``, ``build_tools.py``, ``toolchain.py``, the cache
in ``cache.py``, the stack checks in ``stack_*.py``), and is packed into a bundle with the
check's text view (``bundle.py``, ``check_view.py``; ``bundle_read.py`` reads one back);
``pipeline.py`` runs those steps for one node and ``batch.py`` for many.
"""
