"""What an uploaded file is, from its bytes alone (never its name or the Content-Type it came with).

A file is a PDF, a JPEG or a PNG when it starts with that format's signature *and* its structure
holds to the end: a PNG's chunks (each CRC checked) end with ``IEND`` at the last byte; a JPEG's
segments are walked to the end-of-image marker, after which only padding zeros may follow; a PDF
opens in qpdf (``pikepdf``), unencrypted, with ``%%EOF`` in its last KiB. It is refused as a
polyglot when it could be read as something else too: a PDF header elsewhere in the first KiB (PDF
readers look that far), a ZIP directory at the end (a JAR, an Office file), HTML, SVG or script
markup near the start (a browser sniffing it would run it), bytes hidden past the image's end. A PDF
carrying active content — JavaScript, an open action, additional actions, launch actions, embedded
files, XFA forms, rich media — anywhere in its objects (compressed object streams included) is
refused too: department staff open these files.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import Literal

import pikepdf

Kind = Literal["pdf", "jpeg", "png"]
MEDIA_TYPES: dict[Kind, str] = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_PDF = b"%PDF-"
_HEAD = 1024
_MARKUP = (b"<html", b"<script", b"<?php", b"<!doctype", b"<svg", b"<body", b"<iframe", b"<?xml")
# A ZIP's end-of-central-directory record, and its comment (at most 64 KiB): where it must be found.
_ZIP_END = b"PK\x05\x06"
_ZIP_TAIL = 65_536 + 22
# PDF names that make a viewer act (run, open, launch, carry another file) rather than show.
_ACTIVE = frozenset(
    {"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/XFA",
     "/RichMedia", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: Kind | None
    # Why it is refused when ``kind`` is None: "unknown" (no signature we take), "polyglot", or
    # "active" (a PDF that would act when opened).
    refusal: Literal["unknown", "polyglot", "active"] | None = None


def sniff(data: bytes) -> Sniffed:
    head = data[:_HEAD]
    kind: Kind | None = None
    if data.startswith(_PDF):
        kind = "pdf"
    elif data.startswith(_PNG) and data[12:16] == b"IHDR":
        kind = "png"
    elif data.startswith(_JPEG):
        kind = "jpeg"
    if kind is None:
        return Sniffed(None, "unknown")
    lowered = head.lower()
    if (
        (kind != "pdf" and _PDF in head)
        or any(marker in lowered for marker in _MARKUP)
        or _ZIP_END in data[-_ZIP_TAIL:]
        or not _well_formed(kind, data)
    ):
        return Sniffed(None, "polyglot")
    if kind == "pdf" and _active(data):
        return Sniffed(None, "active")
    return Sniffed(kind)


def _well_formed(kind: Kind, data: bytes) -> bool:
    if kind == "png":
        return _png_ends_at_iend(data)
    if kind == "jpeg":
        return _jpeg_ends_at_eoi(data)
    return b"%%EOF" in data[-_HEAD:]


def _png_ends_at_iend(data: bytes) -> bool:
    """Every chunk's length and CRC hold, and ``IEND`` is the last byte's chunk."""
    at = len(_PNG)
    while at + 12 <= len(data):
        length: int = struct.unpack(">I", data[at : at + 4])[0]
        kind, end = data[at + 4 : at + 8], at + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            return False
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[at + 4 : end - 4]) != crc:
            return False
        if kind == b"IEND":
            return end == len(data)
        at = end
    return False


def _jpeg_ends_at_eoi(data: bytes) -> bool:
    """The segments walk from SOI to EOI; nothing but padding zeros follows EOI."""
    at, size = 2, len(data)
    while at < size:
        if data[at] != 0xFF:
            return False
        while at < size and data[at] == 0xFF:  # fill bytes
            at += 1
        if at >= size:
            return False
        marker = data[at]
        at += 1
        if marker == 0xD9:  # EOI
            return not data[at:].strip(b"\x00")
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            continue
        if at + 2 > size:
            return False
        segment: int = struct.unpack(">H", data[at : at + 2])[0]
        if segment < 2:
            return False
        at += segment
        if marker == 0xDA:  # SOS: entropy-coded data until a marker that is not stuffing or RSTn
            while at + 1 < size and not (data[at] == 0xFF and data[at + 1] not in (0x00, *range(0xD0, 0xD8))):
                at += 1
    return False


def _active(data: bytes) -> bool:
    """Whether the PDF would act when opened (or cannot be read, or is encrypted: not taken)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                return True
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and _ACTIVE.intersection(obj.keys()):
                    return True
                if isinstance(obj, pikepdf.Dictionary) and str(obj.get("/S", "")) in _ACTIVE:
                    return True
    except pikepdf.PdfError:
        return True
    return False
