"""Sending a stored file as a download, streamed chunk by chunk."""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask import Response, send_file

from surveys.storage.backends import FileStore


class ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of chunks (what `send_file` streams from)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


def send_stored(
    store: FileStore, sha256: str, size: int, *, mimetype: str, download_name: str
) -> Response:
    """The file as an attachment; raises StoredFileMissing when the store lacks it."""
    reader = io.BufferedReader(ChunkReader(store.chunks(sha256)), buffer_size=64 * 1024)
    response = send_file(
        reader, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0
    )
    response.content_length = size
    return response
