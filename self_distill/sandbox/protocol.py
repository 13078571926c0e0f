"""Length-prefixed JSON frames between the host and a worker, with size caps, never pickle.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON whose top level is
an object. Both sides refuse a frame whose announced length exceeds their cap *before* reading
the body, so a hostile peer cannot make the other side buffer unbounded data. Lone surrogates in
strings survive the trip (``surrogatepass``), because skill input and output are arbitrary text.
The host reads with deadlines (:class:`FrameReader`); the worker reads and writes blocking.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME_LIMIT = 1 << 31
MAX_REQUEST_BYTES = 64 * 1024 * 1024
"""Cap on one host -> worker frame (code, or a batch of inputs)."""
FRAME_OVERHEAD_BYTES = 64 * 1024
"""Room for the fields around a result's output in a worker -> host frame."""
_CHUNK = 1 << 16


class ProtocolError(Exception):
    """The peer sent something that is not a well-formed frame within the size cap."""


class PeerClosedError(ProtocolError):
    """The peer closed its end of the channel (for a worker: it died or exited)."""


class FrameTimeoutError(Exception):
    """No complete frame arrived before the deadline."""


def encode_frame(message: dict[str, Any], max_bytes: int) -> bytes:
    """Serialise ``message`` as one frame; raise :class:`ProtocolError` if it exceeds ``max_bytes``.

    ``ValueError``/``TypeError`` from ``json`` (unserialisable values, integers beyond the
    conversion limit) propagate unchanged so that callers can tell them apart.
    """
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )
    if len(body) > max_bytes:
        raise ProtocolError(f"frame of {len(body)} bytes exceeds the cap of {max_bytes} bytes")
    return HEADER.pack(len(body)) + body


def decode_body(body: bytes) -> dict[str, Any]:
    """Parse one frame body; raise :class:`ProtocolError` unless it is a JSON object."""
    try:
        message = json.loads(body.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError, UnicodeDecodeError) as error:
        raise ProtocolError(f"frame is not valid JSON: {error}") from None
    if type(message) is not dict:
        raise ProtocolError(f"frame holds a JSON {type(message).__name__}, not an object")
    return message


class FrameBuffer:
    """Accumulates bytes from a stream and hands out complete frames, enforcing the cap early."""

    def __init__(self, max_bytes: int) -> None:
        if not 0 < max_bytes < MAX_FRAME_LIMIT:
            raise ValueError(f"frame cap must be between 1 and {MAX_FRAME_LIMIT - 1} bytes")
        self._max_bytes = max_bytes
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Append bytes read from the stream."""
        self._buffer += data

    def next_frame(self) -> dict[str, Any] | None:
        """Return the next complete frame, ``None`` if more bytes are needed."""
        if len(self._buffer) < HEADER.size:
            return None
        (length,) = HEADER.unpack_from(self._buffer)
        if length > self._max_bytes:
            raise ProtocolError(
                f"peer announced a frame of {length} bytes, over the cap of {self._max_bytes}"
            )
        end = HEADER.size + length
        if len(self._buffer) < end:
            return None
        body = bytes(self._buffer[HEADER.size : end])
        del self._buffer[:end]
        return decode_body(body)


class FrameReader:
    """Reads frames from a non-blocking descriptor with a deadline (the host's side)."""

    def __init__(self, fd: int, max_bytes: int) -> None:
        os.set_blocking(fd, False)
        self._fd = fd
        self._buffer = FrameBuffer(max_bytes)
        self._poller = select.poll()
        self._poller.register(fd, select.POLLIN)

    def read(self, deadline: float) -> dict[str, Any]:
        """The next frame; :class:`FrameTimeoutError` once ``time.monotonic()`` passes
        ``deadline``, :class:`PeerClosedError` at end of stream."""
        while True:
            frame = self._buffer.next_frame()
            if frame is not None:
                return frame
            try:
                chunk = os.read(self._fd, _CHUNK)
            except BlockingIOError:
                remaining_ms = (deadline - time.monotonic()) * 1000
                ready = remaining_ms > 0 and self._poller.poll(max(1, int(remaining_ms) + 1))
                if not ready and time.monotonic() >= deadline:
                    raise FrameTimeoutError("no frame before the deadline") from None
                continue
            if not chunk:
                raise PeerClosedError("the peer closed the channel")
            self._buffer.feed(chunk)


def read_frame_blocking(fd: int, buffer: FrameBuffer) -> dict[str, Any]:
    """Read from a blocking ``fd`` until ``buffer`` yields a frame (the worker's side)."""
    while True:
        frame = buffer.next_frame()
        if frame is not None:
            return frame
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            raise PeerClosedError("the peer closed the channel")
        buffer.feed(chunk)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to a blocking ``fd`` (the worker's side)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
