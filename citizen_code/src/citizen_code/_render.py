"""QR rendering: ``qrcode`` lays out the symbol; PNG and SVG are written here from its matrix.

The whole ``SQ1:`` + Base45 text is in the QR alphanumeric set (Base45 was designed for
it), so the symbol is one alphanumeric segment at ECC M: 5.5 bits a character instead of
8 in byte mode. Writing the PNG with ``zlib`` keeps Pillow out of the runtime dependencies
and makes output byte-stable. Both functions are pure and CPU-bound: run them off the
event loop.
"""

from __future__ import annotations

import struct
import zlib
from typing import Literal, cast

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM, QRData

QUIET_ZONE = 4  # modules; ISO/IEC 18004 asks for 4
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _symbol(text: str, border: int) -> qrcode.QRCode:  # type: ignore[type-arg]
    symbol = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    # A QRData segment bypasses qrcode's mode optimiser, which could split the text into
    # several segments; check_data refuses text outside the alphanumeric set.
    symbol.add_data(QRData(text.encode("ascii"), mode=cast(Literal[2], MODE_ALPHA_NUM)))
    symbol.make(fit=True)
    return symbol


def qr_version(text: str) -> int:
    """The QR version (1-40) ``text`` needs at ECC M in alphanumeric mode."""
    version: int = _symbol(text, QUIET_ZONE).version
    return version


def _matrix(text: str, border: int) -> list[list[bool]]:
    return _symbol(text, border).get_matrix()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def render_png(text: str, *, scale: int = 8, border: int = QUIET_ZONE) -> bytes:
    """Render ``text`` as a 1-bit greyscale PNG, ``scale`` pixels a module.

    Raises:
        ValueError: ``text`` is not in the QR alphanumeric set, or scale < 1.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    matrix = _matrix(text, border)
    width = len(matrix) * scale
    padding = "1" * (-width % 8)
    row_bytes = (width + 7) // 8
    scanlines = []
    for row in matrix:
        # 0 is black in 1-bit greyscale: dark modules are 0 bits.
        bits = "".join("0" * scale if dark else "1" * scale for dark in row) + padding
        scanlines.append((b"\x00" + int(bits, 2).to_bytes(row_bytes, "big")) * scale)
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(scanlines), 9))
        + _png_chunk(b"IEND", b"")
    )


def render_svg(text: str, *, border: int = QUIET_ZONE, size: str = "100%") -> str:
    """Render ``text`` as an SVG document: one path, one unit a module, runs merged.

    Raises:
        ValueError: ``text`` is not in the QR alphanumeric set.
    """
    matrix = _matrix(text, border)
    n = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size}" '
        f'height="{size}" shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
