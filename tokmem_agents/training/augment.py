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

IMPERATIVE = frozenset(
    "add set track record log book find show get send make change turn start stop open close play check "
    "create cancel order put schedule remind convert calculate compute translate search look tell give list "
    "delete remove update move buy pay transfer call text email dim lock unlock reserve return redirect "
    "arrange reschedule plan request refill rate write read save count reverse replace generate lower raise "
    "increase decrease switch join leave mark note freeze unfreeze report rename copy share sort split "
    "adjust pause resume skip mute unmute block unblock print draft post upload download install choose pick "
    "subscribe unsubscribe enable disable activate deactivate clear empty fill take".split()
)
"""First words that make a query an imperative request, the only kind a request wrapper
("Can you ...?") turns into a sentence."""


def _protected(ex: Example) -> list[str]:
    """The string argument values the query spells verbatim (they must survive every variant)."""
    out: list[str] = []

    def walk(v: object) -> None:
        if isinstance(v, str):
            if v.strip() and v in ex.query:
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


def _mask(text: str, protected: Sequence[str]) -> list[bool]:
    """Per character of ``text``: inside an occurrence of a protected value (every occurrence)."""
    keep = [False] * len(text)
    for p in protected:
        at = text.find(p)
        while at >= 0:
            for i in range(at, at + len(p)):
                keep[i] = True
            at = text.find(p, at + 1)
    return keep


def _lowered(text: str, keep: Sequence[bool], first_only: bool) -> str:
    """``text`` with its unprotected characters lower-cased (only the first one with ``first_only``;
    an acronym's first letter stays)."""
    if first_only:
        word = text.split(" ", 1)[0]
        if not text or keep[0] or (len(word) > 1 and word[1:2].isupper()):
            return text
        return text[0].lower() + text[1:]
    return "".join(c if k else c.lower() for c, k in zip(text, keep))


def _strip_end(q: str) -> str:
    return q.rstrip().rstrip(".!?;").rstrip()


def _spells_none(added: str, protected: Sequence[str]) -> bool:
    """Added words must not spell a value (else a copied span could point into them)."""
    low = added.lower()
    return not any(p.lower() in low for p in protected)


def variant(ex: Example, rng: random.Random) -> Example:
    """One augmented variant of a call example, built as ``lead-in/wrapper + body + trailer`` where the
    body is the query with only unprotected characters re-cased; returned unchanged (a no-tool
    example, or when a value would not survive verbatim and exactly as often as in the query)."""
    if not ex.calls:
        return ex
    protected = _protected(ex)
    body = ex.query.strip()
    if any(body.count(p) != ex.query.count(p) for p in protected):
        body = ex.query
    stripped = _strip_end(body)
    if all(stripped.count(p) == body.count(p) for p in protected):
        body = stripped
    keep = _mask(body, protected)
    first = body.split(" ", 1)[0].lower().strip(",.!?")
    simple = not any(c in body for c in "?:;") and ". " not in body  # one plain clause
    prefix, suffix, lower_first = "", "", False
    roll = rng.random()
    if roll < 0.4 and simple and first in IMPERATIVE:
        prefix, suffix = rng.choice(REQUESTS).split("{q}")
        lower_first = True
    elif roll < 0.7:
        prefix, lower_first = rng.choice(LEAD_INS), True
    if rng.random() < 0.5 and suffix in ("", ".", "?"):
        trailer = rng.choice(TRAILERS)
        if "please" not in (prefix + trailer).lower() or "please" not in prefix.lower():
            suffix = trailer + suffix
    if not _spells_none(prefix + " " + suffix, protected):
        prefix, suffix = "", ""
    if rng.random() < 0.25:
        text = _lowered(body, keep, first_only=False)
    elif lower_first:
        text = _lowered(body, keep, first_only=True)
    else:
        text = body
    q = prefix + text + suffix
    if rng.random() < 0.2:
        q = _strip_end(q)
    if any(q.count(p) != ex.query.count(p) for p in protected):
        return ex
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
