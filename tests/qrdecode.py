"""Reads QR codes back out of the SVG the app served, so tests check what a phone would scan.

svg_matrix() rebuilds the module grid from the <path> of an SvgPathImage; decode() reads that grid
the way a scanner does (format bits, unmasking, zig-zag placement, de-interleaving, byte mode).
Only the geometry tables come from the qrcode package; no error correction is needed since the
image is perfect.
"""
import re

from qrcode import util
from qrcode.base import rs_blocks

SVG_RE = re.compile(r'<svg class="qr"[^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>\s*<path d="([^"]*)"')
SQUARE_RE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")


def svgs_in(html: str) -> list[list[list[bool]]]:
    """Every QR code in a page, as a grid of dark modules with the quiet zone cut off."""
    out = []
    for m in SVG_RE.finditer(html):
        size = int(m.group(1))
        grid = [[False] * size for _ in range(size)]
        for x0, y0, x1, y1, x2 in SQUARE_RE.findall(m.group(3)):
            x0, y0, x1, y1 = int(x0), int(y0), int(x1), int(y1)
            assert x1 == x0 + 1 and y1 == y0 + 1 and int(x2) == x0, "unexpected path shape"
            grid[y0][x0] = True
        out.append(_crop(grid))
    return out


def _crop(grid):
    rows = [i for i, r in enumerate(grid) if any(r)]
    cols = [j for j in range(len(grid)) if any(r[j] for r in grid)]
    return [r[cols[0]:cols[-1] + 1] for r in grid[rows[0]:rows[-1] + 1]]


def _function_modules(n: int, version: int) -> list[list[bool]]:
    f = [[False] * n for _ in range(n)]

    def box(r0, c0, h, w):
        for r in range(max(r0, 0), min(r0 + h, n)):
            for c in range(max(c0, 0), min(c0 + w, n)):
                f[r][c] = True
    box(0, 0, 9, 9)
    box(0, n - 8, 9, 8)
    box(n - 8, 0, 8, 9)
    box(6, 0, 1, n)
    box(0, 6, n, 1)
    pos = util.pattern_position(version)
    corners = {(pos[0], pos[0]), (pos[0], pos[-1]), (pos[-1], pos[0])} if pos else set()
    for r in pos:
        for c in pos:
            if (r, c) not in corners:  # those three would sit on the finder patterns
                box(r - 2, c - 2, 5, 5)
    if version >= 7:
        box(0, n - 11, 6, 3)
        box(n - 11, 0, 3, 6)
    return f


def decode(grid: list[list[bool]]) -> str:
    n = len(grid)
    version = (n - 17) // 4
    assert n == 17 + 4 * version and 1 <= version <= 40
    # Format information next to the top-left finder, 15 bits, most significant first.
    coords = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    bits = 0
    for r, c in coords:
        bits = (bits << 1) | grid[r][c]
    fmt = next(d for d in range(32) if util.BCH_type_info(d) == bits)
    # The two level bits equal qrcode's constants: L=1, M=0, Q=3, H=2.
    ec_level, mask_pattern = fmt >> 3, fmt & 7
    mask = util.mask_func(mask_pattern)
    function = _function_modules(n, version)
    # Data bits in the zig-zag order, skipping the vertical timing column.
    stream = []
    col, upward = n - 1, True
    while col > 0:
        if col == 6:
            col -= 1
        rows = range(n - 1, -1, -1) if upward else range(n)
        for r in rows:
            for c in (col, col - 1):
                if not function[r][c]:
                    stream.append(grid[r][c] ^ mask(r, c))
        col -= 2
        upward = not upward
    codewords = [int("".join("1" if b else "0" for b in stream[i:i + 8]), 2)
                 for i in range(0, len(stream) - 7, 8)]
    blocks = rs_blocks(version, ec_level)
    data = [[] for _ in blocks]
    i = 0
    for k in range(max(b.data_count for b in blocks)):
        for j, b in enumerate(blocks):
            if k < b.data_count:
                data[j].append(codewords[i])
                i += 1
    payload = "".join(f"{w:08b}" for block in data for w in block)
    assert payload[:4] == "0100", "expected byte mode"
    count_bits = 8 if version < 10 else 16
    length = int(payload[4:4 + count_bits], 2)
    start = 4 + count_bits
    raw = bytes(int(payload[start + 8 * k:start + 8 * k + 8], 2) for k in range(length))
    return raw.decode("utf-8")


def qr_urls(html: str) -> list[str]:
    return [decode(g) for g in svgs_in(html)]
