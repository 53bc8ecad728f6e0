"""The stream scanner finds every frame, whatever the chunking, and keeps the garbage it skips."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openpcs.frames import FrameScanner, ScanItem
from tests.vectors import FRAME_AGR_XTR, FRAME_ASCII, FRAME_V15, KEY_256, encrypted, unhex

FRAMES = [unhex(FRAME_V15), FRAME_ASCII, unhex(encrypted(96, KEY_256)), unhex(FRAME_AGR_XTR)]


def _scan(chunks: list[bytes]) -> list[ScanItem]:
    scanner = FrameScanner()
    items = [item for chunk in chunks for item in scanner.feed(chunk)]
    return items + scanner.flush()


def test_frames_back_to_back() -> None:
    stream = b"".join(FRAMES)
    items = _scan([stream])
    assert [item.raw for item in items] == FRAMES
    assert all(item.is_frame for item in items)
    offsets = [0, len(FRAMES[0]), len(FRAMES[0]) + len(FRAMES[1]), sum(map(len, FRAMES[:3]))]
    assert [item.offset for item in items] == offsets


def test_garbage_is_skipped_and_reported_with_its_offset() -> None:
    noise = b"\x00\xffnoise<=<"
    stream = noise + FRAMES[0] + b"junk" + FRAMES[1]
    items = _scan([stream])
    assert [(i.is_frame, i.offset, i.raw) for i in items] == [
        (False, 0, noise),
        (True, len(noise), FRAMES[0]),
        (False, len(noise) + len(FRAMES[0]), b"junk"),
        (True, len(noise) + len(FRAMES[0]) + 4, FRAMES[1]),
    ]


def test_resynchronises_after_a_corrupt_frame() -> None:
    corrupt = bytearray(FRAMES[0])
    corrupt[26] = 0x16  # the TC id byte becomes a reserved sensor id
    stream = bytes(corrupt) + FRAMES[3]
    items = _scan([stream])
    assert [i.raw for i in items if i.is_frame] == [FRAMES[3]]
    assert items[0].error is not None
    assert "sensor id 22" in items[0].error
    assert b"".join(i.raw for i in items) == stream


def test_a_frame_cut_at_the_end_of_the_stream_is_garbage() -> None:
    scanner = FrameScanner()
    assert scanner.feed(FRAMES[0][:20]) == []
    assert scanner.pending == 20
    (item,) = scanner.flush()
    assert (item.offset, item.raw, item.is_frame) == (0, FRAMES[0][:20], False)


@given(
    st.lists(st.sampled_from(FRAMES), min_size=1, max_size=5),
    st.lists(st.binary(max_size=12), max_size=6),
    st.data(),
)
def test_any_chunking_finds_the_same_frames(
    frames: list[bytes], noise: list[bytes], data: st.DataObject
) -> None:
    pieces: list[bytes] = []
    for index, frame in enumerate(frames):
        if index < len(noise):
            pieces.append(noise[index].replace(b"<", b"("))
        pieces.append(frame)
    stream = b"".join(pieces)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    items = _scan(chunks)
    assert [i.raw for i in items if i.is_frame] == frames
    assert b"".join(i.raw for i in items) == stream
    for item in items:
        assert stream[item.offset : item.offset + len(item.raw)] == item.raw


def test_a_frame_after_a_false_start_is_kept_at_the_end_of_the_stream() -> None:
    false_start = b"<=>\x06\xf0" + bytes(8) + b"n#\x01"  # a plausible header claiming 240 bytes
    scanner = FrameScanner()
    assert scanner.feed(false_start + FRAMES[3]) == []
    items = scanner.flush()
    assert [i.raw for i in items if i.is_frame] == [FRAMES[3]]
    assert b"".join(i.raw for i in items) == false_start + FRAMES[3]
