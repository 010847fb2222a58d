"""Copy bias: favour argument strings copied from the query while decoding a call.

Most argument values a user gives (a city, a file name, an e-mail address, a phrase to search) occur
verbatim in the query, and a small backbone often mangles them when it rewrites them ("Singapore" ->
"SINGER"). With ``DecodeConfig.copy_bias > 0``, while the decoder is inside a JSON string value
of a call's arguments, every vocabulary token that continues a span of the query is given that many
extra logits: at the start of the value, tokens that are a substring of the query; further in, tokens
that extend the value's longest suffix found in the query. While the value so far is a span of the
query, the tokens that close the string (they start with ``"``) get the same bias: the bias only
penalises leaving the query, so where a copied value ends stays the model's choice, as before the bias.
Strings of an ``enum`` or ``const`` (:func:`closed_choice`) get no bias: they are chosen by meaning.
The model can still write a value that is not in the query (the bias is a penalty, not a mask), and
the schema constraint still applies on top. Which string value the decoder is in comes from the
call's :class:`~.scanner.JsonScanner`, which reads each token's bytes once as it is emitted.
"""

from __future__ import annotations

import weakref
from typing import Any, Mapping, Sequence

MAX_TOKEN_CHARS = 24
"""Longest token string considered (longer vocabulary entries are never copy candidates)."""


def closed_choice(schema: Mapping[str, Any], path: Sequence[str | None]) -> bool:
    """True when the string at ``path`` of an arguments object valid for ``schema`` is one of a
    closed set (``enum`` or ``const``): its value is chosen by meaning, not copied from the query.
    Only ``properties`` and ``items`` are followed (not ``anyOf``/``oneOf``/``$ref``)."""
    node: Any = schema
    for key in path:
        if not isinstance(node, Mapping):
            return False
        node = node.get("items") if key is None else (node.get("properties") or {}).get(key)
    return isinstance(node, Mapping) and ("enum" in node or "const" in node)


class CopyVocab:
    """What copying needs of a tokenizer, built once per backbone: every vocabulary token by its text,
    and the tokens that close a JSON string."""

    def __init__(self, ids: Mapping[str, Sequence[int]]) -> None:
        self.ids = {t: list(v) for t, v in ids.items()}
        """Token text -> ids."""
        self.closing = frozenset(i for t, v in self.ids.items() if t.startswith('"') for i in v)
        """Tokens that end a string value (a ``"`` inside a value is escaped, so one that starts a token closes it)."""

    @classmethod
    def of_tokenizer(cls, tokenizer: Any, vocab_size: int) -> "CopyVocab":
        """The first ``vocab_size`` ids of ``tokenizer``, each decoded alone (empty and overlong texts
        skipped). Built once per tokenizer and size in a process (decoding the vocabulary takes ~0.5 s)."""
        per_tok = _VOCABS.setdefault(tokenizer, {})
        if vocab_size not in per_tok:
            ids: dict[str, list[int]] = {}
            texts: Sequence[str] = tokenizer.batch_decode([[i] for i in range(vocab_size)], skip_special_tokens=True)
            for i, t in enumerate(texts):
                if t and len(t) <= MAX_TOKEN_CHARS and "\ufffd" not in t:
                    ids.setdefault(t, []).append(i)
            per_tok[vocab_size] = cls(ids)
        return per_tok[vocab_size]


_VOCABS: "weakref.WeakKeyDictionary[Any, dict[int, CopyVocab]]" = weakref.WeakKeyDictionary()


class CopyIndex:
    """Which vocabulary tokens keep a string value a copy of a span of one query (built per query)."""

    def __init__(self, query: str, vocab: CopyVocab) -> None:
        self.query = query
        self.vocab = vocab
        self._cache: dict[tuple[str, bool], list[int]] = {}

    def _continuations(self, prefix: str) -> set[int]:
        """Ids of tokens ``t`` with ``prefix + t`` a substring of the query."""
        found: set[int] = set()
        q, n = self.query, len(prefix)
        at = q.find(prefix)
        while at >= 0:
            tail = q[at + n : at + n + MAX_TOKEN_CHARS]
            for k in range(1, len(tail) + 1):
                found.update(self.vocab.ids.get(tail[:k], ()))
            at = q.find(prefix, at + 1)
        return found

    def candidates(self, value: str) -> list[int]:
        """Tokens to favour after the string value ``value`` (the part decoded so far)."""
        suffix = value
        while suffix and suffix not in self.query:  # the longest suffix of the value found in the query
            suffix = suffix[1:]
        if value and not suffix:  # the value has left the query: nothing to copy
            return []
        key = (suffix, suffix == value)  # the whole value is a span: ending it keeps the copy
        if key not in self._cache:
            self._cache[key] = sorted(self._continuations(suffix) | (self.vocab.closing if key[1] else set()))
        return self._cache[key]
