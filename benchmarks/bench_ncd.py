"""NCD layer throughput on one core: the mesh receive pipeline and API-frame parsing.

The RX figure is for distinct packets (ring lookup, AES-CTR decrypt, MD5 verify, network and
destination checks, address swap, checksum): the work a gateway does per packet. Beside it, in
the same run, the anchor: each packet's cryptography alone, done the plain way in C (the
cryptography package's AES-128-CTR with a context per packet, and hashlib's MD5 over the same
hex text), so a day when the machine is slower shows in both. API parsing is compared with
digi-xbee's packet factory on the same frames when that package is installed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from openpcs.ncd.api import TransmitRequest, parse_api_frame, wrap
from openpcs.ncd.mesh import LinkSettings, MeshReceiver, MeshTransmitter, Outcome
from openpcs.ncd.sealing import TAG_SIZE, hash_text

GATEWAY = bytes.fromhex("0013A20041996FF7")
NODE = bytes.fromhex("0013A20041334712")
COUNT = 20_000


def _frames() -> list[bytes]:
    frames = []
    for index in range(COUNT):
        payload = bytes.fromhex("7F000103FF") + bytes([index % 256]) + bytes.fromhex("0018")
        payload += bytes([0]) + index.to_bytes(4, "big") + bytes(4)
        frames.append(
            wrap(TransmitRequest(frame_id=index % 255 + 1, address=GATEWAY, payload=payload).data())
        )
    return frames


def _show(label: str, rate: float) -> None:
    print(f"{label:44s} {rate:12,.0f} per s  {1e6 / rate:7.2f} µs")


def _rate(label: str, items: list[bytes], handle: Callable[[bytes], object]) -> float:
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for item in items:
            handle(item)
        best = max(best, len(items) / (time.perf_counter() - start))
    _show(label, best)
    return best


def _crypto_anchor(key: bytes, packets: list[bytes]) -> float:
    """Packets per second through their cryptography alone: AES-128-CTR from the packet's tag
    and MD5 over the key's and the plaintext's hex text (the spec profile's work), in C."""
    algorithm = algorithms.AES(key)

    def open_plainly(packet: bytes) -> bytes:
        tag = packet[:TAG_SIZE]
        plain = Cipher(algorithm, modes.CTR(tag)).decryptor().update(packet[TAG_SIZE:])
        return hashlib.md5(hash_text(key + plain), usedforsecurity=False).digest()

    if any(open_plainly(packet) != packet[:TAG_SIZE] for packet in packets[:100]):
        raise AssertionError("the anchor does not open the packets: it measures other work")
    return _rate("  anchor, AES-CTR + MD5 alone, in C", packets, open_plainly)


def main() -> None:
    """Print one line per measurement."""
    frames = _frames()
    for profile in ("spec", "secure"):
        settings = LinkSettings(address=GATEWAY, mode="mesh", profile=profile)
        sender = MeshTransmitter(settings.model_copy(update={"address": NODE}))
        packets = [sender.seal(frame) for frame in frames]
        best = 0.0
        for _ in range(3):
            receiver = MeshReceiver(settings)  # fresh each round: every packet is new to it
            start = time.perf_counter()
            for packet in packets:
                receiver.receive(packet)
            best = max(best, len(packets) / (time.perf_counter() - start))
            assert receiver.counters[Outcome.DELIVERED] == COUNT
        _show(f"mesh RX pipeline, {profile} profile", best)
        if profile == "spec":
            anchor = _crypto_anchor(settings.key, packets)
            print(f"  the pipeline is {best / anchor:.2f}x its cryptography alone, same run")
        _rate(f"mesh TX (seal), {profile} profile", frames, sender.seal)
    ours = _rate("API frame parse (openpcs)", frames, parse_api_frame)
    try:
        from digi.xbee.models.mode import OperatingMode
        from digi.xbee.packets.factory import build_frame
    except ImportError:
        print("digi-xbee is not installed: no comparison")
        return
    theirs = _rate(
        "API frame parse (digi-xbee build_frame)",
        frames,
        lambda raw: build_frame(raw, OperatingMode.API_MODE),
    )
    print(f"  openpcs parses API frames {ours / theirs:.1f}x as fast as digi-xbee, same run")


if __name__ == "__main__":
    main()
