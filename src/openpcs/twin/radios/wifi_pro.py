"""The WiFi PRO module (an iChip) in socket 0, as the Waspmote API drives it
(``twin/data/wifi_pro.yaml``): ``AT+i`` commands ending in CR, each echoed, answered
``I/OK`` or ``I/ERROR``; its requests reach the twin's Internet
(:class:`~openpcs.twin.internet.Internet`) while the node runs.

Facts from the API's sources (WaspWIFI_PRO.cpp, WaspUART.cpp): the settings (``AT+iWLSI``
ESSID, ``AT+iWST0`` security, ``AT+iWKY0`` WEP key or ``AT+iWPP0`` WPA pass phrase,
``AT+iDIP``/``IPG``/``SNET``/``DNS1``) stay in the module without power; ``AT+iFD`` forgets
them; ``AT+iDOWN`` answers ``I/OK`` then ``I/ONLINE``. ``isConnected()`` reads ``AT+iRP10``
(echo, then ``I/(4,…)`` once joined) and ``AT+iIPA?`` (echo, the address, ``I/OK``).
``getURL()`` and ``sendFrameToMeshlium()`` send ``AT+iRLNK="<scheme>://<host>:<port>/<path>"``:
``I/OK``, a line ``I/<n>``, the body, ``I/ONLINE``. A TCP socket: ``AT+iSTCP:<host>,<port>`` →
``I/000`` (handle 0), ``AT+iSSND%:<handle>,<n>:`` and n raw bytes → ``I/OK``, ``AT+iSSL=<handle>``
(a TLS handshake on it) → ``I/OK``, ``AT+iSCLS:<handle>`` → ``I/OK``. The CA certificate comes as
``AT+iCA=`` and the PEM (CR line ends), not echoed, answered ``I/OK`` at its end. Lines that are
not commands (the USB console's, which reach the module while the API prints) are ignored.

The module joins the access point the configuration names (its ESSID, security and key); a TLS
link or handshake needs the stored CA to be the destination's.
"""

from __future__ import annotations

import re
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
from openpcs.twin.waspmote import twin_data

__all__ = ["WifiProModule"]

_SEND: Final = re.compile(rb"AT\+iSSND%:(\d{1,3}),(\d{1,4}):")
_CA_START: Final = b"AT+iCA="
_CA_END: Final = b"-----END CERTIFICATE-----"
_SETTINGS: Final = ("AT+iWLSI=", "AT+iWST0=", "AT+iWPP0=", "AT+iWKY0=", "AT+iDIP=", "AT+iIPG=")
_MORE_SETTINGS: Final = ("AT+iSNET=", "AT+iDNS1=")
_HANDLE: Final = "000"


class WifiProModule:
    """A WiFi PRO near an access point named ``essid`` with ``security`` (the
    configuration's: open, wep64, wep128, wpa, wpa2) and ``password``; a TLS server it
    reaches is signed by ``certificate``."""

    def __init__(
        self,
        internet: Internet,
        *,
        essid: str,
        security: str,
        password: str | None,
        certificate: str | None,
    ) -> None:
        facts: dict[str, Any] = twin_data("wifi_pro.yaml")
        self.name = "WiFi PRO"
        self.socket = 0
        self.aliases: list[str] = []
        self.deliveries: list[Delivery] = []
        self.problems: list[str] = []
        self._facts = facts
        self._timing: dict[str, float] = facts["timing_ms"]
        self._internet = internet
        codes = facts["security"]
        self._access_point = (essid, str(int(codes[security])), password or "")
        self._wep = {str(int(codes[name])) for name in ("wep64", "wep128")}
        self._certificate = pem_body(certificate) if certificate else None
        #: what the module keeps without power: its settings and the CA certificate
        self.settings: dict[str, str] = {}
        self.stored_ca: str | None = None
        self._powered = False
        self._ready_at = 0
        self._pending = bytearray()
        self._collecting: str | None = None  # "ca", or a socket send
        self._send_size = 0
        self._link: TcpLink | None = None
        self._open_socket = False
        self._peer = ("", 0)
        self._tls = False
        self._request = bytearray()

    # --- power and framing ---------------------------------------------------------------

    def power(self, on: bool, cycle: int) -> None:
        """On: the module answers once started. Off: its links are gone, its settings kept."""
        if on == self._powered:
            return
        self._powered = on
        self._pending.clear()
        self._collecting = None
        self._close(cycle)
        if on:
            self._ready_at = cycles_after(cycle, self._timing["boot"])

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Commands, a CA certificate and socket data, each answered in order; what arrives
        while the module is off or starting is lost."""
        if not self._powered or cycle < self._ready_at:
            return []
        self._pending += data
        replies: list[Reply] = []
        while True:
            step = self._step(cycle)
            if step is None:
                return replies
            replies += step

    def _step(self, cycle: int) -> list[Reply] | None:
        pending = self._pending
        if self._collecting == "ca":
            end = pending.find(_CA_END)
            if end < 0:
                return None
            text = bytes(pending[: end + len(_CA_END)]).decode("latin-1")
            del pending[: end + len(_CA_END)]
            self._collecting = None
            self.stored_ca = text
            return [self._say(cycle, "I/OK")]
        if self._collecting == "send":
            if len(pending) < self._send_size:
                return None
            data = bytes(pending[: self._send_size])
            del pending[: self._send_size]
            self._collecting = None
            return self._socket_data(data, cycle)
        while pending and pending[0] in b"\r\n":
            del pending[0]
        if pending.startswith(_CA_START):
            del pending[: len(_CA_START)]
            self._collecting = "ca"
            return []
        header = _SEND.match(bytes(pending[:24]))
        if header is not None:
            handle, size = int(header.group(1)), int(header.group(2))
            del pending[: header.end()]
            if handle != int(_HANDLE) or not self._open_socket:
                self.problems.append("AT+iSSND% on a socket that is not open")
            self._send_size = size
            self._collecting = "send"
            return []
        end = pending.find(b"\r")
        if end < 0:
            return None
        line = bytes(pending[:end]).decode("latin-1").strip("\n")
        del pending[: end + 1]
        if not line.upper().startswith("AT"):
            return []  # the USB console's text, not a command
        return [Reply(cycle, line.encode("latin-1") + b"\r\n"), *self._command(line, cycle)]

    def _say(self, cycle: int, *lines: str, after: str = "answer") -> Reply:
        text = "".join(f"{line}\r\n" for line in lines)
        return Reply(cycles_after(cycle, self._timing[after]), text.encode("latin-1"))

    def _refuse(self, cycle: int, problem: str | None = None) -> list[Reply]:
        if problem is not None:
            self.problems.append(problem)
        return [self._say(cycle, "I/ERROR (001)")]

    # --- commands ------------------------------------------------------------------------

    def _command(self, line: str, cycle: int) -> list[Reply]:
        if line in ("AT+i", "AT+iBDRA"):
            return [self._say(cycle, "I/OK")]
        if line == "AT+iFD":
            self.settings.clear()
            return [self._say(cycle, "I/OK")]
        if line.startswith(_SETTINGS + _MORE_SETTINGS):
            name, _, value = line.partition("=")
            self.settings[name] = value
            return [self._say(cycle, "I/OK")]
        if line == "AT+iDOWN":
            self._close(cycle)
            return [self._say(cycle, "I/OK"), self._say(cycle, "I/ONLINE", after="online")]
        if line == "AT+iRP10":
            status = self._facts["status"]["joined" if self._joined() else "alone"]
            return [self._say(cycle, "I/({},{},{},{})".format(*status))]
        if line == "AT+iIPA?":
            address = self._facts["address"] if self._joined() else "0.0.0.0"
            return [self._say(cycle, address, "I/OK")]
        if line.startswith('AT+iRLNK="') and line.endswith('"'):
            return self._link_to(line[len('AT+iRLNK="') : -1], cycle)
        if line.startswith("AT+iSTCP:"):
            return self._open(line[len("AT+iSTCP:") :], cycle)
        if line == f"AT+iSSL={int(_HANDLE)}" and self._open_socket:
            problem = self._unverified(*self._peer)
            if problem is not None:
                return self._refuse(cycle, problem)
            self._tls = True
            return [self._say(cycle, "I/OK", after="link")]
        if line.startswith("AT+iSCLS:"):
            self._close(cycle)
            return [self._say(cycle, "I/OK")]
        # the command's name only: what follows may be a password
        name = line.partition("=")[0].partition(":")[0][:24]
        self.problems.append(f"the {self.name} has no command {name!r}")
        return self._refuse(cycle)

    def _joined(self) -> bool:
        essid, security, password = self._access_point
        given = self.settings
        if given.get("AT+iWLSI") != essid or given.get("AT+iWST0") != security:
            return False
        if security == "0":
            return True
        # WEP keys go in AT+iWKY0, WPA and WPA2 pass phrases in AT+iWPP0
        key = "AT+iWKY0" if security in self._wep else "AT+iWPP0"
        return given.get(key) == password

    def _unverified(self, host: str, port: int) -> str | None:
        """Why a TLS link to ``host:port`` fails its handshake (``None``: it does not)."""
        return tls_refusal(host, port, self.stored_ca, self._certificate)

    def _link_to(self, url: str, cycle: int) -> list[Reply]:
        """``AT+iRLNK``: a GET of ``url`` as the API writes it, ``<scheme>://<host>:<port>/…``
        (the host may be an IPv6 address without brackets: the port follows its last colon)."""
        if not self._joined():
            return self._refuse(cycle, "a link before joining")
        scheme, _, rest = url.partition("://")
        where, slash, target = rest.partition("/")
        host, _, port_text = where.rpartition(":")
        port = number(port_text)
        if scheme not in ("http", "https") or not host or port is None or not 0 < port < 65536:
            return self._refuse(cycle, "a link to a URL the module cannot read")
        tls = scheme == "https"
        if tls and (problem := self._unverified(host, port)) is not None:
            return self._refuse(cycle, problem)
        request = HttpRequest("GET", slash + target, {"host": host})
        answer, sent = self._internet.http(
            request, host=host, port=port, tls=tls, radio=self.name, cycle=cycle
        )
        self.deliveries.extend(sent)
        if answer.status == 0:
            return self._refuse(cycle, f"{scheme}://{host}:{port}: no answer")
        body = answer.body
        if len(body) > int(self._facts["largest_body"]):
            # the module hands it all over; the API's buffer cannot hold it and I/ONLINE
            self.problems.append(f"a body of {len(body)} bytes: the API reads at most 503")
        done = Reply(
            cycles_after(cycle, self._timing["link"]),
            b"".join((f"I/{len(body)}\r\n".encode("ascii"), body, b"I/ONLINE\r\n")),
        )
        return [self._say(cycle, "I/OK"), done]

    def _open(self, where: str, cycle: int) -> list[Reply]:
        """``AT+iSTCP:<host>,<port>``: the socket (handle 0) to ``host:port``; its TCP
        connection to the gateway's ingest is made when it first carries plain data (a TLS
        socket's request goes as HTTP)."""
        host, _, port_text = where.rpartition(",")
        port = number(port_text)
        if not self._joined():
            return self._refuse(cycle, "a socket before joining")
        if not host or port is None or not 0 < port < 65536:
            return self._refuse(cycle, "a socket to an address the module cannot read")
        self._close(cycle)
        self._peer = (host, port)
        self._open_socket = True
        return [self._say(cycle, f"I/{_HANDLE}", after="link")]

    def _socket_data(self, data: bytes, cycle: int) -> list[Reply]:
        """Bytes ``AT+iSSND%`` carried: on a plain socket to the gateway's TCP ingest, on a
        TLS one into the HTTP request the program writes."""
        if not self._open_socket:
            return self._refuse(cycle)
        if not self._tls:
            if self._link is None:
                host, port = self._peer
                self._link = self._internet.connect(host, port, radio=self.name)
            if self._link is None:
                return self._refuse(cycle, f"tcp://{self._peer[0]} refused the connection")
            went = self._link.send(data, cycle)
            return [self._say(cycle, "I/OK")] if went else self._refuse(cycle)
        # on a TLS link the program writes an HTTP request, piece by piece
        self._request += data
        try:
            request = parse_http_request(bytes(self._request))
        except ValueError as exc:
            self._request.clear()
            return self._refuse(cycle, f"TLS to {self._peer[0]}: {exc}")
        if request is not None:
            self._request.clear()
            host, port = self._peer
            _, sent = self._internet.http(
                request, host=host, port=port, tls=True, radio=self.name, cycle=cycle
            )
            self.deliveries.extend(sent)
        return [self._say(cycle, "I/OK")]

    def _close(self, cycle: int) -> None:
        """The socket closes: what went over its connection is delivered."""
        self._open_socket = False
        if self._link is not None:
            self.deliveries.extend(self._link.close(cycle))
        self._link = None
        self._tls = False
        self._request.clear()
