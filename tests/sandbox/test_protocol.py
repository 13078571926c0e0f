"""Length-prefixed JSON framing: round trips, caps enforced before buffering, malformed frames."""

from __future__ import annotations

import os
import time

import pytest

from self_distill.sandbox.protocol import (
    HEADER,
    FrameBuffer,
    FrameReader,
    FrameTimeoutError,
    PeerClosedError,
    ProtocolError,
    encode_frame,
    read_frame_blocking,
    write_all,
)


def test_round_trip_keeps_exact_values_and_lone_surrogates() -> None:
    message = {"text": "caf\u00e9 \ud800 \U0001f600", "n": [1, 2.5, None, True], "d": {"k": "v"}}
    buffer = FrameBuffer(1 << 16)
    buffer.feed(encode_frame(message, 1 << 16))
    assert buffer.next_frame() == message
    assert buffer.next_frame() is None


def test_frames_split_across_reads_are_reassembled() -> None:
    data = encode_frame({"a": "x" * 1000}, 1 << 16) + encode_frame({"b": 2}, 1 << 16)
    buffer = FrameBuffer(1 << 16)
    frames = []
    for start in range(0, len(data), 7):
        buffer.feed(data[start : start + 7])
        while (frame := buffer.next_frame()) is not None:
            frames.append(frame)
    assert frames == [{"a": "x" * 1000}, {"b": 2}]


def test_encoder_refuses_frames_over_the_cap() -> None:
    with pytest.raises(ProtocolError, match="exceeds the cap"):
        encode_frame({"a": "x" * 100}, 50)


def test_announced_oversized_frame_is_refused_before_its_body_arrives() -> None:
    buffer = FrameBuffer(1024)
    buffer.feed(HEADER.pack(10**9))
    with pytest.raises(ProtocolError, match="over the cap"):
        buffer.next_frame()


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'"str"']
)
def test_malformed_bodies_are_protocol_errors(body: bytes) -> None:
    buffer = FrameBuffer(1 << 20)
    buffer.feed(HEADER.pack(len(body)) + body)
    with pytest.raises(ProtocolError):
        buffer.next_frame()


def test_never_pickle() -> None:
    with pytest.raises(TypeError):
        encode_frame({"object": object()}, 1 << 16)


def test_reader_times_out_and_sees_end_of_stream() -> None:
    read_end, write_end = os.pipe()
    reader = FrameReader(read_end, 1 << 16)
    started = time.monotonic()
    with pytest.raises(FrameTimeoutError):
        reader.read(time.monotonic() + 0.05)
    assert 0.04 < time.monotonic() - started < 2
    write_all(write_end, encode_frame({"ok": True}, 1 << 16))
    assert reader.read(time.monotonic() + 1) == {"ok": True}
    os.close(write_end)
    with pytest.raises(PeerClosedError):
        reader.read(time.monotonic() + 1)
    os.close(read_end)


def test_blocking_reader_keeps_bytes_of_the_next_frame() -> None:
    read_end, write_end = os.pipe()
    write_all(write_end, encode_frame({"n": 1}, 1 << 16) + encode_frame({"n": 2}, 1 << 16))
    os.close(write_end)
    buffer = FrameBuffer(1 << 16)
    assert read_frame_blocking(read_end, buffer) == {"n": 1}
    assert read_frame_blocking(read_end, buffer) == {"n": 2}
    with pytest.raises(PeerClosedError):
        read_frame_blocking(read_end, buffer)
    os.close(read_end)
