"""Frames over TCP: hex lines (the WiFi/4G TCP destination) or a binary stream.

A connection's first bytes decide: a frame delimiter ``<=>`` or any byte that is not text
starts a binary stream of Waspmote frames, read with resynchronisation (bytes between frames
are archived as errors); anything else is hex text, one frame per line (blank lines and ``#``
comments skipped). With acknowledgements on, every
frame gets one reply line once it is durable, in order::

    <id> <status>[ <reason>]       e.g. "812 ok", "813 error unknown sensor id 200 at byte 40"

or ``- unavailable <reason>`` when the store could not take it (send it again). A reply is
always exactly one line: reasons are cut to :data:`MAX_REASON` characters and anything that
could break a line (CR, LF, other control or separator characters) becomes a space; an
unavailable store is given a short fixed reason, never the database's message. Reading and
answering overlap: a client may keep sending while earlier frames are being stored, up to
:data:`MAX_UNANSWERED` frames; beyond that the gateway stops reading until the client reads
its replies. A client that reads no reply for ``idle_timeout_s`` is disconnected.

A connection may start with the line ``token <value>``, and must when a token is required
(``security.ingest_token_required``): a token with the ``ingest`` scope or a device's own
ingest token opens it, anything else gets ``- unauthorized <reason>`` and the connection is
closed. Frames of a device with its own ingest token are taken only on a connection opened
with that token, and such a token sends its device's frames only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Final

from openpcs.gateway.ingest.inputs import BinaryStream, arrival_from_hex, split_lines
from openpcs.gateway.pipeline import Overloaded, StoreUnavailable
from openpcs.gateway.records import Arrival, Receipt, utc_now

__all__ = ["MAX_REASON", "MAX_UNANSWERED", "TcpIngest", "receipt_line", "unavailable_line"]

_log = logging.getLogger(__name__)
_READ: Final = 256 * 1024
_IN_FLIGHT: Final = 8
#: Frames a connection may have waiting for their replies before reading pauses.
MAX_UNANSWERED: Final = 8192
_TOKEN_LINE: Final = 1024
_ADAPTER: Final = "tcp"
#: The longest reason a reply line carries, in characters.
MAX_REASON: Final = 400
_NOT_STORED: Final = "the frames were not stored; send them again"

_Answer = tuple["asyncio.Future[list[Receipt]]", int] | None


_TEXT: Final = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


def _binary(first_chunk: bytes) -> bool:
    """Whether a connection carries binary frames: a frame delimiter, or bytes text has not."""
    return b"<=>" in first_chunk or not set(first_chunk) <= _TEXT


def _one_line(text: str, limit: int = MAX_REASON) -> str:
    """``text`` without anything that could end or split a line, at most ``limit`` long."""
    flat = "".join(c if c.isprintable() else " " for c in text[: limit + 1])
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def receipt_line(receipt: Receipt) -> bytes:
    """One reply line for one frame: ``<id> <status>[ <reason>]`` and a line end."""
    text = f"{receipt.id} {_one_line(receipt.status, 32)}"
    if receipt.error:
        text += " " + _one_line(receipt.error)
    return text.encode("utf-8", errors="replace") + b"\n"


def unavailable_line(error: BaseException) -> bytes:
    """The reply line for a frame that was not stored: a fixed reason per cause."""
    if isinstance(error, Overloaded):
        reason = "too many frames are waiting; send them again"
    elif isinstance(error, StoreUnavailable):
        reason = "the store could not take the frames; send them again"
    else:
        reason = _NOT_STORED
    return f"- unavailable {reason}\n".encode()


def _reply_lines(outcome: list[Receipt] | BaseException, count: int) -> bytes:
    """Exactly ``count`` reply lines for a submission of ``count`` frames."""
    if isinstance(outcome, BaseException):
        return unavailable_line(outcome) * count
    if len(outcome) != count:  # a defect: still one line per frame, none mistaken for another
        _log.error("%d receipts for %d frames", len(outcome), count)
        return unavailable_line(RuntimeError()) * count
    return b"".join(receipt_line(r) for r in outcome)


class TcpIngest:
    """The TCP listener; ``submit`` stores arrivals and returns their receipts."""

    def __init__(
        self,
        submit: Callable[[Sequence[Arrival]], asyncio.Future[list[Receipt]]],
        *,
        max_frame: int,
        max_line: int,
        ack: bool = True,
        idle_timeout_s: float = 300.0,
        opens: Callable[[str], bool] | None = None,
        token_required: bool = False,
        check_senders: Callable[[list[Arrival], str | None], None] | None = None,
    ) -> None:
        """``opens`` says whether a token opens a connection (``None``: no token line is
        read); ``token_required`` makes the token line the connection's first;
        ``check_senders`` checks a connection's arrivals against per-device ingest tokens."""
        self._submit = submit
        self._opens = opens
        self.token_required = token_required
        self._check_senders = check_senders
        self.max_frame = max_frame
        self.max_line = max_line
        self.ack = ack
        self.idle_timeout_s = idle_timeout_s
        self.server: asyncio.Server | None = None
        self.connections = 0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def open_connections(self) -> int:
        """Connections open now."""
        return len(self._tasks)

    async def start(self, host: str, port: int) -> int:
        """Listen; return the port (useful when ``port`` is 0)."""
        self.server = await asyncio.start_server(self._serve, host, port, limit=_READ)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self.server is not None:
            self.server.close()
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()
            self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection, from its first line to its close. It ends quietly when the gateway
        stops (:meth:`stop` cancels it): a handler that ended cancelled would be logged as an
        error by asyncio's stream callback."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            await self._connection(reader, writer)
        except asyncio.CancelledError:
            _log.debug("a tcp connection was closed: the gateway is stopping")
        finally:
            self._tasks.discard(task)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        remote = str(peer[0]) if peer else None
        answers: asyncio.Queue[_Answer] = asyncio.Queue(_IN_FLIGHT)
        credit = _Credit(MAX_UNANSWERED)
        replier = asyncio.create_task(self._reply(answers, writer, credit))
        stopping = False
        try:
            token, first = await self._opening(reader, writer)
            await self._read(reader, remote, answers, credit, token=token, first=first)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError) as exc:
            _log.debug("tcp connection from %s ended: %s", remote, exc)
        except asyncio.CancelledError:
            stopping = True
            raise
        finally:
            try:
                if stopping:
                    replier.cancel()
                else:  # the replies of frames in flight are written before the close
                    await answers.put(None)
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await replier
            finally:
                writer.close()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await writer.wait_closed()

    async def _opening(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[str | None, bytes | None]:
        """The connection's token (from a first line ``token <value>``) and the bytes read
        after it (``None``: none yet).

        The line is required when ``token_required``, and optional otherwise (a line of hex
        never starts with ``token``); a token that opens nothing closes the connection.
        """
        if self._opens is None:
            return None, None
        first = await asyncio.wait_for(reader.read(_READ), self.idle_timeout_s)
        if not self.token_required and first[:6].lower() != b"token ":
            return None, first
        while b"\n" not in first and len(first) < _TOKEN_LINE:
            more = await asyncio.wait_for(reader.read(_READ), self.idle_timeout_s)
            if not more:
                break
            first += more
        line, _, rest = first.partition(b"\n")
        word, _, token = line[:_TOKEN_LINE].decode("utf-8", errors="replace").partition(" ")
        token = token.strip()
        if word.strip().lower() == "token" and token and self._opens(token):
            return token, rest or None
        writer.write(b"- unauthorized the first line must be 'token <an ingest token>'\n")
        with contextlib.suppress(ConnectionError):
            await asyncio.wait_for(writer.drain(), self.idle_timeout_s)
        raise ConnectionResetError("the connection presented no valid ingest token")

    async def _read(
        self,
        reader: asyncio.StreamReader,
        remote: str | None,
        answers: asyncio.Queue[_Answer],
        credit: _Credit,
        *,
        token: str | None,
        first: bytes | None,
    ) -> None:
        stream: BinaryStream | None = None
        buffer = bytearray()
        skipping = False
        decided = False
        while True:
            if first is not None:
                chunk, first = first, None
            else:
                chunk = await asyncio.wait_for(reader.read(_READ), self.idle_timeout_s)
            if not decided and chunk:
                decided = True  # the connection's first bytes decide, once
                if _binary(chunk):
                    stream = BinaryStream(_ADAPTER, limit=self.max_frame, remote=remote)
            if stream is not None:
                arrivals = stream.feed(chunk) if chunk else stream.close()
            else:
                buffer += chunk
                if not chunk and buffer:
                    buffer += b"\n"  # the last line needs no line end
                arrivals, skipping = self._lines(buffer, remote, skipping)
            if arrivals:
                if self._check_senders is not None:
                    self._check_senders(arrivals, token)
                await credit.take(len(arrivals))
                await answers.put((self._store(arrivals), len(arrivals)))
            if not chunk:
                return

    def _lines(
        self, buffer: bytearray, remote: str | None, skipping: bool
    ) -> tuple[list[Arrival], bool]:
        """Arrivals for the complete lines; whether the rest of an over-long line is skipped."""
        if skipping:  # the rest of an over-long line, already reported
            end = buffer.find(b"\n")
            if end < 0:
                buffer.clear()
                return [], True
            del buffer[: end + 1]
        lines, cut = split_lines(buffer, self.max_line)
        now = utc_now()
        arrivals = []
        for line, too_long in lines:
            if line.startswith(b"#"):
                continue
            text = line.decode("utf-8", errors="replace")
            arrival = arrival_from_hex(
                text, _ADAPTER, limit=self.max_frame, received_at=now, remote=remote, raw=line
            )
            if too_long:
                arrival.problem = f"a line longer than {self.max_line} bytes; its start is kept"
            arrivals.append(arrival)
        return arrivals, cut

    def _store(self, arrivals: list[Arrival]) -> asyncio.Future[list[Receipt]]:
        try:
            return self._submit(arrivals)
        except (Overloaded, StoreUnavailable) as exc:
            failed: asyncio.Future[list[Receipt]] = asyncio.get_running_loop().create_future()
            failed.set_exception(exc)
            return failed

    async def _reply(
        self,
        answers: asyncio.Queue[_Answer],
        writer: asyncio.StreamWriter,
        credit: _Credit,
    ) -> None:
        writing = self.ack
        while True:
            answer = await answers.get()
            if answer is None:
                return
            pending, count = answer
            outcome: list[Receipt] | BaseException
            try:
                outcome = await pending
            except (Overloaded, StoreUnavailable) as exc:
                outcome = exc
            except Exception as exc:  # a defect must not cost the later frames their replies
                _log.exception("storing %d frames from a TCP connection failed", count)
                outcome = exc
            lines = _reply_lines(outcome, count)
            # a failure's traceback holds this frame: let go of it and of the batch it failed
            del answer, pending, outcome
            if writing:
                writer.write(lines)
                try:
                    await asyncio.wait_for(writer.drain(), self.idle_timeout_s)
                except (ConnectionError, TimeoutError):
                    # the client reads no replies: drop it (its frames are stored all the same)
                    writing = False
                    writer.transport.abort()
            credit.give(count)


class _Credit:
    """How many more frames a connection may have waiting for their replies."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._freed = asyncio.Event()

    async def take(self, count: int) -> None:
        """Wait until ``count`` more fit (any count fits when nothing is waiting)."""
        while self.used and self.used + count > self.limit:
            self._freed.clear()
            await self._freed.wait()
        self.used += count

    def give(self, count: int) -> None:
        """``count`` frames were answered."""
        self.used -= count
        self._freed.set()
