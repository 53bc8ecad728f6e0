"""What openpcs knows of a node's bootloader and USB port (``upload/data/waspmote_upload.yaml``),
checked on load."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["UploadFacts", "upload_facts"]


class UploadFacts(BaseModel):
    """How avrdude writes a program to the node, and how the node is found and asked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    part: str = Field(pattern=r"^[a-z0-9]+$")
    programmer: str = Field(pattern=r"^[a-z0-9_]+$")
    baud: int = Field(gt=0)
    options: tuple[str, ...]
    attempts: int = Field(ge=1, le=10)
    application_limit: int = Field(gt=0, le=0x20000)
    usb_serial: tuple[tuple[int, int], ...]
    console_baud: int = Field(gt=0)
    listen_s: float = Field(gt=0, le=30)


@cache
def upload_facts() -> UploadFacts:
    """The facts, read once."""
    text = resources.files("openpcs.upload").joinpath("data/waspmote_upload.yaml").read_text()
    return UploadFacts.model_validate(yaml.safe_load(text))
