"""The gateway's listeners' settings: HTTP, HTTPS, TCP, the mesh over UDP, a serial port."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from openpcs.gateway.settings_section import SettingsSection as _Section
from openpcs.ncd.mesh import LinkSettings

__all__ = ["HttpSettings", "HttpsSettings", "SerialSettings", "TcpSettings", "UdpMeshSettings"]

#: a host name or an address, as a certificate names it
_HostName = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:-]+$")]


class HttpSettings(_Section):
    """The HTTP listener: Meshlium-compatible ingest, the frames API, webhooks, queries."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)


class HttpsSettings(_Section):
    """The HTTPS listener: every HTTP route, over TLS (guide §5.2 to §5.3).

    Its certificate is the gateway's own, signed by a CA the gateway makes at first start and
    keeps in ``data_dir/tls`` (``GET /ca.pem`` gives it, for nodes to install), naming
    ``localhost``, ``127.0.0.1``, ``host`` and each of ``names`` (the host names and addresses
    nodes reach the gateway by); or the ``certificate`` and ``key`` (PEM files) the admin gives,
    both or neither, with ``ca`` the CA certificate to hand out, if any. ``ciphers`` must keep
    the suites the nodes' modules offer.
    """

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8443, ge=0, le=65535)
    names: tuple[_HostName, ...] = ()
    certificate: Path | None = None
    key: Path | None = None
    ca: Path | None = None
    #: the TLS cipher suites offered (OpenSSL's names): today's, and the RSA key exchange
    #: suites the 4G module offers (Wasp4G.h: TLS_RSA_WITH_AES_128_CBC_SHA and _256_, the only
    #: ones it has with AES), which OpenSSL no longer offers by default
    ciphers: str = Field("DEFAULT:AES128-SHA:AES256-SHA", min_length=1, max_length=1000)

    @field_validator("ciphers")
    @classmethod
    def _ciphers_openssl_takes(cls, ciphers: str) -> str:
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).set_ciphers(ciphers)
        except ssl.SSLError:
            raise ValueError("OpenSSL selects no cipher suite from this list") from None
        return ciphers

    @model_validator(mode="after")
    def _both_or_neither(self) -> HttpsSettings:
        if (self.certificate is None) != (self.key is None):
            raise ValueError("give https.certificate and https.key together, or neither")
        if self.ca is not None and self.certificate is None:
            raise ValueError("https.ca goes with the certificate and key the admin gives")
        return self


class TcpSettings(_Section):
    """Frames over TCP: hex lines or a binary stream, told apart by a connection's first byte.

    With ``ack``, every line (or every binary frame) gets a reply line once it is durable:
    ``<id> <status>[ <reason>]``, or ``- unavailable <reason>`` when the store could not take it.
    The reply comes once the frame is archived (status ``archived``) or once its results are
    stored (its status), as ``acknowledge`` says (unset: ``pipeline.acknowledge``).
    """

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(9100, ge=0, le=65535)
    ack: bool = True
    acknowledge: Literal["archived", "processed"] | None = None
    idle_timeout_s: float = Field(300.0, gt=0)


class UdpMeshSettings(_Section):
    """NCD mesh packets over UDP (one datagram per over-the-air packet)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(9200, ge=0, le=65535)
    link: LinkSettings = LinkSettings(mode="mesh")


class SerialSettings(_Section):
    """A local radio module on a serial port, giving API frames (its mesh layer is its own)."""

    port: str | None = None
    baudrate: int = Field(115200, gt=0)
    escaped: bool = False
