"""How the grammar alone closes a call the decoder has to stop early (:meth:`.grammar.CallState.close`):
a closing preference per vocabulary token, outside and inside a JSON string.

Among the allowed tokens the closer prefers the ones that close the current string/array/object
(``"}``, ``]``, ``}``), then separators, then the shortest values (``1``, ``null``, ``true``, an
empty string or array), and inside a constrained string (enum, const, minLength, pattern) the
longest allowed piece.
"""

from __future__ import annotations

import weakref
from typing import Any

import llguidance
import numpy as np

_CLOSERS = frozenset(b"}]")
_SEPS_AND_CLOSERS = frozenset(b',: "}]')
_ATOMS = frozenset({b"null", b"true", b"false"})


def _score_outside(piece: bytes) -> int:
    """Closing preference of a token outside a JSON string (higher: finishes the object sooner)."""
    rest = piece.lstrip(b",: ")
    if not rest:
        return 2000 + len(piece)  # a separator: the value before it is done
    if all(c in _CLOSERS for c in rest):
        return 3000 + len(rest)
    if rest in _ATOMS:
        return 1600
    if rest.isdigit():
        return 1600 - len(rest) - (rest[:1] == b"0")  # "1" first: "0" may need a fraction
    if rest == b'"':
        return 1500  # an empty string is two tokens away
    if rest[:1] == b"[":
        return 100
    if rest[:1] == b"{":
        return 90
    return min(len(piece), 50)


def _score_inside(piece: bytes) -> int:
    """Closing preference of a token inside a JSON string: close it (and the containers after it),
    else write the longest allowed piece (enum/const values, minLength, patterns end sooner)."""
    quote = piece.find(b'"')
    if quote < 0 or b"\\" in piece[:quote]:
        return 2 * min(len(piece), 50) - (piece[:1] == b"0")  # "1" over "0": year 0000 is no date
    content, rest = min(quote, 9), piece[quote + 1 :]
    if not rest:
        return 2500 - content
    if all(c in _CLOSERS for c in rest):
        return 3000 + 10 * len(rest) - content
    if all(c in _SEPS_AND_CLOSERS for c in rest):
        return 2600 + len(rest) - content  # a comma or colon follows a bare quote here anyway
    return 2 * min(len(piece), 50)


_CLOSING_SCORES: "weakref.WeakKeyDictionary[Any, dict[int, tuple[np.ndarray, np.ndarray]]]" = weakref.WeakKeyDictionary()


def closing_scores(tokenizer: Any, ll: llguidance.LLTokenizer, n_vocab: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-token closing preferences ``(outside a string, inside a string)``, cached per tokenizer."""
    per_tok = _CLOSING_SCORES.setdefault(tokenizer, {})
    if n_vocab not in per_tok:
        outside = np.full(n_vocab, -1, dtype=np.int32)
        inside = np.full(n_vocab, -1, dtype=np.int32)
        for i in range(min(n_vocab, len(tokenizer))):
            if ll.is_special_token(i):
                continue
            piece = ll.decode_bytes([i])
            if piece:
                outside[i] = _score_outside(piece)
                inside[i] = _score_inside(piece)
        per_tok[n_vocab] = (outside, inside)
    return per_tok[n_vocab]
