"""Paraphrased single-call queries: the same tools and arguments in words their examples never use.

Every example in ``tools.json`` names its action with the action's one verb and its object with the
object's one phrase ("archive the kiln load ..."), so a memory token can route on those words alone.
Users do not write like that. The queries made here use other verbs and other names for the object
(``VERBS``, ``OBJECTS``) in sentence frames the examples never use (``_FRAMES``), with the same
argument phrasings as the examples.

Adaptation trains on them with the memory rows held fixed (``AdaptConfig.paraphrases``): the rows
learn from the plain examples only, and the adapter alone must carry these queries to them - the
skill a user's tool needs when its few examples share one wording and its users do not.
"""

from __future__ import annotations

import random
from typing import Any

from tokmem_agents.bank.records import Example, ToolCall
from tokmem_agents.bank.specs import order_like_schema

from .fields import _join
from .tools import _lead, _starts_with_value, _Tool, draw_arguments

# Other verbs for each action: (imperative, past participle). None shares a verb with another action.
VERBS: dict[str, tuple[tuple[str, str], ...]] = {
    "register": (("add", "added"), ("create", "created"), ("enter", "entered"), ("put in", "put in")),
    "lookup": (("find", "found"), ("pull up", "pulled up"), ("fetch", "fetched"), ("retrieve", "retrieved")),
    "update": (("change", "changed"), ("edit", "edited"), ("modify", "modified"), ("amend", "amended")),
    "cancel": (("call off", "called off"), ("scrap", "scrapped"), ("void", "voided"), ("drop", "dropped")),
    "archive": (("file away", "filed away"), ("shelve", "shelved"), ("put into storage", "put into storage")),
    "flag": (("mark", "marked"), ("highlight", "highlighted"), ("raise a concern about", "raised as a concern")),
    "assign": (("allocate", "allocated"), ("hand over", "handed over"), ("delegate", "delegated")),
    "schedule": (("book", "booked"), ("plan", "planned"), ("arrange", "arranged"), ("slot in", "slotted in")),
    "log": (("record", "recorded"), ("note down", "noted down"), ("jot down", "jotted down"), ("write up", "written up")),
    "export": (("download", "downloaded"), ("extract", "extracted"), ("dump", "dumped")),
    "review": (("go over", "gone over"), ("look over", "looked over"), ("evaluate", "evaluated")),
    "tag": (("label", "labelled"), ("categorize", "categorized")),
    "move": (("relocate", "relocated"), ("transfer", "transferred"), ("shift", "shifted")),
    "share": (("send", "sent"), ("pass along", "passed along"), ("forward", "forwarded")),
    "duplicate": (("copy", "copied"), ("clone", "cloned"), ("replicate", "replicated")),
    "inspect": (("examine", "examined"), ("audit", "audited"), ("scrutinize", "scrutinized")),
    "approve": (("sign off on", "signed off"), ("authorize", "authorized"), ("greenlight", "greenlit")),
    "restore": (("bring back", "brought back"), ("recover", "recovered"), ("reinstate", "reinstated")),
}

# Other names for each object (by its name word); none is another object's phrase.
OBJECTS: dict[str, tuple[str, ...]] = {
    "truck": ("lorry", "delivery vehicle"), "route": ("delivery run", "drop-off round"),
    "shipment": ("consignment", "freight load"),
    "reagent": ("chemical", "lab chemical"), "sample": ("specimen", "test specimen"),
    "freezer_slot": ("cold storage spot", "freezer position"),
    "album": ("record", "LP"), "track": ("song", "tune"), "playlist": ("mix", "song list"),
    "plot": ("bed", "vegetable patch"), "seedling": ("tray of seedlings", "starter tray"),
    "watering_plan": ("irrigation plan", "watering routine"),
    "observation": ("sighting", "night log"), "target": ("object to observe", "sky target"),
    "session": ("scope slot", "stargazing session"),
    "recipe": ("dish instructions", "cooking card"), "meal_plan": ("weekly menu", "menu plan"),
    "pantry_item": ("cupboard item", "store cupboard entry"),
    "workout": ("training session", "exercise session"), "personal_record": ("PR", "best lift"),
    "membership": ("gym pass", "club membership"),
    "loan": ("borrowed book", "checkout"), "hold": ("reservation", "book request"),
    "reader_card": ("library card", "borrower card"),
    "incident": ("outage report", "IT problem"), "service_request": ("IT request", "support request"),
    "laptop": ("notebook computer", "work computer"),
    "permit": ("parking pass", "car pass"), "space": ("parking spot", "bay"),
    "violation": ("parking ticket", "parking fine"),
    "appointment": ("vet visit", "clinic booking"), "patient": ("animal's file", "pet's chart"),
    "vaccination": ("jab", "shot"),
    "sensor": ("probe", "detector"), "calibration": ("sensor tuning", "recalibration"),
    "alert_rule": ("alarm rule", "notification rule"),
    "bookmark": ("saved link", "saved page"), "collection": ("link folder", "folder of links"),
    "reading_queue": ("read-later list", "to-read list"),
    "episode": ("show episode", "podcast"), "subscription": ("feed", "followed show"),
    "clip": ("sound bite", "snippet"),
    "bin": ("shelf bin", "storage slot"), "pallet": ("skid", "loaded skid"),
    "pick_order": ("picking list", "order to pick"),
    "tank": ("aquarium", "fish tank"), "water_test": ("water check", "water reading"),
    "feeding": ("feeding plan", "fish feeding routine"),
    "bike": ("bicycle", "cycle"), "dock": ("bike rack", "bike station"), "rental": ("bike hire", "ride"),
    "harvest": ("grape picking", "crop"), "barrel": ("cask", "wine cask"), "tasting": ("wine tasting", "sampling session"),
    "artifact": ("museum piece", "object in the collection"), "exhibit": ("display", "exhibition"),
    "restoration": ("conservation job", "repair job"),
    "room": ("guest room", "suite"), "linen_order": ("sheets order", "towel order"),
    "inspection": ("room check", "housekeeping check"),
    "match": ("game", "chess game"), "tournament": ("championship", "chess event"),
    "player": ("member profile", "player's account"),
    "hive": ("colony", "beehive"), "honey_batch": ("honey lot", "batch of honey"),
    "queen": ("queen bee entry", "colony queen"),
    "berth": ("mooring", "slip"), "vessel": ("boat registration", "boat record"),
    "fuel_order": ("diesel order", "refuelling order"),
    "campsite": ("pitch", "tent site"), "firewood_order": ("log delivery", "wood order"),
    "ranger_patrol": ("patrol round", "ranger walk"),
    "kiln_load": ("firing batch", "kiln firing"), "glaze": ("glaze formula", "glaze mix"),
    "class_slot": ("lesson slot", "pottery lesson"),
    "rehearsal": ("practice session", "choir practice"), "score": ("sheet music", "music sheet"),
    "singer": ("chorister", "choir member"),
}

# Sentence frames none of the examples' templates use. VP: verb, article, object; V/O/PART: the verb,
# the object and the participle on their own; ARGS: the argument phrases with their lead.
_FRAMES = (
    "{VP}{ARGS}", "{VP}{ARGS}.", "It would help me if you would {VP}{ARGS}.", "Any chance you could {VP}{ARGS}?",
    "Can the {O} be {PART}{ARGS}?", "The {O} needs to be {PART}{ARGS}.", "We should {VP}{ARGS}.",
    "Make sure to {VP}{ARGS}.", "Help me {VP}{ARGS}.", "{V} {O}{ARGS}", "Get the {O} {PART}{ARGS}.",
    "Need you to {VP}{ARGS}.", "Right, {VP}{ARGS}.", "My manager asked me to {VP}{ARGS}.",
    "{O} - {V} it{ARGS}", "Would it be possible for you to {VP}{ARGS}?",
)


def _article(action_article: str, obj: str) -> str:
    if action_article == "a" and obj[:1].lower() in "aeiou":
        return "an"
    return action_article


def render_paraphrase(tool: _Tool, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One query for ``tool`` that names its action and object in other words, and its arguments."""
    args, plain, bools, last = draw_arguments(tool, rng)
    phrases = plain + bools + last
    # both words changed most of the time; sometimes only one, as real queries do
    verb, part = rng.choice(VERBS[tool.action.key])
    obj = rng.choice(OBJECTS[tool.obj[0]])
    which = rng.random()
    if which < 0.2:
        verb, part = tool.action.verb, _participle(tool.action.key)
    elif which < 0.35:
        obj = tool.obj[1]
    frame = rng.choice(_FRAMES)  # every frame ends with the arguments, so a free text may come last
    vp = f"{verb} {_article(tool.action.article, obj)} {obj}"
    query = frame.format(VP=vp, V=verb, O=obj, PART=part, ARGS=_lead(phrases, bools, rng) + _join(phrases))
    if not _starts_with_value(query, args):
        query = query[:1].upper() + query[1:] if rng.random() < 0.8 else query[:1].lower() + query[1:]
    return query, order_like_schema(args, {"properties": {f.name: f.schema() for f in tool.fields}})


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
