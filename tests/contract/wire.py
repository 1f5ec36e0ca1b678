"""A raw HTTP/1.1 client for the real server: the catalogue's requests byte for byte.

httpx (h11) refuses to send a NUL or a control character in a header value, which is exactly what a
hostile client sends; this writes whatever it is given on a fresh connection and reads the answer
(``Connection: close``, so the answer ends at EOF), returned as an ``httpx.Response`` like the
in-process sender's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from tests.contract.runner import BOUND, Headers, Send


def _dechunk(body: bytes) -> bytes:
    out, rest = bytearray(), body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2 :]
    return bytes(out)


def _parse(raw: bytes) -> httpx.Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    status = int(status_line.split(b" ")[1])
    headers = [tuple(line.split(b":", 1)) for line in lines if b":" in line]
    pairs = [(name.strip(), value.strip()) for name, value in headers]
    if any(name.lower() == b"transfer-encoding" and b"chunked" in value.lower() for name, value in pairs):
        body = _dechunk(body)
    return httpx.Response(status, headers=pairs, content=body)


def wire_sender(base_url: str) -> Send:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def send(
        method: str,
        target: str,
        *,
        headers: Headers = (),
        content: bytes | None = None,
        chunked: bool = False,
    ) -> httpx.Response:
        items = headers.items() if isinstance(headers, Mapping) else headers
        lines = [
            f"{method} {target} HTTP/1.1".encode(),
            f"host: {host}:{port}".encode(),
            b"connection: close",
        ]
        lines += [name.encode() + b": " + (v.encode() if isinstance(v, str) else v) for name, v in items]
        payload = b""
        if content is not None and chunked:
            lines.append(b"transfer-encoding: chunked")
            step = 65_536
            pieces = [content[i : i + step] for i in range(0, len(content), step)]
            payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        elif content is not None:
            lines.append(b"content-length: %d" % len(content))
            payload = content

        async def exchange() -> bytes:
            reader, writer = await asyncio.open_connection(host, port)
            received = bytearray()

            async def read() -> None:
                # From the first byte on, as a browser or curl does: a server may answer (413) and
                # close before the body is all sent, and an answer left unread when the reset of the
                # unsent rest arrives is lost.
                try:
                    while chunk := await reader.read(65_536):
                        received.extend(chunk)
                except ConnectionError:
                    pass

            reading = asyncio.create_task(read())
            try:
                writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
                for start in range(0, len(payload), 65_536):
                    if reading.done():
                        break  # answered and closed: the rest would go nowhere
                    writer.write(payload[start : start + 65_536])
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                await reading
                writer.close()
            return bytes(received)

        raw = await asyncio.wait_for(exchange(), BOUND)
        if not raw:
            raise ConnectionError(
                f"{method} {target[:80]}: the server closed the connection without an answer"
            )
        return _parse(raw)

    return send
