"""Paraphrased queries: the same tools and arguments in words their examples never use.

Every example in ``tools.json`` names its action with the action's one verb and its object with the
object's one phrase ("archive the kiln load ..."), so a memory token can route on those words alone.
Users do not write like that. The queries made here use other verbs and other names for the object
(``VERBS``, ``OBJECTS``) in sentence frames the examples never use (the shipped v1 corpus, see
``fields.Style``: ``_FRAMES_V1``) or as varied as the examples' (v2: verb first, value first,
questions, words after the arguments: ``_FRAMES_*``), with the same argument phrasings as the
examples - except that no word naming the object comes twice: an argument whose phrasing names the
object by its own word ("sensor SNS-123" for a sensor called a probe) is worded otherwise, and the
object takes a name none of whose words the arguments or the verb use (``render_paraphrase``).
In v2 a few join two or three paraphrased calls into one query (``multi_paraphrases``), so that
training on them keeps the share of multi-call examples.

Adaptation trains on them with the memory rows held fixed (``AdaptConfig.paraphrases``): the rows
learn from the plain examples only, and the adapter alone must carry these queries to them - the
skill a user's tool needs when its few examples share one wording and its users do not.

They ship as ``tokmem_agents/data/auxiliary/paraphrases.jsonl`` with the rest of the corpus
(``generate_corpus``; rewrite with ``python scripts/make_auxiliary_corpus.py``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.bank.specs import order_like_schema

from .compose import _join_calls
from .fields import Field, Place, Style, _join, _phrase
from .tools import _PREPOSITIONS, _lead, _starts_with_value, _string_values, _Tool, draw_arguments

# Other verbs for each action: (imperative, past participle). None shares a verb with another action,
# nor a word with an object's other name (``OBJECTS``).
VERBS: dict[str, tuple[tuple[str, str], ...]] = {
    "register": (("add", "added"), ("create", "created"), ("enter", "entered"), ("set up", "set up")),
    "lookup": (("find", "found"), ("pull up", "pulled up"), ("fetch", "fetched"), ("retrieve", "retrieved")),
    "update": (("change", "changed"), ("edit", "edited"), ("modify", "modified"), ("amend", "amended")),
    "cancel": (("call off", "called off"), ("scrap", "scrapped"), ("void", "voided"), ("drop", "dropped")),
    "archive": (("file away", "filed away"), ("shelve", "shelved"), ("put into storage", "put into storage")),
    "flag": (("mark", "marked"), ("highlight", "highlighted"), ("report", "reported")),
    "assign": (("allocate", "allocated"), ("hand over", "handed over"), ("delegate", "delegated")),
    "schedule": (("book", "booked"), ("plan", "planned"), ("arrange", "arranged"), ("slot in", "slotted in")),
    "log": (("record", "recorded"), ("note down", "noted down"), ("jot down", "jotted down"), ("write up", "written up")),
    "export": (("download", "downloaded"), ("extract", "extracted"), ("dump", "dumped")),
    "review": (("check over", "checked over"), ("look over", "looked over"), ("evaluate", "evaluated")),
    "tag": (("label", "labelled"), ("categorize", "categorized")),
    "move": (("relocate", "relocated"), ("transfer", "transferred"), ("shift", "shifted")),
    "share": (("send", "sent"), ("pass along", "passed along"), ("forward", "forwarded")),
    "duplicate": (("copy", "copied"), ("clone", "cloned"), ("replicate", "replicated")),
    "inspect": (("examine", "examined"), ("audit", "audited"), ("scrutinize", "scrutinized")),
    "approve": (("sign off on", "signed off"), ("authorize", "authorized"), ("greenlight", "greenlit")),
    "restore": (("bring back", "brought back"), ("recover", "recovered"), ("reinstate", "reinstated")),
}

# Where "it" goes in a separable phrasal verb ("call it off", never "call off it"); other verbs put it last
# ("sign off on it", "evaluate it").
_WITH_IT = {
    "set up": "set it up", "look up": "look it up", "pull up": "pull it up", "call off": "call it off",
    "file away": "file it away", "put into storage": "put it into storage", "hand over": "hand it over",
    "slot in": "slot it in", "note down": "note it down", "jot down": "jot it down", "write up": "write it up",
    "check over": "check it over", "look over": "look it over", "pass along": "pass it along",
    "bring back": "bring it back",
}

# Other names for each object (by its name word); none is another object's phrase. No name shares a
# word with the argument phrasings of its domain (nouns, phrasings, boolean phrases), with another
# object of its domain (its label's words aside: "parking") or with any verb above: a query that
# names the object with it then says each of its words once ("copy the shelf bin, bin BIN-3440"
# made the span of the bin code ambiguous, "record a record" is no English).
OBJECTS: dict[str, tuple[str, ...]] = {
    "truck": ("lorry", "van"), "route": ("delivery run", "itinerary"),
    "shipment": ("consignment", "cargo"),
    "reagent": ("chemical", "lab chemical"), "sample": ("specimen", "test specimen"),
    "freezer_slot": ("freezer position", "rack position"),
    "album": ("LP", "disc"), "track": ("song", "tune"), "playlist": ("mix", "song list"),
    "plot": ("vegetable patch", "allotment"), "seedling": ("tray of seedlings", "starter tray"),
    "watering_plan": ("irrigation routine", "watering routine"),
    "observation": ("sighting", "viewing entry"), "target": ("object to observe", "celestial object"),
    "session": ("scope time", "stargazing session"),
    "recipe": ("cooking guide", "cooking card"), "meal_plan": ("weekly menu", "meal rota"),
    "pantry_item": ("cupboard item", "store cupboard entry"),
    "workout": ("training", "gym visit"), "personal_record": ("PR", "best lift"),
    "membership": ("gym card", "club membership"),
    "loan": ("borrowing", "checkout"), "hold": ("reservation", "waitlist spot"),
    "reader_card": ("borrower account", "lending account"),
    "incident": ("outage", "IT problem"), "service_request": ("IT request", "support request"),
    "laptop": ("notebook computer", "work computer"),
    "permit": ("parking licence", "windscreen sticker"), "space": ("parking spot", "bay"),
    "violation": ("parking ticket", "parking fine"),
    "appointment": ("consultation", "clinic booking"), "patient": ("animal's chart", "medical history"),
    "vaccination": ("jab", "shot"),
    "sensor": ("probe", "detector"), "calibration": ("tuning", "recalibration"),
    "alert_rule": ("alarm rule", "notification rule"),
    "bookmark": ("saved page", "favourite"), "collection": ("folder", "topic folder"),
    "reading_queue": ("read-later list", "to-read list"),
    "episode": ("podcast", "instalment"), "subscription": ("channel", "followed podcast"),
    "clip": ("sound bite", "snippet"),
    "bin": ("tote", "cubby"), "pallet": ("skid", "loaded skid"),
    "pick_order": ("picking list", "order to pick"),
    "tank": ("aquarium", "fishbowl"), "water_test": ("parameter reading", "kit result"),
    "feeding": ("feeding routine", "mealtime chart"),
    "bike": ("bicycle", "cycle"), "dock": ("rack", "pickup point"), "rental": ("ride", "trip"),
    "harvest": ("vintage", "crop"), "barrel": ("cask", "wine cask"), "tasting": ("sampling session", "wine flight"),
    "artifact": ("museum piece", "object in the collection"), "exhibit": ("exhibition", "showcase"),
    "restoration": ("conservation job", "repair job"),
    "room": ("suite", "bedroom"), "linen_order": ("sheets order", "towel order"),
    "inspection": ("walkthrough", "housekeeping round"),
    "match": ("game", "chess game"), "tournament": ("championship", "chess event"),
    "player": ("member profile", "player's account"),
    "hive": ("colony", "beehive"), "honey_batch": ("extraction run", "bottling lot"),
    "queen": ("brood mother", "mother bee"),
    "berth": ("mooring", "slip"), "vessel": ("hull registration", "craft listing"),
    "fuel_order": ("diesel order", "refuelling order"),
    "campsite": ("pitch", "camping spot"), "firewood_order": ("wood order", "kindling delivery"),
    "ranger_patrol": ("patrol round", "ranger walk"),
    "kiln_load": ("kiln batch", "bisque batch"), "glaze": ("finish formula", "colour recipe"),
    "class_slot": ("wheel lesson", "pottery lesson"),
    "rehearsal": ("practice session", "choir practice"), "score": ("sheet music", "music sheet"),
    "singer": ("chorister", "choir member"),
}
# The v1 corpus's names where v2 changed them (v2: no "a cooking instructions").
OBJECTS_V1: dict[str, tuple[str, ...]] = {
    **OBJECTS, "recipe": ("cooking instructions", "cooking card"), "feeding": ("feeding routine", "meal times"),
}


def objects(style: Style) -> dict[str, tuple[str, ...]]:
    """The other names of each object in corpus style ``style``."""
    return OBJECTS if style == "v2" else OBJECTS_V1


# Sentence frames. VP: verb, article (an amount: "a 45 minute ride"), object; V/O/PART: the verb, the
# object and the participle on their own; IT: the verb with "it" as its object; ARGS: the argument
# phrases with their lead. Open frames end with the arguments (so a free text may come last), closed
# ones have words after them, question frames ask; lookups also take "What is ...?" questions.
_FRAMES_OPEN = (
    "{VP}{ARGS}", "{VP}{ARGS}.", "It would help me if you would {VP}{ARGS}.", "Any chance you could {VP}{ARGS}?",
    "Can the {O} be {PART}{ARGS}?", "The {O} needs to be {PART}{ARGS}.", "We should {VP}{ARGS}.",
    "Make sure to {VP}{ARGS}.", "Help me {VP}{ARGS}.", "{V} {O}{ARGS}", "Get the {O} {PART}{ARGS}.",
    "Need you to {VP}{ARGS}.", "Right, {VP}{ARGS}.", "My manager asked me to {VP}{ARGS}.",
    "{O} - {IT}{ARGS}", "Would it be possible for you to {VP}{ARGS}?", "How do I {VP}{ARGS}?",
    "Can you {VP}{ARGS}?", "How can I {VP}{ARGS}?", "{V} the {O}{ARGS}", "Please {VP}{ARGS}",
)
_FRAMES_CLOSED = (
    "{VP}{ARGS}, thanks.", "{VP}{ARGS} today if possible.", "Can you {VP}{ARGS} for me?", "{VP}{ARGS} asap",
    "How do I {VP}{ARGS} here?", "{V} {O}{ARGS} when you get a sec", "Could you {VP}{ARGS} now?",
)
_FRAMES_ASK = ("What is the {O}{ARGS}?", "What's the {O}{ARGS}?", "What does the {O}{ARGS} look like?")
_ASKING = frozenset(("lookup", "review", "inspect"))
_FRAMES_VALUE = ("{FIRST} - {VP}{REST}", "{FIRST}: {V} the {O}{REST}", "For {FIRST}, {VP}{REST}.", "{FIRST}: the {O} - {IT}{REST}")
# The v1 corpus's only frames (all open ones, verb first or object first).
_FRAMES_V1 = _FRAMES_OPEN[:16]

# Words that name nothing: left out when object names and argument phrases are compared.
_STOPWORDS = frozenset(
    {"a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "with", "and", "or", "it", "its", "is", "be", "as", "new"}
)
_TRIES = 8


def words(text: str) -> set[str]:
    """The content words of ``text``, lower case (hyphens and apostrophes split words: "read-later")."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1 and w not in _STOPWORDS}


def own_words(tool: _Tool) -> set[str]:
    """The words the examples name ``tool``'s object with (its phrase and its name word), less the
    words of its action's verb ("schedule" in "feeding schedule"), which a paraphrase may use."""
    return (words(tool.obj[1]) | words(tool.obj[0].replace("_", " "))) - words(tool.action.verb)


def outside_values(text: str, arguments: Any) -> str:
    """``text`` without the argument values in it (their own words are theirs: "Living room tank")."""
    for s in sorted(_string_values(arguments), key=len, reverse=True):
        text = text.replace(s, " ")
    return text


# How a paraphrase mentions an argument when every one of its phrasings names the object ("sensor
# SNS-123" for a sensor called a probe): without the noun.
_NEUTRAL = {
    "id": ("ID {v}", "with ID {v}", "code {v}"), "date": ("on {v}", "dated {v}"), "time": ("at {v}",), "position": ("from {v}",),
    "person": ("for {v}",), "city": ("in {v}",), "email": ("at {v}",), "url": ("at {v}",), "path": ("at {v}",),
    "pick": ("named {v}", "called {v}"), "enum": ("as {v}",), "int": ("number {v}",), "num": ("number {v}",),
}
_NEUTRAL_V1 = {**_NEUTRAL, "id": ("ID {v}", "with ID {v}", "number {v}")}


def _neutral_phrase(f: Field, v: Any, rng: random.Random, style: Style) -> str:
    if f.kind == "quote":
        return f'saying "{v}"'
    if f.kind in ("strs", "nums"):
        return f"with {_join([str(x) for x in v])}"
    if f.kind == "object":
        return "with " + _join([f"{s.noun} {v[s.name]}" for s in f.sub])
    if f.kind in ("int", "num") and f.unit:
        return f"{v} {f.unit}"
    neutral = _NEUTRAL if style == "v2" else _NEUTRAL_V1
    return rng.choice(neutral.get(f.kind, ("{v}",))).replace("{v}", str(v))


def _phrasing_without(avoid: set[str]) -> Callable[..., tuple[str, Place]]:
    """``fields._phrase``, drawn again while the phrase names the object by one of the words ``avoid``
    (outside the value), then without the argument's noun."""

    def phrase(f: Field, v: Any, rng: random.Random, bare_ok: bool, style: Style) -> tuple[str, Place]:
        text, place = _phrase(f, v, rng, bare_ok, style)
        for _ in range(_TRIES):
            if not words(outside_values(text, v)) & avoid:
                return text, place
            text, place = _phrase(f, v, rng, bare_ok, style)
        if f.kind == "bool":  # a boolean is its verb phrase; there is no other way to say it
            return text, place
        return _neutral_phrase(f, v, rng, style), "any"

    return phrase


def _article(action_article: str, obj: str) -> str:
    first = obj.split(" ", 1)[0]
    vowel = first[:1].lower() in "aeiou" or (first.isupper() and first[:1] in "AEFHILMNORSX")  # "an IT problem"
    if action_article == "a" and vowel:
        return "an"
    return action_article


def _lead_in(phrases: list[str], bools: list[str], rng: random.Random, bare: bool = False) -> str:
    """``tools._lead``, but "as shared" and "named X" follow the verb phrase without a "with" before them."""
    if not phrases:
        return ""
    if not bare and phrases[0] not in bools and phrases[0].split(" ", 1)[0] in ("as", "named"):
        return " "
    return _lead(phrases, bools, rng, bare)


def _with_it(verb: str) -> str:
    return _WITH_IT.get(verb, f"{verb} it")


def render_paraphrase(tool: _Tool, rng: random.Random, inner: bool = False) -> tuple[str, dict[str, Any]]:
    """One query for ``tool`` that names its action and object in other words, and its arguments
    (``inner``: it will be one part of a multi-call query, so no frame that reads as a whole query).
    v1 (``tool.style``) has the open frames verb first or object first and all the arguments only.

    The object's words come once: the arguments are worded without the object's own words (outside
    their values), and the object is named by a name none of whose words the arguments or the verb use."""
    own = own_words(tool)
    v2 = tool.style == "v2"
    names_of = objects(tool.style)[tool.obj[0]]
    for attempt in range(_TRIES):
        d = draw_arguments(tool, rng, _phrasing_without(own), minimal=v2 and rng.random() < 0.12)
        phrases = d.phrases
        # both words changed most of the time; sometimes only one, as real queries do
        verb, part = rng.choice(VERBS[tool.action.key])
        obj = rng.choice(names_of)
        which = rng.random()
        if which < 0.2:
            verb, part = tool.action.verb, _participle(tool.action.key)
        elif which < 0.35:
            obj = tool.obj[1]
        if words(verb) & own:  # "record a best lift" still names a personal record: another verb
            others = [vp for vp in VERBS[tool.action.key] if not words(vp[0]) & own]
            verb, part = rng.choice(others) if others else (tool.action.verb, _participle(tool.action.key))
        taken = words(" ".join(phrases)) | words(verb) | words(part) | words(d.amount)
        if words(obj) & taken:  # "copy the shelf bin, bin BIN-3440": a name none of whose words is taken
            names = [n for n in names_of if not words(n) & taken]
            if not names and attempt < _TRIES - 1:
                continue  # the arguments use a word of every name: other arguments
            obj = rng.choice(names or [obj])
        vp = f"{verb} {d.object_words(_article(tool.action.article, obj), obj)}"
        o = d.object_words("", obj).strip()
        fill = {"VP": vp, "V": verb, "O": o, "PART": part, "IT": _with_it(verb)}
        form = rng.random() if v2 else 1.0  # v1: no value-first frames
        if form < 0.15 and d.opens_with_value() and (len(phrases) > 1 or rng.random() < 0.5):  # value first
            first, rest = d.plain[0], d.plain[1:] + d.bools + d.last
            frames = _FRAMES_VALUE[:2] if first == d.free else _FRAMES_VALUE
            if first.split(" ", 1)[0] in _PREPOSITIONS and first != d.free:
                frames = ("{FIRST}, {VP}{REST}.", "{FIRST}, {V} the {O}{REST}")
            query = rng.choice(frames).format(FIRST=first, REST=_lead_in(rest, d.bools, rng) + _join(rest), **fill)
        else:
            frames = _FRAMES_OPEN if v2 else _FRAMES_V1
            if v2 and not d.last:
                frames += _FRAMES_CLOSED
            if v2 and tool.action.key in _ASKING:
                frames += _FRAMES_ASK if not d.last else _FRAMES_ASK[:2]
            if inner:  # these read as a whole query only
                frames = tuple(f for f in frames if not f.startswith(("My manager", "Right,")))
            query = rng.choice(frames).format(ARGS=_lead_in(phrases, d.bools, rng, d.bare) + _join(phrases), **fill)
        if not _starts_with_value(query, d.args):
            upper = 0.75 if v2 else 0.8
            query = query[:1].upper() + query[1:] if rng.random() < upper else query[:1].lower() + query[1:]
        return query, order_like_schema(d.args, {"properties": {f.name: f.schema() for f in tool.fields}})
    raise AssertionError("unreachable")


def _participle(action: str) -> str:
    verb = {"lookup": "looked up", "log": "logged", "flag": "flagged", "tag": "tagged", "share": "shared"}
    return verb.get(action, action + ("d" if action.endswith("e") else "ed"))


def paraphrase_examples(tool: _Tool, n: int, seed: int, avoid: set[str]) -> list[Example]:
    """``n`` distinct paraphrased examples of ``tool`` (none equal to a query in ``avoid``)."""
    rng = random.Random(f"aux-paraphrase-{seed}-{tool.name}")
    out: list[Example] = []
    seen = {q.lower() for q in avoid}
    for _ in range(n * 20):
        if len(out) == n:
            break
        query, args = render_paraphrase(tool, rng)
        if query.lower() in seen:
            continue
        seen.add(query.lower())
        out.append(Example(query, (ToolCall(tool.name, args),)))
    return out


def multi_paraphrases(tools: list[_Tool], n: int, seed: int, avoid: set[str]) -> list[Example]:
    """``n`` distinct multi-call queries (2-3 calls of different tools) joined from paraphrased parts
    (none equal, up to case, to a query in ``avoid``)."""
    rng = random.Random(f"aux-multi-paraphrase-{seed}")
    if len(tools) < 2:
        return []
    out: list[Example] = []
    seen = {q.lower() for q in avoid}
    for _ in range(n * 20):
        if len(out) == n:
            break
        chosen = rng.sample(tools, min(len(tools), rng.choices((2, 3), weights=(70, 30))[0]))
        parts = [render_paraphrase(t, rng, inner=True) for t in chosen]
        query = _join_calls(parts, rng, tools[0].style)
        if query.lower() in seen:
            continue
        seen.add(query.lower())
        out.append(Example(query, tuple(ToolCall(t.name, a) for t, (_, a) in zip(chosen, parts))))
    return out
