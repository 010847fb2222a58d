"""Decision-only requests (issue 20, levers 3 and 4): queries whose whole target is the memory token of
their tool (no arguments), so they can teach *which tool fires* from wordings whose arguments are
unknown or no longer spelled out:

- :func:`spec_queries`: the tool's description and name said the ways a user asks for something. They
  add the spec's own vocabulary beside the user's examples' phrasings. The frames assume a description
  that starts with a verb ("Reserve a table ...", the usual form; a leading "Returns"/"Gets" is read
  as "Return"/"Get"); a noun-phrase description ("Current weather for a city") still gives the bare
  clause and the name, and awkward frames around it.
- :func:`perturbed_queries`: a user example's query with words dropped, its clauses rotated, said
  tersely or wrapped as a question. Such a query may cut an argument span, which an argument target
  could not allow (:mod:`.augment` keeps every value verbatim); a decision-only one can.
"""

from __future__ import annotations

import random
import re
from typing import Sequence

from ..bank.records import Example
from ..bank.specs import ToolSpec
from .augment import REQUESTS

MAX_SPEC_QUERIES = 8
"""How many requests :func:`spec_queries` can make of one spec (one per frame)."""
# the ways a request is said, in the order spec_queries takes them
_FRAMES = ("{D}", "Can you {d}?", "Please {d}.", "I'd like to {d}", "{name}", "I need to {d}", "{d}, please", "Could you {d}?")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "st", "no", "approx"}
_USERS = re.compile(r"\bthe user[’']s\b", re.IGNORECASE)


def _base_form(word: str) -> str:
    """"Returns" -> "Return", "Searches" -> "Search", "Applies" -> "Apply"; other words as they are."""
    if not re.fullmatch(r"[A-Z][a-z]{2,}", word) or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


def _sentence_end(text: str) -> int:
    """Where the first sentence ends: a ``.``/``!``/``?`` before a capital that does not close an
    abbreviation or a single letter ("U.S."), else a line break or ``;``; else the end."""
    for m in re.finditer(r"[.!?](?=\s+[A-Z])|\n|;", text):
        if text[m.start()] == ".":
            word = re.search(r"([\w.]+)$", text[: m.start()])
            w = word.group(1).lower() if word else ""
            if w and (w in _ABBREVIATIONS or len(w.rsplit(".", 1)[-1]) <= 1):
                continue
        return m.start()
    return len(text)


def first_clause(description: str) -> str:
    """The description's first sentence, without parentheticals (nested ones too), a short label
    before a colon (or what follows a longer lead), ``e.g.``/``i.e.`` tails and end punctuation; "the user's" said as "my", a leading "Returns"
    as "Return"."""
    text = description.strip()
    while True:
        stripped = re.sub(r"\s*\([^()]*\)", "", text)
        if stripped == text:
            break
        text = stripped
    text = text[: _sentence_end(text)]
    label, colon, after = text.partition(": ")
    if colon:  # "Weather: get the forecast" -> the part after a short label, else the part before
        text = after if len(label.split()) <= 2 and after.strip() else label
    text = re.split(r",?\s+(?:e\.g\.|i\.e\.)\s", text, maxsplit=1)[0]
    text = _USERS.sub("my", text).strip().rstrip(".!?").strip()
    first, sep, rest = text.partition(" ")
    return _base_form(first) + sep + rest if rest else text


def spec_queries(spec: ToolSpec, n: int) -> list[str]:
    """Up to ``n`` (at most :data:`MAX_SPEC_QUERIES`) distinct requests for ``spec``, made from its
    description's first clause and its name; none for an empty description."""
    clause = first_clause(spec.description)
    if n <= 0 or not clause:
        return []
    keep_case = len(clause) > 1 and clause[1].isupper()  # "HTTP GET a URL" stays as it is
    d = clause if keep_case else clause[0].lower() + clause[1:]
    name = re.sub(r"[_.\-]+", " ", spec.name).strip()
    out = [f.format(D=clause[0].upper() + clause[1:], d=d, name=name) for f in _FRAMES]
    return list(dict.fromkeys(out))[:n]


_FUNCTION_WORDS = frozenset("a an the please can could would you me my i i'd like to want need for just some of".split())
_BREAKS = re.compile(r",\s+|\s+(?=(?:at|for|on|in|to|from|with|by|about|before|after|around)\s)")


def _drop_words(words: list[str], rng: random.Random) -> list[str]:
    kept = [w for w in words if rng.random() >= 0.3]
    return kept if len(kept) >= max(2, len(words) // 2) else words[: max(2, len(words) // 2)]


def _rotate(query: str, rng: random.Random) -> str:
    cuts = [m for m in _BREAKS.finditer(query) if 0 < m.start() < len(query) - 1]
    if not cuts:
        return query
    m = rng.choice(cuts)
    head, tail = query[: m.start()].strip(), query[m.end() :].strip().rstrip(".!?")
    return f"{tail}, {head[0].lower() + head[1:] if head[1:2].islower() else head}"


def perturbed(query: str, rng: random.Random) -> str:
    """One perturbed wording of ``query``: words dropped, clauses rotated, a terse form (lower case, no
    punctuation or function words) or a question wrapper, sometimes two of these."""
    q = query.strip()
    for _ in range(1 + (rng.random() < 0.3)):
        kind = rng.randrange(4)
        if kind == 0:
            q = " ".join(_drop_words(q.split(), rng))
        elif kind == 1:
            q = _rotate(q, rng)
        elif kind == 2:
            words = [w for w in re.sub(r"[^\w\s:'&-]", " ", q.lower()).split() if w not in _FUNCTION_WORDS]
            q = " ".join(words) or q
        else:
            body = q.rstrip(".!?")
            body = body[0].lower() + body[1:] if body[1:2].islower() else body
            q = rng.choice(REQUESTS).format(q=body)
    return q


def perturbed_queries(examples: Sequence[Example], per_example: int, seed: int) -> list[tuple[str, str]]:
    """``(query, tool)``: up to ``per_example`` distinct perturbed wordings of each single-call example
    (multi-call and no-tool examples give none), new to the examples, in a fixed order for a seed."""
    rng = random.Random(seed)
    seen = {e.query.strip().lower() for e in examples}
    out: list[tuple[str, str]] = []
    for ex in examples:
        if len(ex.calls) != 1:
            continue
        made = 0
        for _ in range(per_example * 4):
            if made >= per_example:
                break
            q = perturbed(ex.query, rng)
            if q.strip().lower() in seen:
                continue
            seen.add(q.strip().lower())
            out.append((q, ex.calls[0].name))
            made += 1
    return out
