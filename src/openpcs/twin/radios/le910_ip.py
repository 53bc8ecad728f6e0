"""The 4G module's data services, as the Waspmote API drives them: the data context, the
HTTP client, a TCP socket and a TLS socket, each reaching the twin's
:class:`~openpcs.twin.internet.Internet` while the node runs.

Facts from the API's sources (Wasp4G.cpp, Wasp4G_constants.h):

- ``checkDataConnection()`` asks ``AT#GPRS?`` (``#GPRS: 1`` skips the rest), sets the APN
  (``AT+CGDCONT=1,"IP","<apn>"``), ``AT#USERID``/``AT#PASSW``, waits for registration and
  activates the context with ``AT#GPRS=1``, whose ``+IP: <address>`` must come before the OK.
- ``http()``: ``AT#HTTPCFG=0,"<host>",<port>``, ``AT#HTTPQRY=0,<method>,"<resource>"`` (OK),
  then the URC ``#HTTPRING: 0,<status>,"<type>",<length>``; the API reads the status where it
  means the length too, so ``AT#HTTPRCV=0,0`` follows any status but 0, and the body after
  ``<<<`` is read up to its first CR.
- A TCP socket: ``AT#SS=1`` (``#SS: 1,<state>,…``; 0 closed, 2 connected), ``AT#SCFGEXT``,
  ``AT#SCFGEXT3``, ``AT#SD=1,0,<port>,"<host>",0,<port>,1``, ``AT#SSENDEXT=1,<n>`` (a ``>``
  prompt, then exactly n bytes, then OK), ``AT#SH=1``.
- A TLS socket: ``AT#SSLEN=1,1``, ``AT#SSLSECCFG=1,<cipher>,<auth>`` (1: the server is checked
  against the stored CA), ``AT#SSLSECDATA=1,1,1,<n>`` (a ``>`` prompt, then the CA
  certificate), ``AT#SSLS=1`` (``#SSLS: 1,<state>``; 1 enabled, 2 connected), ``AT#SSLD=1,
  <port>,"<host>",0,1``, ``AT#SSLSEND=1`` (a ``>`` prompt, data up to Ctrl-Z, OK),
  ``AT#SSLRECV=1,<n>`` (``#SSLRECV: <k>`` and k bytes; 0 and ``DISCONNECTED`` once the server
  closed), ``AT#SSLH=1``. The CA certificate stays in the module's memory without power.

The module checks the server the way a TLS stack with server authentication does: with no CA
stored, or another one than the destination's certificate, the handshake fails (and the
report says which).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from openpcs.twin.internet import (
    HttpRequest,
    Internet,
    TcpLink,
    parse_http_request,
    pem_body,
    tls_refusal,
)
from openpcs.twin.radios.module import Delivery, Reply, cycles_after, number

__all__ = ["Collect", "IpServices", "Outcome", "Voice", "arguments", "takes"]

_HTTP_METHODS: Final = {"0": "GET", "1": "HEAD", "2": "DELETE"}
_CONNECTION: Final = "1"
_SOCKET_CONNECTED: Final = 2
#: AT#SSLSECCFG's authentication mode from which the server is checked against the stored CA
_SERVER_AUTHENTICATION: Final = 1
_CTRL_Z: Final = 0x1A
_ESCAPE: Final = 0x1B


def arguments(text: str) -> list[str]:
    """A command's comma-separated arguments, quoted ones without their quotes;
    :class:`ValueError` for a line that cannot be split."""
    try:
        return [item.strip() for item in next(csv.reader([text]))] if text else []
    except csv.Error as exc:
        raise ValueError(f"unreadable arguments ({exc})") from None


class Voice:
    """How the module answers: Hayes lines (``\\r\\n<line>\\r\\n``) after its timings (ms)."""

    def __init__(self, timing_ms: Mapping[str, float]) -> None:
        self.timing_ms = dict(timing_ms)

    def at(self, cycle: int, after: str) -> int:
        """The MCU cycle the step ``after`` names ends, from ``cycle``."""
        return cycles_after(cycle, self.timing_ms[after])

    def say(self, cycle: int, *lines: str, after: str = "answer") -> Reply:
        """``lines``, each framed, once ``after`` has passed."""
        text = "".join(f"\r\n{line}\r\n" for line in lines)
        return Reply(self.at(cycle, after), text.encode("latin-1"))


@dataclass(frozen=True)
class Collect:
    """Bytes the module takes after its ``>`` prompt: exactly ``size``, or up to Ctrl-Z when
    ``size`` is ``None``; ``done`` gets them and the cycle of the last."""

    size: int | None
    done: Callable[[bytes, int], list[Reply]]


Outcome = list[Reply] | Collect


class IpServices:
    """The data context, HTTP client and sockets of one module on ``internet``.

    ``apn`` is the one the SIM's network serves; ``certificate`` the CA the destination's
    server is signed by (``None``: no TLS destination); ``on_network`` whether the module is
    registered. What the node sent is added to ``deliveries``, what the module refused to
    ``problems``."""

    def __init__(
        self,
        internet: Internet,
        facts: Mapping[str, Any],
        voice: Voice,
        *,
        apn: str,
        certificate: str | None,
        deliveries: list[Delivery],
        problems: list[str],
        radio: str,
        on_network: Callable[[], bool],
    ) -> None:
        self._internet = internet
        self._voice = voice
        self._address = str(facts["address"])
        self._largest = int(facts["largest_read"])
        self._network_apn = apn
        self._certificate = pem_body(certificate) if certificate else None
        self._deliveries = deliveries
        self._problems = problems
        self._radio = radio
        self._on_network = on_network
        #: the CA certificate the module holds (kept without power)
        self.stored_ca: str | None = None
        self.commands: dict[str, Callable[[list[str], int], Outcome]] = {
            "AT#GPRS?": self._context_state,
            "AT#GPRS": self._context,
            "AT+CGDCONT": self._set_apn,
            "AT#HTTPCFG": self._http_profile,
            "AT#HTTPQRY": self._http_query,
            "AT#HTTPRCV": self._http_read,
            "AT#SS": self._socket_state,
            "AT#SD": self._socket_dial,
            "AT#SSENDEXT": self._socket_send,
            "AT#SH": self._socket_close,
            "AT#SSLEN": self._tls_enable,
            "AT#SSLSECCFG": self._tls_security,
            "AT#SSLSECDATA": self._tls_data,
            "AT#SSLS": self._tls_state,
            "AT#SSLD": self._tls_dial,
            "AT#SSLSEND": self._tls_send,
            "AT#SSLRECV": self._tls_read,
            "AT#SSLH": self._tls_close,
        }
        self._link: TcpLink | None = None
        self._forget()

    def power_off(self, cycle: int) -> None:
        """Without power the context, the connections and the settings are gone."""
        if self._link is not None:
            self._deliveries.extend(self._link.close(cycle))
            self._link = None
        self._forget()

    def _forget(self) -> None:
        """The module as it starts: no context, no connection, no settings."""
        self._peer = ("", 0)
        self._apn: str | None = None
        self._active = False
        self._http_to = ("", 80)
        self._http_body = b""
        self._tls_enabled = False
        self._tls_authentication = 0
        self._tls_peer: tuple[str, int] | None = None
        self._request = bytearray()
        self._response = b""
        self._answered = False

    def _ok(self, cycle: int, after: str = "answer") -> list[Reply]:
        return [self._voice.say(cycle, "OK", after=after)]

    def _refuse(self, cycle: int, problem: str | None = None) -> list[Reply]:
        if problem is not None:
            self._problems.append(problem)
        return [self._voice.say(cycle, "ERROR")]

    # --- the data context ------------------------------------------------------------------

    def _context_state(self, args: list[str], cycle: int) -> Outcome:
        return [self._voice.say(cycle, f"#GPRS: {int(self._active)}", "OK")]

    def _set_apn(self, args: list[str], cycle: int) -> Outcome:
        if len(args) < 3 or args[0] != "1":
            return self._refuse(cycle, f"AT+CGDCONT with {args}: the API sets context 1")
        self._apn = args[2]
        return self._ok(cycle)

    def _context(self, args: list[str], cycle: int) -> Outcome:
        if args == ["0"]:
            self._active = False
            return self._ok(cycle)
        if args != ["1"]:
            return self._refuse(cycle)
        if not self._on_network():
            return self._refuse(cycle, "the data context was activated off the network")
        if self._apn != self._network_apn:
            return self._refuse(
                cycle,
                f"the data context was activated with the APN {self._apn!r}, and the "
                f"network serves {self._network_apn!r}",
            )
        self._active = True
        return [self._voice.say(cycle, f"+IP: {self._address}", "OK", after="attach")]

    # --- HTTP ----------------------------------------------------------------------------

    def _http_profile(self, args: list[str], cycle: int) -> Outcome:
        port = number(args[2]) if len(args) >= 3 else None
        if port is None:
            return self._refuse(cycle, "AT#HTTPCFG without a port")
        self._http_to = (args[1], port)
        return self._ok(cycle)

    def _http_query(self, args: list[str], cycle: int) -> Outcome:
        method = _HTTP_METHODS.get(args[1]) if len(args) == 3 else None
        if method is None or not self._active:
            return self._refuse(cycle, None if self._active else "HTTP before the data context")
        host, port = self._http_to
        request = HttpRequest(method, args[2], {"host": host})
        answer, sent = self._internet.http(
            request, host=host, port=port, tls=False, radio=self._radio, cycle=cycle
        )
        self._deliveries.extend(sent)
        self._http_body = answer.body
        ring = f'#HTTPRING: 0,{answer.status},"{answer.content_type}",{len(answer.body)}'
        return [*self._ok(cycle), self._voice.say(cycle, ring, after="http")]

    def _http_read(self, args: list[str], cycle: int) -> Outcome:
        body = self._http_body[: self._largest]
        return [Reply(self._voice.at(cycle, "answer"), b"\r\n<<<" + body + b"\r\nOK\r\n")]

    # --- a TCP socket --------------------------------------------------------------------

    def _socket_state(self, args: list[str], cycle: int) -> Outcome:
        if args == [_CONNECTION] and self._link is not None:
            host, port = self._peer
            state = f"#SS: 1,{_SOCKET_CONNECTED},{self._address},{port},{host},{port}"
        else:
            state = f"#SS: {args[0] if args else 1},0"
        return [self._voice.say(cycle, state, "OK")]

    def _socket_dial(self, args: list[str], cycle: int) -> Outcome:
        port = number(args[2]) if len(args) >= 4 else None
        if port is None or args[0] != _CONNECTION:
            return self._refuse(cycle, "AT#SD: the API dials connection 1 with a port")
        if args[1] != "0":
            return self._refuse(cycle, "a UDP socket: the twin's module connects TCP only")
        if not self._active or self._link is not None:
            return self._refuse(cycle)
        host = args[3]
        self._link = self._internet.connect(host, port, radio=self._radio)
        if self._link is None:
            return self._refuse(cycle, f"tcp://{host}:{port} refused the connection")
        self._peer = (host, port)
        return self._ok(cycle, after="connect")

    def _socket_send(self, args: list[str], cycle: int) -> Outcome:
        link = self._link
        size = number(args[1]) if len(args) == 2 else None
        if link is None or size is None:
            return self._refuse(cycle, "AT#SSENDEXT without a connection or a size")

        def send(data: bytes, end: int) -> list[Reply]:
            if not link.send(data, end):
                return self._refuse(end, "the gateway closed the TCP connection")
            return self._ok(end)

        return Collect(size, send)

    def _socket_close(self, args: list[str], cycle: int) -> Outcome:
        if self._link is not None:
            self._deliveries.extend(self._link.close(cycle))
            self._link = None
        return self._ok(cycle)

    # --- a TLS socket --------------------------------------------------------------------

    def _tls_enable(self, args: list[str], cycle: int) -> Outcome:
        self._tls_enabled = args[1:2] == ["1"]
        return self._ok(cycle)

    def _tls_security(self, args: list[str], cycle: int) -> Outcome:
        mode = number(args[2]) if len(args) == 3 else None
        if mode is None:
            return self._refuse(cycle, "AT#SSLSECCFG without an authentication mode")
        self._tls_authentication = mode
        return self._ok(cycle)

    def _tls_data(self, args: list[str], cycle: int) -> Outcome:
        if len(args) == 3 and args[1] == "0":
            self.stored_ca = None
            return self._ok(cycle)
        size = number(args[3]) if len(args) == 4 else None
        if size is None or args[1:3] != ["1", "1"]:
            return self._refuse(cycle, "AT#SSLSECDATA: the twin's module stores a CA only")

        def store(data: bytes, end: int) -> list[Reply]:
            if len(data) != size:
                return self._refuse(end, f"a CA certificate of {len(data)} bytes, {size} announced")
            self.stored_ca = data.decode("latin-1")
            return self._ok(end)

        # the data ends with Ctrl-Z (ESC cancels), and must be as long as announced
        return Collect(None, store)

    def _tls_state(self, args: list[str], cycle: int) -> Outcome:
        state = 0 if not self._tls_enabled else 2 if self._tls_peer else 1
        return [self._voice.say(cycle, f"#SSLS: 1,{state}", "OK")]

    def _tls_dial(self, args: list[str], cycle: int) -> Outcome:
        port = number(args[1]) if len(args) >= 3 else None
        if port is None or not self._tls_enabled:
            return self._refuse(cycle, f"AT#SSLD without a port or TLS enabled ({args[:2]})")
        if not self._active:
            return self._refuse(cycle)
        host = args[2]
        if self._tls_authentication >= _SERVER_AUTHENTICATION:
            refusal = tls_refusal(host, port, self.stored_ca, self._certificate)
            if refusal is not None:
                return self._refuse(cycle, refusal)
        else:
            self._problems.append(f"TLS to {host}:{port} without checking the server")
        self._tls_peer = (host, port)
        self._request.clear()
        self._response = b""
        self._answered = False
        return self._ok(cycle, after="handshake")

    def _tls_send(self, args: list[str], cycle: int) -> Outcome:
        if self._tls_peer is None:
            return self._refuse(cycle, "AT#SSLSEND without a TLS connection")
        host, port = self._tls_peer

        def send(data: bytes, end: int) -> list[Reply]:
            self._request += data
            try:
                request = parse_http_request(bytes(self._request))
            except ValueError as exc:
                self._problems.append(f"TLS to {host}:{port}: {exc}")
                self._request.clear()
                return self._ok(end)
            if request is not None:
                self._request.clear()
                answer, sent = self._internet.http(
                    request, host=host, port=port, tls=True, radio=self._radio, cycle=end
                )
                self._deliveries.extend(sent)
                self._response += answer.raw()
                self._answered = True
            return self._ok(end)

        return Collect(None, send)

    def _tls_read(self, args: list[str], cycle: int) -> Outcome:
        wanted = (number(args[1]) if len(args) == 2 else None) or self._largest
        if not self._response:
            # the server closes the connection once it has answered (Connection: close)
            closed = "DISCONNECTED" if self._tls_peer is None or self._answered else "TIMEOUT"
            return [self._voice.say(cycle, "#SSLRECV: 0", closed, "OK")]
        chunk = self._response[: min(wanted, self._largest)]
        self._response = self._response[len(chunk) :]
        head = f"\r\n#SSLRECV: {len(chunk)}\r\n".encode("ascii")
        return [Reply(self._voice.at(cycle, "answer"), head + chunk + b"\r\n\r\nOK\r\n")]

    def _tls_close(self, args: list[str], cycle: int) -> Outcome:
        self._tls_peer = None
        self._response = b""
        return self._ok(cycle)


def takes(collect: Collect, pending: bytearray) -> tuple[bytes, bool] | None:
    """What ``collect`` takes from the start of ``pending`` (removed), once it is whole, and
    whether it was cancelled (ESC, in a block that ends with Ctrl-Z); ``None`` before."""
    if collect.size is not None:
        if len(pending) < collect.size:
            return None
        data = bytes(pending[: collect.size])
        del pending[: collect.size]
        return data, False
    end = next((i for i, byte in enumerate(pending) if byte in (_CTRL_Z, _ESCAPE)), -1)
    if end < 0:
        return None
    data, cancelled = bytes(pending[:end]), pending[end] == _ESCAPE
    del pending[: end + 1]
    return data, cancelled
