"""Synthetic tools: making them from domains and actions, and rendering their single-call queries."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tokmem_agents.bank.specs import order_like_schema

from .domains import ACTIONS, DOMAINS, Action, Domain
from .fields import Field, _join, _phrase
from .pools import CONTEXTS


@dataclass(frozen=True)
class _Tool:
    name: str
    domain: Domain
    action: Action
    obj: tuple[str, str]
    fields: tuple[Field, ...]
    required: frozenset[str]

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


def _make_tools(n_tools: int, seed: int) -> list[_Tool]:
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
        fields = trng.sample(d.fields, n)
        n_req = trng.randint(1, n) if trng.random() < 0.6 else n
        required = frozenset(f.name for f in fields[:n_req])
        tools.append(_Tool(name, d, action, obj, tuple(fields), required))
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


def _lead(phrases: Sequence[str], bools: Sequence[str], rng: random.Random) -> str:
    """What joins the verb phrase to the argument phrases ("register a truck| with |driver ...")."""
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


def draw_arguments(
    tool: _Tool, rng: random.Random, phrase: Callable[..., tuple[str, bool]] = _phrase
) -> tuple[dict[str, Any], list[str], list[str], list[str]]:
    """Arguments for ``tool`` and their phrases: (arguments, plain phrases, boolean phrases, the
    free text that must come last if any), in a shuffled order. ``phrase`` words each argument
    (``fields._phrase``'s signature; the paraphrases pass one that keeps the object's own words out)."""
    chosen = [f for f in tool.fields if f.name in tool.required or rng.random() < 0.55]
    args = {f.name: f.value(rng) for f in chosen}
    kinds = [f.kind for f in chosen]
    plain: list[str] = []
    bools: list[str] = []
    last: list[str] = []
    order = list(chosen)
    rng.shuffle(order)
    for f in order:
        text, must_last = phrase(f, args[f.name], rng, bare_ok=kinds.count(f.kind) == 1 and len(chosen) <= 2)
        if must_last and not last:
            last.append(text)
        elif must_last:  # a second unquoted free text: quote it instead
            plain.append(f'{f.noun} "{args[f.name]}"')
        elif f.kind == "bool":
            bools.append(text)
        else:
            plain.append(text)
    return args, plain, bools, last


def _render_single(tool: _Tool, rng: random.Random, inner: bool = False) -> tuple[str, dict[str, Any]]:
    """One query and its arguments for ``tool`` (``inner``: it will be one part of a multi-call query)."""
    args, plain, bools, last = draw_arguments(tool, rng)
    phrases = plain + bools + last
    verb, art, obj = tool.action.verb, tool.action.article, tool.obj[1]
    vp = f"{verb} {art} {obj}"
    style = rng.random()
    if style < 0.12 and plain:  # value first
        first, rest = plain[0], plain[1:] + bools + last
        tail = _lead(rest, bools, rng) + _join(rest) if rest else ""
        if first.split(" ", 1)[0] in _PREPOSITIONS:
            query = f"{first[:1].upper()}{first[1:]}, {vp}{tail}."
        else:
            forms = [f"For {first}, {vp}{tail}.", f"{first} - please {vp}{tail}."]
            query = rng.choice(forms + ([f"{first}: {vp}{tail}"] if ":" not in first else []))
    elif style < 0.22:  # terse
        query = rng.choice((f"{verb} {obj}: ", f"{verb} {obj} - ", f"{obj} {verb}: ")) + ", ".join(phrases)
    else:
        pool = _OPEN + (() if inner else _OPEN_OUTER)
        if not last:
            pool += (_CLOSED + (() if inner else _CLOSED_OUTER)) * 2
        args_text = _lead(phrases, bools, rng) + _join(phrases)
        query = rng.choice(pool).format(VP=vp, ARGS=args_text, CTX=rng.choice(CONTEXTS))
    if not _starts_with_value(query, args):
        query = query[:1].upper() + query[1:] if rng.random() < 0.85 else query[:1].lower() + query[1:]
    return query, order_like_schema(args, {"properties": {f.name: f.schema() for f in tool.fields}})


def _tool_examples(tool: _Tool, n: int, rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(n * 20):
        if len(out) == n:
            break
        q, args = _render_single(tool, rng)
        if q in seen:
            continue
        seen.add(q)
        out.append({"query": q, "arguments": args})
    return out
