"""AT command frames: 0x08, a local AT command, and 0x88, the module's answer.

- 0x08 AT command: frame id, two ASCII characters, optional parameter.
- 0x88 AT command response: frame id, command, status, data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

from openpcs.ncd.errors import ApiFrameError
from openpcs.ncd.frame_checks import check_byte, hex_upper, need

__all__ = ["AT_STATUS", "AtCommand", "AtCommandResponse"]


def _is_at_command(text: str) -> bool:
    """Two printable ASCII characters, no space: the one rule for building and parsing."""
    return len(text) == 2 and all(0x20 < ord(char) < 0x7F for char in text)


def _command(raw: bytes, offset: int) -> str:
    text = raw.decode("latin-1")
    if not _is_at_command(text):
        raise ApiFrameError("an AT command is two printable ASCII characters", offset)
    return text


def _check_command(command: str) -> None:
    if not _is_at_command(command):
        raise ValueError(f"an AT command is two printable ASCII characters, not {command!r}")


@dataclass(frozen=True, slots=True)
class AtCommand:
    """0x08: a local AT command; no parameter means a query."""

    frame_id: int
    command: str
    parameter: bytes = b""
    FRAME_TYPE: ClassVar[int] = 0x08

    def __post_init__(self) -> None:
        check_byte("frame_id", self.frame_id)
        _check_command(self.command)

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return (
            bytes((self.FRAME_TYPE, self.frame_id)) + self.command.encode("ascii") + self.parameter
        )

    @classmethod
    def from_data(cls, data: bytes) -> AtCommand:
        """Parse frame data of type 0x08."""
        need(data, 4, "0x08")
        return cls(frame_id=data[1], command=_command(data[2:4], 5), parameter=data[4:])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "type": "at_command",
            "frame_type": self.FRAME_TYPE,
            "frame_id": self.frame_id,
            "command": self.command,
            "parameter": hex_upper(self.parameter),
        }


AT_STATUS: Final = {
    0: "OK",
    1: "ERROR",
    2: "invalid command",
    3: "invalid parameter",
    4: "Tx failure",
}


@dataclass(frozen=True, slots=True)
class AtCommandResponse:
    """0x88: the answer to a local AT command."""

    frame_id: int
    command: str
    status: int = 0
    value: bytes = b""
    FRAME_TYPE: ClassVar[int] = 0x88

    def __post_init__(self) -> None:
        check_byte("frame_id", self.frame_id)
        check_byte("status", self.status)
        _check_command(self.command)

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return (
            bytes((self.FRAME_TYPE, self.frame_id))
            + self.command.encode("ascii")
            + bytes((self.status,))
            + self.value
        )

    @classmethod
    def from_data(cls, data: bytes) -> AtCommandResponse:
        """Parse frame data of type 0x88."""
        need(data, 5, "0x88")
        return cls(frame_id=data[1], command=_command(data[2:4], 5), status=data[4], value=data[5:])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "type": "at_command_response",
            "frame_type": self.FRAME_TYPE,
            "frame_id": self.frame_id,
            "command": self.command,
            "status": self.status,
            "status_text": AT_STATUS.get(self.status, "unknown"),
            "value": hex_upper(self.value),
        }
