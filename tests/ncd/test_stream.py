"""The API stream reader finds every frame, resynchronises after garbage and bad checksums."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openpcs.ncd.api import encode_api_frame, parse_api_frame
from openpcs.ncd.stream import ApiStreamReader, StreamItem

H = bytes.fromhex
FRAMES = [
    H("7E001F10010013A20041996FF7FFFE00007F000103FF01001800FFF10000FFF1000081"),
    H("7E000588014E4900DF"),
    H("7E00078B01FFFE00000076"),
    H("7E001D900013A20041334712FFFEC27F000103FF01001800FFF10000FFF10000B3"),
]


def _read(chunks: list[bytes], *, escaped: bool = False) -> list[StreamItem]:
    reader = ApiStreamReader(escaped=escaped)
    items = [item for chunk in chunks for item in reader.feed(chunk)]
    return items + reader.flush()


def test_back_to_back_frames_with_offsets() -> None:
    items = _read([b"".join(FRAMES)])
    assert [i.raw for i in items] == FRAMES
    assert all(i.is_frame for i in items)
    assert [i.offset for i in items] == [0, 35, 44, 55]


def test_garbage_and_a_bad_checksum_are_reported_and_skipped() -> None:
    bad = bytearray(FRAMES[1])
    bad[-1] ^= 0xFF
    stream = b"noise" + bytes(bad) + FRAMES[2]
    items = _read([stream])
    assert next((i.offset, i.is_frame, i.error) for i in items) == (0, False, "no frame start")
    assert items[1].error is not None
    assert "checksum" in items[1].error
    assert items[-1].value == parse_api_frame(FRAMES[2])
    assert b"".join(i.raw for i in items) == stream


def test_a_frame_after_a_false_start_is_found_at_the_end_of_the_stream() -> None:
    stream = b"\x7e\x00\x40" + FRAMES[1]  # a false start claiming 64 bytes
    reader = ApiStreamReader()
    assert reader.feed(stream) == []  # it could still be a 64-byte frame
    items = reader.flush()
    assert [i.raw for i in items if i.is_frame] == [FRAMES[1]]
    assert b"".join(i.raw for i in items) == stream


def test_escaped_streams_restart_at_every_unescaped_delimiter() -> None:
    first = encode_api_frame(parse_api_frame(FRAMES[0]), escaped=True)
    second = encode_api_frame(parse_api_frame(FRAMES[3]), escaped=True)
    cut = first[:20]  # a frame cut short by the next 0x7E
    items = _read([cut + second], escaped=True)
    assert [i.value for i in items if i.is_frame] == [parse_api_frame(FRAMES[3])]
    assert b"".join(i.raw for i in items) == cut + second


def test_oversized_lengths_are_garbage() -> None:
    reader = ApiStreamReader(max_length=64)
    items = reader.feed(b"\x7e\xff\xff" + FRAMES[1]) + reader.flush()
    assert [i.raw for i in items if i.is_frame] == [FRAMES[1]]


@given(
    st.lists(st.sampled_from(FRAMES), min_size=1, max_size=6),
    st.lists(st.binary(max_size=10), max_size=6),
    st.booleans(),
    st.data(),
)
def test_any_chunking_finds_the_same_frames(
    frames: list[bytes], noise: list[bytes], escaped: bool, data: st.DataObject
) -> None:
    pieces = []
    wanted = []
    for index, frame in enumerate(frames):
        if index < len(noise):
            pieces.append(noise[index].replace(b"\x7e", b"~~").replace(b"~", b"."))
        raw = encode_api_frame(parse_api_frame(frame), escaped=escaped)
        pieces.append(raw)
        wanted.append(raw)
    stream = b"".join(pieces)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    items = _read(chunks, escaped=escaped)
    assert [i.raw for i in items if i.is_frame] == wanted
    assert b"".join(i.raw for i in items) == stream


@given(st.binary(max_size=300), st.booleans())
def test_random_streams_never_raise(stream: bytes, escaped: bool) -> None:
    items = _read([stream], escaped=escaped)
    assert b"".join(i.raw for i in items) == stream


def test_an_escape_byte_does_not_swallow_the_next_delimiter() -> None:
    frame = encode_api_frame(parse_api_frame(FRAMES[0]), escaped=True)
    reader = ApiStreamReader(escaped=True)
    items = reader.feed(b"\x7e\x00\x7d" + frame)
    assert [i.raw for i in items] == [b"\x7e\x00\x7d", frame]  # at once, not after 94 bytes
    assert (items[0].is_frame, items[1].value) == (False, parse_api_frame(FRAMES[0]))
    assert reader.flush() == []
