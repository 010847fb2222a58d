"""The auxiliary tool corpus for backbone adaptation ("TokMem w/ adapt").

Once per backbone a LoRA adapter is trained jointly with *temporary* memory tokens on these synthetic
tools, then frozen. The tools are deliberately disjoint from the catalog (``tools/``): they only teach
the backbone the general skill "after a memory token, write the JSON arguments copying values
verbatim from the query, then stop", and "fire no memory token on a query that needs no tool".

Everything is generated from hand-written building blocks (domains x actions x objects, argument
kinds with many phrasings, rich value pools) by a seeded :class:`random.Random`, so the corpus is
reproducible bit for bit. The default corpus ships in ``tokmem_agents/data/auxiliary/``
(``python scripts/make_auxiliary_corpus.py`` rewrites it); :func:`load_corpus` reads it back.
``generate_corpus(n_tools=N)`` also makes N synthetic tools for scaling benchmarks: tool ``i`` and
its examples do not depend on ``n_tools``, so a smaller corpus is a prefix of a larger one.
"""

from __future__ import annotations

import json
import os
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .data import Example, ToolCall, load_jsonl, spec_examples
from .specs import ToolSpec, load_specs, order_like_schema, parse_spec
from .storage import atomic_write_bytes

DEFAULT_DIR = Path(__file__).parent / "data" / "auxiliary"
TOOLS_FILE = "tools.json"
COMPOSITIONAL_FILE = "compositional.jsonl"
NOTOOL_FILE = "notool.jsonl"

# Words of the catalog's tool names (tools/*.json, tests/integration/data/four_tools.json) and their
# near-synonyms: no auxiliary tool name may contain one of them as a "_"-separated word.
CATALOG_WORDS: frozenset[str] = frozenset(
    "add days note notes todo todos calculate calculator change case complete convert conversion currency "
    "temperature units unit day week between delete file files find contact contacts replace generate "
    "password list read reverse text save search statistics stats word count world time timezone clock "
    "write get weather forecast send email mail set timer translate translation percentage date dates of".split()
)


@dataclass(frozen=True)
class AuxCorpus:
    """Auxiliary tools with single-call examples, multi-call examples and no-tool examples."""

    specs: list[ToolSpec]
    examples: list[Example]
    compositional: list[Example]
    notool: list[Example]

    @property
    def all_examples(self) -> list[Example]:
        """Single-call, multi-call and no-tool examples together (the adaptation training set)."""
        return [*self.examples, *self.compositional, *self.notool]

    def subset(self, n_tools: int) -> "AuxCorpus":
        """The first ``n_tools`` tools, with the examples that call only those tools (no-tool ones kept)."""
        specs = self.specs[:n_tools]
        keep = {s.name for s in specs}

        def inside(exs: list[Example]) -> list[Example]:
            return [e for e in exs if all(n in keep for n in e.tool_names)]

        return AuxCorpus(specs, inside(self.examples), inside(self.compositional), list(self.notool))


# --------------------------------------------------------------------------------------------------
# Value pools
# --------------------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Ana", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ingrid", "Jamal", "Keiko", "Liam",
    "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tessa", "Umar", "Vera", "Wen", "Ximena",
    "Yusuf", "Zara", "Amara", "Benedikt", "Carmen", "Declan", "Esther", "Felix", "Gita", "Hamza", "Isla",
    "Jonas", "Kavya", "Lucas", "Mei", "Noor", "Oscar", "Priya", "Rafael", "Sofia", "Tariq", "Ulla", "Viktor",
    "Wanda", "Yara", "Zoltan", "Aisha", "Bjorn", "Clara", "Diego", "Emeka", "Freya", "Gustavo", "Hana",
    "Ivan", "Jude", "Kofi", "Lena", "Mateo", "Nadia", "Orla", "Pavel", "Rhea", "Stellan", "Thandiwe",
)
LAST_NAMES = (
    "Silva", "Okafor", "Nakamura", "Kowalski", "Lindqvist", "Haddad", "O'Brien", "Fernandez", "Novak",
    "Petrov", "Mensah", "Schneider", "Dubois", "Rossi", "Yilmaz", "Chen", "Gupta", "Andersen", "Murphy",
    "Costa", "Ibrahim", "Tanaka", "Moreau", "Bianchi", "Kim", "Nguyen", "Horvath", "Jansen", "Rahman",
    "Alvarez", "Wojcik", "MacLeod", "Osei", "Sato", "Ferreira", "Berg", "Castillo", "Abebe", "Larsen",
    "Popescu", "Van Dijk", "Zhang", "Adeyemi", "Kaur", "Fischer", "Quinlan", "Romero", "Eriksson", "Hughes",
    "Dimitrov", "Park", "Mbeki", "Santos", "Weber", "Iqbal", "Leblanc", "Torres", "Hansen", "Moretti",
)
MAIL_DOMAINS = (
    "example.com", "mail.example.org", "northwind.io", "acme-labs.net", "fieldwork.dev", "bluepine.co",
    "riverside.edu", "harborview.org", "quillmail.com", "orbitworks.io", "greenleaf.coop", "studio-nine.art",
    "tundra.tech", "kestrel.fm", "lumen-health.org", "copperfox.net", "westgate.ac.uk", "brightmoor.de",
    "saltmarsh.nl", "corvid.systems",
)
URL_HOSTS = (
    "docs.example.com", "www.fieldnotes.org", "cdn.bluepine.co", "wiki.acme-labs.net", "archive.riverside.edu",
    "files.orbitworks.io", "blog.kestrel.fm", "portal.harborview.org", "static.copperfox.net",
    "share.tundra.tech", "media.studio-nine.art", "data.saltmarsh.nl", "www.brightmoor.de", "img.corvid.systems",
    "pages.greenleaf.coop", "help.lumen-health.org",
)
URL_WORDS = (
    "reports", "gallery", "2024", "spring", "summary", "v2", "assets", "shared", "uploads", "overview", "draft",
    "final", "q3", "field-trip", "index", "release-notes", "setup", "guide", "north", "batch-7", "photos",
    "season", "archive", "latest", "team", "plan", "checklist", "map", "audio", "specs",
)
PATH_ROOTS = ("/srv/data", "/home/ops", "~/projects", "/mnt/archive", "/var/lib/app", "./exports", "~/Documents", "/opt/shared")
PATH_EXTS = ("csv", "json", "pdf", "txt", "png", "xlsx", "md", "log", "jpg", "yaml")
CITIES = (
    "Lisbon", "Nairobi", "Osaka", "Reykjavik", "Montevideo", "Krakow", "Porto Alegre", "Vancouver", "Marrakesh",
    "Tallinn", "Hobart", "Cusco", "Ljubljana", "Da Nang", "Valparaiso", "Bergen", "Accra", "Adelaide",
    "Bilbao", "Chiang Mai", "Edinburgh", "Fukuoka", "Graz", "Halifax", "Izmir", "Jaipur", "Kyoto", "Leipzig",
    "Medellin", "Nantes", "Oaxaca", "Perth", "Quebec City", "Rotterdam", "San Sebastian", "Trieste", "Uppsala",
    "Vilnius", "Windhoek", "Zanzibar City", "Aarhus", "Bruges", "Cordoba", "Dunedin", "Galway", "Hanoi",
    "Kraljevo", "Lyon", "Mombasa", "New Orleans", "Salt Lake City", "St. John's", "Tbilisi", "Yerevan",
)
FREE_TEXT = (
    "Running late, start without me",
    "Leaves turning yellow near the stem",
    "Please double-check the seal before shipping",
    "Great session, keep the same pace next week",
    "Left rear tire looks low",
    "The blue label goes on the top shelf",
    "Bring the spare key to reception",
    "Sounds muddy in the low end, needs a remaster",
    "Cloudy until midnight, then perfectly clear",
    "Use the side entrance after 6 pm",
    "Customer says the lid doesn't close properly",
    "Too much salt, halve it next time",
    "Water looked slightly cloudy this morning",
    "Thanks for covering my shift!",
    "Ask for Marta at the front desk",
    "Fragile: stack no more than two high",
    "Excellent balance, bright acidity, long finish",
    "Printer on floor 3 keeps jamming",
    "Queen spotted on frame 4, lots of capped brood",
    "Do not feed after 8 pm",
    "Slight crack along the rim, handle with care",
    "Tenors rush the entrance at bar 32",
    "Sunset slot preferred if available",
    "Replace the filter cartridge every two weeks",
    "Meet at gate B, bring your badge",
    "Bass line is a little too loud",
    "Noticed a faint ring around Saturn tonight",
    "Keep the lid on while it rests",
    "Knee felt fine, add weight next time",
    "Patron asked about the sequel",
    "Laptop fan is extremely loud after the update",
    "Shore power cable is frayed",
    "Campfire allowed only in the steel ring",
    "Glaze ran a bit at the base",
    "The sample tube was mislabeled, see photo",
    "Scratch on the left side of the frame",
    "Fine, but the opening was too passive",
    "Keep away from direct sunlight",
    "Dog was anxious, use the quiet room",
    "Pallet wrap torn on one corner",
    "Reading was off by a few percent",
    "Loved it, adding to the road-trip mix",
    "Battery drains fast in cold mornings",
    "Handle with gloves, it stains",
    "Deliver before noon if possible",
    "Check with Ines about the budget",
    "Window seat, away from the kitchen",
    "Staff found a phone under the bed",
    "Guest requested extra pillows",
    "Do not stack, contents are glass",
    "Mild sweetness, hints of cherry and smoke",
    "The east gate code changed yesterday",
    "Kids loved the dessert, make it again",
    "Third movement still needs work",
    "Strong gusts expected, secure the cover",
    "Leave it at the loading dock",
    "Call before arriving, the bell is broken",
    "Calibration drifted after the storm",
    "Episode cuts out around the middle",
    "Spotted a fox near the compost bin",
    "Wipe down the bench after use",
    "New chain, gears still slipping a little",
    "Label faded, rewrite it by hand",
    "Bottle it in early spring",
    "Back pain after deadlifts, lower the weight",
    "Keep the original receipt",
    "A little too sweet for my taste",
    "It's the one with the red cover",
    "Meeting moved to the small hall",
    "Please don't wake the night shift",
)
SONGS = (
    "Blue in Green", "Harbor Lights", "Paper Moons", "Wild Orchid", "Midnight Ferry", "Copper Sky",
    "Slow Thaw", "Glass Houses", "Northern Line", "Satellite Heart", "Dust and Honey", "Lantern Road",
    "Fever Dream", "Quiet Storm", "Salt Water", "Velvet Static", "Echo Park", "Golden Hour Drive",
)
ARTISTS = (
    "The Lumineers", "Nina Simone", "Khruangbin", "Esperanza Spalding", "Radiohead", "Fleetwood Mac",
    "Bonobo", "Anoushka Shankar", "Tame Impala", "Hania Rani", "Miles Davis", "Fela Kuti", "Björk",
    "Nils Frahm", "Rosalía", "Arooj Aftab",
)
PLANTS = (
    "tomato", "basil", "lavender", "sweet pea", "zucchini", "rosemary", "kale", "sunflower", "dahlia",
    "blueberry", "garlic", "nasturtium", "carrot", "mint", "snap pea", "marigold", "chili pepper", "thyme",
)
DISHES = (
    "shakshuka", "mushroom risotto", "pad thai", "lentil soup", "banana bread", "chicken tikka masala",
    "fish tacos", "spanakopita", "ramen", "ratatouille", "carrot cake", "gazpacho", "bibimbap", "pierogi",
    "falafel wraps", "tiramisu",
)
INGREDIENTS = (
    "eggs", "flour", "garlic", "onion", "coconut milk", "lime", "feta", "spinach", "rice", "butter", "honey",
    "cumin", "tomatoes", "chickpeas", "ginger", "soy sauce", "basil", "oats", "lemon", "paprika",
)
EXERCISES = (
    "deadlift", "back squat", "bench press", "pull-up", "overhead press", "kettlebell swing", "lunge",
    "rowing machine", "plank", "barbell row", "box jump", "hip thrust",
)
MUSCLES = ("chest", "back", "legs", "shoulders", "core", "glutes", "arms", "calves")
BOOKS = (
    "The Left Hand of Darkness", "Beloved", "Pedro Paramo", "The Remains of the Day", "Things Fall Apart",
    "Piranesi", "A Gentleman in Moscow", "The Overstory", "Kindred", "The Name of the Rose", "Circe",
    "Project Hail Mary", "The Dispossessed", "Homegoing",
)
BRANCHES = ("Riverside branch", "Old Town branch", "Hillcrest branch", "Central library", "Harbor branch", "Elm Street branch")
ASTRO_TARGETS = (
    "M31", "M42", "NGC 7000", "Jupiter", "Saturn", "Vega", "Betelgeuse", "the Pleiades", "M13", "NGC 253",
    "Comet 12P", "Albireo", "M51", "the Double Cluster", "IC 1396", "Mars",
)
ASTRO_FILTERS = ("Ha", "OIII", "SII", "L", "R", "G", "B", "UV-IR cut")
HELPDESK_PARTS = ("VPN", "printer", "docking station", "SSO login", "shared drive", "webcam", "Outlook", "Wi-Fi", "monitor", "keyboard")
PLATES = ("KX-482-LM", "B-TR 2291", "7ABC123", "WX19 FKE", "GH-07-PL", "M 4471 ZK", "LV-5512", "QR 9034 T", "AB12 CDE", "NZ-3380")
CAR_MAKES = ("Toyota", "Volvo", "Skoda", "Honda", "Kia", "Renault", "Subaru", "Fiat", "Tesla", "Mazda")
COLORS = ("red", "silver", "dark blue", "white", "black", "green", "grey", "orange")
PET_NAMES = ("Biscuit", "Luna", "Pepper", "Mochi", "Rocco", "Juniper", "Ziggy", "Olive", "Bruno", "Kiwi", "Nala", "Pickles")
SYMPTOMS = ("limping", "sneezing", "not eating", "itchy ears", "vomiting", "lethargy", "coughing", "hair loss")
SENSOR_SITES = ("north ridge", "pump house", "greenhouse 2", "river gauge", "orchard east", "roof deck")
BOOKMARK_COLLECTIONS = ("Reading later", "Recipes to try", "Work research", "Trip ideas", "Design inspiration", "Tutorials")
TAG_WORDS = ("urgent", "reference", "fun", "longread", "python", "design", "travel", "kids", "budget", "ideas", "archive", "weekend")
PODCASTS = ("Hidden Brain", "The Daily Drift", "Radiolab", "Darknet Diaries", "Song Exploder", "99% Invisible", "Planet Money", "The Rest Is History")
MOODS = ("chill", "upbeat", "melancholy", "focus", "party", "rainy day", "road trip", "late night")
FISH = ("neon tetra", "guppy", "betta", "corydoras", "angelfish", "platy", "cherry shrimp", "otocinclus")
TANKS = ("Reef 60", "Living room tank", "Shrimp cube", "Quarantine tub", "Office nano", "Planted 120")
DOCKS = ("Central Station dock", "Harbour Walk dock", "Museum Square dock", "University dock", "Market Street dock")
GRAPES = ("pinot noir", "riesling", "tempranillo", "chardonnay", "syrah", "gamay", "sauvignon blanc", "grenache")
ARTWORKS = ("Girl with a Lantern", "Harbour at Dusk", "Bronze Horse Figurine", "Ceremonial Mask", "Illuminated Psalter", "Jade Cicada", "Portrait of a Weaver")
GALLERIES = ("East Wing", "Gallery 4", "Sculpture Court", "Textile Room", "North Atrium", "Print Room")
MATERIALS = ("bronze", "oak", "linen", "gold leaf", "terracotta", "jade", "ivory", "silk", "oil on canvas")
HOUSEKEEPING_TASKS = ("change towels", "restock minibar", "vacuum carpet", "replace bedding", "clean windows", "empty bins")
OPENINGS = ("Sicilian Defense", "Queen's Gambit", "Caro-Kann", "King's Indian", "French Defense", "Ruy Lopez", "London System")
CHESS_VENUES = ("Club hall", "Library annex", "Park pavilion", "Community center", "Online arena")
TREATMENTS = ("oxalic acid", "formic acid", "thymol", "powdered sugar", "drone brood removal")
APIARY_SITES = ("Orchard apiary", "Rooftop hives", "Heather field", "Lime tree row", "Old barn")
BOATS = ("Sea Sparrow", "Blue Heron", "Marlin II", "Northern Star", "Wind Dancer", "Salty Dog", "Kestrel")
BOAT_SERVICES = ("shore power", "pump-out", "fresh water", "wifi", "hull cleaning", "fuel delivery")
CAMP_AMENITIES = ("fire pit", "picnic table", "electric hookup", "water tap", "shade cover", "bear locker")
GLAZES = ("celadon", "tenmoku", "shino", "ash glaze", "cobalt blue", "matte white", "copper red")
POTTERY_PIECES = ("Tall vase with fluted rim", "Set of four mugs", "Serving bowl, speckled", "Ramen bowl no. 3", "Bud vase for Elif", "Lidded jar with handles")
CHOIR_PIECES = ("Ave Maria", "Hallelujah Chorus", "Sure on This Shining Night", "Lux Aurumque", "O Magnum Mysterium", "Shenandoah", "Bogoroditse Devo")
LAB_REAGENTS = ("sodium chloride", "ethanol 70%", "Tris buffer", "agarose", "glycerol", "EDTA", "acetic acid", "PBS tablets", "Taq polymerase")
LAB_BUILDINGS = ("B2", "Annex", "West Lab", "Cold Room C", "Building 7")
AISLES = ("A3", "B7", "C12", "D1", "E5", "F9", "G2")
CONTEXTS = (
    "It's for the weekly review.", "My manager asked for it.", "Thanks in advance!", "No rush.",
    "I'll check back later.", "Appreciate it.", "This came up in today's meeting.", "Let me know when it's done.",
    "Just making sure it's tracked.", "Sorry for the short notice.", "We talked about this yesterday.",
    "Cheers!", "That should be everything.", "Ping me if anything looks off.",
)


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


def _url(rng: random.Random) -> str:
    parts = rng.sample(URL_WORDS, rng.randint(1, 3))
    url = f"https://{rng.choice(URL_HOSTS)}/{'/'.join(parts)}"
    r = rng.random()
    if r < 0.2:
        url += f"?id={rng.randint(10, 9999)}"
    elif r < 0.35:
        url += f".{rng.choice(('html', 'pdf', 'png'))}"
    return url


def _path(rng: random.Random) -> str:
    parts = rng.sample(URL_WORDS, rng.randint(1, 2))
    stem = rng.choice(URL_WORDS) + rng.choice(("", "_" + str(rng.randint(1, 40)), "-final", "_v2"))
    return f"{rng.choice(PATH_ROOTS)}/{'/'.join(parts)}/{stem}.{rng.choice(PATH_EXTS)}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2023, 2027)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(6, 22):02d}:{rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50)):02d}"


def _free_text(rng: random.Random) -> str:
    """A free text to copy: a sentence, sometimes extended so that values rarely repeat verbatim."""
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


_STRING_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "person": _person,
    "email": _email,
    "url": _url,
    "path": _path,
    "quote": lambda rng: _free_text(rng),
    "city": lambda rng: rng.choice(CITIES),
    "date": _date,
    "time": _time,
}


# --------------------------------------------------------------------------------------------------
# Argument fields: schema fragment, value maker and phrasings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One argument of a synthetic tool: how it looks in the schema and how a query mentions it."""

    name: str
    kind: str  # string kinds above, "id", "pick", "int", "num", "bool", "enum", "strs", "nums", "object"
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

    def schema(self) -> dict[str, Any]:
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

    def value(self, rng: random.Random) -> Any:
        k = self.kind
        if k in _STRING_MAKERS:
            return _STRING_MAKERS[k](rng)
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
                v = _STRING_MAKERS[self.item](rng)
                if v not in out:
                    out.append(v)
            return out
        if k == "nums":
            return [_number(rng, self.lo, self.hi, self.dec) for _ in range(rng.randint(2, 5))]
        if k == "object":
            return {f.name: f.value(rng) for f in self.sub}
        raise ValueError(f"unknown field kind {k!r}")


def _number(rng: random.Random, lo: float, hi: float, dec: int) -> int | float:
    x = round(rng.uniform(lo, hi), dec)
    return int(x) if x == int(x) else x


def _join(items: Sequence[str], conj: str = "and") -> str:
    items = list(items)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def _phrase(f: Field, v: Any, rng: random.Random, bare_ok: bool) -> tuple[str, bool]:
    """How a query mentions argument ``f`` with value ``v``; the flag says "must come last"."""
    n = f.noun
    if f.kind == "bool":
        vp = f.forms[0]
        if v:
            return rng.choice((vp, f"also {vp}", f"{vp} as well", f"please {vp}")), False
        return rng.choice((f"don't {vp}", f"no need to {vp}", f"do not {vp}", f"without having to {vp}")), False
    if f.kind == "quote":
        if rng.random() < 0.3:
            return f"{n}: {v}", True
        q = "'" if "'" not in v and rng.random() < 0.3 else '"'
        forms = [f"{n} {q}{v}{q}", f"with {n} {q}{v}{q}", f"{n}: {q}{v}{q}"]
        forms += [form.replace("{v}", f"{q}{v}{q}") for form in f.forms]
        return rng.choice(forms), False
    if f.kind in ("strs", "nums"):
        items = _join([str(x) for x in v]) if rng.random() < 0.7 else ", ".join(str(x) for x in v)
        forms = [f"{n} {items}", f"with {n} {items}", f"{n}: {items}"]
        forms += [form.replace("{v}", items) for form in f.forms]
        return rng.choice(forms), False
    if f.kind == "object":
        subs = [f"{s.noun} {v[s.name]}" for s in f.sub]
        if rng.random() < 0.5:
            return f"{n} ({', '.join(subs)})", False
        return f"{n} with {_join(subs)}", False
    s = str(v)
    forms = [f"{n} {s}", f"with {n} {s}", f"{n} set to {s}", f"{n} {s}"]
    if f.kind in ("int", "num") and f.unit:
        forms += [f"{s} {f.unit}", f"{s} {f.unit}"]
    if f.kind == "enum":
        forms += [f"{s} {n}"]
    if bare_ok and f.kind in ("id", "email", "url", "path"):
        forms += [s]
    forms += [form.replace("{v}", s) for form in f.forms] * 2
    return rng.choice(forms), False


# --------------------------------------------------------------------------------------------------
# Domains, objects and actions
# --------------------------------------------------------------------------------------------------


def S(name: str, kind: str, noun: str, desc: str, *forms: str, pool: tuple[Any, ...] = (), prefix: str = "") -> Field:
    return Field(name, kind, noun, desc, tuple(forms), pool=pool, prefix=prefix)


def I(name: str, noun: str, desc: str, lo: int, hi: int, unit: str = "", *forms: str) -> Field:  # noqa: E743
    return Field(name, "int", noun, desc, tuple(forms), lo=lo, hi=hi, unit=unit)


def N(name: str, noun: str, desc: str, lo: float, hi: float, dec: int, unit: str = "", *forms: str) -> Field:
    return Field(name, "num", noun, desc, tuple(forms), lo=lo, hi=hi, dec=dec, unit=unit)


def B(name: str, desc: str, vp: str) -> Field:
    return Field(name, "bool", "", desc, (vp,))


def E(name: str, noun: str, desc: str, values: tuple[str, ...], *forms: str) -> Field:
    return Field(name, "enum", noun, desc, tuple(forms), pool=values)


def A(name: str, noun: str, desc: str, pool: tuple[str, ...] = (), item: str = "", *forms: str) -> Field:
    return Field(name, "strs", noun, desc, tuple(forms), pool=pool, item=item)


def NA(name: str, noun: str, desc: str, lo: float, hi: float, dec: int) -> Field:
    return Field(name, "nums", noun, desc, lo=lo, hi=hi, dec=dec)


def O(name: str, noun: str, desc: str, *sub: Field) -> Field:  # noqa: E741, E743
    return Field(name, "object", noun, desc, sub=sub)


@dataclass(frozen=True)
class Domain:
    key: str
    label: str
    objects: tuple[tuple[str, str], ...]  # (name word, phrase)
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Action:
    key: str
    verb: str
    article: str


ACTIONS: tuple[Action, ...] = (
    Action("register", "register", "a new"),
    Action("lookup", "look up", "the"),
    Action("update", "update", "the"),
    Action("cancel", "cancel", "the"),
    Action("archive", "archive", "the"),
    Action("flag", "flag", "the"),
    Action("assign", "assign", "the"),
    Action("schedule", "schedule", "a"),
    Action("log", "log", "a"),
    Action("export", "export", "the"),
    Action("review", "review", "the"),
    Action("tag", "tag", "the"),
    Action("move", "move", "the"),
    Action("share", "share", "the"),
    Action("duplicate", "duplicate", "the"),
    Action("inspect", "inspect", "the"),
    Action("approve", "approve", "the"),
    Action("restore", "restore", "the"),
)

DOMAINS: tuple[Domain, ...] = (
    Domain("fleet", "fleet logistics system", (("truck", "truck"), ("route", "delivery route"), ("shipment", "shipment")), (
        S("vehicle_id", "id", "vehicle", "Vehicle identifier", "for vehicle {v}", prefix="TRK"),
        S("driver", "person", "driver", "Full name of the driver", "driven by {v}", "for driver {v}"),
        S("destination", "city", "destination", "Destination city", "to {v}", "heading to {v}"),
        S("departure_date", "date", "departure date", "Departure date (YYYY-MM-DD)", "departing {v}", "leaving on {v}"),
        N("load_kg", "load", "Load weight in kilograms", 50, 12000, 1, "kg"),
        E("service", "service", "Service level", ("standard", "express", "overnight"), "as {v}", "using {v} service"),
        A("stops", "stops", "Intermediate stops, in order", (), "city", "stopping in {v}", "via {v}"),
        B("notify_dispatch", "Notify the dispatcher", "notify the dispatcher"),
        S("dispatcher_email", "email", "dispatcher email", "E-mail address of the dispatcher", "cc {v}"),
    )),
    Domain("lab", "lab inventory", (("reagent", "reagent"), ("sample", "sample"), ("freezer_slot", "freezer slot")), (
        S("sample_id", "id", "sample", "Sample identifier", "for sample {v}", prefix="SMP"),
        S("reagent", "pick", "reagent", "Reagent name", "of {v}", pool=LAB_REAGENTS),
        N("volume_ml", "volume", "Volume in millilitres", 0.5, 2000, 1, "ml"),
        E("storage", "storage", "Storage condition", ("ambient", "chilled", "frozen"), "kept {v}", "stored {v}"),
        S("owner", "person", "owner", "Person responsible", "owned by {v}"),
        O("location", "location", "Where it is stored",
          S("building", "pick", "building", "Building", pool=LAB_BUILDINGS), I("shelf", "shelf", "Shelf number", 1, 12)),
        B("hazardous", "Whether it is hazardous", "mark it as hazardous"),
        S("expiry", "date", "expiry date", "Expiry date (YYYY-MM-DD)", "expiring {v}", "expires {v}"),
        S("protocol_path", "path", "protocol", "Path of the protocol document"),
    )),
    Domain("music", "music library", (("album", "album"), ("track", "track"), ("playlist", "playlist")), (
        S("title", "pick", "title", "Track or album title", "called {v}", "titled {v}", pool=SONGS),
        S("artist", "pick", "artist", "Artist name", "by {v}", pool=ARTISTS),
        E("genre", "genre", "Genre", ("jazz", "rock", "classical", "ambient", "folk", "hip-hop"), "under {v}"),
        I("rating", "rating", "Rating from 1 to 5", 1, 5, "stars"),
        A("moods", "moods", "Mood tags", MOODS, "", "tagged {v}"),
        S("cover_url", "url", "cover image", "URL of the cover image", "cover at {v}"),
        B("favorite", "Add to favorites", "add it to my favorites"),
        I("year", "year", "Release year", 1958, 2025, "", "from {v}", "released in {v}"),
    )),
    Domain("garden", "garden planner", (("plot", "garden plot"), ("seedling", "seedling tray"), ("watering_plan", "watering plan")), (
        S("plant", "pick", "plant", "Plant variety", "for the {v}", pool=PLANTS),
        S("bed", "id", "bed", "Raised bed label", "in bed {v}", prefix="BED"),
        S("sow_on", "date", "sowing date", "Sowing date (YYYY-MM-DD)", "sown on {v}", "to sow on {v}"),
        I("spacing_cm", "spacing", "Spacing between plants in centimetres", 5, 90, "cm", "{v} cm apart"),
        E("exposure", "exposure", "Light exposure", ("full sun", "partial shade", "full shade"), "in {v}"),
        A("companions", "companion plants", "Companion plants", PLANTS, "", "next to {v}"),
        S("gardener_email", "email", "gardener email", "E-mail of the gardener", "assigned to {v}"),
        B("organic", "Organic only", "keep it organic"),
        NA("soil_ph", "soil pH readings", "Soil pH readings", 5.0, 8.0, 1),
    )),
    Domain("astro", "astronomy observing log", (("observation", "observation"), ("target", "observing target"), ("session", "telescope session")), (
        S("target", "pick", "target", "Object observed", "of {v}", "on {v}", pool=ASTRO_TARGETS),
        S("observer", "person", "observer", "Observer name", "by {v}"),
        N("magnitude", "magnitude", "Apparent magnitude", -3, 14, 1),
        O("coordinates", "coordinates", "Sky position",
          N("ra_hours", "RA", "Right ascension in hours", 0, 23.9, 2), N("dec_degrees", "Dec", "Declination in degrees", -89, 89, 1)),
        S("site", "city", "site", "Observing site", "from {v}", "in {v}"),
        E("seeing", "seeing", "Seeing conditions", ("poor", "fair", "good", "excellent"), "with {v} seeing"),
        S("night", "date", "night", "Night of the observation (YYYY-MM-DD)", "on the night of {v}", "on {v}"),
        I("exposure_s", "exposure", "Exposure in seconds", 1, 600, "seconds", "{v} s exposure"),
        A("filters", "filters", "Filters used", ASTRO_FILTERS, "", "through {v}"),
    )),
    Domain("recipe", "recipe box", (("recipe", "recipe"), ("meal_plan", "meal plan"), ("pantry_item", "pantry item")), (
        S("dish", "pick", "dish", "Dish name", "for {v}", pool=DISHES),
        I("servings", "servings", "Number of servings", 1, 12, "servings", "for {v} people"),
        A("ingredients", "ingredients", "Ingredients", INGREDIENTS, "", "using {v}"),
        E("cuisine", "cuisine", "Cuisine", ("italian", "thai", "mexican", "indian", "japanese", "greek")),
        I("prep_minutes", "prep time", "Preparation time in minutes", 5, 180, "minutes", "ready in {v} minutes"),
        S("source_url", "url", "source", "Where the recipe comes from", "from {v}"),
        B("vegetarian", "Vegetarian", "make it vegetarian"),
        S("remark", "quote", "remark", "A free-text remark", "remember {v}"),
    )),
    Domain("gym", "gym tracker", (("workout", "workout"), ("personal_record", "personal record"), ("membership", "membership")), (
        S("member", "person", "member", "Member name", "for {v}"),
        S("exercise", "pick", "exercise", "Exercise", "for the {v}", pool=EXERCISES),
        I("reps", "reps", "Repetitions per set", 1, 30, "reps"),
        N("weight_kg", "weight", "Weight in kilograms", 2.5, 250, 1, "kg", "at {v} kg"),
        I("sets", "sets", "Number of sets", 1, 8, "sets"),
        E("intensity", "intensity", "Perceived intensity", ("light", "moderate", "hard")),
        S("session_date", "date", "session date", "Date of the session (YYYY-MM-DD)", "on {v}"),
        S("coach_email", "email", "coach", "E-mail of the coach", "loop in {v}"),
        A("muscles", "muscle groups", "Muscle groups worked", MUSCLES, "", "targeting {v}"),
    )),
    Domain("library", "library loans desk", (("loan", "loan"), ("hold", "hold"), ("reader_card", "reader card")), (
        S("isbn", "id", "ISBN", "ISBN of the book", prefix="978"),
        S("book_title", "pick", "book", "Book title", "for {v}", pool=BOOKS),
        S("patron", "person", "patron", "Patron name", "for {v}", "on behalf of {v}"),
        S("branch", "pick", "branch", "Library branch", "at the {v}", pool=BRANCHES),
        S("due", "date", "due date", "Due date (YYYY-MM-DD)", "due {v}", "until {v}"),
        I("renewals", "renewals", "Number of renewals allowed", 0, 5, "renewals"),
        S("card_number", "id", "card", "Reader card number", "card number {v}", prefix="LIB"),
        B("notify_patron", "Notify the patron", "let the patron know"),
        E("format", "format", "Book format", ("hardcover", "paperback", "ebook", "audiobook"), "as {v}", "the {v} edition"),
    )),
    Domain("helpdesk", "IT helpdesk", (("incident", "incident"), ("service_request", "service request"), ("laptop", "laptop")), (
        S("incident_id", "id", "incident", "Incident number", prefix="INC"),
        S("requester_email", "email", "requester", "E-mail of the requester", "for {v}", "raised by {v}"),
        S("summary", "quote", "summary", "Short summary", "saying {v}", "described as {v}"),
        E("severity", "severity", "Severity", ("low", "medium", "high", "critical"), "as {v} severity"),
        A("components", "components", "Affected components", HELPDESK_PARTS, "", "affecting {v}"),
        S("assignee", "person", "assignee", "Technician assigned", "to {v}", "assigned to {v}"),
        B("escalate", "Escalate to second level", "escalate it"),
        S("asset_tag", "id", "asset tag", "Asset tag of the device", prefix="AST"),
    )),
    Domain("parking", "parking permits office", (("permit", "parking permit"), ("space", "parking space"), ("violation", "parking violation")), (
        S("plate", "pick", "plate", "Licence plate", "for plate {v}", pool=PLATES),
        E("lot", "lot", "Parking lot", ("north", "south", "east", "west"), "in the {v} lot"),
        S("start", "date", "start date", "First valid day (YYYY-MM-DD)", "starting {v}", "from {v}"),
        I("duration_hours", "duration", "Duration in hours", 1, 72, "hours"),
        S("holder", "person", "holder", "Permit holder", "for {v}", "in the name of {v}"),
        O("vehicle", "vehicle", "The vehicle",
          S("make", "pick", "make", "Make", pool=CAR_MAKES), S("color", "pick", "color", "Colour", pool=COLORS)),
        I("level", "level", "Garage level", -3, 6, "", "on level {v}"),
        B("paid", "Already paid", "mark it as paid"),
    )),
    Domain("petclinic", "pet clinic", (("appointment", "vet appointment"), ("patient", "patient record"), ("vaccination", "vaccination")), (
        S("pet_name", "pick", "pet", "Name of the pet", "for {v}", pool=PET_NAMES),
        E("species", "species", "Species", ("dog", "cat", "rabbit", "parrot", "ferret"), "a {v}"),
        S("owner", "person", "owner", "Owner's name", "owned by {v}"),
        S("owner_email", "email", "owner email", "Owner's e-mail", "email {v}"),
        S("visit_date", "date", "visit date", "Date (YYYY-MM-DD)", "on {v}"),
        S("visit_time", "time", "time", "Time (HH:MM)", "at {v}"),
        N("weight_kg", "weight", "Weight in kilograms", 0.2, 60, 1, "kg"),
        A("symptoms", "symptoms", "Observed symptoms", SYMPTOMS, "", "for {v}"),
        B("reminder", "Send a reminder", "send a reminder"),
    )),
    Domain("sensor", "field sensor network", (("sensor", "sensor"), ("calibration", "calibration"), ("alert_rule", "alert rule")), (
        S("sensor_id", "id", "sensor", "Sensor identifier", prefix="SNS"),
        S("site", "pick", "site", "Installation site", "at the {v}", pool=SENSOR_SITES),
        N("threshold", "threshold", "Alert threshold", 0, 150, 2, "", "above {v}"),
        NA("readings", "readings", "Reference readings", 0, 100, 1),
        E("metric", "metric", "Measured quantity", ("humidity", "pressure", "soil moisture", "wind speed", "light"), "for {v}"),
        I("interval_minutes", "interval", "Sampling interval in minutes", 1, 120, "minutes", "every {v} minutes"),
        S("dashboard_url", "url", "dashboard", "Dashboard URL"),
        B("muted", "Mute notifications", "mute its notifications"),
    )),
    Domain("bookmarks", "bookmark manager", (("bookmark", "bookmark"), ("collection", "bookmark collection"), ("reading_queue", "reading queue")), (
        S("link", "url", "link", "The bookmarked URL", "for {v}"),
        S("label", "quote", "label", "Display label", "named {v}", "labelled {v}"),
        A("tags", "tags", "Tags", TAG_WORDS, "", "tagged {v}"),
        S("collection", "pick", "collection", "Collection name", "into {v}", "in {v}", pool=BOOKMARK_COLLECTIONS),
        B("pinned", "Pin it", "pin it to the top"),
        E("visibility", "visibility", "Who can see it", ("private", "shared", "public"), "as {v}"),
    )),
    Domain("podcast", "podcast queue", (("episode", "podcast episode"), ("subscription", "subscription"), ("clip", "audio clip")), (
        S("show", "pick", "show", "Show name", "of {v}", "from {v}", pool=PODCASTS),
        I("episode_number", "episode", "Episode number", 1, 900, "", "episode {v}", "number {v}"),
        S("feed_url", "url", "feed", "RSS feed URL"),
        N("speed", "speed", "Playback speed", 0.75, 2.5, 2, "x", "at {v}x"),
        S("start_at", "time", "start", "Start position (MM:SS)", "from {v}", "starting at {v}"),
        B("download", "Download for offline", "download it for offline listening"),
        E("quality", "quality", "Audio quality", ("low", "standard", "high")),
        S("host", "person", "host", "Host name", "hosted by {v}"),
    )),
    Domain("warehouse", "warehouse bin system", (("bin", "storage bin"), ("pallet", "pallet"), ("pick_order", "pick order")), (
        S("sku", "id", "SKU", "Stock keeping unit", prefix="SKU"),
        S("bin_code", "id", "bin", "Bin code", "in bin {v}", prefix="BIN"),
        I("quantity", "quantity", "Number of units", 1, 5000, "units"),
        O("position", "position", "Where in the warehouse",
          S("aisle", "pick", "aisle", "Aisle", pool=AISLES), I("shelf", "shelf", "Shelf", 1, 9)),
        S("handler", "person", "handler", "Person handling it", "handled by {v}"),
        B("fragile", "Fragile goods", "mark it fragile"),
        E("carrier", "carrier", "Outbound carrier", ("ups", "dhl", "fedex", "local courier"), "via {v}"),
        S("manifest_path", "path", "manifest", "Path of the manifest", "with the manifest at {v}"),
        O("dimensions", "dimensions", "Size in centimetres",
          I("width_cm", "width", "Width", 5, 200), I("height_cm", "height", "Height", 5, 200), I("depth_cm", "depth", "Depth", 5, 200)),
    )),
    Domain("aquarium", "aquarium care log", (("tank", "tank"), ("water_test", "water test"), ("feeding", "feeding schedule")), (
        S("tank", "pick", "tank", "Tank name", "for the {v}", pool=TANKS),
        N("ph", "pH", "pH value", 5.5, 8.8, 1, "", "at pH {v}"),
        N("water_c", "water", "Water temperature in Celsius", 18, 30, 1, "degrees"),
        A("fish", "fish", "Species in the tank", FISH, "", "with {v}"),
        I("volume_liters", "volume", "Tank volume in litres", 10, 800, "liters"),
        S("tested_on", "date", "test date", "Date of the test (YYYY-MM-DD)", "tested on {v}"),
        B("alert", "Alert on drift", "alert me if it drifts"),
        NA("nitrate_ppm", "nitrate readings", "Nitrate readings in ppm", 0, 80, 1),
    )),
    Domain("bikeshare", "bike share service", (("bike", "bike"), ("dock", "docking station"), ("rental", "rental")), (
        S("bike_id", "id", "bike", "Bike number", prefix="BK"),
        S("dock", "pick", "dock", "Dock name", "at {v}", "to {v}", pool=DOCKS),
        S("rider_email", "email", "rider", "Rider's e-mail", "for {v}"),
        I("duration_min", "duration", "Rental length in minutes", 5, 240, "minutes"),
        B("electric", "Electric bike", "make it an e-bike"),
        E("plan", "plan", "Pricing plan", ("single ride", "day pass", "monthly"), "on the {v} plan", "with a {v}"),
        S("city", "city", "city", "City", "in {v}"),
    )),
    Domain("vineyard", "vineyard log", (("harvest", "harvest"), ("barrel", "barrel"), ("tasting", "tasting")), (
        S("block", "id", "block", "Vineyard block", "from block {v}", prefix="BLK"),
        S("grape", "pick", "grape", "Grape variety", "of {v}", pool=GRAPES),
        N("brix", "Brix", "Sugar level in degrees Brix", 16, 28, 1, "", "at {v} Brix"),
        S("harvested_on", "date", "harvest date", "Harvest date (YYYY-MM-DD)", "picked on {v}"),
        S("barrel_id", "id", "barrel", "Barrel identifier", prefix="BRL"),
        S("tasting_note", "quote", "tasting note", "Free-text tasting note", "described as {v}"),
        A("pickers", "pickers", "Names of the pickers", (), "person", "picked by {v}"),
        E("oak", "oak", "Oak type", ("french", "american", "neutral"), "in {v} oak"),
    )),
    Domain("museum", "museum collection", (("artifact", "artifact"), ("exhibit", "exhibit"), ("restoration", "restoration job")), (
        S("accession", "id", "accession number", "Accession number", prefix="ACC"),
        S("work", "pick", "work", "Title of the work", "for {v}", pool=ARTWORKS),
        S("curator", "person", "curator", "Responsible curator", "curated by {v}"),
        S("gallery", "pick", "gallery", "Gallery", "in the {v}", "to the {v}", pool=GALLERIES),
        I("year_made", "year", "Year it was made", 1200, 2020, "", "made in {v}", "dated {v}"),
        A("materials", "materials", "Materials", MATERIALS, "", "made of {v}"),
        S("image_url", "url", "image", "Image URL", "with the photo at {v}"),
        B("on_display", "On display", "put it on display"),
        E("condition", "condition", "Condition", ("poor", "fair", "good", "excellent"), "in {v} condition"),
    )),
    Domain("housekeeping", "hotel housekeeping", (("room", "hotel room"), ("linen_order", "linen order"), ("inspection", "room inspection")), (
        I("room_number", "room", "Room number", 101, 1299),
        S("guest", "person", "guest", "Guest name", "for {v}", "for guest {v}"),
        S("checkout", "time", "checkout", "Checkout time (HH:MM)", "checking out at {v}"),
        A("tasks", "tasks", "Tasks to do", HOUSEKEEPING_TASKS, "", "to {v}"),
        B("restock", "Restock the minibar", "restock the minibar"),
        S("staff_email", "email", "staff", "E-mail of the staff member", "notify {v}"),
        E("urgency", "urgency", "Urgency", ("routine", "rush"), "as a {v} job"),
        S("remark", "quote", "remark", "Free-text remark", "with the remark {v}"),
    )),
    Domain("chess", "chess club", (("match", "match"), ("tournament", "tournament"), ("player", "player profile")), (
        S("white", "person", "white", "Player with the white pieces", "{v} as white", "with {v} playing white"),
        S("black", "person", "black", "Player with the black pieces", "{v} as black", "with {v} playing black"),
        S("opening", "pick", "opening", "Opening played", "in the {v}", pool=OPENINGS),
        E("result", "result", "Result", ("white wins", "black wins", "draw"), "ending in {v}", "result: {v}"),
        I("round", "round", "Round number", 1, 11, "", "in round {v}"),
        S("pgn_url", "url", "PGN", "URL of the game record"),
        B("rated", "Rated game", "make it rated"),
        S("played_on", "date", "date", "When it was played (YYYY-MM-DD)", "played on {v}"),
        S("venue", "pick", "venue", "Venue", "at the {v}", pool=CHESS_VENUES),
    )),
    Domain("apiary", "beekeeping journal", (("hive", "hive"), ("honey_batch", "honey batch"), ("queen", "queen record")), (
        S("hive_id", "id", "hive", "Hive identifier", prefix="HV"),
        I("frames", "frames", "Frames of brood", 1, 20, "frames"),
        N("honey_kg", "honey", "Honey harvested in kilograms", 0.5, 60, 1, "kg"),
        B("queen_seen", "Queen seen", "mark the queen as seen"),
        E("temperament", "temperament", "Colony temperament", ("calm", "nervous", "defensive"), "as {v}"),
        S("apiary", "pick", "apiary", "Apiary site", "at the {v}", pool=APIARY_SITES),
        S("observations", "quote", "observations", "Free-text observations", "noting {v}"),
        A("treatments", "treatments", "Treatments applied", TREATMENTS, "", "treated with {v}"),
    )),
    Domain("marina", "marina office", (("berth", "berth"), ("vessel", "vessel registration"), ("fuel_order", "fuel order")), (
        S("boat", "pick", "boat", "Boat name", "for the {v}", pool=BOATS),
        S("berth", "id", "berth", "Berth code", "at berth {v}", prefix="P"),
        N("length_m", "length", "Boat length in metres", 4, 40, 1, "m", "{v} metres long"),
        S("skipper", "person", "skipper", "Skipper name", "skippered by {v}"),
        S("arrival", "date", "arrival", "Arrival date (YYYY-MM-DD)", "arriving {v}", "on {v}"),
        S("arrival_time", "time", "arrival time", "Arrival time (HH:MM)", "at {v}"),
        I("fuel_liters", "fuel", "Fuel in litres", 20, 2000, "liters"),
        A("services", "services", "Services requested", BOAT_SERVICES, "", "with {v}"),
        S("skipper_email", "email", "skipper email", "Skipper's e-mail", "reachable at {v}"),
    )),
    Domain("camping", "campground office", (("campsite", "campsite"), ("firewood_order", "firewood order"), ("ranger_patrol", "ranger patrol")), (
        S("site_code", "id", "site", "Campsite code", prefix="SITE"),
        I("party_size", "party size", "Number of campers", 1, 12, "people", "for {v} people"),
        S("arrival", "date", "arrival", "Arrival date (YYYY-MM-DD)", "arriving {v}", "from {v}"),
        I("nights", "nights", "Number of nights", 1, 14, "nights"),
        S("leader", "person", "group leader", "Group leader", "under {v}"),
        A("amenities", "amenities", "Required amenities", CAMP_AMENITIES, "", "with {v}"),
        B("pets", "Pets allowed", "allow pets"),
        E("site_type", "site type", "Kind of site", ("tent", "trailer", "cabin"), "for a {v}"),
    )),
    Domain("pottery", "pottery studio", (("kiln_load", "kiln load"), ("glaze", "glaze recipe"), ("class_slot", "class slot")), (
        S("piece", "quote", "piece", "Description of the piece", "for the piece {v}"),
        S("glaze", "pick", "glaze", "Glaze", "in {v}", "glazed with {v}", pool=GLAZES),
        I("cone", "cone", "Firing cone", 4, 11, "", "to cone {v}", "at cone {v}"),
        S("firing_date", "date", "firing date", "Firing date (YYYY-MM-DD)", "firing on {v}"),
        S("student", "person", "student", "Student name", "for {v}"),
        S("student_email", "email", "student email", "Student e-mail", "send it to {v}"),
        I("pieces", "pieces", "Number of pieces", 1, 40, "pieces"),
        S("photo_path", "path", "photo", "Path of a photo"),
    )),
    Domain("choir", "choir rehearsal planner", (("rehearsal", "rehearsal"), ("score", "score"), ("singer", "singer")), (
        S("piece", "pick", "piece", "Piece", "for {v}", "of {v}", pool=CHOIR_PIECES),
        E("voice", "voice", "Voice part", ("soprano", "alto", "tenor", "bass"), "for the {v} section"),
        S("singer", "person", "singer", "Singer name", "for {v}"),
        S("rehearsal_date", "date", "rehearsal date", "Date (YYYY-MM-DD)", "on {v}"),
        S("start", "time", "start", "Start time (HH:MM)", "starting at {v}", "at {v}"),
        S("score_path", "path", "score", "Path of the score PDF"),
        S("director_note", "quote", "director's remark", "Remark from the director", "with the remark {v}"),
        A("attendees", "attendees", "Singers attending", (), "person", "with {v}"),
        NA("tempo_marks", "tempo marks", "Metronome marks", 40, 180, 0),
    )),
)


# --------------------------------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tool:
    name: str
    domain: Domain
    action: Action
    obj: tuple[str, str]
    fields: tuple[Field, ...]
    required: frozenset[str]

    def spec_dict(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
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


def _starts_with_value(query: str, args: dict[str, Any]) -> bool:
    """Whether changing the case of the query's first letter would change an argument value."""
    first = query.split(" ", 1)[0]
    return not first or first.isupper() or any(query[: len(s)].lower() == s.lower() for s in _string_values(args))


def _render_single(tool: _Tool, rng: random.Random, inner: bool = False) -> tuple[str, dict[str, Any]]:
    """One query and its arguments for ``tool`` (``inner``: it will be one part of a multi-call query)."""
    chosen = [f for f in tool.fields if f.name in tool.required or rng.random() < 0.55]
    args = {f.name: f.value(rng) for f in chosen}
    kinds = [f.kind for f in chosen]
    plain: list[str] = []
    bools: list[str] = []
    last: list[str] = []
    order = list(chosen)
    rng.shuffle(order)
    for f in order:
        text, must_last = _phrase(f, args[f.name], rng, bare_ok=kinds.count(f.kind) == 1 and len(chosen) <= 2)
        if must_last and not last:
            last.append(text)
        elif must_last:  # a second unquoted free text: quote it instead
            plain.append(f'{f.noun} "{args[f.name]}"')
        elif f.kind == "bool":
            bools.append(text)
        else:
            plain.append(text)
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


# --------------------------------------------------------------------------------------------------
# Multi-call and no-tool examples
# --------------------------------------------------------------------------------------------------

CONNECTORS_MID = (". Also, ", ". Then, ", " and then ", "; after that, ", ". After that, ", ", then ", ". Next, ",
                  ". Oh, and ", ". Plus, ", ". And ", ". Once that's done, ", ". In addition, ")
CONNECTORS_LAST = CONNECTORS_MID + (". Finally, ", ". Lastly, ", " and finally ")


def _string_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _string_values(v)]
    return []


def _lower_first(query: str, args: dict[str, Any]) -> str:
    if _starts_with_value(query, args) or query.startswith(("I ", "I'")):
        return query
    return query[:1].lower() + query[1:]


def _join_calls(parts: list[tuple[str, dict[str, Any]]], rng: random.Random) -> str:
    out = parts[0][0].rstrip().rstrip(".?!")
    for i, (q, args) in enumerate(parts[1:], start=1):
        conn = rng.choice(CONNECTORS_LAST if i == len(parts) - 1 else CONNECTORS_MID)
        out += conn + _lower_first(q.strip().rstrip(".?!"), args)
    return out + rng.choice((".", ".", ".", ""))


def _make_multi(tools: list[_Tool], n: int, seed: int) -> list[Example]:
    rng = random.Random(f"aux-multi-{seed}")
    if len(tools) < 2:
        return []
    out: list[Example] = []
    seen: set[str] = set()
    while len(out) < n:
        k = rng.choices((2, 3, 4), weights=(50, 32, 18))[0]
        k = min(k, len(tools))
        chosen = rng.sample(tools, k)
        if rng.random() < 0.08:  # occasionally the same tool twice (different arguments)
            j = rng.randrange(1, k)
            chosen[j] = chosen[j - 1]
        parts = [_render_single(t, rng, inner=True) for t in chosen]
        query = _join_calls(parts, rng)
        if query in seen:
            continue
        seen.add(query)
        out.append(Example(query, tuple(ToolCall(t.name, a) for t, (_, a) in zip(chosen, parts))))
    return out


_WRITING_FORMS = ("haiku", "limerick", "four-line poem", "short story", "two-sentence story", "riddle", "tongue twister",
                  "song chorus", "wedding toast", "bedtime story", "free-verse poem", "sonnet")
_WRITING_TOPICS = ("autumn leaves", "a lighthouse keeper", "the first snow", "a lost umbrella", "friendship", "a sleepy dragon",
                   "city lights at night", "an old bicycle", "the desert at dawn", "a rainy Monday", "a curious robot",
                   "mountain lakes", "morning coffee", "a forgotten key", "the last day of summer", "a paper boat",
                   "a grumpy penguin", "moving to a new town", "a library at midnight", "the smell of fresh bread")
_WRITING_TEMPLATES = ("Write a {f} about {t}.", "Can you write me a {f} about {t}?", "Compose a {f} about {t}, please.",
                      "I'd love a {f} about {t}.", "write a {f} about {t}", "Could you come up with a {f} about {t}?")
_WHY = (
    "Why is the sky blue?", "Why do cats purr?", "Why do leaves change color in autumn?", "Why is the ocean salty?",
    "Why do we dream?", "Why do onions make you cry?", "Why do birds migrate south?", "Why does ice float on water?",
    "Why do stars twinkle?", "Why do we get goosebumps?", "Why do zebras have stripes?", "Why do we yawn?",
    "Why is the Dead Sea so salty?", "Why do cats always land on their feet?", "Why does the moon look bigger near the horizon?",
    "Why do we have leap years?", "Why do our fingers wrinkle in water?", "Why do some people snore?",
    "Why are flamingos pink?", "Why does thunder come after lightning?", "Why do dogs wag their tails?",
    "Why is glass transparent?", "Why do we hiccup?", "Why did the dinosaurs go extinct?",
)
_EXPLAIN_TOPICS = ("photosynthesis", "how vaccines work", "natural selection", "how the internet works", "black holes",
                   "inflation in economics", "how airplanes fly", "the greenhouse effect", "machine learning",
                   "the immune system", "plate tectonics", "how a refrigerator works", "supply and demand", "quantum entanglement",
                   "the causes of the French Revolution", "how bees make honey", "what a blockchain is", "how tides work")
_EXPLAIN_TEMPLATES = ("Explain {t} in simple terms.", "Can you explain {t} like I'm five?", "Explain {t} briefly.",
                      "How would you describe {t} to a child?", "Give me a short overview of {t}.", "I never understood {t}. Can you help?",
                      "what's the deal with {t}?")
_TIPS_ACTIVITIES = ("a job interview", "public speaking", "staying focused while studying", "learning to cook", "a first marathon",
                    "making new friends as an adult", "writing a cover letter", "traveling on a budget", "learning a new language",
                    "staying motivated at the gym", "a long flight", "negotiating a raise", "working from home",
                    "taking better photos with a phone", "a first date", "getting up early")
_TIPS_TEMPLATES = ("Give me some tips for {a}.", "Any advice for {a}?", "What are good tips for {a}?", "I need advice on {a}.",
                   "How should I prepare for {a}?", "Share a few tips for {a}, please.", "tips for {a}?")
_DIFFERENCES = (("a crocodile", "an alligator"), ("weather", "climate"), ("a virus", "a bacterium"), ("baking soda", "baking powder"),
                ("a latte", "a cappuccino"), ("empathy", "sympathy"), ("a comet", "an asteroid"), ("jam", "jelly"),
                ("a rabbit", "a hare"), ("affect", "effect"), ("a lake", "a pond"), ("a novel", "a novella"),
                ("a frog", "a toad"), ("stocks", "bonds"), ("a hurricane", "a typhoon"), ("a violin", "a viola"))
_DIFF_TEMPLATES = ("What's the difference between {a} and {b}?", "How is {a} different from {b}?", "{a} vs {b}: what's the difference?")
_TRIVIA = (
    "Who wrote Pride and Prejudice?", "What is the capital of Australia?", "Who invented the telephone?",
    "How do whales sleep?", "What's the largest desert in the world?", "Who was Ada Lovelace?",
    "What is the longest river in Africa?", "Which planet has the most moons?", "Who composed the Four Seasons?",
    "What are the main ingredients of guacamole?", "Where do pandas live in the wild?", "What is the hardest natural material?",
    "Who was the first person to walk on the moon?", "What language has the most native speakers?",
    "How do chameleons change color?", "What is the Great Barrier Reef made of?", "Who built Machu Picchu?",
    "What causes the northern lights?", "How do bats find their way in the dark?", "What is the smallest country in the world?",
)
_FUN_FACT_SUBJECTS = ("penguins", "the Roman Empire", "honeybees", "volcanoes", "the human brain", "sharks", "Antarctica",
                      "giraffes", "ancient Egypt", "hummingbirds", "the Sahara", "jellyfish")
_FUN_FACT_TEMPLATES = ("Tell me a fun fact about {s}.", "What's something surprising about {s}?", "Share an interesting fact about {s}.",
                       "I'm bored, tell me something cool about {s}.")
_CHAT = (
    "Hi there!", "Good morning!", "Hey, how are you doing?", "Thanks, that was really helpful.", "You're awesome, thank you!",
    "See you later!", "Good night!", "What's up?", "How has your day been?", "Nice to chat with you.", "I'm back!",
    "Sorry, I got distracted.", "Haha, that's funny.", "Ok, never mind.", "That makes sense, thanks.", "Hello again!",
    "Can I ask you something?", "Are you a robot?", "What can you help me with?", "Tell me a joke.", "Tell me a dad joke.",
    "Cheers, have a good one!", "I just wanted to say hello.", "Yo!", "thanks a lot", "ok cool",
)
_FEELINGS = ("tired", "a bit stressed", "really happy", "bored", "nervous about tomorrow", "lonely", "excited", "unmotivated")
_FEELING_TEMPLATES = ("I'm feeling {m} today.", "Honestly I feel {m}.", "ugh, I'm so {m}", "I feel {m}, any thoughts?")
_RECOMMEND_THINGS = ("novel", "board game", "documentary", "hobby", "healthy snack", "card game", "classic film", "travel destination")
_RECOMMEND_OCCASIONS = ("a long weekend", "a family evening", "someone who loves history", "a quiet night in", "a group of friends",
                        "a teenager", "a beginner", "a cold winter evening")
_RECOMMEND_TEMPLATES = ("Recommend a {t} for {o}.", "Can you suggest a {t} for {o}?", "What's a good {t} for {o}?")
_OPINIONS = ("remote work", "social media", "electric cars", "learning Latin", "pineapple on pizza", "minimalism",
             "reading on paper versus screens", "space tourism", "modern architecture", "homeschooling")
_OPINION_TEMPLATES = ("What do you think about {t}?", "Is {t} a good idea?", "What are the pros and cons of {t}?",
                      "Give me your honest opinion on {t}.")
_UNAVAILABLE = (
    "Turn off the living room lights.", "Call a plumber for me.", "Order a large pizza with extra cheese.",
    "Open the garage door.", "Start the dishwasher.", "Pay my electricity bill.", "Book a flight to Rome for next month.",
    "Tweet that I'm on vacation.", "Turn up the thermostat a little.", "Rent a car for the weekend.",
    "Unlock the back door.", "Send flowers to my grandmother.", "Start my car so it warms up.",
    "Find me a dentist nearby.", "Vacuum the kitchen.",
    "Water my neighbor's lawn.", "Print my boarding pass.", "Make me a cup of tea.", "Record tonight's football match.",
    "Dim the bedroom lights to half.", "Schedule a haircut for me.", "Wake me up when it's dark outside.",
)
_MISC = (
    "What should I cook for dinner tonight?", "How do I get better at drawing?", "Summarize the plot of Hamlet.",
    "What's a good name for a golden retriever puppy?", "Help me brainstorm names for a bakery.",
    "How do I politely decline a wedding invitation?", "What's the best way to learn guitar as an adult?",
    "Write a short thank-you message for my teacher.", "Suggest a theme for a kid's birthday party.",
    "What is stoicism?", "How do I start journaling?", "Describe a perfect autumn day.", "What makes a good leader?",
    "Help me write an apology to a friend.", "What are some fun things to do on a rainy afternoon?",
    "How do I deal with a difficult coworker?", "What's the meaning of the phrase 'break the ice'?",
    "Give me a motivational quote.", "Tell me about the history of chess.", "Is it better to rent or buy a house?",
)


def _make_notool(n: int, seed: int) -> list[Example]:
    """No-tool queries drawn across categories (each category about equally likely)."""
    rng = random.Random(f"aux-notool-{seed}")
    groups = [
        [t.format(f=f, t=tp) for t in _WRITING_TEMPLATES for f in _WRITING_FORMS for tp in _WRITING_TOPICS],
        list(_WHY),
        [t.format(t=tp) for t in _EXPLAIN_TEMPLATES for tp in _EXPLAIN_TOPICS],
        [t.format(a=a) for t in _TIPS_TEMPLATES for a in _TIPS_ACTIVITIES],
        [t.format(a=a, b=b) for t in _DIFF_TEMPLATES for a, b in _DIFFERENCES],
        list(_TRIVIA),
        [t.format(s=s) for t in _FUN_FACT_TEMPLATES for s in _FUN_FACT_SUBJECTS],
        list(_CHAT) + [t.format(m=m) for t in _FEELING_TEMPLATES for m in _FEELINGS],
        [t.format(t=th, o=o) for t in _RECOMMEND_TEMPLATES for th in _RECOMMEND_THINGS for o in _RECOMMEND_OCCASIONS],
        [t.format(t=tp) for t in _OPINION_TEMPLATES for tp in _OPINIONS],
        list(_UNAVAILABLE),
        list(_MISC),
    ]
    for g in groups:
        rng.shuffle(g)
    total = sum(len(g) for g in groups)
    if n > total:
        raise ValueError(f"n_notool must be at most {total}, got {n}")
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        g = rng.choice([g for g in groups if g])
        q = g.pop()
        q = q[:1].upper() + q[1:] if q[:1].islower() and rng.random() < 0.5 else q
        if q.lower() in seen:
            continue
        seen.add(q.lower())
        out.append(q)
    return [Example(q, ()) for q in out]


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def generate_corpus(
    n_tools: int = 96, examples_per_tool: int = 24, n_multi: int = 480, n_notool: int = 240, seed: int = 0
) -> AuxCorpus:
    """Make the auxiliary corpus deterministically from ``seed`` (same arguments, same corpus)."""
    tools = _make_tools(n_tools, seed)
    specs: list[ToolSpec] = []
    for t in tools:
        rng = random.Random(f"aux-examples-{seed}-{t.name}")
        specs.append(parse_spec(t.spec_dict(_tool_examples(t, examples_per_tool, rng)), source="auxiliary"))
    examples = [e for s in specs for e in spec_examples(s)]
    return AuxCorpus(specs, examples, _make_multi(tools, n_multi, seed), _make_notool(n_notool, seed))


def _jsonl(examples: Sequence[Example]) -> bytes:
    return "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in examples).encode("utf-8")


def write_corpus(corpus: AuxCorpus, path: str | Path = DEFAULT_DIR) -> Path:
    """Write ``tools.json``, ``compositional.jsonl`` and ``notool.jsonl`` into ``path`` (atomic per file)."""
    path = Path(path)
    tools = json.dumps([s.to_json() for s in corpus.specs], ensure_ascii=False, indent=1) + "\n"
    atomic_write_bytes(path / TOOLS_FILE, tools.encode("utf-8"))
    atomic_write_bytes(path / COMPOSITIONAL_FILE, _jsonl(corpus.compositional))
    atomic_write_bytes(path / NOTOOL_FILE, _jsonl(corpus.notool))
    for name in (TOOLS_FILE, COMPOSITIONAL_FILE, NOTOOL_FILE):
        os.chmod(path / name, 0o644)  # package data: readable by everyone (the temp file was 0600)
    return path


def load_corpus(path: str | Path = DEFAULT_DIR) -> AuxCorpus:
    """Read an auxiliary corpus written by :func:`write_corpus` (by default the shipped one)."""
    path = Path(path)
    specs = load_specs([path / TOOLS_FILE])
    return AuxCorpus(
        specs,
        [e for s in specs for e in spec_examples(s)],
        load_jsonl(path / COMPOSITIONAL_FILE),
        load_jsonl(path / NOTOOL_FILE),
    )
