"""PNG files of RGBA pixel buffers: rows unfiltered, deflated by zlib at level 1.

Pillow (what matplotlib's ``savefig`` uses) tries three PNG row filters on
every row and keeps the best, which costs twice as much as the compression
itself and buys nothing on charts (large flat areas): the files are the same
size. It offers no switch for this, so the tear sheet's images are written
here: the PNG container (signature, IHDR, pHYs, IDAT, IEND chunks with their
CRCs; ISO/IEC 15948) around ``zlib.compress`` of the unfiltered rows.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

__all__ = ["rgba_to_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def rgba_to_png(rgba: np.ndarray, *, dpi: float | None = None, level: int = 1) -> bytes:
    """PNG file content of an 8-bit RGBA image, shape (height, width, 4), first row on top.

    ``dpi`` is stored as the physical pixel size (pHYs chunk), as matplotlib
    does; ``level`` is the zlib compression level (0-9).
    """
    image = np.asarray(rgba)
    if image.ndim != 3 or image.shape[2] != 4 or image.dtype != np.uint8:
        raise ValueError(f"rgba must be a (height, width, 4) uint8 array, got {image.shape} {image.dtype}")
    height, width = image.shape[:2]
    rows = np.empty((height, 1 + 4 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0 (None) on every row
    rows[:, 1:] = image.reshape(height, 4 * width)
    parts = [_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))]
    if dpi is not None:
        per_metre = int(round(dpi / 0.0254))
        parts.append(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    parts.append(_chunk(b"IDAT", zlib.compress(rows.data, level)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)
