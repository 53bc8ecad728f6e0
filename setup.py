"""The optional compiled part of openpcs; everything else is declared in pyproject.toml.

The plan reader (``openpcs.frames._plan_reader``) is built where a C compiler and the
Python headers are found and skipped, with a warning, where they are not: the pure-Python
reader is then used, and gives the same frames.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "openpcs.frames._plan_reader",
            sources=["src/openpcs/frames/_plan_reader.c"],
            optional=True,
        )
    ]
)
