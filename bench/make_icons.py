"""Writes static/icons/icon-192.png and icon-512.png with nothing but zlib (no Pillow).

A blue rounded square with a white house; run again only to change the design.
"""
import struct
import zlib
from pathlib import Path

BLUE, WHITE = (0x0B, 0x53, 0x94), (0xFF, 0xFF, 0xFF)


def pixel(x: float, y: float) -> tuple[int, int, int]:
    """x, y in [0, 1): the house sits inside the maskable safe zone (the middle 80%)."""
    roof = 0.30 <= y < 0.50 and abs(x - 0.5) <= (y - 0.30) * 1.1
    body = 0.50 <= y < 0.72 and 0.32 <= x < 0.68
    door = 0.58 <= y < 0.72 and 0.45 <= x < 0.55
    return WHITE if (roof or body) and not door else BLUE


def png(size: int) -> bytes:
    rows = b"".join(b"\x00" + bytes(c for x in range(size) for c in pixel(x / size, y / size))
                    for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "static" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (out / f"icon-{size}.png").write_bytes(png(size))
        print(out / f"icon-{size}.png", (out / f"icon-{size}.png").stat().st_size, "bytes")
