"""Who may download firmware, and the record of every download.

Bundles and batch zips hold nodes' AES and link keys, so they go to admins and to the account
that made them only: never to a read token, never to another user. Every download is logged
(who, which file, which device or batch, when), never its content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Response

from openpcs.web.auth import Caller
from openpcs.web.errors import Forbidden

__all__ = ["Download", "may_download", "zip_download"]

_log = logging.getLogger("openpcs.web.downloads")


@dataclass(frozen=True, slots=True)
class Download:
    """A firmware file: its name, bytes, the account that made it, and what it is of."""

    name: str
    data: bytes
    made_by: str
    about: str


def may_download(caller: Caller, made_by: str) -> bool:
    """Whether ``caller`` may download a file ``made_by`` made: an admin, or its maker."""
    return caller.account.is_admin or (caller.writable and caller.name == made_by)


def zip_download(caller: Caller, download: Download) -> Response:
    """The zip as an attachment, logged; :class:`Forbidden` (403) for anyone else."""
    if not may_download(caller, download.made_by):
        _log.warning(
            "%s was refused %s (%s): it holds keys", caller.name, download.name, download.about
        )
        raise Forbidden(
            "firmware holds the node's keys: only an admin or the account that made it may "
            "download it"
        )
    _log.info("%s downloaded %s (%s)", caller.name, download.name, download.about)
    return Response(
        download.data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{download.name}"'},
    )
