"""The counter-mode cipher both profiles use, and the frame a receiver delivers, against their
references: the cryptography package's own CTR mode, and the frame built field by field."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from openpcs.ncd.api import BROADCAST, TransmitRequest, parse_api_frame, wrap
from openpcs.ncd.mesh import LinkSettings, MeshReceiver, MeshTransmitter, Outcome
from openpcs.ncd.sealing import CounterMode

_LAST = (1 << 128) - 1
addresses = st.binary(min_size=8, max_size=8)


def _reference_ctr(key: bytes, block: bytes, data: bytes) -> bytes:
    cryptor = Cipher(algorithms.AES(key), modes.CTR(block)).encryptor()
    return cryptor.update(data) + cryptor.finalize()


@given(
    st.sampled_from([16, 24, 32]).flatmap(lambda size: st.binary(min_size=size, max_size=size)),
    st.one_of(
        st.binary(min_size=16, max_size=16),
        st.integers(_LAST - 20, _LAST).map(lambda value: value.to_bytes(16, "big")),
    ),
    st.binary(max_size=300),
)
def test_counter_mode_is_aes_ctr_byte_for_byte(key: bytes, block: bytes, data: bytes) -> None:
    cipher = CounterMode(key)
    assert cipher.apply(block, data) == _reference_ctr(key, block, data)
    # the same instance serves packet after packet
    assert cipher.apply(block, data[::-1]) == _reference_ctr(key, block, data[::-1])


def test_the_counter_wraps_past_the_last_block_as_ctr_does() -> None:
    key = bytes(range(16))
    block = _LAST.to_bytes(16, "big")
    data = bytes(80)
    assert CounterMode(key).apply(block, data) == _reference_ctr(key, block, data)


@given(
    payload=st.binary(max_size=80),
    source=addresses,
    to_gateway=st.booleans(),
    frame_id=st.integers(0, 255),
    rssi=st.integers(0, 0xFFFF),
    profile=st.sampled_from(["spec", "secure"]),
)
def test_the_delivered_frame_is_the_sent_one_with_the_source_in_place(
    payload: bytes, source: bytes, to_gateway: bool, frame_id: int, rssi: int, profile: str
) -> None:
    gateway = bytes.fromhex("0013A20041996FF7")
    destination = gateway if to_gateway else BROADCAST
    sent = TransmitRequest(frame_id=frame_id, address=destination, payload=payload, rssi=rssi)
    settings = LinkSettings(address=gateway, mode="mesh", profile=profile)
    node = MeshTransmitter(settings.model_copy(update={"address": source}))
    result = MeshReceiver(settings).receive(node.seal(wrap(sent.data())))
    assert result.outcome is Outcome.DELIVERED
    expected = TransmitRequest(frame_id=frame_id, address=source, payload=payload, rssi=rssi)
    assert result.api_frame == wrap(expected.data())
    assert parse_api_frame(result.api_frame) == expected
    assert (result.source, result.destination, result.reason) == (source, destination, "")


def test_a_short_counter_block_is_refused_and_leaves_the_cipher_whole() -> None:
    key = bytes(range(16))
    cipher = CounterMode(key)
    block = bytes(16)
    with pytest.raises(ValueError, match="16 bytes, got 5"):
        cipher.apply(block[:5], b"data")
    assert cipher.apply(block, b"data") == _reference_ctr(key, block, b"data")


def test_the_caller_s_counter_block_is_left_as_it_was() -> None:
    key = bytes(range(16))
    block = bytearray(16)
    data = bytes(40)  # three blocks: the counter is extended past the first
    for counter in (block, memoryview(bytes(16))):
        assert CounterMode(key).apply(counter, data) == _reference_ctr(key, bytes(16), data)
    assert block == bytearray(16)
