"""Phrasing augmentation at learn time: each user example becomes a few variants that say the same
thing in another register (a lead-in, a request wrapper, trailing words, casing and punctuation), so
a memory token learns the tool rather than the exact wording of its ~15 examples.

The arguments never change: every variant keeps each string argument value that the query spells
verbatim (it is never re-cased or cut), and the words added are generic (greetings, courtesy,
fillers), never part of a value, so a variant cannot teach a span that swallows a lead-in.
"""

from __future__ import annotations

import random
from typing import Sequence

from ..bank.records import Example

LEAD_INS = (
    "Hey, ", "Hi, ", "Hello! ", "Ok, ", "Okay so ", "Alright, ", "Right, ", "So ", "Um, ", "Hmm, ",
    "Yo, ", "Morning, ", "Evening! ", "Quick request: ", "One thing: ", "Next: ", "Also, ", "Oh and ",
    "Assistant, ", "Excuse me, ", "Sorry, ", "Real quick: ", "If possible, ", "When you can, ",
)
"""Words a user puts before a request; the request follows unchanged."""

REQUESTS = (
    "Can you {q}?", "Could you {q}?", "Could you please {q}?", "Would you {q}?", "Can u {q}",
    "Please {q}.", "pls {q}", "I'd like you to {q}.", "I want you to {q}.", "I need you to {q}.",
    "Go ahead and {q}.", "Help me {q}.", "Are you able to {q}?",
    "Mind if I ask you to {q}?", "Do me a favour and {q}.", "{q}, would you?", "{q}, please.",
)
"""Wrappers that turn an imperative request into a question or a polite form (``{q}``: the request,
its first letter lower-cased and its final punctuation dropped)."""

TRAILERS = (
    " please", ", please", ", thanks", ". Thanks!", ". Thank you.", " thx", " ty", " - cheers",
    ", ta", " asap", ", if you can", " when you get a chance", ". Much appreciated!", " :)",
    " for me", ", got it?", ". That's all.", ", nothing else",
)
"""Words a user puts after a request."""

NOT_IMPERATIVE = frozenset(
    "i i'm i've i'd i'll im my me we we're our you your it it's its the a an this that these those there "
    "here what what's how when where who which why is are was were do does did has have had can could "
    "would should will shall may might".split()
)
"""First words after which a request wrapper would not make a sentence (the query is not a command)."""


def _protected(ex: Example) -> list[str]:
    """The string argument values the query spells verbatim (they must survive every variant)."""
    out: list[str] = []

    def walk(v: object) -> None:
        if isinstance(v, str):
            if v and v in ex.query:
                out.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for c in ex.calls:
        walk(c.arguments)
    return out


def _lower_first(q: str, protected: Sequence[str]) -> str:
    """``q`` with its first letter lower-cased, unless a protected value starts the query."""
    if not q or any(q.startswith(p) for p in protected):
        return q
    word = q.split(" ", 1)[0]
    if len(word) > 1 and word[1:2].isupper():  # an acronym ("USB", "NYC")
        return q
    return q[0].lower() + q[1:]


def _lower_all(q: str, protected: Sequence[str]) -> str:
    """``q`` lower-cased except the protected values."""
    spans = sorted((q.find(p), q.find(p) + len(p)) for p in protected if p in q)
    out, at = [], 0
    for a, b in spans:
        if a < at:
            continue
        out.append(q[at:a].lower())
        out.append(q[a:b])
        at = b
    out.append(q[at:].lower())
    return "".join(out)


def _strip_end(q: str) -> str:
    return q.rstrip().rstrip(".!?;").rstrip()


def variant(ex: Example, rng: random.Random) -> Example:
    """One augmented variant of a call example (a no-tool example is returned unchanged)."""
    if not ex.calls:
        return ex
    protected = _protected(ex)
    q = ex.query.strip()
    core = _strip_end(q)
    if any(p not in core for p in protected):  # a value ends with the punctuation: keep the text as is
        core = q
    first = core.split(" ", 1)[0].lower().strip(",.!?")
    roll = rng.random()
    simple = not any(c in core for c in "?:;") and ". " not in core  # one plain clause
    if roll < 0.4 and simple and first not in NOT_IMPERATIVE and not any(core.startswith(p) for p in protected):
        q = rng.choice(REQUESTS).format(q=_lower_first(core, protected))
    elif roll < 0.7:
        q = rng.choice(LEAD_INS) + _lower_first(q, protected)
    if rng.random() < 0.5:
        q = _strip_end(q) + rng.choice(TRAILERS) if all(p in _strip_end(q) for p in protected) else q
    if rng.random() < 0.25:
        q = _lower_all(q, protected)
    if rng.random() < 0.2:
        q = _strip_end(q) if all(p in _strip_end(q) for p in protected) else q
    return Example(q, ex.calls)


def augment(examples: Sequence[Example], per_example: int, seed: int) -> list[Example]:
    """Up to ``per_example`` distinct new variants of every call example (none of no-tool ones), in a
    fixed order for a seed; variants that equal a query already present are dropped."""
    rng = random.Random(seed)
    seen = {e.query for e in examples}
    out: list[Example] = []
    for ex in examples:
        if not ex.calls:
            continue
        made = 0
        for _ in range(per_example * 4):
            if made >= per_example:
                break
            v = variant(ex, rng)
            if v.query in seen:
                continue
            seen.add(v.query)
            out.append(v)
            made += 1
    return out
