"""Synthetic tools: making them from domains and actions, and rendering their single-call queries."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tokmem_agents.bank.specs import order_like_schema

from .domains import ACTIONS, DOMAINS, Action, Domain
from .fields import Field, Place, Style, _join, _phrase, amount_words
from .pools import CONTEXTS


@dataclass(frozen=True)
class _Tool:
    name: str
    domain: Domain
    action: Action
    obj: tuple[str, str]
    fields: tuple[Field, ...]
    required: frozenset[str]
    style: Style  # the corpus style its fields are drawn from and its queries rendered in

    def spec_dict(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        """The tool's spec as JSON (name, description, parameters) with ``examples``."""
        return {
            "name": self.name,
            "description": f"{self.action.verb.capitalize()} {self.action.article} {self.obj[1]} in the {self.domain.label}.",
            "parameters": {
                "type": "object",
                "properties": {f.name: f.schema() for f in self.fields},
                "required": [f.name for f in self.fields if f.name in self.required],
            },
            "examples": examples,
        }


def max_tools() -> int:
    """How many distinct tools the building blocks can make."""
    return sum(len(d.objects) for d in DOMAINS) * len(ACTIONS)


def _make_tools(n_tools: int, seed: int, style: Style) -> list[_Tool]:
    if not 0 < n_tools <= max_tools():
        raise ValueError(f"n_tools must be between 1 and {max_tools()}, got {n_tools}")
    rng = random.Random(f"aux-tools-{seed}")
    order = list(DOMAINS)
    rng.shuffle(order)
    combos = {d.key: [(a, o) for a in ACTIONS for o in d.objects] for d in DOMAINS}
    for d in DOMAINS:
        rng.shuffle(combos[d.key])
    tools: list[_Tool] = []
    i = 0
    while len(tools) < n_tools:
        d = order[i % len(order)]
        i += 1
        if not combos[d.key]:
            continue
        action, obj = combos[d.key].pop()
        name = f"{d.key}_{action.key}_{obj[0]}"
        trng = random.Random(f"aux-tool-{seed}-{name}")
        n = trng.choices((1, 2, 3, 4, 5), weights=(14, 28, 30, 18, 10))[0]
        fields = trng.sample(d.fields_for(style), n)
        n_req = trng.randint(1, n) if trng.random() < 0.6 else n
        required = frozenset(f.name for f in fields[:n_req])
        tools.append(_Tool(name, d, action, obj, tuple(fields), required, style))
    return tools


# Query templates; VP is "verb article object", ARGS the argument phrases, CTX a trailing sentence.
_OPEN = (  # the arguments end the query (an unquoted free text may come last)
    "{VP}{ARGS}.", "Please {VP}{ARGS}.", "Could you {VP}{ARGS}?", "Can you {VP}{ARGS}?", "I need to {VP}{ARGS}.",
    "I'd like to {VP}{ARGS}.", "Is it possible to {VP}{ARGS}?", "Go ahead and {VP}{ARGS}.", "Let's {VP}{ARGS}.",
    "{VP}{ARGS}", "Would you please {VP}{ARGS}?", "Time to {VP}{ARGS}.", "Kindly {VP}{ARGS}.", "I want to {VP}{ARGS}.",
)
_OPEN_OUTER = (  # only for a whole query, never inside a multi-call one
    "Quick one: {VP}{ARGS}.", "Hey, can you {VP}{ARGS}?", "{VP}{ARGS}. {CTX}", "Okay so basically I want to {VP}{ARGS}.",
    "Hi! Could you please {VP}{ARGS}? {CTX}", "Hello, I need to {VP}{ARGS}.",
)
_CLOSED = (  # words follow the arguments (never with an unquoted free text last)
    "Could you {VP}{ARGS}, please?", "{VP}{ARGS} pls", "I'd like you to {VP}{ARGS} when you get a chance.",
    "{VP}{ARGS} for me, please.", "Can you {VP}{ARGS} right away?", "{VP}{ARGS} if you can.",
)
_CLOSED_OUTER = ("Hey, {VP}{ARGS}, thanks.", "Um, so, {VP}{ARGS} if that's okay.")


_PREPOSITIONS = frozenset("with for to in at by from of on under into via and also please don't do no without "
                          "starting picked noting made dated ending driven heading departing leaving kept stored "
                          "owned expiring expires called titled released sown assigned next keep tagged targeting "
                          "due until raised described saying affecting hosted handled tested reachable skippered "
                          "arriving checking glazed firing curated played treated cc notify email loop send remember".split())


# Prepositions that open an argument phrase and so end the span of an unquoted short text before it
# ("saying cracked rim| to Ana Silva"); no short text holds one (``pools.SHORT_TEXT``).
BOUNDARIES = frozenset("with for to in at by from of on under into via until as".split())


def _lead(phrases: Sequence[str], bools: Sequence[str], rng: random.Random, bare: bool = False) -> str:
    """What joins the verb phrase to the argument phrases ("register a truck| with |driver ...");
    ``bare``: the first phrase is a free text without a lead word ("log a tasting: |bright finish ...")."""
    if bare:
        return rng.choice((": ", ": ", " - "))
    if phrases[0] in bools:
        return rng.choice((" and ", ", "))
    if phrases[0].split(" ", 1)[0] in _PREPOSITIONS:
        return " "
    return rng.choice((" with ", ": ", " - ", ", ", " with ", " "))


def _string_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _string_values(v)]
    return []


def _starts_with_value(query: str, args: dict[str, Any]) -> bool:
    """Whether changing the case of the query's first letter would change an argument value."""
    first = query.split(" ", 1)[0]
    return not first or first.isupper() or any(query[: len(s)].lower() == s.lower() for s in _string_values(args))


def an(words: str) -> str:
    """The indefinite article before ``words`` ("an 8 kg", "an 11 minute", "a 12 minute")."""
    w = words.split(" ", 1)[0].split("-", 1)[0]
    lead = w.split(".", 1)[0]
    if lead[:1].isdigit():
        vowel = lead.startswith("8") or (lead.startswith(("11", "18")) and len(lead) in (2, 5))
    else:
        vowel = w[:1].lower() in "aeiou"
    return "an" if vowel else "a"


@dataclass
class Drawn:
    """A tool's arguments and their phrases, in the order a query says them."""

    args: dict[str, Any]
    plain: list[str]
    bools: list[str]
    last: list[str]  # an unquoted free text that must end the query, if any
    bare: bool = False  # plain[0] is a free text without a lead word: it follows the verb phrase directly
    free: str = ""  # the plain phrase holding an unquoted short free text, if any
    amount: str = ""  # an amount said before the object ("12 minute" in "a 12 minute rental"), not in plain

    @property
    def phrases(self) -> list[str]:
        """Every phrase, in order."""
        return self.plain + self.bools + self.last

    def object_words(self, article: str, obj: str) -> str:
        """The article and the object, with the amount before the object if there is one."""
        if not self.amount:
            return f"{article} {obj}"
        if article == "a":
            article = an(self.amount)
        return f"{article} {self.amount} {obj}"

    def opens_with_value(self) -> bool:
        """Whether the first plain phrase can open the query ("For vehicle TRK-1 ...": not a free text
        that runs into the next phrase)."""
        return bool(self.plain) and (self.plain[0] != self.free or self.bare)


Phrase = Callable[[Field, Any, random.Random, bool, Style], tuple[str, Place]]


def draw_arguments(tool: _Tool, rng: random.Random, phrase: Phrase = _phrase, minimal: bool = False) -> Drawn:
    """Arguments for ``tool`` and their phrases, in a shuffled order. ``phrase`` words each argument
    (``fields._phrase``'s signature; the paraphrases pass one that keeps the object's own words out);
    ``minimal``: the required arguments only. One unquoted free text at most: a short one said after
    a lead word goes right before a phrase that opens with a preposition ("saying cracked rim to Ana
    Silva") or last; said bare, it follows the verb phrase (v2; so is an amount before the object)."""
    chosen = [f for f in tool.fields if f.name in tool.required or (not minimal and rng.random() < 0.55)]
    args = {f.name: f.value(rng, tool.style) for f in chosen}
    kinds = [f.kind for f in chosen]
    order = list(chosen)
    rng.shuffle(order)

    def say(f: Field) -> tuple[str, Place]:
        return phrase(f, args[f.name], rng, kinds.count(f.kind) == 1 and len(chosen) <= 2, tool.style)

    said = [(f, *say(f)) for f in order]
    drawn = Drawn(args, [], [], [])
    sized = [f for f in order if f.adj and tool.obj[0] in f.adj_for and tool.style == "v2"]
    if sized and rng.random() < 0.3:  # "schedule a 45 minute rental"
        drawn.amount = amount_words(sized[0], args[sized[0].name], rng)
        said = [x for x in said if x[0] is not sized[0]]
    plain: list[tuple[Field | None, str]] = []  # the field, if its phrase may be worded again
    free: tuple[Field, str, Place] | None = None
    for f, text, place in said:
        if place == "any" and f.kind == "bool":
            drawn.bools.append(text)
        elif place == "any":
            plain.append((f, text))
        elif free is None and not (place == "last" and drawn.last):
            if place == "last":
                drawn.last.append(text)
            else:
                free = (f, text, place)
        else:  # a second unquoted free text: quote it instead
            plain.append((None, f'{f.noun} "{args[f.name]}"'))
    if free is not None:
        f, text, place = free
        nxt = _opening_next(plain, say)
        if nxt is not None:
            i, reworded = nxt
            text = f"{text} {reworded or plain.pop(i)[1]}"
            if reworded:
                del plain[i]
        if nxt is None and place == "bare" and not plain and not drawn.bools:
            text, place = f"{f.noun} {text}", "open"  # alone it would be the whole query: with its noun
        if nxt is None and place == "open":
            if drawn.last:  # the end is taken: quote it
                plain.append((None, f'{f.noun} "{args[f.name]}"'))
            else:
                drawn.last.append(text)
        else:
            drawn.free, drawn.bare = text, place == "bare"
            plain.insert(0 if drawn.bare else rng.randrange(len(plain) + 1), (None, text))
    drawn.plain = [text for _, text in plain]
    return drawn


def _opening_next(
    plain: list[tuple[Field | None, str]], say: Callable[[Field], tuple[str, Place]]
) -> tuple[int, str | None] | None:
    """The index of a plain phrase that opens with a preposition (with None), else of one worded
    again so that it does (with its new words; up to twice per argument); None if there is none."""
    for i, (_, text) in enumerate(plain):
        if text.split(" ", 1)[0] in BOUNDARIES:
            return i, None
    for _ in range(2):
        for i, (f, _) in enumerate(plain):
            if f is None:
                continue
            text, place = say(f)
            if place == "any" and text.split(" ", 1)[0] in BOUNDARIES:
                return i, text
    return None


# The short forms: few words, often lower case and without punctuation ("cancel hold for Beloved").
_TERSE = ("{V} {O}{ARGS}", "{V} the {O}{ARGS}", "{VP}{ARGS}", "{O} {V}{ARGS}", "{V} {O}{ARGS} pls")


def _render_single(tool: _Tool, rng: random.Random, inner: bool = False) -> tuple[str, dict[str, Any]]:
    """One query and its arguments for ``tool`` (``inner``: it will be one part of a multi-call query;
    the short forms are v2's)."""
    if tool.style == "v2":  # the form first: a short query says the required arguments only
        form = rng.random()
        d = draw_arguments(tool, rng, minimal=0.22 <= form < 0.4)
    else:  # v1 (shipped) draws the form after the arguments
        d = draw_arguments(tool, rng)
        form = rng.random()
    plain, bools, last, phrases = d.plain, d.bools, d.last, d.phrases
    verb, art, obj = tool.action.verb, tool.action.article, tool.obj[1]
    vp = f"{verb} {d.object_words(art, obj)}"
    lowered = False
    if form < 0.12 and d.opens_with_value():  # value first
        first, rest = plain[0], plain[1:] + bools + last
        tail = _lead(rest, bools, rng) + _join(rest) if rest else ""
        if first == d.free:
            query = f"{first} - please {vp}{tail}."
        elif first.split(" ", 1)[0] in _PREPOSITIONS:
            query = f"{first[:1].upper()}{first[1:]}, {vp}{tail}."
        else:
            forms = [f"For {first}, {vp}{tail}.", f"{first} - please {vp}{tail}."]
            query = rng.choice(forms + ([f"{first}: {vp}{tail}"] if ":" not in first else []))
    elif form < 0.22 and phrases:  # terse, with punctuation
        o = d.object_words("", obj).strip()
        query = rng.choice((f"{verb} {o}: ", f"{verb} {o} - ", f"{o} {verb}: ")) + ", ".join(phrases)
    elif form < 0.4 and tool.style == "v2":  # short: few words (the required arguments only from 0.22)
        args_text = (_lead(phrases, bools, rng, d.bare) if phrases else "") + _join(phrases)
        if not d.bare and phrases and phrases[0] not in bools and rng.random() < 0.7:
            args_text = " " + _join(phrases)
        template = rng.choice(_TERSE if not last else _TERSE[:4])
        query = template.format(V=verb, O=d.object_words("", obj).strip(), VP=vp, ARGS=args_text)
        lowered = rng.random() < 0.5
    else:
        pool = _OPEN + (() if inner else _OPEN_OUTER)
        if not last:
            pool += (_CLOSED + (() if inner else _CLOSED_OUTER)) * 2
        args_text = (_lead(phrases, bools, rng, d.bare) if phrases else "") + _join(phrases)
        query = rng.choice(pool).format(VP=vp, ARGS=args_text, CTX=rng.choice(CONTEXTS))
    if not _starts_with_value(query, d.args):
        low = lowered or rng.random() >= 0.85
        query = query[:1].lower() + query[1:] if low else query[:1].upper() + query[1:]
    return query, order_like_schema(d.args, {"properties": {f.name: f.schema() for f in tool.fields}})


def _tool_examples(tool: _Tool, n: int, rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(n * 20):
        if len(out) == n:
            break
        q, args = _render_single(tool, rng)
        key = q.lower() if tool.style == "v2" else q  # v2: no case-duplicates either
        if key in seen:
            continue
        seen.add(key)
        out.append({"query": q, "arguments": args})
    return out
