"""Argument fields: the kinds of argument a synthetic tool takes, how a value of each kind is made,
and how a query mentions it."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Callable, Literal, Sequence

from .pools import (
    CITIES,
    FIRST_NAMES,
    FREE_TEXT,
    LAST_NAMES,
    MAIL_DOMAINS,
    PATH_EXTS,
    PATH_ROOTS,
    PATH_ROOTS_V1,
    SHORT_TEXT,
    URL_HOSTS,
    URL_WORDS,
    URL_WORDS_V1,
)

Style = Literal["v1", "v2"]
"""The forms a corpus is generated with. "v1": the shipped corpus (the shipped adapter was trained on
it). "v2": also short unquoted free texts before another argument ("saying cracked rim to Ana
Silva"), amounts before the object ("a 45 minute rental"), short and lowercase queries, free-text
fields in 18 more domains, paraphrases in more varied frames and multi-call paraphrases, and a few
clean-ups (a recording position is M:SS, no enum value inside URL or path words, no case-duplicate
examples, ...): the candidate corpus for the next adapter, not shipped."""


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().replace("'", "").replace(" ", "")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _email(rng: random.Random) -> str:
    first, last = _ascii(rng.choice(FIRST_NAMES)), _ascii(rng.choice(LAST_NAMES))
    local = rng.choice(
        (f"{first}.{last}", f"{first}{last[0]}", f"{first}_{last}{rng.randint(1, 99)}", f"{first[0]}.{last}", f"{last}.{first}", first)
    )
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def _url(rng: random.Random, style: Style) -> str:
    parts = rng.sample(URL_WORDS if style == "v2" else URL_WORDS_V1, rng.randint(1, 3))
    url = f"https://{rng.choice(URL_HOSTS)}/{'/'.join(parts)}"
    r = rng.random()
    if r < 0.2:
        url += f"?id={rng.randint(10, 9999)}"
    elif r < 0.35:
        url += f".{rng.choice(('html', 'pdf', 'png'))}"
    return url


def _path(rng: random.Random, style: Style) -> str:
    words, roots = (URL_WORDS, PATH_ROOTS) if style == "v2" else (URL_WORDS_V1, PATH_ROOTS_V1)
    parts = rng.sample(words, rng.randint(1, 2))
    stem = rng.choice(words) + rng.choice(("", "_" + str(rng.randint(1, 40)), "-final", "_v2"))
    return f"{rng.choice(roots)}/{'/'.join(parts)}/{stem}.{rng.choice(PATH_EXTS)}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2023, 2027)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(6, 22):02d}:{rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50)):02d}"


def _position(rng: random.Random) -> str:
    """A position in a recording (M:SS or MM:SS)."""
    return f"{rng.randint(0, 75)}:{rng.randint(0, 59):02d}"


def _free_text(rng: random.Random, style: Style) -> str:
    """A free text to copy: a short phrase (1-4 words; v2 only) or a sentence, sometimes extended so
    that values rarely repeat verbatim."""
    if style == "v2" and rng.random() < 0.55:
        return rng.choice(SHORT_TEXT)
    text = rng.choice(FREE_TEXT)
    r = rng.random()
    if r < 0.2:
        other = rng.choice(FREE_TEXT)
        if other != text:
            text = f"{text}. {other[:1].lower()}{other[1:]}" if rng.random() < 0.3 else f"{text}; {other[:1].lower()}{other[1:]}"
    elif r < 0.45:
        text += rng.choice((
            f" - {rng.choice(FIRST_NAMES)}", f", ask {rng.choice(FIRST_NAMES)}", f" (ref {_id_maker('REF')(rng)})",
            f", room {rng.randint(2, 420)}", f" before {_time(rng)}", f", thanks {rng.choice(FIRST_NAMES)}",
            f" #{rng.randint(2, 99)}",
        ))
    return text


def _id_maker(prefix: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        style = rng.randrange(4)
        if style == 0:
            return f"{prefix}-{rng.randint(1000, 99999)}"
        if style == 1:
            return f"{prefix}-{rng.randint(10, 99)}-{rng.randint(100, 999)}"
        if style == 2:
            return f"{prefix}{rng.randint(100, 9999)}"
        return f"{prefix}-{rng.randint(100, 999)}{rng.choice('ABCDEFGHJK')}"

    return make


_STRING_MAKERS: dict[str, Callable[[random.Random, Style], str]] = {
    "person": lambda rng, style: _person(rng),
    "email": lambda rng, style: _email(rng),
    "url": _url,
    "path": _path,
    "quote": _free_text,
    "city": lambda rng, style: rng.choice(CITIES),
    "date": lambda rng, style: _date(rng),
    "time": lambda rng, style: _time(rng),
    "position": lambda rng, style: _position(rng),
}

Place = Literal["any", "last", "open", "bare"]
"""Where an argument's phrase may go in a query: anywhere; last (an unquoted free text after "noun:",
which runs to the end); "open" (an unquoted short free text after a lead word, "saying cracked rim":
last, or right before a phrase opening with a preposition, where its span ends); "bare" (the same
text without a lead word: straight after the verb phrase)."""


def is_short_text(v: str) -> bool:
    """Whether free text ``v`` is short enough (1-4 words, no punctuation) to be said unquoted mid-query."""
    return len(v.split()) <= 4 and not any(c in v for c in ",;:.!?\"()#-")


@dataclass(frozen=True)
class Field:
    """One argument of a synthetic tool: how it looks in the schema and how a query mentions it."""

    name: str
    kind: str  # string kinds above, "id", "pick", "int", "num", "bool", "enum", "strs", "nums", "object"
    # ("quote" is free text, "position" a time offset M:SS in a recording)
    noun: str
    desc: str
    forms: tuple[str, ...] = ()  # extra phrasings with "{v}" (bool: the verb phrase)
    pool: tuple[Any, ...] = ()  # "pick"/"strs": choices; "enum": the values
    prefix: str = ""  # "id"
    lo: float = 0
    hi: float = 0
    dec: int = 0  # "num"/"nums": decimals
    unit: str = ""
    item: str = ""  # "strs": string kind of the items when pool is empty
    sub: tuple["Field", ...] = ()  # "object"
    adj: str = ""  # "int"/"num": the singular unit when the amount describes the object ("a 12 minute rental")
    adj_for: tuple[str, ...] = ()  # the objects (name words) the amount can describe so (v2 only)
    only: Style | None = None  # the corpus style the field belongs to, if only one (``Domain.fields_for``)

    def schema(self) -> dict[str, Any]:
        """The JSON Schema fragment of this argument (with its description)."""
        s: dict[str, Any]
        if self.kind in ("int",):
            s = {"type": "integer"}
        elif self.kind == "num":
            s = {"type": "number"}
        elif self.kind == "bool":
            s = {"type": "boolean"}
        elif self.kind == "enum":
            s = {"type": "string", "enum": list(self.pool)}
        elif self.kind == "strs":
            s = {"type": "array", "items": {"type": "string"}}
        elif self.kind == "nums":
            s = {"type": "array", "items": {"type": "number"}}
        elif self.kind == "object":
            s = {
                "type": "object",
                "properties": {f.name: f.schema() for f in self.sub},
                "required": [f.name for f in self.sub],
                "additionalProperties": False,
            }
        else:
            s = {"type": "string"}
        s["description"] = self.desc
        return s

    def value(self, rng: random.Random, style: Style) -> Any:
        """A random value of this argument in corpus style ``style``, drawn from ``rng``."""
        k = self.kind
        if k in _STRING_MAKERS:
            return _STRING_MAKERS[k](rng, style)
        if k == "id":
            return _id_maker(self.prefix)(rng)
        if k in ("pick", "enum"):
            return rng.choice(self.pool)
        if k == "int":
            return rng.randint(int(self.lo), int(self.hi))
        if k == "num":
            return _number(rng, self.lo, self.hi, self.dec)
        if k == "bool":
            return rng.random() < 0.5
        if k == "strs":
            n = rng.randint(2, 4 if not self.pool else min(4, len(self.pool)))
            if self.pool:
                return rng.sample(self.pool, n)
            out: list[str] = []
            while len(out) < n:
                v = _STRING_MAKERS[self.item](rng, style)
                if v not in out:
                    out.append(v)
            return out
        if k == "nums":
            return [_number(rng, self.lo, self.hi, self.dec) for _ in range(rng.randint(2, 5))]
        if k == "object":
            return {f.name: f.value(rng, style) for f in self.sub}
        raise ValueError(f"unknown field kind {k!r}")


def _number(rng: random.Random, lo: float, hi: float, dec: int) -> int | float:
    x = round(rng.uniform(lo, hi), dec)
    return int(x) if x == int(x) else x


def _join(items: Sequence[str], conj: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def amount_words(f: Field, v: int | float, rng: random.Random) -> str:
    """Amount ``v`` of ``f`` said before the object it describes: "12 minute" or "12-minute"."""
    return f"{v}-{f.adj}" if rng.random() < 0.3 else f"{v} {f.adj}"


def _phrase(f: Field, v: Any, rng: random.Random, bare_ok: bool, style: Style) -> tuple[str, Place]:
    """How a query mentions argument ``f`` with value ``v``, and where the phrase may go (a short
    free text unquoted: v2 only)."""
    n = f.noun
    if f.kind == "bool":
        vp = f.forms[0]
        if v:
            return rng.choice((vp, f"also {vp}", f"{vp} as well", f"please {vp}")), "any"
        return rng.choice((f"don't {vp}", f"no need to {vp}", f"do not {vp}", f"without having to {vp}")), "any"
    if f.kind == "quote":
        if style == "v2" and is_short_text(v) and rng.random() < 0.85:  # unquoted, often with another argument after it
            if rng.random() < 0.2:
                return v, "bare"
            forms = [f"{n} {v}", f"saying {v}", f"about {v}"] + [form.replace("{v}", v) for form in f.forms] * 2
            return rng.choice(forms), "open"
        if rng.random() < 0.3:
            return f"{n}: {v}", "last"
        q = "'" if "'" not in v and rng.random() < 0.3 else '"'
        forms = [f"{n} {q}{v}{q}", f"with {n} {q}{v}{q}", f"{n}: {q}{v}{q}"]
        forms += [form.replace("{v}", f"{q}{v}{q}") for form in f.forms]
        return rng.choice(forms), "any"
    if f.kind in ("strs", "nums"):
        items = _join([str(x) for x in v]) if rng.random() < 0.7 else ", ".join(str(x) for x in v)
        forms = [f"{n} {items}", f"with {n} {items}", f"{n}: {items}"]
        forms += [form.replace("{v}", items) for form in f.forms]
        return rng.choice(forms), "any"
    if f.kind == "object":
        subs = [f"{s.noun} {v[s.name]}" for s in f.sub]
        if rng.random() < 0.5:
            return f"{n} ({', '.join(subs)})", "any"
        return f"{n} with {_join(subs)}", "any"
    s = str(v)
    forms = [f"{n} {s}", f"with {n} {s}", f"{n} set to {s}", f"{n} {s}"]
    if f.kind in ("int", "num") and f.unit:
        forms += [f"{s} {f.unit}", f"{s} {f.unit}"]
    if f.kind == "enum":
        forms += [f"{s} {n}"]
    if bare_ok and f.kind in ("id", "email", "url", "path"):
        forms += [s]
    forms += [form.replace("{v}", s) for form in f.forms] * 2
    return rng.choice(forms), "any"


def only(style: Style, f: Field) -> Field:
    """``f``, in corpus style ``style`` only (a field added in v2, or the v1 form of one v2 changed)."""
    return replace(f, only=style)


def S(name: str, kind: str, noun: str, desc: str, *forms: str, pool: tuple[Any, ...] = (), prefix: str = "") -> Field:
    """A string field of a string kind (``person``, ``email``, ``city``...), an ``id`` or a ``pick`` from ``pool``."""
    return Field(name, kind, noun, desc, tuple(forms), pool=pool, prefix=prefix)


def I(  # noqa: E743
    name: str, noun: str, desc: str, lo: int, hi: int, unit: str = "", *forms: str, adj: str = "", adj_for: tuple[str, ...] = ()
) -> Field:
    """An integer field between ``lo`` and ``hi`` (``adj``: its unit before the objects ``adj_for``, "minute")."""
    return Field(name, "int", noun, desc, tuple(forms), lo=lo, hi=hi, unit=unit, adj=adj, adj_for=adj_for)


def N(
    name: str, noun: str, desc: str, lo: float, hi: float, dec: int, unit: str = "", *forms: str, adj: str = "",
    adj_for: tuple[str, ...] = (),
) -> Field:
    """A number field between ``lo`` and ``hi`` with ``dec`` decimals (``adj``: its unit before the objects ``adj_for``)."""
    return Field(name, "num", noun, desc, tuple(forms), lo=lo, hi=hi, dec=dec, unit=unit, adj=adj, adj_for=adj_for)


def B(name: str, desc: str, vp: str) -> Field:
    """A boolean field, mentioned by the verb phrase ``vp`` (or its negation)."""
    return Field(name, "bool", "", desc, (vp,))


def E(name: str, noun: str, desc: str, values: tuple[str, ...], *forms: str) -> Field:
    """A string field restricted to ``values`` (a JSON Schema enum)."""
    return Field(name, "enum", noun, desc, tuple(forms), pool=values)


def A(name: str, noun: str, desc: str, pool: tuple[str, ...] = (), item: str = "", *forms: str) -> Field:
    """An array-of-strings field: a sample of ``pool``, or values of the string kind ``item``."""
    return Field(name, "strs", noun, desc, tuple(forms), pool=pool, item=item)


def NA(name: str, noun: str, desc: str, lo: float, hi: float, dec: int) -> Field:
    """An array-of-numbers field, each between ``lo`` and ``hi`` with ``dec`` decimals."""
    return Field(name, "nums", noun, desc, lo=lo, hi=hi, dec=dec)


def O(name: str, noun: str, desc: str, *sub: Field) -> Field:  # noqa: E741, E743
    """An object field whose properties are the fields ``sub`` (all required)."""
    return Field(name, "object", noun, desc, sub=sub)
