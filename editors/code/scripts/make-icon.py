#!/usr/bin/env python3
"""Draws the extension's icon, images/icon.png (128x128): a pie with a slice taken out and
"</>" in its filling. Standard library only, so it runs anywhere: python3 scripts/make-icon.py"""
import math
import struct
import zlib
from pathlib import Path

N = 128
SS = 4  # supersampling per axis, for smooth edges

CRUST = (214, 140, 58)
FILLING = (246, 196, 92)
BRACKET = (52, 62, 80)


# "<", "/" and ">" as line segments, relative to the pie's centre
SEGMENTS = [
    ((-14, -12), (-27, 0)),
    ((-27, 0), (-14, 12)),
    ((5, -15), (-5, 15)),
    ((14, -12), (27, 0)),
    ((27, 0), (14, 12)),
]


def near_segment(x, y, x1, y1, x2, y2, width):
    vx, vy = x2 - x1, y2 - y1
    t = max(0.0, min(1.0, ((x - x1) * vx + (y - y1) * vy) / (vx * vx + vy * vy)))
    return math.hypot(x - (x1 + t * vx), y - (y1 + t * vy)) <= width


def colour_at(x: float, y: float):
    cx, cy = 64.0, 66.0
    dx, dy = x - cx, y - cy
    r = math.hypot(dx, dy)
    angle = math.degrees(math.atan2(-dy, dx)) % 360
    # the slice taken out: between 20 and 70 degrees
    in_slice = 20 <= angle <= 70
    if r <= 52 and not in_slice:
        if r <= 42 and any(
            near_segment(x, y, cx + x1, cy + y1, cx + x2, cy + y2, 3.2) for (x1, y1), (x2, y2) in SEGMENTS
        ):
            return BRACKET
        return CRUST if r > 44 else FILLING
    # the cut-out slice, moved out along its bisector
    mx, my = cx + 10 * math.cos(math.radians(45)), cy - 10 * math.sin(math.radians(45))
    sx, sy = x - mx, y - my
    sr = math.hypot(sx, sy)
    sa = math.degrees(math.atan2(-sy, sx)) % 360
    if sr <= 52 and 24 <= sa <= 66:
        return CRUST if sr > 44 else FILLING
    return None


def main() -> None:
    rows = []
    for py in range(N):
        row = bytearray([0])
        for px in range(N):
            acc = [0, 0, 0, 0]
            for sy in range(SS):
                for sx in range(SS):
                    c = colour_at(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                    if c:
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 255
            n = SS * SS
            a = acc[3] // n
            if a:
                cover = acc[3] // 255
                row += bytes([acc[0] // cover, acc[1] // cover, acc[2] // cover, a])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    out = Path(__file__).resolve().parent.parent / "images" / "icon.png"
    out.write_bytes(png)
    print(f"{out}: {len(png)} bytes")


if __name__ == "__main__":
    main()
