"""An incremental scanner of a call's JSON arguments, fed the bytes of each token as it is emitted.

It tells where the arguments object closes (the decoder's call boundary), and which string value
the text ends inside, with the property path leading to it (what the copy bias needs), without
re-reading what came before. The constraint state keeps one per open call; unconstrained decoding
keeps its own.
"""

from __future__ import annotations

from dataclasses import dataclass

_QUOTE, _BACKSLASH, _COLON, _COMMA = 0x22, 0x5C, 0x3A, 0x2C
_OPEN_OBJECT, _OPEN_ARRAY, _CLOSE_OBJECT, _CLOSE_ARRAY = 0x7B, 0x5B, 0x7D, 0x5D


@dataclass(frozen=True)
class OpenString:
    """The JSON string value a prefix of a call's arguments ends inside."""

    value: str
    """Its content so far (escapes kept as written: ``\\"`` stays two characters)."""
    path: tuple[str | None, ...]
    """Where it sits: the property names leading to it, ``None`` for an array item."""


class JsonScanner:
    """Tracks nesting, strings and keys over the bytes of a JSON value given piece by piece."""

    def __init__(self) -> None:
        self.data = bytearray()
        """Every byte fed so far."""
        self._stack: list[list[object]] = []  # per open container: [bracket byte, key being filled or None]
        self._expect_key = False
        self._in_string = False
        self._is_value = False
        self._escaped = False
        self._start = 0
        self._last_key = ""

    def feed(self, chunk: bytes) -> None:
        """Consume the next bytes of the text."""
        base = len(self.data)
        self.data.extend(chunk)
        for k, b in enumerate(chunk):
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif b == _BACKSLASH:
                    self._escaped = True
                elif b == _QUOTE:
                    self._in_string = False
                    if not self._is_value:
                        self._last_key = self.data[self._start : base + k].decode("utf-8", "replace")
                continue
            if b == _QUOTE:
                self._in_string, self._start = True, base + k + 1
                self._is_value = not (self._stack and self._stack[-1][0] == _OPEN_OBJECT and self._expect_key)
            elif b in (_OPEN_OBJECT, _OPEN_ARRAY):
                self._stack.append([b, None])
                self._expect_key = b == _OPEN_OBJECT
            elif b in (_CLOSE_OBJECT, _CLOSE_ARRAY):
                if self._stack:
                    self._stack.pop()
                self._expect_key = False
            elif b == _COLON:
                self._expect_key = False
                if self._stack:
                    self._stack[-1][1] = self._last_key
            elif b == _COMMA:
                self._expect_key = bool(self._stack) and self._stack[-1][0] == _OPEN_OBJECT

    @property
    def in_string(self) -> bool:
        """True inside a string (a key or a value)."""
        return self._in_string

    @property
    def closed(self) -> bool:
        """True once something was fed and every container and string it opened is closed."""
        return bool(self.data) and not self._stack and not self._in_string

    @property
    def open_string(self) -> OpenString | None:
        """The string value (not an object key) the text ends inside, else None."""
        if not (self._in_string and self._is_value):
            return None
        value = self.data[self._start :].decode("utf-8", "replace")
        return OpenString(value, tuple(key for _, key in self._stack))  # type: ignore[misc]

    @property
    def text(self) -> str:
        """The bytes fed so far as text."""
        return self.data.decode("utf-8", "replace")


def open_string(text: str) -> OpenString | None:
    """The string value ``text`` (a prefix of a JSON object, e.g. a call's arguments) ends inside, else
    None; object keys are not values, strings in arrays are."""
    scanner = JsonScanner()
    scanner.feed(text.encode("utf-8"))
    return scanner.open_string
