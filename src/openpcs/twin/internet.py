"""The Internet as the twin's 4G and WiFi modules reach it: every host a node names is an
openpcs gateway.

An HTTP request the node makes goes to the gateway's HTTP address with the node's own path,
query and body (no credentials of the twin's: the gateway sees what the node sent); a TCP
connection goes to the gateway's TCP ingest; an SMS to its SMS webhook. What the gateway
answers goes back to the node, so the program sees the status it would get. A frame carried
this way (``frame=<hex>`` in a query or a form body, a hex line on TCP, an SMS text) becomes a
:class:`~openpcs.twin.radios.module.Delivery` with the gateway's receipt; the rest is only
recorded.

The twin's gateway speaks plain HTTP; a request the node made over TLS reaches it in plain
HTTP, and the report says so.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, urlsplit

import httpx

from openpcs.twin.radios.module import Delivery, Stored, first_receipt

__all__ = [
    "HttpAnswer",
    "Internet",
    "TcpLink",
    "parse_http_request",
    "pem_body",
    "tls_refusal",
]

_TIMEOUT_S: Final = 30.0
#: how long a TCP connection waits for the gateway's reply lines once the node closes it
_TCP_DRAIN_S: Final = 5.0
_CRLF: Final = b"\r\n"


@dataclass(frozen=True)
class HttpAnswer:
    """What a server answered a request."""

    status: int
    content_type: str
    body: bytes

    def raw(self) -> bytes:
        """The answer as an HTTP/1.1 response on the wire (the connection then closes)."""
        head = (
            f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Status')}\r\n"
            f"Content-Type: {self.content_type}\r\nContent-Length: {len(self.body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        return head.encode("ascii") + self.body


_REASONS: Final = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


@dataclass(frozen=True)
class HttpRequest:
    """A request as a node writes it."""

    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def parse_http_request(raw: bytes) -> HttpRequest | None:
    """The request ``raw`` holds once its head is whole (``None`` before): request line,
    headers, and the body its ``Content-Length`` announces."""
    end = raw.find(_CRLF + _CRLF)
    if end < 0:
        return None
    lines = raw[:end].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(f"not an HTTP request line: {lines[0][:60]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = raw[end + 4 : end + 4 + length]
    if len(body) < length:
        return None
    return HttpRequest(parts[0], parts[1], headers, body)


def pem_body(text: str) -> str:
    """A certificate's first PEM block without its line ends or spaces, for comparison."""
    end_marker = "-----END CERTIFICATE-----"
    first = text[: text.find(end_marker) + len(end_marker)] if end_marker in text else text
    return "".join(first.split())


def tls_refusal(host: str, port: int, stored: str | None, expected: str | None) -> str | None:
    """Why a module's TLS handshake with ``host:port`` fails (``None``: it does not): the
    twin's gateway has no certificate, so the module's check stands for it, the CA it stored
    (``stored``) against the one the destination's server is signed by (``expected``, a
    :func:`pem_body`; ``None``: any)."""
    if stored is None:
        return f"TLS to {host}:{port}: no CA certificate stored"
    if expected and pem_body(stored) != expected:
        return f"TLS to {host}:{port}: the stored CA certificate is not the destination's"
    return None


def _frames_in(request: HttpRequest) -> list[bytes]:
    """The frames a request carries as ``frame=<hex>`` (query or form body)."""
    fields = parse_qsl(urlsplit(request.target).query)
    if request.body and "json" not in request.headers.get("content-type", ""):
        fields += parse_qsl(request.body.decode("latin-1"))
    return [_hex(value) for name, value in fields if name == "frame"]


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        return text.encode("latin-1")


def _receipt_of_text(text: str) -> Stored | None:
    """The Meshlium path's answer (``<status> <id>[: <error>]``) as a receipt."""
    head, _, error = text.strip().partition(": ")
    words = head.split()
    if len(words) != 2 or not words[1].isdigit():
        return None
    return Stored(int(words[1]), words[0], None, error or None)


def _receipt_of_line(line: str) -> Stored | None:
    """A TCP ingest reply line (``<id> <status>[ <reason>]``) as a receipt."""
    words = line.strip().split(" ", 2)
    if len(words) < 2:
        return None
    frame_id = int(words[0]) if words[0].isdigit() else None
    return Stored(frame_id, words[1], None, words[2] if len(words) > 2 else None)


class TcpLink:
    """A node's TCP connection, open on the gateway's TCP ingest."""

    def __init__(self, connection: socket.socket, radio: str, to: str) -> None:
        self._connection = connection
        self._radio = radio
        self._to = to
        self._sent = bytearray()
        #: where each line sent begins in ``_sent``, and the MCU cycle it was sent at
        self._starts: list[tuple[int, int]] = []

    def send(self, data: bytes, cycle: int) -> bool:
        """Put ``data`` (sent by the node at ``cycle``) on the connection; ``False`` when the
        gateway's side is gone."""
        if not self._starts or self._sent.endswith(b"\n"):
            self._starts.append((len(self._sent), cycle))
        try:
            self._connection.sendall(data)
        except OSError:
            return False
        self._sent += data
        return True

    def close(self, cycle: int) -> list[Delivery]:
        """Close the node's side, collect the gateway's reply lines, and give each hex line
        sent as a delivery with its receipt."""
        replies = bytearray()
        try:
            self._connection.shutdown(socket.SHUT_WR)
            self._connection.settimeout(_TCP_DRAIN_S)
            while chunk := self._connection.recv(4096):
                replies += chunk
        except OSError:
            pass
        finally:
            self._connection.close()
        answers = replies.decode("latin-1").splitlines()
        deliveries: list[Delivery] = []
        for line, sent_at in self._lines():
            index = len(deliveries)
            receipt = _receipt_of_line(answers[index]) if index < len(answers) else None
            if receipt is None:
                receipt = Stored(None, "no reply", None, "the gateway's TCP ingest said nothing")
            deliveries.append(
                Delivery(self._radio, self._to, _hex(line), sent_at, via="internet", stored=receipt)
            )
        return deliveries

    def _lines(self) -> list[tuple[str, int]]:
        """The lines sent (blank ones skipped), each with the cycle its first byte was sent."""
        found = []
        text = self._sent.decode("latin-1")
        position = 0
        for line in text.splitlines(keepends=True):
            sent_at = max((c for start, c in self._starts if start <= position), default=0)
            position += len(line)
            if line.strip():
                found.append((line.strip(), sent_at))
        return found


class Internet:
    """Every host is the gateway at ``url`` (its HTTP address); TCP goes to ``tcp_address``
    (the gateway's TCP ingest; ``None``: no TCP listener, a connection is refused). The node's
    own requests carry no credentials of the twin's, and go to the gateway's address with the
    node's path (a target that is not a path is refused); an SMS reaches the gateway's webhook
    as an SMS provider posts it, with ``carrier_token`` (the twin's admin token, on a client
    of its own)."""

    def __init__(
        self,
        url: str,
        tcp_address: tuple[str, int] | None,
        *,
        carrier_token: str | None = None,
        https: tuple[str, Path | None] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.tcp_address = tcp_address
        self._client = httpx.Client(timeout=_TIMEOUT_S)
        #: the gateway's HTTPS address and a client that checks it with the gateway's CA
        self._https: tuple[str, httpx.Client] | None = None
        if https is not None:
            address, ca = https
            verify = ssl.create_default_context(cafile=str(ca)) if ca is not None else True
            self._https = (address.rstrip("/"), httpx.Client(timeout=_TIMEOUT_S, verify=verify))
        carrier = {"Authorization": f"Bearer {carrier_token}"} if carrier_token else {}
        self._carrier = httpx.Client(base_url=self.url, headers=carrier, timeout=_TIMEOUT_S)
        #: what the node reached, in order ("GET http://host:port/path → 200"), for the report
        self.log: list[str] = []

    def close(self) -> None:
        """Let the connections go."""
        self._client.close()
        self._carrier.close()
        if self._https is not None:
            self._https[1].close()

    def http(
        self, request: HttpRequest, *, host: str, port: int, tls: bool, radio: str, cycle: int
    ) -> tuple[HttpAnswer, list[Delivery]]:
        """Make the node's request to ``host:port`` at the gateway; its answer and the frames
        it carried, as deliveries with the gateway's receipt."""
        scheme = "https" if tls else "http"
        to = f"{scheme}://{host}:{port}{request.target}"
        if not request.target.startswith("/"):
            # an absolute URL would leave the gateway: the twin's Internet has no other host
            self.log.append(f"{request.method} {request.target[:120]!r} → refused (not a path)")
            return HttpAnswer(400, "text/plain", b"a request target must be a path"), []
        # the node's credentials (a Cloud Bridge API key) stay in the twin: a remote gateway
        # may be reached in plain HTTP, and the twin's gateway takes frames without them
        kept_back = {"host", "connection", "authorization", "cookie"}
        headers = {k: v for k, v in request.headers.items() if k not in kept_back}
        base, client = (self.url, self._client)
        if tls and self._https is not None:
            base, client = self._https
        try:
            response = client.request(
                request.method,
                httpx.URL(base + request.target),
                headers=headers,
                content=request.body or None,
            )
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError, ValueError) as exc:
            self.log.append(f"{request.method} {to[:120]} → no answer ({exc})")
            return HttpAnswer(0, "text/plain", b""), []
        answer = HttpAnswer(
            response.status_code,
            response.headers.get("content-type", "text/plain"),
            response.content,
        )
        how = ""
        if tls:
            how = (
                " (over the gateway's HTTPS, checked with its CA)"
                if self._https is not None
                else " (in plain HTTP: the twin does not know this gateway's HTTPS)"
            )
        self.log.append(f"{request.method} {to[:120]} → {answer.status}{how}")
        receipt = _receipt_of_text(response.text) if response.is_success else None
        if receipt is None:
            said = response.text.strip()[:200] or "no receipt in the answer"
            receipt = Stored(None, f"http {answer.status}", None, said)
        deliveries = [
            Delivery(radio, to, frame, cycle, {"status": str(answer.status)}, "internet", receipt)
            for frame in _frames_in(request)
        ]
        return answer, deliveries

    def connect(self, host: str, port: int, *, radio: str) -> TcpLink | None:
        """A TCP connection the node opens to ``host:port``; ``None`` when refused."""
        to = f"tcp://{host}:{port}"
        if self.tcp_address is None:
            self.log.append(f"{to} → refused (the gateway has no TCP ingest)")
            return None
        try:
            connection = socket.create_connection(self.tcp_address, timeout=_TIMEOUT_S)
        except OSError as exc:
            self.log.append(f"{to} → refused ({exc})")
            return None
        self.log.append(f"{to} → the gateway's TCP ingest")
        return TcpLink(connection, radio, to)

    def sms(self, number: str, text: str, *, radio: str, cycle: int) -> list[Delivery]:
        """An SMS to ``number``: the gateway's SMS webhook receives it, as an SMS gateway
        would post it."""
        to = f"sms:{number}"
        try:
            response = self._carrier.post("/api/v1/webhooks/sms", json={"body": text})
        except httpx.HTTPError as exc:
            self.log.append(f"{to} → no answer ({exc})")
            return []
        self.log.append(f"{to} → the gateway's SMS webhook, {response.status_code}")
        receipt = None
        try:
            receipt = first_receipt(response.json())
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            receipt = Stored(None, f"http {response.status_code}", None, response.text[:200])
        return [Delivery(radio, to, _hex(text), cycle, via="internet", stored=receipt)]
