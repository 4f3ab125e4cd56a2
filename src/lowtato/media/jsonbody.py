"""The JSON form of an upload, ``{"data": "<base64>", "mime_type": …, "filename": …}``, parsed
as a stream.

No streaming JSON library yields a long string value in pieces (ijson returns it whole), so
this is a small scanner of its own: the value of ``data`` is decoded while it arrives (JSON
escapes inside it are handled; ``\\/`` is common, and so are ``\\n`` line breaks), and
everything else is kept as a skeleton of the document, with the data string left empty, to be
parsed with ``json.loads`` at the end, which is also what rejects malformed JSON. The skeleton
is capped at ``FIELD_BYTES``.
"""

from __future__ import annotations

import binascii
import contextlib
import json
from collections.abc import Callable
from typing import Protocol

from lowtato.errors import InvalidJSON, ValidationFailed
from lowtato.kit.errors_http import field_name
from lowtato.kit.routing import SURROGATE_MESSAGE, surrogate_paths
from lowtato.media import sniff

FIELD_BYTES = 64 * 1024  # everything that is not the file (keys, mime_type, filename)


class Sink(Protocol):
    """Where the decoded file goes (``upload._Sink``)."""

    filename: str | None

    def write(self, data: bytes) -> None: ...

    def declare(self, source: str, mime_type: str | None) -> None: ...


_QUOTE, _BACKSLASH, _COLON = ord('"'), ord("\\"), ord(":")
_OPEN, _CLOSE, _WHITESPACE = frozenset(b"{["), frozenset(b"}]"), frozenset(b" \t\r\n")
_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_JSON_KEYS = {"data", "mime_type", "filename"}


def _bad_data(reason: str) -> ValidationFailed:
    return ValidationFailed.field("data", f"data is not valid base64: {reason}")


class _Base64:
    """Incremental base64 decoding (standard or URL-safe alphabet, padding optional)."""

    def __init__(self, out: Callable[[bytes], None]) -> None:
        self.out = out
        self.carry = b""
        self.padded = False

    def feed(self, text: bytes) -> None:
        if b"-" in text or b"_" in text:  # two memchr scans are cheaper than a translate copy
            text = text.translate(_URLSAFE)
        if self.carry:
            need = 4 - len(self.carry)
            self.carry, text = self.carry + text[:need], text[need:]
            if len(self.carry) < 4:
                return
            self._decode(self.carry)
            self.carry = b""
        cut = len(text) - len(text) % 4
        if cut:
            self._decode(text[:cut])
        self.carry = text[cut:]

    def finish(self) -> None:
        if len(self.carry) == 1:
            raise _bad_data("its length is not possible for base64")
        if self.carry:
            self._decode(self.carry + b"=" * (4 - len(self.carry)))

    def _decode(self, text: bytes) -> None:
        if self.padded:
            raise _bad_data("it continues after its '=' padding")
        try:
            # The lenient decoder is ~1.6x faster than strict_mode; what it would skip over
            # (characters outside the alphabet, padding inside the text) shows as output
            # shorter than the length of ``text`` (whole 4-character groups) promises.
            decoded = binascii.a2b_base64(text)
        except binascii.Error as exc:
            raise _bad_data(str(exc)) from exc
        padding = (text[-1:] == b"=") + (text[-2:-1] == b"=")
        if len(decoded) != len(text) // 4 * 3 - padding:
            raise _bad_data("it contains characters outside the base64 alphabet")
        self.padded = padding > 0
        self.out(decoded)


class Base64Json:
    """``{"data": "<base64>", "mime_type": …, "filename": …}`` as a stream.

    The value of ``data`` is decoded while it arrives (JSON escapes inside it are handled;
    ``\\/`` is common). Everything else is kept as a skeleton of the document, with the data
    string left empty, and parsed with ``json.loads`` at the end, which is also what rejects
    malformed JSON.
    """

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.decoder = _Base64(sink.write)
        self.skeleton = bytearray()
        self.depth = 0
        self.in_string = False
        self.escaped = False
        self.string_start = 0
        self.last_string: bytes | None = None  # the last top-level string: a key if ':' follows
        self.pending_key: bytes | None = None  # a top-level key whose value comes next
        self.value_of: bytes | None = None  # the key of the top-level string being read
        self.in_data = False
        self.data_seen = False
        self.escape: bytearray | None = None  # inside a \-escape of the data string
        self.prefix: bytearray | None = None  # start of the data string: a data: URL?

    def feed(self, chunk: bytes) -> None:
        i = 0
        while i < len(chunk):
            i = self._data(chunk, i) if self.in_data else self._structure(chunk, i)

    def finish(self) -> None:
        if self.in_data or self.in_string or self.depth or not self.skeleton.strip():
            raise InvalidJSON("The request body is not complete JSON.")
        try:
            body = json.loads(self.skeleton)
        except ValueError as exc:
            raise InvalidJSON(f"The request body is not valid JSON ({exc}).") from exc
        if not isinstance(body, dict):
            raise ValidationFailed.field("body", "send a JSON object {data, mime_type}")
        problems = [
            {"field": key, "message": "unknown field; remove it"}
            for key in body
            if key not in _JSON_KEYS
        ]
        for key in ("mime_type", "filename"):
            if body.get(key) is not None and not isinstance(body[key], str):
                problems.append({"field": key, "message": "must be a string"})
        # This body bypasses the JSON route check (it is streamed), so check its text here.
        problems += [
            {"field": field_name(path), "message": SURROGATE_MESSAGE}
            for path in surrogate_paths(body)
        ]
        if not self.data_seen:
            problems.append({"field": "data", "message": "the file, base64-encoded, is required"})
        if problems:
            raise ValidationFailed.fields(problems)
        self._flush_prefix()
        self.decoder.finish()
        self.sink.filename = body.get("filename")
        self.sink.declare("mime_type", sniff.normalize(body.get("mime_type")))
        self.sink.declare(
            f"The file name {self.sink.filename!r}", sniff.type_of_name(self.sink.filename)
        )

    def _keep(self, byte: int) -> None:
        if len(self.skeleton) >= FIELD_BYTES:
            raise ValidationFailed.field(
                "body", f"the fields besides 'data' exceed {FIELD_BYTES} bytes"
            )
        self.skeleton.append(byte)

    def _structure(self, chunk: bytes, i: int) -> int:
        """Scan JSON outside the data string; returns where the data string starts or the end."""
        while i < len(chunk):
            c = chunk[i]
            self._keep(c)
            i += 1
            if self.in_string:
                self._string_byte(c)
            elif c == _QUOTE:
                if self.depth == 1 and self.pending_key == b"data":
                    if self.data_seen:
                        raise ValidationFailed.field("data", "send 'data' once")
                    self.in_data = self.data_seen = True
                    self.pending_key = None
                    self.prefix = bytearray()
                    return i
                self.in_string = True
                self.string_start = len(self.skeleton)
                self.value_of, self.pending_key = self.pending_key, None
            elif c in _WHITESPACE:
                pass
            elif self.depth == 1 and c == _COLON:
                self.pending_key, self.last_string = self.last_string, None
            else:
                if c in _OPEN:
                    self.depth += 1
                elif c in _CLOSE:
                    self.depth -= 1
                self.pending_key = self.last_string = None
        return i

    def _string_byte(self, c: int) -> None:
        if self.escaped:
            self.escaped = False
        elif c == _BACKSLASH:
            self.escaped = True
        elif c == _QUOTE:
            self.in_string = False
            self._string_closed()

    def _string_closed(self) -> None:
        if self.depth != 1:
            return
        text = bytes(self.skeleton[self.string_start : -1])
        if self.value_of == b"mime_type":
            # Declared before the data: a mismatch is refused before the file is read.
            with contextlib.suppress(ValueError):
                self.sink.declare("mime_type", sniff.normalize(json.loads(b'"' + text + b'"')))
            self.last_string = None
        else:
            self.last_string = text if self.value_of is None else None
        self.value_of = None

    def _data(self, chunk: bytes, i: int) -> int:
        """Decode the data string from ``i``; returns where it ends or the end of the chunk."""
        n = len(chunk)
        while i < n:
            if self.escape is not None:
                self._escape_byte(chunk[i])
                i += 1
                continue
            quote = chunk.find(b'"', i)
            backslash = chunk.find(b"\\", i, quote if quote >= 0 else n)
            end = backslash if backslash >= 0 else (quote if quote >= 0 else n)
            if end > i:
                self._text(chunk[i:end])
            if end == n:
                return n
            i = end + 1
            if end == quote:
                self.in_data = False
                self._keep(_QUOTE)
                return i
            self.escape = bytearray()
        return n

    def _escape_byte(self, c: int) -> None:
        assert self.escape is not None
        self.escape.append(c)
        first = self.escape[0]
        if first == ord("u"):
            if len(self.escape) < 5:
                return
            try:
                char = int(self.escape[1:].decode("ascii"), 16)
            except ValueError as exc:
                raise InvalidJSON("The request body has an invalid \\u escape.") from exc
            self.escape = None
            if char < 128 and char in _BASE64:
                self._text(bytes([char]))
            elif char >= 128 or char not in _WHITESPACE:
                raise _bad_data(f"it contains the character U+{char:04X}")
            return
        self.escape = None
        if first == ord("/"):
            self._text(b"/")
        elif first not in b"nrt":  # \n \r \t: line breaks some encoders put in base64
            raise _bad_data(f"it contains the escape \\{chr(first)}")

    def _text(self, text: bytes) -> None:
        """Unescaped text of the data string; a leading ``data:<type>;base64,`` is peeled off."""
        if self.prefix is None:
            self.decoder.feed(text)
            return
        self.prefix += text
        if not b"data:".startswith(bytes(self.prefix[:5])):
            self._flush_prefix()
            return
        comma = self.prefix.find(b",")
        if comma < 0:
            if len(self.prefix) > 255:
                raise _bad_data("it starts like a data: URL without a ',' before the payload")
            return
        header, rest = bytes(self.prefix[5:comma]), bytes(self.prefix[comma + 1 :])
        if not header.endswith(b";base64"):
            raise _bad_data("only base64 data: URLs are accepted ('data:<type>;base64,…')")
        self.prefix = None
        self.sink.declare("The data: URL", sniff.normalize(header[:-7].decode("latin-1")))
        self.decoder.feed(rest)

    def _flush_prefix(self) -> None:
        if self.prefix is not None:
            pending, self.prefix = bytes(self.prefix), None
            self.decoder.feed(pending)
