"""The LoRaWAN network server the twin's LoRaWAN module talks to, as a network server judges a
device (LoRaWAN 1.0.x): an OTAA join is accepted when the device's EUIs and AppKey are the ones
registered, and gives a new session (its DevAddr and session keys derived from the AppKey, its
counters from 0); an ABP device's session is the one registered. An uplink is accepted when its
session is one the network holds, with the same keys, and its frame counter is above the last
one accepted in that session (a repeated or decreasing counter is a replay, refused) and not
more than ``MAX_FCNT_GAP`` ahead of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["MAX_FCNT_GAP", "LoRaNetwork", "Registration", "Session"]

#: the furthest a counter may jump ahead of the last accepted (LoRaWAN 1.0.x)
MAX_FCNT_GAP: Final = 16_384
#: the network identifier the twin's network gives its sessions
_NET_ID: Final = b"\x00\x00\x13"


@dataclass(frozen=True)
class Registration:
    """What the network server was told of the device (hex strings as the configuration has
    them; the OTAA or the ABP ones are ``None`` when the device does not use them)."""

    dev_eui: str
    app_eui: str | None = None
    app_key: str | None = None
    dev_addr: str | None = None
    nwk_skey: str | None = None
    app_skey: str | None = None


@dataclass
class Session:
    """One session: the device's address, its keys, and the last uplink counter accepted."""

    dev_addr: str
    nwk_skey: str
    app_skey: str
    last_up: int | None = None


def _session_key(app_key: str, kind: int, app_nonce: int, dev_nonce: int) -> str:
    """A LoRaWAN 1.0 session key: AES-128(AppKey, kind | AppNonce | NetID | DevNonce | pad)."""
    block = bytes([kind]) + app_nonce.to_bytes(3, "little") + _NET_ID[::-1]
    block += dev_nonce.to_bytes(2, "little")
    block += bytes(16 - len(block))
    encryptor = Cipher(algorithms.AES(bytes.fromhex(app_key)), modes.ECB()).encryptor()
    return (encryptor.update(block) + encryptor.finalize()).hex().upper()


class LoRaNetwork:
    """A network server that knows one device (``registration``)."""

    def __init__(self, registration: Registration) -> None:
        self.registration = registration
        self.sessions: dict[str, Session] = {}
        #: joins accepted so far
        self.joins = 0
        if registration.dev_addr and registration.nwk_skey and registration.app_skey:
            address = registration.dev_addr.upper()
            self.sessions[address] = Session(
                address, registration.nwk_skey.upper(), registration.app_skey.upper()
            )

    def join(self, dev_eui: str, app_eui: str, app_key: str, dev_nonce: int) -> Session | str:
        """An OTAA join request: the new session, or why it is denied."""
        known = self.registration
        if known.app_key is None or known.app_eui is None:
            return "an OTAA join request from a device the network knows as ABP: denied"
        if (dev_eui.upper(), app_eui.upper()) != (known.dev_eui.upper(), known.app_eui.upper()):
            return f"a join request from EUIs {dev_eui}/{app_eui} the network does not know"
        if app_key.upper() != known.app_key.upper():
            return "a join request whose MIC fails (not the registered AppKey): denied"
        self.joins += 1
        address = f"26{known.dev_eui[-6:]}".upper()
        session = Session(
            address,
            _session_key(known.app_key, 0x01, self.joins, dev_nonce),
            _session_key(known.app_key, 0x02, self.joins, dev_nonce),
        )
        # a new join ends the device's earlier OTAA sessions
        self.sessions = {a: s for a, s in self.sessions.items() if a != address}
        self.sessions[address] = session
        return session

    def uplink(self, dev_addr: str, nwk_skey: str, app_skey: str, counter: int) -> str | None:
        """An uplink; ``None`` when accepted, else why the network refused it."""
        session = self.sessions.get(dev_addr.upper())
        refusal = None
        if session is None:
            refusal = f"an uplink from DevAddr {dev_addr}, which no session of the network has"
        elif (nwk_skey.upper(), app_skey.upper()) != (session.nwk_skey, session.app_skey):
            refusal = f"an uplink whose MIC fails: not the session keys of DevAddr {dev_addr}"
        elif session.last_up is not None and counter <= session.last_up:
            said = "repeated" if counter == session.last_up else "went back"
            refusal = (
                f"uplink counter {counter} {said} (the last accepted was {session.last_up}): "
                "refused as a replay"
            )
        elif session.last_up is not None and counter - session.last_up > MAX_FCNT_GAP:
            refusal = f"uplink counter {counter} jumped past {session.last_up} + {MAX_FCNT_GAP}"
        if refusal is None and session is not None:
            session.last_up = counter
        return refusal
