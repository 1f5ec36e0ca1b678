"""What an uploaded file is, from its bytes alone (never its name or the Content-Type it came with).

A file is a PDF, a JPEG or a PNG when it starts with that format's signature *and* ends as that
format ends (``%%EOF`` in the last KiB, the JPEG end-of-image marker, the PNG ``IEND`` chunk). It is
refused as a polyglot when it could be read as something else too: a PDF header elsewhere in the
first KiB (PDF readers look that far), a ZIP directory at the end (a JAR, an Office file), HTML,
SVG or script markup near the start (a browser sniffing it would run it), or bytes after the end of
the image — the places where "GIFAR"-style and PDF/ZIP polyglots hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["pdf", "jpeg", "png"]
MEDIA_TYPES: dict[Kind, str] = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}

_PNG = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG = b"\xff\xd8\xff"
_PDF = b"%PDF-"
_HEAD = 1024
_MARKUP = (b"<html", b"<script", b"<?php", b"<!doctype", b"<svg", b"<body", b"<iframe", b"<?xml")
# A ZIP's end-of-central-directory record, and its comment (at most 64 KiB): where it must be found.
_ZIP_END = b"PK\x05\x06"
_ZIP_TAIL = 65_536 + 22


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: Kind | None
    # Why it is refused when ``kind`` is None: "unknown" (no signature we take) or "polyglot".
    refusal: Literal["unknown", "polyglot"] | None = None


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
        or not _ends_well(kind, data)
    ):
        return Sniffed(None, "polyglot")
    return Sniffed(kind)


def _ends_well(kind: Kind, data: bytes) -> bool:
    if kind == "png":
        return data.endswith(_PNG_END)
    if kind == "jpeg":
        # Some cameras pad after the end-of-image marker with zeros; nothing else may follow it.
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return b"%%EOF" in data[-_HEAD:]
