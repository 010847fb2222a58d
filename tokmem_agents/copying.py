"""Copy bias: favour argument strings copied from the query while decoding a call.

Most argument values a user gives (a city, a file name, an e-mail address, a phrase to search) occur
verbatim in the query, and a small backbone often mangles them when it rewrites them ("Singapore" ->
"SINGER"). With ``DecodeConfig.copy_bias > 0``, while the decoder is inside a JSON string value
of a call's arguments, every vocabulary token that continues a span of the query is given that many
extra logits: at the start of the value, tokens that are a substring of the query; further in, tokens
that extend the value's longest suffix found in the query. The model still decides when the value
ends and whether to copy at all (the bias is a nudge, not a mask), and the schema constraint still
applies on top.
"""

from __future__ import annotations

from typing import Any, Sequence

MAX_TOKEN_CHARS = 24
"""Longest token string considered (longer vocabulary entries are never copy candidates)."""


def open_string_value(text: str) -> str | None:
    """The content so far of the JSON string value ``text`` ends inside, else None.

    ``text`` is a prefix of a JSON object (a call's arguments). Object keys are not values (None);
    strings in arrays are. Escapes are kept as written (``\\"`` stays two characters).
    """
    stack: list[str] = []  # "{" or "["
    expect_key = False
    in_string = False
    is_value = False
    start = 0
    escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string, start = True, i + 1
            is_value = not (stack and stack[-1] == "{" and expect_key)
        elif ch in "{[":
            stack.append(ch)
            expect_key = ch == "{"
        elif ch in "}]":
            if stack:
                stack.pop()
            expect_key = False
        elif ch == ":":
            expect_key = False
        elif ch == ",":
            expect_key = bool(stack) and stack[-1] == "{"
    if in_string and is_value:
        return text[start:]
    return None


class CopyIndex:
    """Which vocabulary tokens continue a span of one query (built per query, cheap to query)."""

    def __init__(self, query: str, token_ids: dict[str, list[int]]) -> None:
        self.query = query
        self._ids = token_ids
        self._cache: dict[str, list[int]] = {}

    def _continuations(self, prefix: str) -> list[int]:
        """Ids of tokens ``t`` with ``prefix + t`` a substring of the query."""
        found: set[int] = set()
        q, n = self.query, len(prefix)
        at = q.find(prefix)
        while at >= 0:
            tail = q[at + n : at + n + MAX_TOKEN_CHARS]
            for k in range(1, len(tail) + 1):
                found.update(self._ids.get(tail[:k], ()))
            at = q.find(prefix, at + 1)
        return sorted(found)

    def candidates(self, value: str) -> list[int]:
        """Tokens to favour after the string value ``value`` (the part decoded so far)."""
        suffix = value
        while suffix and suffix not in self.query:  # the longest suffix of the value found in the query
            suffix = suffix[1:]
        if value and not suffix:  # the value has left the query: nothing to copy
            return []
        if suffix not in self._cache:
            self._cache[suffix] = self._continuations(suffix)
        return self._cache[suffix]


def token_table(tokenizer: Any, vocab_size: int) -> dict[str, list[int]]:
    """Token text -> ids for the first ``vocab_size`` ids (each decoded alone; empty and overlong skipped)."""
    table: dict[str, list[int]] = {}
    texts: Sequence[str] = tokenizer.batch_decode([[i] for i in range(vocab_size)], skip_special_tokens=True)
    for i, t in enumerate(texts):
        if t and len(t) <= MAX_TOKEN_CHARS and "\ufffd" not in t:
            table.setdefault(t, []).append(i)
    return table


__all__ = ["CopyIndex", "MAX_TOKEN_CHARS", "open_string_value", "token_table"]
