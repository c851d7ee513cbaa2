"""Draw the field app's icons (a white cross on the theme green) as PNGs, with no imaging library.

Run ``python -m fieldapp.field.icons`` to write ``static/field/icons/icon-{192,512}.png``.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from fieldapp.field.views import ICON_SIZES, THEME_COLOR

ICON_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "field" / "icons"
WHITE = (255, 255, 255)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def icon_png(size: int) -> bytes:
    """A square PNG: the theme colour filling it, a white cross in the middle (safe for maskable crops)."""
    green = bytes(_rgb(THEME_COLOR))
    arm, bar = size * 3 // 10, size // 10
    centre = size // 2
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(size):
            on_cross = (abs(x - centre) <= bar and abs(y - centre) <= arm) or (
                abs(y - centre) <= bar and abs(x - centre) <= arm
            )
            row += bytes(WHITE) if on_cross else green
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def write_icons() -> list[Path]:
    """Write every icon size; return the paths written."""
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for size in ICON_SIZES:
        path = ICON_DIR / f"icon-{size}.png"
        path.write_bytes(icon_png(size))
        written.append(path)
    return written


if __name__ == "__main__":
    write_icons()
