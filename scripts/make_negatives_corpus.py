"""Write the shipped no-tool corpus: queries a user sends an assistant that need no tool at all.

Writes ``tokmem_agents/data/negatives/notool.jsonl`` (one ``{"query": ..., "calls": []}`` per line) and
its ``README.md``. ``learn`` mixes these negatives into every training run so a learned tool does not
fire on chit-chat, knowledge questions, writing requests, coding questions or advice that only
*sounds* like a tool's domain ("how much water should I drink a day?" is not a tracking request).

The queries are written here by hand: many phrasing templates filled from many hand-written filler
lists, a few hundred one-off queries, and light style variation (lead-ins, lowercase without
punctuation, trailing remarks, the odd typo), all driven by seeded ``random.Random`` instances, so the
same code writes byte-identical files. No public function-calling benchmark (BFCL, API-Bank,
When2Call, ...) is a source. Standard library only.

:func:`check` fails loudly (``AssertionError`` listing every problem) when a query asks for an action a
tool would perform (set / send / book / convert / calculate / look up now / play / add to a list ...),
is duplicated, or equals or shares a 5-word run with a query of the benchmark data
(``benchmarks/data/generalisation*/``), the catalog (``tools/*.json``, ``tools/eval/*.jsonl``,
``tools/compositional.jsonl``), the auxiliary corpus (``tokmem_agents/data/auxiliary/``) or the test
tools' data (``tests/integration/data/``).

    python scripts/make_negatives_corpus.py [--out DIR] [--check-only]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tokmem_agents" / "data" / "negatives"
CORPUS_FILE = "notool.jsonl"
README_FILE = "README.md"
SEED = "tokmem-negatives-v1"
NGRAM = 5
MIN_QUERIES = 1500
WORD_RE = re.compile(r"[a-z0-9']+")

# Folders / files whose queries the corpus must stay apart from (relative to the repository root).
REQUIRED_SOURCE_DIRS = ("benchmarks/data/generalisation",)
OPTIONAL_SOURCE_DIRS = ("benchmarks/data/generalisation_dev",)
SOURCE_GLOBS = (
    "tools/*.json",
    "tools/eval/*.jsonl",
    "tools/compositional.jsonl",
    "tokmem_agents/data/auxiliary/*.jsonl",
    "tokmem_agents/data/auxiliary/tools.json",
    "tests/integration/data/*.json",
    "tests/integration/data/*.jsonl",
)
# Evaluation data (held-out queries the benchmarks score): also kept apart from close paraphrases.
EVAL_LABEL_PREFIXES = ("benchmarks/data/", "tools/eval/", "tests/integration/data/")


# =============================================================================================
# Content: fillers, templates and hand-written one-off queries, category by category
# =============================================================================================

# ---- science --------------------------------------------------------------------------------

SCIENCE_ONE_OFFS = (
    "How do birds know where to fly when they migrate?",
    "Why is the ocean blue but water in a glass is clear?",
    "What would happen if the Moon disappeared?",
    "How do bees communicate with each other?",
    "Why don't spiders get stuck in their own webs?",
    "What makes some stars brighter than others?",
    "How does the body heal a broken bone?",
    "Why do we get brain freeze from ice cream?",
    "Is it true that goldfish only have a three-second memory?",
    "How do trees pull water all the way up to their top branches?",
    "What is inside the Earth's core?",
    "Why do some animals hibernate?",
    "How do scientists know how old a fossil is?",
    "Do fish ever sleep?",
    "Why does helium make your voice squeaky?",
    "How do ants find their way back to the nest?",
    "Why are some places hit by earthquakes so often?",
    "Why do cats have slit pupils?",
    "How hot is the surface of the Sun?",
    "Why do we have fingerprints?",
    "How do coral reefs form?",
    "Why are diamonds so expensive if they're made of carbon?",
    "Why do mosquitoes bite some people more than others?",
    "Why is the Moon covered in craters but the Earth isn't?",
    "How does a compass know where north is?",
    "Are viruses alive?",
    "Why do we need sleep at all?",
    "Why does water expand when it freezes?",
    "How do whales hold their breath for so long?",
    "What is a light-year?",
    "Why do some people have curly hair and others straight?",
    "Why is space completely silent?",
    "What happens to your body in zero gravity?",
    "How does soap actually get rid of germs?",
    "Why can some lizards regrow their tails?",
    "Why can't anything travel faster than light?",
    "Why are bubbles always round?",
    "How do deep-sea creatures survive the crushing pressure?",
    "Why does rain have a smell?",
    "How do tardigrades survive in space?",
    "Why do our voices sound different on recordings?",
    "How far away is the nearest star after the Sun?",
    "Why do some birds sing at night?",
    "What is the rarest element on Earth?",
    "How do seeds know when to sprout?",
    "Why do old books smell the way they do?",
    "Is a tomato a fruit or a vegetable, scientifically?",
    "Why do wet dogs smell so strong?",
    "What would happen if you fell into a black hole?",
    "How do electric eels make electricity?",
)

SCIENCE_TOPICS = (
    "black holes", "continental drift", "the Doppler effect", "static electricity", "nuclear fusion",
    "the carbon cycle", "bioluminescence", "antibiotic resistance", "the ozone layer", "gravitational waves",
    "the Big Bang", "cell division", "superconductors", "erosion", "the nitrogen cycle",
    "metamorphosis in butterflies", "echolocation", "entropy", "radioactive decay", "the human microbiome",
    "lunar eclipses", "cloud formation", "dark energy", "stem cells", "CRISPR gene editing", "antimatter",
    "ocean currents", "the Coriolis effect", "osmosis", "genetic mutations", "carbon dating", "exoplanets",
    "circadian rhythms", "quantum tunnelling", "string theory", "the Higgs boson", "dark matter",
    "convergent evolution", "the speed of sound", "allergies", "neutron stars", "epigenetics",
)

SCIENCE_TEMPLATES = (
    "Can you explain {x} in plain English?",
    "What's the basic idea behind {x}?",
    "Give me a beginner-friendly overview of {x}.",
    "I keep hearing about {x}. What is it, actually?",
    "explain {x} like i'm ten",
    "Help me understand {x}.",
    "What do scientists actually know about {x}?",
    "tell me about {x}",
    "Why should I care about {x}?",
    "Walk me through {x} step by step.",
    "What's a common misconception about {x}?",
    "Could you give me the gist of {x}?",
    "I'm revising for a test: what should I know about {x}?",
)

# ---- how things work (explanations) -----------------------------------------------------------

MECHANISMS = (
    "a dishwasher", "a nuclear power plant", "an elevator", "a 3D printer", "a touchscreen", "a car engine",
    "a hybrid car", "an MRI scanner", "an espresso machine", "a pacemaker", "a hearing aid", "a lie detector",
    "a barcode scanner", "an e-ink screen", "a heat pump", "an induction hob", "a sewing machine",
    "a pin tumbler lock", "a parachute", "a hot-air balloon", "a submarine", "a pressure cooker",
    "a smoke detector", "a metal detector", "a jet engine", "a wind turbine", "an X-ray machine",
    "a loudspeaker", "a fibre-optic cable", "a digital camera sensor", "a lithium battery", "a zipper",
    "a toilet flush", "a thermostat",
)

MECHANISM_TEMPLATES = (
    "How does {x} actually work?",
    "How does {x} work, roughly?",
    "What's the science behind {x}?",
    "Can you break down how {x} works?",
    "I've never understood how {x} works.",
    "In simple words, how does {x} work?",
    "ELI5: how does {x} work?",
    "how does {x} even work",
    "What goes on inside {x}?",
    "Could you explain the mechanism behind {x}?",
)

SYSTEMS = (
    "a credit score", "GPS", "the stock market", "wifi", "bitcoin mining", "autocorrect", "insurance",
    "a mortgage", "the electoral college", "a search engine", "a spam filter", "air conditioning",
    "a QR code", "contactless payment", "cruise control", "anti-lock braking", "a vaccine",
    "a washing machine's spin cycle",
)

SYSTEM_TEMPLATES = (
    "How does {x} actually work?",
    "How does {x} work, roughly?",
    "Can you break down how {x} works?",
    "I've never understood how {x} works.",
    "In simple words, how does {x} work?",
    "ELI5: how does {x} work?",
    "how does {x} even work",
)

# ---- history ----------------------------------------------------------------------------------

HISTORY_ONE_OFFS = (
    "How did sailors navigate the oceans before satellites?",
    "What did the ancient Romans eat for breakfast?",
    "Why did the Egyptians mummify their dead?",
    "How many people did it take to build the Great Pyramid?",
    "When did humans first start farming?",
    "Who actually invented the printing press first?",
    "What was daily life like in ancient Sparta?",
    "Why were the Mayan cities abandoned?",
    "When did the Western Roman Empire actually end?",
    "Did Vikings really wear horned helmets?",
    "What language did Jesus speak?",
    "Why was the Great Wall of China built?",
    "How did the Second World War end in Europe?",
    "What were the Hanseatic cities famous for?",
    "How did medieval castles get their water?",
    "Who were the samurai?",
    "What was the Library of Alexandria, and how was it lost?",
    "How did the Incas keep records without writing?",
    "What did people do for fun in the Middle Ages?",
    "Why is the Sphinx missing its nose?",
    "Why did the Ottomans move their capital to Istanbul?",
    "When were the first coins made?",
    "Who were the Phoenicians?",
    "What was the Trail of Tears?",
    "What did the suffragettes actually do?",
    "What was Stonehenge used for?",
    "How old is the oldest known cave painting?",
    "What started the Arab Spring?",
    "Why did the US and the Soviet Union never fight each other directly?",
    "How did people keep food cold before refrigerators?",
    "Why did so many people emigrate from Ireland in the 1800s?",
    "Who built the first computer?",
    "How did the ancient Greeks think the world was shaped?",
    "Why did Rome switch from a republic to an empire?",
    "What were medieval guilds?",
)

HISTORY_PEOPLE = (
    "Marie Curie", "Julius Caesar", "Frida Kahlo", "Leonardo da Vinci", "Simon Bolivar", "Joan of Arc",
    "Queen Victoria", "Catherine the Great", "Charlemagne", "Confucius", "Hypatia", "Ibn Battuta",
    "Galileo", "Rosa Parks", "Winston Churchill", "Mahatma Gandhi", "Napoleon", "Alexander the Great",
    "Nikola Tesla", "Florence Nightingale", "Ramses II", "Sun Tzu", "Martin Luther King Jr.",
    "Emmeline Pankhurst", "Amelia Earhart", "Marco Polo", "Hannibal", "Elizabeth I", "Tutankhamun",
    "Sitting Bull", "Zheng He", "Suleiman the Magnificent", "Frederick Douglass", "Mary Seacole", "Ashoka",
    "Isaac Newton", "Charles Darwin", "Abraham Lincoln", "Hatshepsut", "Saladin",
)

PERSON_TEMPLATES = (
    "Who was {x}?",
    "What is {x} best known for?",
    "Why is {x} so famous?",
    "tell me about {x}",
    "What did {x} actually achieve?",
    "Give me a short bio of {x}.",
    "Why do people still talk about {x}?",
    "What was {x}'s biggest contribution?",
    "who was {x} and why should i care",
)

HISTORY_EVENTS = (
    "the fall of the Roman Empire", "the American Civil War", "the Russian Revolution",
    "the Hundred Years' War", "the partition of India", "the Great Depression", "the Cuban Missile Crisis",
    "the Protestant Reformation", "the Norman conquest", "the Opium Wars", "the fall of Constantinople",
    "the Spanish flu pandemic", "the Irish potato famine", "the Thirty Years' War", "the Glorious Revolution",
    "the collapse of the Soviet Union", "the American Revolution", "the Haitian Revolution", "the Crusades",
    "the Siege of Leningrad", "the unification of Germany", "the Apollo programme", "the Marshall Plan",
    "the Peloponnesian War", "the California Gold Rush", "the Dust Bowl", "the Enlightenment",
    "the Scramble for Africa", "the Suez Crisis", "the Bronze Age collapse", "the Salem witch trials",
    "the Boxer Rebellion", "the Mongol invasions", "the Wars of the Roses", "the abolition of slavery",
)

EVENT_TEMPLATES = (
    "What caused {x}?",
    "What were the main consequences of {x}?",
    "Give me a quick summary of {x}.",
    "Why is {x} considered so important?",
    "what do historians think about {x}",
    "Can you explain {x} in a few sentences?",
    "How did {x} change the world?",
    "I'm reading about {x}. What's the background?",
)

# ---- geography -------------------------------------------------------------------------------

GEOGRAPHY_ONE_OFFS = (
    "Which country has the most islands?",
    "What's the longest river in Europe?",
    "How many countries are there in Africa?",
    "Why is Greenland called Greenland if it's mostly ice?",
    "Where is the driest place on Earth?",
    "What's the deepest lake in the world?",
    "Which countries does the Danube flow through?",
    "How did Finland end up with so many lakes?",
    "Is Australia a country or a continent?",
    "What's the highest capital city in the world?",
    "How did the Grand Canyon form?",
    "Which US state has the most national parks?",
    "Great Britain and the United Kingdom: are they the same thing?",
    "Where does the Amazon river begin?",
    "Which country has the most neighbouring countries?",
    "Why does China use only one time zone?",
    "What's the smallest continent?",
    "Are there any deserts in Europe?",
    "What's the tallest waterfall in the world?",
    "Where is the Ring of Fire?",
    "Why is Venice sinking?",
    "Which is the most visited country in the world?",
    "How many people live in the Tokyo metro area?",
    "Why do some countries have two capitals?",
    "What's the most remote inhabited island?",
    "Why is the Sahara a desert when the Amazon is a rainforest?",
    "What are the Seven Summits?",
    "Which country has the most volcanoes?",
    "Why is Africa's shape so distorted on maps?",
    "Where do the Andes begin and end?",
)

COUNTRIES = (
    "Bhutan", "Mongolia", "Peru", "Iceland", "Madagascar", "Samoa", "Kenya", "Vietnam", "Chile",
    "Portugal", "Morocco", "Nepal", "Finland", "Ghana", "Uruguay", "Croatia", "Sri Lanka", "Laos",
    "Estonia", "Bolivia", "Namibia", "Ethiopia", "Kazakhstan", "Cuba", "Slovenia", "Oman", "Tanzania",
    "Ecuador", "Georgia", "Malta", "Fiji", "Senegal", "Costa Rica", "Norway", "Argentina",
    "the Philippines", "Indonesia", "Egypt", "Switzerland", "South Korea", "Colombia", "Latvia",
)

COUNTRY_TEMPLATES = (
    "What's the capital of {x}?",
    "What language do people speak in {x}?",
    "What is {x} known for?",
    "Tell me a bit about {x}.",
    "What's the climate like in {x}, generally?",
    "Roughly how many people live in {x}?",
    "What currency does {x} use?",
    "What's the national dish of {x}?",
    "Give me the history of {x} in a nutshell.",
    "Which city is the capital of {x}?",
    "what are people in {x} like",
    "Is {x} a monarchy or a republic?",
)

# ---- culture: literature, art, music, film, traditions ----------------------------------------

BOOKS = (
    "Moby-Dick", "War and Peace", "Don Quixote", "The Great Gatsby", "Frankenstein", "Beloved",
    "Things Fall Apart", "The Master and Margarita", "Jane Eyre", "Crime and Punishment", "The Odyssey",
    "Middlemarch", "Brave New World", "To Kill a Mockingbird", "The Little Prince",
    "Dune", "The Tale of Genji", "Wuthering Heights", "Ulysses", "The Handmaid's Tale", "Beowulf",
    "Lord of the Flies", "Anna Karenina", "The Divine Comedy", "Les Misérables", "Jane Austen's Emma",
    "The Count of Monte Cristo", "One Thousand and One Nights", "Of Mice and Men",
)

BOOK_TEMPLATES = (
    "What is {x} about?",
    "Who wrote {x}?",
    "Is {x} worth reading?",
    "Why is {x} considered a classic?",
    "Can you summarise the plot of {x} without spoilers?",
    "what are the main themes of {x}",
    "I'm about to start {x}. Anything I should know first?",
    "How hard is {x} to read for a non-native speaker?",
)

PIECES = (
    "Bolero", "The Rite of Spring", "Clair de Lune", "the Ode to Joy",
    "The Nutcracker", "Carmen", "The Planets", "Rhapsody in Blue", "The Magic Flute", "Swan Lake",
    "the Brandenburg Concertos",
)

PIECE_TEMPLATES = (
    "Who composed {x}?",
    "What's the story behind {x}?",
    "Why is {x} so famous?",
    "what should I listen for in {x}",
)

FILMS = (
    "Casablanca", "Spirited Away", "Seven Samurai", "Psycho", "Metropolis", "Citizen Kane", "Parasite",
    "2001: A Space Odyssey", "Amélie", "Jaws", "The Godfather", "Pan's Labyrinth", "Bicycle Thieves",
    "Vertigo", "Blade Runner", "My Neighbour Totoro",
)

FILM_TEMPLATES = (
    "Who directed {x}?",
    "Is {x} worth watching today?",
    "Why do critics love {x} so much?",
    "What's {x} about, without spoilers?",
    "what makes {x} a classic",
)

CULTURE_ONE_OFFS = (
    "What is Impressionism?",
    "Why is the Mona Lisa so famous?",
    "What makes Van Gogh's Starry Night special?",
    "How is baroque music different from classical music?",
    "Who influenced the Beatles?",
    "What is haiku poetry?",
    "Why do people celebrate Diwali?",
    "What is the Day of the Dead?",
    "Where does the tradition of Christmas trees come from?",
    "Why do people throw coloured powder at Holi?",
    "What's the story behind Thanksgiving?",
    "What is Hanukkah about?",
    "Why is Friday the 13th considered unlucky?",
    "What's the origin of April Fools' Day?",
    "Why do brides traditionally wear white?",
    "What is the Chinese zodiac?",
    "What happens at a Japanese tea ceremony?",
    "Where did the custom of tipping start?",
    "What is surrealism?",
    "Why was Shakespeare so influential?",
    "Opera and musical theatre: how do they differ?",
    "Who wrote the very first novel?",
    "Why is Banksy anonymous?",
    "What's the oldest surviving story?",
    "How did jazz start?",
    "What is magical realism in literature?",
    "Why do people break plates at Greek weddings?",
    "What's the meaning behind Frida Kahlo's self-portraits?",
    "What is Ramadan and how is it observed?",
    "Why are gargoyles on old churches?",
    "What is a Shakespearean sonnet made of?",
    "Why do so many fairy tales have wicked stepmothers?",
    "What is the Bauhaus movement?",
    "How did hip-hop start?",
    "Why is the Nobel Prize in Literature controversial sometimes?",
)

# ---- how-to and advice ------------------------------------------------------------------------

HOWTO_TASKS = (
    "fold a fitted sheet", "unclog a bathroom sink", "tie a tie", "iron a shirt without scorching it",
    "keep wasps away from a picnic", "remove a splinter", "sharpen a kitchen knife", "hang a picture straight",
    "change a bike tyre", "get gum out of hair", "wash a wool jumper", "jump-start a car", "parallel park",
    "bleed a radiator", "patch a small hole in plaster", "descale a kettle", "clean a laptop keyboard",
    "keep cut flowers fresh longer", "stop a door from squeaking", "polish leather shoes",
    "pack a suitcase efficiently", "braid my own hair", "sew on a button", "start a compost heap",
    "get better at remembering names", "make small talk at parties", "stop overthinking everything",
    "wake up without hitting snooze", "keep a conversation going", "read faster without losing focus",
    "apologise properly", "get ready for a difficult conversation", "stay calm in an argument",
    "fall asleep faster", "learn to whistle", "learn to juggle", "keep a desk tidy", "stop slouching at my desk",
    "get motivated to clean", "be more patient with my kids", "make friends after moving somewhere new",
    "tell a friend they hurt my feelings", "get better at chess", "improve my handwriting",
    "pick a ripe avocado", "store fresh bread so it lasts", "season a wok", "whip cream by hand",
    "cook rice without it sticking", "poach an egg", "make a sourdough starter", "keep basil alive indoors",
    "repot a cactus without getting spiked", "get a shy cat to trust me", "introduce two cats to each other",
    "teach a dog to sit", "look after a leather jacket", "get a coffee stain out of a carpet",
    "stop my glasses fogging up", "break a bad habit", "plan a road trip", "pack light for a long trip",
    "sleep on a plane", "build a morning routine", "start meditating", "get back into reading",
    "write a good CV", "give constructive feedback", "run a good meeting", "write a heartfelt thank-you card",
    "learn to draw people", "ride a bike downhill safely", "carve a pumpkin", "skip stones on water",
    "make a paper crane", "tie a bowline knot", "light a campfire safely",
)

HOWTO_TEMPLATES = (
    "How do I {x}?",
    "Best way to {x}?",
    "Any tips on how to {x}?",
    "how can i {x}",
    "I want to learn how to {x}. Where do I start?",
    "What's the trick to being able to {x}?",
    "Is there an easy way to {x}?",
    "What's the right way to {x}?",
    "Is it hard to {x}?",
    "how do you {x} properly",
)

STRUGGLES = (
    "time management", "keeping plants alive", "staying organised", "learning languages", "meal planning",
    "keeping in touch with friends", "networking", "writing essays", "drawing faces", "sticking to a budget",
    "taking criticism", "making decisions", "remembering what I read", "eating less sugar",
    "working out consistently", "managing stress", "small talk", "setting boundaries", "saying sorry",
    "speaking up in class", "being on time", "mental arithmetic", "spelling", "touch typing",
    "cooking for one", "parenting a teenager", "long-distance relationships", "making new habits stick",
    "keeping a journal going", "haggling at markets", "swimming as an adult", "getting out of bed on dark mornings",
)

STRUGGLE_TEMPLATES = (
    "I'm struggling with {x}. Any advice?",
    "Any advice for someone who's bad at {x}?",
    "What helps with {x}?",
    "I'm not great at {x}. How do people get better?",
    "what are common mistakes people make with {x}",
    "I've always been terrible at {x}. Is there hope for me?",
    "Where do I begin if I want to improve at {x}?",
)

ADVICE_ONE_OFFS = (
    "My best friend forgot my birthday and I'm kind of hurt. Should I say something?",
    "What should I do if I think I'm being underpaid?",
    "How do you know when it's time to quit a job?",
    "Is it normal to feel nervous before starting university?",
    "What's a good gift for someone who has everything?",
    "How do I tell my parents I'm changing my degree?",
    "First time renting a flat: what are the red flags?",
    "How do you comfort someone who just lost a pet?",
    "What questions should I ask at the end of a job interview?",
    "How do I stop comparing myself to others?",
    "Is it okay to take a gap year?",
    "Can exes really stay friends after a breakup?",
    "Is it rude to turn up to a barbecue empty-handed?",
    "How much notice should I give before leaving a job?",
    "How do I tell someone their breath smells without hurting them?",
    "How do you welcome a new neighbour without being intrusive?",
    "How do I stop feeling guilty about resting?",
    "How can I be a better listener?",
    "How do couples usually divide housework fairly?",
    "How do I help a friend who seems depressed?",
    "Is an Irish goodbye at a party rude?",
    "What do I do if I don't get along with my roommate?",
    "How can I make a long-distance friendship work?",
    "How do I cope with missing home while studying abroad?",
    "What should I do on my first day at a new school?",
    "How do I handle a friend who is always late?",
    "Should I lend money to family?",
    "How do I gently turn down a second date?",
    "What are good questions to ask on a first date?",
    "How can I stop checking my phone first thing in the morning?",
)

# ---- definitions and word meanings -----------------------------------------------------------

WORDS = (
    "petrichor", "sonder", "defenestration", "gregarious", "laconic", "obfuscate", "pragmatic", "ambivalent",
    "hubris", "nepotism", "sycophant", "verbose", "catharsis", "juxtaposition", "anachronism",
    "onomatopoeia", "alliteration", "hyperbole", "euphemism", "pedantic", "esoteric", "capricious",
    "magnanimous", "perfunctory", "sanguine", "tenacious", "mellifluous", "lackadaisical", "cacophony",
    "flabbergasted", "discombobulated", "bamboozle", "kerfuffle", "liminal", "solipsism", "epiphany",
    "paradox", "dichotomy", "gerrymandering", "stagflation", "gentrification", "greenwashing",
    "doomscrolling", "gaslighting", "meritocracy", "serendipitous", "ineffable", "halcyon", "luminous",
    "facetious", "obsequious", "penultimate", "quintessential", "ubiquitously", "plethora", "nonchalant",
    "belligerent", "cynical", "didactic", "eloquent", "frugal", "gratuitous", "hedonism", "idiosyncratic",
)

WORD_TEMPLATES = (
    "What does '{x}' mean?",
    "Define {x} for me.",
    "Meaning of '{x}'?",
    "what does {x} mean",
    "Can you explain what {x} means, with an example?",
    "Is there a simple definition of {x}?",
    "I came across the word {x} in a book. What does it mean?",
    "How would I use {x} in a sentence?",
    "Where does the word '{x}' come from?",
    "{x}: what does it mean and how do you pronounce it?",
)

CONCEPTS = (
    "cognitive dissonance", "a paradigm shift", "ad hominem", "a straw man argument", "a red herring",
    "a moot point", "a rhetorical question", "quantitative easing", "imposter syndrome",
    "the Dunning-Kruger effect", "confirmation bias", "the sunk cost fallacy", "Occam's razor",
    "Murphy's law", "Schrodinger's cat", "a pyrrhic victory", "a Freudian slip", "a catch-22",
    "an Achilles heel", "existentialism", "nihilism", "utilitarianism", "altruism", "empiricism",
    "the butterfly effect", "groupthink", "the bystander effect", "survivorship bias", "a glass ceiling",
    "the tragedy of the commons",
)

CONCEPT_TEMPLATES = (
    "What is {x}?",
    "What's meant by {x}?",
    "Could you explain {x} with an everyday example?",
    "what's {x} in simple words",
    "People keep mentioning {x}. What is it?",
    "Give me a one-paragraph explanation of {x}.",
)

IDIOMS = (
    "bite the bullet", "spill the beans", "the elephant in the room", "once in a blue moon", "break a leg",
    "cost an arm and a leg", "let the cat out of the bag", "under the weather", "bark up the wrong tree",
    "a piece of cake", "hit the sack", "cut corners", "burn the midnight oil", "the ball is in your court",
    "kick the bucket", "bite off more than you can chew", "take a rain check", "steal someone's thunder",
    "a storm in a teacup", "when pigs fly", "throw in the towel", "beat around the bush", "the last straw",
    "go the extra mile", "on cloud nine", "jump the gun", "read between the lines", "hit the nail on the head",
    "turn a blind eye", "sit on the fence", "pull someone's leg", "a blessing in disguise",
    "cry over spilt milk", "add insult to injury", "in hot water", "face the music", "break the bank",
    "circle back", "move the goalposts", "the whole nine yards",
)

IDIOM_TEMPLATES = (
    "What does '{x}' mean?",
    "Where does the phrase '{x}' come from?",
    "what does it mean when someone says {x}",
    "Is '{x}' an idiom? What does it mean?",
    "Explain the expression '{x}'.",
    "My coworker said '{x}' and I nodded along. What did it mean?",
)

ACRONYMS = (
    "laser", "scuba", "ASAP", "FAQ", "PIN", "UNESCO", "NATO", "HTML", "CPU", "ATM", "AWOL", "radar",
    "DIY", "PDF", "CEO", "SIM", "ETA", "FYI", "BTW", "TL;DR", "IMO", "SOS", "MRI", "USB", "VPN", "UNICEF",
    "PhD", "AKA", "IQ",
)

ACRONYM_TEMPLATES = (
    "What does {x} stand for?",
    "what is {x} short for",
    "{x}: what does that stand for?",
    "Is {x} an acronym? For what?",
)

USAGE_ONE_OFFS = (
    "When do I use 'fewer' instead of 'less'?",
    "Should it be 'who' or 'whom' in 'to who it may concern'?",
    "Is it octopuses or octopi?",
    "Is it okay to end a sentence with a preposition?",
    "When should I use a semicolon?",
    "Is 'irregardless' a real word?",
    "What's the past tense of 'sneak'?",
    "Why is 'colonel' pronounced like 'kernel'?",
    "What's the opposite of 'procrastinate'?",
    "Is 'alot' one word or two?",
    "How do you pronounce 'quinoa'?",
    "What's another word for 'happy'?",
    "What's the longest word in English?",
    "Its vs it's: which one is the possessive?",
    "Should I write 'email' or 'e-mail'?",
    "Can you give me a synonym for 'important' that sounds less boring?",
    "Why does English spelling make so little sense?",
    "When should I capitalise words in a title?",
    "Do you capitalise the names of the seasons?",
    "Is it rude to type in all caps?",
    "Assure, ensure and insure: when do I use which?",
    "Is 'data' singular or plural?",
    "Why do we say 'an hour' but 'a house'?",
    "What's an Oxford comma and should I use it?",
    "Is 'literally' used wrongly on purpose now?",
)

# ---- foreign words and phrases (translation asked as a question) --------------------------------

FOREIGN = (
    ("merci", "French"), ("danke", "German"), ("gracias", "Spanish"), ("arigato", "Japanese"),
    ("ciao", "Italian"), ("hygge", "Danish"), ("schadenfreude", "German"), ("wanderlust", "German"),
    ("carpe diem", "Latin"), ("hakuna matata", "Swahili"), ("namaste", "Hindi"), ("saudade", "Portuguese"),
    ("bon appétit", "French"), ("c'est la vie", "French"), ("mañana", "Spanish"), ("kaizen", "Japanese"),
    ("ikigai", "Japanese"), ("wabi-sabi", "Japanese"), ("fika", "Swedish"), ("lagom", "Swedish"),
    ("sisu", "Finnish"), ("gemütlichkeit", "German"), ("dolce far niente", "Italian"),
    ("sprezzatura", "Italian"), ("inshallah", "Arabic"), ("mazel tov", "Yiddish"), ("chutzpah", "Yiddish"),
    ("kitsch", "German"), ("zeitgeist", "German"), ("ennui", "French"), ("je ne sais quoi", "French"),
    ("faux pas", "French"), ("raison d'être", "French"), ("bonjour", "French"), ("hola", "Spanish"),
    ("aloha", "Hawaiian"), ("shalom", "Hebrew"), ("salud", "Spanish"), ("prost", "German"),
    ("skål", "Swedish"), ("sayonara", "Japanese"), ("kawaii", "Japanese"), ("senpai", "Japanese"),
    ("prego", "Italian"), ("au revoir", "French"), ("ad nauseam", "Latin"), ("per se", "Latin"),
    ("quid pro quo", "Latin"), ("bona fide", "Latin"), ("habibi", "Arabic"), ("ubuntu", "Zulu"),
    ("kia ora", "Maori"), ("pura vida", "Spanish"), ("tschüss", "German"), ("obrigado", "Portuguese"),
    ("spasibo", "Russian"), ("xie xie", "Mandarin"), ("annyeong", "Korean"), ("bon voyage", "French"),
    ("doppelgänger", "German"), ("angst", "German"), ("siesta", "Spanish"), ("al dente", "Italian"),
    ("umami", "Japanese"), ("déjà entendu", "French"), ("hasta luego", "Spanish"), ("capisce", "Italian"),
    ("salaam", "Arabic"), ("gezellig", "Dutch"), ("tsundoku", "Japanese"),
)

FOREIGN_TEMPLATES = (
    "What does '{w}' mean?",
    "what does {w} mean in {lang}",
    "I heard someone say '{w}'. What does it mean?",
    "Is '{w}' {lang}? What does it mean?",
    "What's the literal meaning of '{w}'?",
    "What does the {lang} word '{w}' mean?",
    "What does '{w}' mean in English?",
    "Where does the expression '{w}' come from?",
    "My friend keeps saying '{w}'. Is that {lang}, and what does it mean?",
    "What's the English equivalent of '{w}'?",
)

LANGUAGE_ONE_OFFS = (
    "Is Japanese harder to learn than Mandarin?",
    "Why does French have so many silent letters?",
    "How similar are Spanish and Portuguese?",
    "Which language has the most words?",
    "Why do Germans capitalise all their nouns?",
    "Is Latin really a dead language?",
    "How many languages are spoken in India?",
    "Why do Americans and Brits spell colour differently?",
    "What's the easiest language for English speakers to learn?",
    "Can Swedes and Norwegians understand each other?",
    "How did English end up with so many French words?",
    "Why is Finnish so different from Swedish?",
    "Is sign language the same everywhere?",
    "Is it true that Inuit languages have dozens of words for snow?",
    "Why is Korean written in blocks?",
)

# ---- opinions and recommendations --------------------------------------------------------------

OPINION_TOPICS = (
    "open-world video games", "self-driving cars", "standing desks", "audiobooks", "vinyl records",
    "tiny houses", "living abroad", "meal kits", "smartwatches", "reality TV", "nuclear energy",
    "making public transport free", "homework for young kids", "school uniforms", "daylight saving time",
    "zoos", "fast fashion", "cryptocurrency", "superhero movies", "e-readers", "online dating",
    "cold showers", "intermittent fasting", "universal basic income", "AI-generated art", "modern art",
    "jazz", "country music", "dark mode", "mechanical keyboards", "New Year's resolutions",
    "influencer culture", "true crime podcasts", "working from cafes", "capsule wardrobes",
)

OPINION_TEMPLATES = (
    "What do you think of {x}?",
    "What's your take on {x}?",
    "Honestly, overrated or not: {x}?",
    "{x}: overhyped or actually good?",
    "pros and cons of {x}?",
    "Where do you stand on {x}?",
    "Will anyone care about {x} in ten years?",
    "I can't make up my mind about {x}. Thoughts?",
)

RECOMMENDATIONS = (
    "a book for someone who just finished Harry Potter", "a podcast about space", "a feel-good film",
    "a mystery novel that isn't too gory", "a board game for two players", "a TV series to binge on holiday",
    "an album for a rainy afternoon", "a video game for someone who's never gamed", "a fantasy series for adults",
    "a documentary about the ocean", "a non-fiction book about money", "a cosy murder mystery",
    "a classic novel that's easy to get into", "a horror film that's scary but not disgusting",
    "a history podcast for my commute", "a cookbook for beginners", "a comedy special",
    "a sci-fi book with a great twist", "a poetry collection for someone new to poetry",
    "a graphic novel for a teenager", "a board game that isn't Monopoly", "a hobby I can do at home",
    "a card game for family gatherings", "a travel memoir", "an anime for someone who's never watched any",
    "a romantic comedy that isn't cheesy", "a philosophy book for beginners", "a kids' film adults will enjoy",
)

RECOMMEND_TEMPLATES = (
    "Can you recommend {x}?",
    "Any suggestions for {x}?",
    "Hunting for {x}. Ideas?",
    "what's a good pick for {x}",
    "Got a recommendation for {x}?",
    "Could you point me to {x}?",
)

WHICH_BETTER = (
    ("iPhone", "Android"), ("Marvel", "DC"), ("books", "their film adaptations"),
    ("the mountains", "the seaside for a holiday"), ("mornings", "evenings for exercise"),
    ("paper books", "e-readers"), ("Python", "JavaScript for a first language"), ("trains", "planes in Europe"),
    ("summer", "winter"), ("baths", "showers"), ("Star Wars", "Star Trek"), ("sweet breakfasts", "savoury ones"),
    ("city life", "country life"), ("board games", "video games"), ("Beatles", "Rolling Stones"),
    ("pancakes", "waffles"), ("hardcover", "paperback"), ("vinyl", "streaming"),
)

WHICH_TEMPLATES = (
    "Which is better, {a} or {b}?",
    "{a} or {b}: which do you prefer?",
    "Be honest: {a} or {b}?",
    "Settle an argument: {a} or {b}?",
)

OPINION_ONE_OFFS = (
    "Do you think humans will ever live on Mars?",
    "Is it worth learning to code now that AI can write code?",
    "What's the best decade for music?",
    "Can a video game be as meaningful as a novel?",
    "What's the most underrated invention?",
    "Should I read the book before watching the film?",
    "Is it ever too late to learn piano?",
    "What's the best pizza topping?",
    "Are cats smarter than dogs?",
    "What's the greatest novel ever written?",
    "Is Die Hard a Christmas movie?",
    "Is a hot dog a sandwich?",
    "Which Star Wars film is the best?",
    "Is it weird to go to the cinema alone?",
    "Do audiobooks count as reading?",
    "Is cereal a soup?",
    "How would you spend a perfect lazy Sunday?",
    "Should homework be banned?",
    "Generalist or specialist: which career path is smarter?",
    "Are people getting ruder or is it just me?",
)

# ---- creative writing ---------------------------------------------------------------------------

CREATIVE_FORMS = (
    "haiku", "limerick", "short poem", "sonnet", "acrostic poem", "bedtime story", "fable", "short story",
    "knock-knock joke", "riddle", "tongue twister", "rap verse", "ballad", "diary entry", "monologue",
    "fairy tale", "villanelle", "ode", "nursery rhyme", "song verse", "love letter", "pep talk", "epic poem",
    "postcard message", "short dialogue", "mini mystery", "six-word story", "cinquain",
)

CREATIVE_TOPICS = (
    "a cat who thinks it's a dog", "my morning commute", "the last tree on Earth", "a dragon afraid of heights",
    "Monday mornings", "a robot learning to paint", "the smell of coffee", "losing socks in the laundry",
    "a haunted vending machine", "my grandmother's garden", "a pirate who gets seasick", "the first day of spring",
    "a snail in a race", "a detective pigeon", "a very small volcano", "burnt toast", "a time-travelling teacup",
    "the moon feeling lonely", "a shy ghost", "the end of exam season", "a penguin who wants to fly",
    "a mouse and an owl becoming friends", "autumn in the city", "a wizard's failed spell",
    "my dog's opinion of the vacuum cleaner", "a train journey through the mountains", "the ocean at night",
    "a broken umbrella", "a houseplant plotting revenge", "a knight who hates armour", "the sound of rain",
    "a retired superhero", "a bakery at dawn", "an alien visiting a supermarket", "the joy of naps",
    "a sad cloud", "a squirrel's winter plans", "chess pieces coming alive", "a cactus who wants a hug",
    "the last slice of pizza", "a message in a bottle", "an astronaut missing home", "the first snowman of winter",
    "a quarrel between the sun and the moon", "a tortoise who runs a cafe", "a song stuck in my head",
    "an elevator that only goes down", "the wifi going down during a storm", "a grumpy old oak tree",
    "a fox who learns to read", "a kid's first day at school", "a night market", "two rival bakers",
    "an octopus who plays the piano", "a dog waiting at the window", "a tiny island with one inhabitant",
    "the life of a raindrop", "a forgotten birthday", "a bicycle that wants to retire", "a library cat",
)

CREATIVE_TEMPLATES = (  # {af} is the form with its article ("an ode")
    "Could you write {af} on {t}?",
    "I'd like {af} on the subject of {t}, please.",
    "invent {af} involving {t}",
    "Give me {af} that stars {t}.",
    "Compose {af} featuring {t}.",
    "Can you dream up {af} starring {t}?",
    "i need {af} on {t} for a school project",
    "Write a funny {f} featuring {t}.",
    "How about {af} centred on {t}?",
    "Try your hand at {af} on {t}.",
    "Write {af} inspired by {t}.",
    "I'm in the mood for {af} with {t} in it.",
    "Can I get {af} on the theme of {t}?",
    "Topic: {t}. Form: {f}. Go!",
    "{t}: could you turn that into {af}?",
)

JOKE_TOPICS = (
    "programmers", "cats", "dinosaurs", "coffee", "accountants", "the ocean", "maths teachers", "penguins",
    "vegetables", "astronauts", "pirates", "cheese", "bicycles", "time travel", "skeletons", "weather forecasters",
    "calendars", "spreadsheets", "passwords", "librarians", "chemistry", "cows", "trains", "gardening",
)

JOKE_TEMPLATES = (
    "Do you know any jokes about {x}?",
    "any funny puns about {x}?",
    "What's your best joke about {x}?",
    "I need a clean joke about {x} for a presentation.",
    "Got a joke about {x}? I need a laugh.",
    "make me laugh, something about {x}",
)

CREATIVE_ONE_OFFS = (
    "Help me with a toast for my sister's wedding.",
    "Can you help me come up with a name for my band?",
    "Write a short bio for a baker who loves hiking.",
    "Give me a fun fact I can use to open a speech.",
    "Write a pep talk for someone about to sit an exam.",
    "Describe a dragon's lair in vivid detail.",
    "Write an opening paragraph for a fantasy novel set in a desert.",
    "Give me three names for a black cat.",
    "Make up a brand-new national holiday with its own traditions.",
    "Write a haiku about writing haiku.",
    "Make up a word for the feeling of finding money in an old coat.",
    "Write a recipe for happiness as if it were a real recipe.",
    "Rewrite Twinkle Twinkle Little Star as a heavy metal song.",
    "Write a breakup letter from a person to their smartphone.",
    "Come up with a slogan for a lemonade stand.",
    "Give me a writing prompt for tonight.",
    "Write a dialogue between a cat and a vacuum cleaner.",
    "Give me ideas for a short film about loneliness.",
    "Write a poem that rhymes 'spaghetti' with 'confetti'.",
    "Describe the colour blue to someone who has never seen it.",
    "Write the first line of a romance novel set in a train station.",
    "Invent a board game and explain the rules.",
    "Give me a villain's motivation that's actually sympathetic.",
    "Write a thank-you speech for an award I won for best parallel parking.",
    "Describe a city where it's always midnight.",
    "Write a short horoscope for a very unlucky cat.",
    "Invent a mythical creature and describe where it lives.",
    "Write a motivational speech in the voice of a sleepy sloth.",
    "Funny names for a goldfish, go!",
    "Write a short story that starts with 'The door was never supposed to open.'",
)

# ---- coding ----------------------------------------------------------------------------------

CODE_TASKS = (
    ("reverse a string", "Python"), ("read a file line by line", "Python"),
    ("count how many words a string has", "JavaScript"), ("convert a string to uppercase", "Java"),
    ("delete a file", "Bash"), ("check if a key exists in a dictionary", "Python"),
    ("merge two dictionaries", "Python"), ("remove the last character of a string", "JavaScript"),
    ("call a REST API", "Go"), ("parse JSON", "Rust"), ("loop over an array with its index", "JavaScript"),
    ("swap two variables", "C"), ("generate a random number", "Java"), ("format a date", "JavaScript"),
    ("split a string on commas", "Python"), ("sort a list of objects by a field", "Java"),
    ("write text to a file", "C++"), ("find the length of an array", "C"), ("handle null values", "Kotlin"),
    ("flatten a nested list", "Python"), ("make a class immutable", "Java"),
    ("read environment variables", "Node.js"), ("pass a function as an argument", "C"),
    ("concatenate strings efficiently", "Java"), ("check whether a number is prime", "Python"),
    ("trim whitespace from a string", "Go"), ("copy an array without sharing references", "JavaScript"),
    ("define an enum", "TypeScript"), ("write a for loop", "Bash"), ("find duplicates in an array", "JavaScript"),
    ("round a float to two decimals", "Python"), ("list all files in a directory", "Python"),
    ("capitalise the first letter of each word", "Python"), ("replace every occurrence of a substring", "JavaScript"),
    ("get today's date", "Java"), ("count lines in a file", "Bash"), ("read a CSV file", "R"),
    ("build a dictionary from two lists", "Python"), ("throw a custom exception", "C#"),
    ("write a switch statement", "Swift"), ("center text horizontally", "CSS"),
    ("generate a random password", "Python"), ("work out the average of a list", "Python"),
    ("check if a string is a palindrome", "JavaScript"), ("run two functions in parallel", "Go"),
    ("convert a list to a set", "Python"), ("make a GET request with fetch", "JavaScript"),
    ("create a thread", "Java"), ("write a unit test", "Go"), ("debounce a function", "JavaScript"),
)

CODE_TASK_TEMPLATES = (
    "How do I {t} in {lang}?",
    "What's the cleanest way to {t} in {lang}?",
    "In {lang}, how can I {t}?",
    "{lang} question: how do you {t}?",
    "how to {t} in {lang}",
    "What's the idiomatic way to {t} in {lang}?",
    "Is there a built-in way to {t} in {lang}?",
    "Beginner here. How would I {t} in {lang}?",
)

CS_TOOLS = (  # things a programmer uses
    "a linked list", "a hash table", "memoization", "a binary search tree", "polymorphism", "a mutex",
    "a monad", "a pointer", "an abstract class", "lazy evaluation", "an ORM", "a microservice",
    "continuous integration", "a webhook", "semantic versioning", "test-driven development",
    "a regular expression", "OAuth", "a Docker container", "Kubernetes", "a load balancer", "an API key",
    "encapsulation", "a decorator in Python", "a promise in JavaScript", "a goroutine", "a virtual machine",
    "a bloom filter", "a message queue", "functional programming", "immutability", "a trie",
)

CS_TEMPLATES = (
    "What is {x}?",
    "Can you explain {x}?",
    "What problem does {x} solve?",
    "When would I actually use {x}?",
    "{x}: what is it and why should I care?",
    "explain {x} with an example from real code",
    "I'm a junior dev and {x} confuses me. Help?",
)

CS_PHENOMENA = (  # things that happen to a program
    "garbage collection", "the event loop", "type inference", "a deadlock", "CORS", "SQL injection",
    "the borrow checker in Rust", "endianness", "idempotency", "a stack overflow",
)

CS_PHENOMENON_TEMPLATES = (
    "What is {x}?",
    "Can you explain {x}?",
    "{x}: what is it and why should I care?",
    "explain {x} with an example from real code",
    "I'm a junior dev and {x} confuses me. Help?",
)

CODE_ERRORS = (
    "IndexError: list index out of range", "TypeError: 'NoneType' object is not subscriptable",
    "undefined is not a function", "NullPointerException", "ModuleNotFoundError: No module named 'requests'",
    "SyntaxError: unexpected EOF while parsing", "No 'Access-Control-Allow-Origin' header is present",
    "fatal: not a git repository", "Permission denied (publickey)", "RecursionError: maximum recursion depth exceeded",
    "ConcurrentModificationException", "StackOverflowError", "cannot borrow as mutable",
    "UnicodeDecodeError: 'utf-8' codec can't decode byte", "error: failed to push some refs",
    "ReferenceError: x is not defined", "IndentationError: unexpected indent", "ECONNREFUSED",
    "OutOfMemoryError: Java heap space", "error: Your local changes would be overwritten by merge",
)

ERROR_TEMPLATES = (
    "Why am I getting '{x}'?",
    "What does '{x}' mean?",
    "I keep seeing '{x}'. How do I fix it?",
    "what usually causes {x}",
    "My program crashes with {x}. Any idea why?",
)

CODE_SNIPPETS = (
    "[x * 2 for x in items]", "s[::-1]", "git reset --hard HEAD~1",
    "SELECT name FROM users WHERE id IN (SELECT user_id FROM orders)", "const [count, setCount] = useState(null)",
    "if __name__ == '__main__':", "chmod 755 script.sh", "x ??= y", "async def main(): await asyncio.sleep(1)",
    "def f(*args, **kwargs)", "grep -rn TODO .", "export PATH=$PATH:~/bin", "a = b = []",
    "{...obj, name: 'x'}", "Array.from({length: n}, (_, i) => i)", "df.groupby('city').size()",
    "with open(path) as f:", "git stash pop", "let mut v = Vec::new();", "fn main() { println!(\"hi\"); }",
)

SNIPPET_TEMPLATES = (
    "What does this code do: `{x}`?",
    "Can you explain this line? `{x}`",
    "Why would someone write `{x}`?",
    "explain `{x}` to me",
)

CODE_ONE_OFFS = (
    "Python or JavaScript as a first programming language?",
    "Which data structures should every programmer know?",
    "Why do so many programmers prefer dark mode?",
    "Is it bad practice to use global variables?",
    "Reading other people's code is so hard. Does it get easier?",
    "How is git pull different from git fetch?",
    "How should I structure a small Flask project?",
    "What's a good first open-source project to contribute to?",
    "Tabs or spaces?",
    "Why is everyone talking about Rust?",
    "What does it mean for a language to be statically typed?",
    "When should I use a database instead of a JSON file?",
    "What makes a good commit message?",
    "Why do teams bother with code reviews?",
    "Is it normal to feel lost as a junior developer?",
    "Why is floating point arithmetic inaccurate?",
    "HTTP vs HTTPS: what does the S add?",
    "How do recommendation algorithms work?",
    "How do people practise for coding interviews?",
    "Why does useEffect run twice in React strict mode?",
    "Should I use SQL or NoSQL for a small app?",
    "How is a library different from a framework?",
    "What is a pull request?",
    "How do I stop being scared of regular expressions?",
    "Why do people say premature optimisation is the root of all evil?",
    "Is it worth learning C in this day and age?",
    "What are design patterns and do I need them?",
    "How do compilers turn code into machine instructions?",
    "Unit tests versus integration tests: do I need both?",
    "Why does Python use indentation instead of braces?",
)

# ---- maths and logic, asked conceptually --------------------------------------------------------

MATH_ONE_OFFS = (
    "Why does anything raised to the zeroth power give one?",
    "How do mean, median and mode differ?",
    "How do you find the area of a circle?",
    "Why does the Pythagorean theorem work?",
    "What makes a number prime, and why do primes matter?",
    "Do prime numbers ever run out?",
    "Permutations vs combinations: how do I tell which one to use?",
    "Why are there infinitely many primes?",
    "What does a derivative actually measure?",
    "What's an integral in plain English?",
    "How do percentages work, conceptually?",
    "Why do we count in base ten?",
    "Why do schools make everyone learn algebra?",
    "Any tricks for doing mental maths faster?",
    "What is a logarithm used for?",
    "Why is pi the same for every circle?",
    "What is the Fibonacci sequence?",
    "What's the golden ratio, and is it really everywhere in nature?",
    "What does it mean for a number to be irrational?",
    "Why do people call compounding the most powerful force in finance?",
    "What is standard deviation telling me?",
    "Why can an average be misleading?",
    "Why doesn't correlation imply causation?",
    "How do you work out a percentage increase in general?",
    "Why does multiplying by a fraction make a number smaller?",
    "What is a vector?",
    "What are matrices used for in real life?",
    "Can you explain the gambler's fallacy?",
    "Is every rhombus a square?",
    "How many sides does a dodecagon have?",
    "What is Bayes' theorem in simple words?",
    "Why do we need imaginary numbers?",
    "What are the rules for dividing fractions?",
    "What is modular arithmetic?",
    "What is a proof by contradiction?",
    "How does long division work?",
    "How is a theorem different from a conjecture?",
    "What is the Riemann hypothesis about?",
    "Why are some infinities bigger than others?",
    "How does probability work when you roll two dice?",
    "Are odds and probability the same thing?",
    "What is a weighted average?",
    "What are the rules for rounding numbers?",
    "Why is a circle 360 degrees?",
    "What is calculus actually for?",
)

LOGIC_ONE_OFFS = (
    "If all roses are flowers and some flowers fade quickly, can we say some roses fade quickly?",
    ("A man looks at a portrait and says 'brothers and sisters I have none, but that man's father is my "
    "father's son.' Who is in the portrait?"),
    "What has keys but can't open locks?",
    "You have two ropes that each take an hour to burn, but unevenly. How can you measure 45 minutes?",
    ("Three boxes are labelled apples, oranges and mixed, and every label is wrong. How do you fix them by "
    "picking just one fruit?"),
    "Is the statement 'this sentence is false' true or false?",
    "How do you solve the river crossing puzzle with the wolf, the goat and the cabbage?",
    "Two fathers and two sons go fishing and catch three fish, one each. How is that possible?",
    "If you overtake the person in second place in a race, what place are you in?",
    "What gets wetter the more it dries?",
    "What's the logic behind the prisoner's dilemma?",
    "Can you explain the Ship of Theseus problem?",
    "Is it possible to prove a negative?",
    "What's a syllogism?",
    "What's the trick to solving logic grid puzzles?",
    "Why is the barber paradox a paradox?",
    "What comes once in a minute, twice in a moment, but never in a thousand years?",
)

SHAPE_QUANTITIES = (
    ("area", "triangle"), ("volume", "sphere"), ("perimeter", "hexagon"), ("surface area", "cylinder"),
    ("volume", "cone"), ("area", "trapezoid"), ("diagonal", "square"), ("interior angles", "pentagon"),
    ("area", "parallelogram"), ("volume", "pyramid"),
)

SHAPE_TEMPLATES = (
    "How do you find the {q} of a {s}?",
    "What's the formula for the {q} of a {s}?",
    "how do you work out the {q} of a {s}",
    "Why does the formula for the {q} of a {s} work?",
)

MATH_CONCEPTS = (
    "a function", "a set", "a limit", "a tangent", "a coefficient", "an exponent", "a polynomial", "a ratio",
    "a factorial", "a scalar", "topology", "a fractal", "prime factorisation", "a quadratic equation", "an axiom",
    "a variable", "an asymptote", "a permutation", "a median", "a standard error",
)

MATH_CONCEPT_TEMPLATES = (
    "What is {x} in maths?",
    "Can someone explain {x} simply?",
    "what's {x}, in math terms",
    "My kid asked me what {x} is and I blanked. Help?",
)

# ---- chit-chat -------------------------------------------------------------------------------

CHAT_ONE_OFFS = (
    "hiya!", "good afternoon :)", "Morning! How's your day going?", "how's your day been so far",
    "hello hello", "Hey, long time no see!", "What's new with you?", "I'm bored, talk to me.",
    "I had the weirdest dream last night.", "It's finally the weekend!", "Just finished a big exam, feels great.",
    "It's raining again, typical.", "So cold today, brrr.", "I'm so sleepy today.",
    "Can't believe it's already December.", "Guess who just got a new job?",
    "I made soup for the first time and it was actually good!", "Today was rough.",
    "I'm procrastinating by talking to you.", "what's your favourite book?",
    "Do you like music?", "Have a nice day!", "thanks, you too", "take care!", "catch you later",
    "night night", "See ya tomorrow.", "Thank you, that helped a lot!", "Appreciate it!",
    "Thanks a bunch, you're a lifesaver.", "Cheers mate", "I'm crying laughing",
    "I'm back, did you miss me?", "Sorry for the late reply.", "Hold on, let me think.",
    "Never mind, I figured it out.", "Oops, wrong chat.", "Are you still there?",
    "Mind if we just talk about random stuff?",
    "Tell me something nice.", "I need a pep talk.", "I'm nervous about my presentation tomorrow.",
    "My plant finally flowered!", "I just watched the best film.", "Do you ever sleep?",
    "What would you name a pet goldfish?", "If you could travel anywhere, where would you go?",
    "Does life have a meaning?", "Do you believe in aliens?", "If you were an animal, which one would you be?",
    "Would you rather be able to fly or be invisible?", "I'm learning to knit!", "I baked bread today.",
    "I'm on a train right now, pretty boring.", "The sunset tonight was amazing.", "I finally cleaned my room.",
    "Happy holidays!", "Merry Christmas!", "Happy Monday, I guess.", "It's my first day using you.",
    "Hi, I'm Sam.", "Hello from Brazil!", "You're really helpful, thanks.", "I think you misunderstood me.",
    "That's not what I meant.", "Ha, good one.", "Fair point.", "Good to know.",
    "Okay, that's enough for today.", "I'll be back later.", "Thanks for listening.",
    "Just venting, no need to fix anything.", "Do you like the rain?", "What are you thinking about?",
    "Hope you're having a good day!", "Sending good vibes your way.", "What's your favourite season?",
)

MOODS = (
    "overwhelmed", "giddy", "homesick", "restless", "grateful", "burnt out", "cheerful", "a bit down",
    "proud of myself", "jittery", "nostalgic", "hopeful", "cranky", "weirdly calm",
)

MOOD_TEMPLATES = (
    "Honestly kind of {x} right now.",
    "feeling {x} tbh",
    "Not gonna lie, I'm {x} today.",
    "I'm {x} and I don't really know why.",
)

LIFE_EVENTS = (
    "adopted a kitten", "finished my first marathon", "got engaged", "moved into a new flat",
    "passed my final exam", "learned to ride a bike", "planted tomatoes", "met my favourite author",
    "saw a whale on a boat trip", "finished a thousand-piece puzzle", "got my braces off", "started a new job",
    "ran my fastest 5k", "cooked dinner for ten people", "found twenty quid in my old jeans", "got a promotion",
    "became an aunt", "quit sugar for a month",
)

EVENT_NEWS_TEMPLATES = (
    "I just {x}!",
    "Guess what? I {x}.",
    "so i {x} today",
    "Big news: I {x}!",
)

# ---- meta questions about the assistant --------------------------------------------------------

META_ONE_OFFS = (
    "What can you do for me?", "Are you a real person?", "Who made you?", "What are you good at?",
    "What can't you do?", "Do you have feelings?", "Are you conscious?", "How do you work?",
    "Do you learn from our conversations?", "Do you remember what I told you yesterday?", "Are you ChatGPT?",
    "What model are you?", "Can I trust your answers?", "Why do you sometimes make things up?",
    "Do you have access to the internet?", "What tools do you have?", "What languages do you speak?",
    "Do you get tired of questions?", "How old are you?", "Is this conversation private?",
    "What should I call you?",
    "Can you keep a secret?", "What's it like being an AI?", "Do you have opinions?",
    "Can you lie?", "What happens to my messages?", "Why are you so polite?", "Are you smarter than me?",
    "Will AI take over the world?", "How were you trained?", "Can you understand pictures?",
    "What's the weirdest question you've been asked?", "Do you have a favourite user?",
    "Are you always this cheerful?", "Why did you answer that way?", "Can you be more concise?",
    "Please keep your answers short from now on.", "Can you explain things more simply?",
    "Talk to me like a pirate for the rest of this chat.", "Could you go easy on the emojis?",
    "How do you decide what to say?", "Do you know everything?", "Do you ever make mistakes?",
    "What's your purpose?", "Are you running on my computer or in the cloud?", "How much do you cost to run?",
    "Can you think for yourself?", "Do you have a personality?", "Are you better than a search engine?",
)

ABILITIES = (
    "understand sarcasm", "write code", "tell jokes", "feel emotions", "see images", "remember things between chats",
    "do maths in your head", "learn new things", "read handwriting", "speak more than one language",
)

ABILITY_TEMPLATES = (
    "Are you able to {x}?",
    "Can you really {x}?",
    "do you {x}",
)

HELP_TOPICS = (
    "essay writing", "learning French", "maths homework", "planning a party", "a job application",
    "understanding a contract", "studying for exams", "writing a speech", "brainstorming business ideas",
    "practising for an interview",
)

HELP_TEMPLATES = (
    "Could you help me with {x}?",
    "Are you any good at {x}?",
    "is {x} something you can help with",
)

# ---- near-miss domains: information or advice, not an action --------------------------------------

HEALTH_ONE_OFFS = (
    "Is it possible to drink too much water?",
    "How many hours of sleep does a teenager need?",
    "Is it bad to drink coffee on an empty stomach?",
    "What are the early signs of dehydration?",
    "Is it normal for my heart rate to go up after coffee?",
    "How long does a cold usually last?",
    "Should I stretch before or after running?",
    "What's a healthy resting heart rate?",
    "How much protein do I actually need?",
    "Are eggs bad for cholesterol?",
    "Is it okay to work out when I'm sore?",
    "Why do I get headaches when I'm hungry?",
    "How can I tell if I'm getting enough vitamin D?",
    "What's the best time of day to exercise?",
    "Is it bad to crack your knuckles?",
    "How often does a toothbrush need replacing?",
    "How can I tell a cold from the flu?",
    "Does stretching actually prevent injuries?",
    "How many steps a day counts as active?",
    "Is it safe to take paracetamol and ibuprofen together?",
    "What does a normal blood pressure reading look like?",
    "How long should a nap be?",
    "Why do my joints ache when it's cold?",
    "Are standing desks actually healthier?",
    "What foods are high in iron?",
    "How do I know if I'm burnt out?",
    "Can you get sunburnt on a cloudy day?",
    "How much screen time is too much for kids?",
    "Is sparkling water as good as still water?",
    "Why do I feel so tired after lunch?",
    "How long does caffeine stay in your system?",
    "Is walking or running better for losing weight?",
    "What should be in a basic first aid kit?",
    "How can I calm myself down during a panic attack?",
    "What actually is a calorie?",
    "Do I need to take multivitamins?",
    "How quickly do you lose fitness if you stop exercising?",
    "Why do I feel sad on Sunday evenings?",
    "How can I build a better bedtime routine?",
    "Is journaling good for anxiety?",
    "Why do I feel worse after sleeping in?",
    "What's a normal amount of sleep for an adult?",
    "How does alcohol affect sleep?",
    "Is it true we only use ten percent of our brains?",
    "What's the healthiest breakfast?",
)

HEALTH_BENEFIT_THINGS = (
    "green tea", "dark chocolate", "yoga", "swimming", "kimchi", "oat milk", "a weekly sauna",
    "walking after meals", "olive oil", "spicy food", "eating a banana a day", "cycling", "meditation",
    "snacking on nuts", "pilates",
)

HEALTH_BENEFIT_TEMPLATES = (
    "What are the health benefits of {x}?",
    "Is {x} actually good for you?",
    "how healthy is {x} really",
    "Does {x} live up to the health hype?",
)

HABITS = (
    "sleep with wet hair", "skip breakfast", "drink water right before bed", "eat late at night",
    "wear headphones all day", "sit for eight hours a day", "sleep in on weekends", "read in dim light",
    "hold in a sneeze", "drink energy drinks", "run every single day", "eat the same meal every day",
    "nap in the afternoon", "go to bed with the TV on",
)

HABIT_TEMPLATES = (
    "Is it bad to {x}?",
    "Is it unhealthy to {x}?",
    "how bad is it to {x}",
    "Be honest, is it harmful to {x}?",
)

MONEY_ONE_OFFS = (
    "Is it better to lease or buy a car?",
    "What's a good savings rate?",
    "How much should I keep in an emergency fund?",
    "Roth IRA or traditional IRA: how do I choose?",
    "Should I pay off my student loans early?",
    "How does a credit score get worked out?",
    "What is an index fund?",
    "How do I start investing with a small amount?",
    "Is gold a good investment?",
    "Why do prices keep going up?",
    "Why does inflation hurt savers?",
    "How do credit card companies make money?",
    "Is it worth paying for a financial advisor?",
    "Gross versus net income: which one is my take-home pay?",
    "How does a pension work?",
    "What's a reasonable share of income to spend on rent?",
    "Should couples split bills fifty-fifty?",
    "How can I stop impulse buying?",
    "What's dollar-cost averaging?",
    "Are cashback credit cards worth it?",
    "What happens if I miss a credit card payment?",
    "How is interest on savings taxed?",
    "Is a budget pointless if I never stick to it?",
    "Why do exchange rates change every day?",
    "Why is the Swiss franc considered a safe currency?",
    "Is it better to use cash or card when travelling abroad?",
    "How do airlines decide ticket prices?",
    "Why is the British pound called sterling?",
    "Why is a dollar called a buck?",
    "Is it smart to have more than one bank account?",
    "What's a good age to start saving for retirement?",
    "How do people retire early?",
    "Is renting really throwing money away?",
    "Why do banks pay so little interest?",
    "How does buy now, pay later make money?",
)

FINANCE_TERMS = (
    "a mortgage", "an annuity", "APR", "a stock split", "a dividend", "a bond", "an ETF", "capital gains tax",
    "a credit limit", "a hedge fund", "a balance transfer", "an overdraft", "a 401(k)", "net worth",
    "a recession", "a bear market", "a sinking fund", "an emergency fund",
)

FINANCE_TEMPLATES = (
    "What exactly is {x}?",
    "Quick one: what's {x}?",
    "explain {x} simply",
    "Can someone explain {x} to me like I'm new to money stuff?",
    "How does {x} work in practice?",
)

MONEY_CHOICES = (
    ("pay off debt first", "start investing"), ("buy a new car", "a used one"),
    ("keep savings in the bank", "invest them"), ("pay for things in cash", "use a credit card"),
    ("take a fixed-rate mortgage", "a variable one"), ("save for retirement", "pay the mortgage down faster"),
    ("have one credit card", "several"),
)

MONEY_CHOICE_TEMPLATES = (
    "Is it better to {a} or {b}?",
    "Should I {a} or {b}?",
    "What do most people advise: {a} or {b}?",
)

TRAVEL_PLACES = (
    "Japan", "Lisbon", "Patagonia", "Marrakech", "Vietnam", "Inverness", "Istanbul", "Peru",
    "Iceland", "Cape Town", "Kyoto", "Mexico City", "Naples", "Prague", "Bali", "Seoul", "Croatia",
    "Quebec City", "Sicily", "Jordan", "Hanoi", "Bergen", "Buenos Aires", "Tasmania",
    "Edinburgh", "Sri Lanka",
)

TRAVEL_TEMPLATES = (
    "What's the best time of year to visit {x}?",
    "What should I know before travelling to {x}?",
    "Is {x} worth visiting?",
    "what are the must-see places in {x}",
    "Any tips for a first trip to {x}?",
    "What food should I try in {x}?",
    "How many days do you need to see {x} properly?",
    "Is {x} expensive for tourists?",
)

TRAVEL_ONE_OFFS = (
    "How early should I get to the airport for an international flight?",
    "Is there any real cure for jet lag?",
    "Do I need travel insurance for a short trip?",
    "Is it safe to drink tap water in most of Europe?",
    "What's the etiquette for tipping in Japan?",
    "How do I avoid looking like a tourist?",
    "What do people usually forget to pack for a hot holiday?",
    "Is it cheaper to fly midweek?",
    "Why are flights so expensive in summer?",
    "What's a layover versus a stopover?",
    "Can I take a power bank on a plane?",
    "How strict are airlines about carry-on size?",
    "Which seat on a plane is best for sleeping?",
    "How do hostels work?",
    "Is it rude to travel somewhere without learning a few words of the language?",
    "How do I stay safe travelling solo?",
    "What documents does a child need to travel abroad?",
    "Why do planes fly so high?",
    "Is an overnight train better than a flight?",
    "Do I need a visa to visit Europe?",
    "What's the easiest way to get around Tokyo as a tourist?",
    "Why does my ankle swell on long flights?",
    "Are travel adapters universal?",
    "How should I carry money abroad?",
    "How do you beat homesickness on a long trip?",
)

SUBSTITUTES = (
    "buttermilk", "eggs in a cake", "heavy cream", "fish sauce", "soy sauce", "brown sugar", "fresh garlic",
    "cornstarch", "white wine in a sauce", "yeast", "honey", "parmesan", "sour cream", "breadcrumbs",
)

SUBSTITUTE_TEMPLATES = (
    "What's a good substitute for {x}?",
    "What can I use if I've run out of {x}?",
    "Can I replace {x} with something else?",
    "what can i swap {x} for",
)

LEFTOVERS = (
    "cooked rice", "hummus", "homemade soup", "cooked lentils", "raw chicken", "a hard-boiled egg",
    "fresh pasta", "a cut avocado", "pesto", "leftover pizza", "milk", "tofu",
)

LEFTOVER_TEMPLATES = (
    "How long does {x} keep in the fridge?",
    "does {x} freeze well",
    "How do I know if {x} has gone off?",
)

FOOD_ONE_OFFS = (
    "What's the secret to crispy roast potatoes?",
    "Why does my rice always come out mushy?",
    "Baking vs roasting: is there actually a difference?",
    "Is it safe to eat raw cookie dough?",
    "Why do recipes say to use room-temperature butter?",
    "What spices go well with lentils?",
    "How do I rescue a curry that's too spicy?",
    "What's a good vegetarian source of protein?",
    "Why should pasta water be salted?",
    "What wine goes with salmon?",
    "What's the healthiest way to cook vegetables?",
    "Can you eat the skin of a kiwi?",
    "What makes sourdough sour?",
    "Why do onions caramelise?",
    "How do chefs get a steak perfectly medium-rare?",
    "How do I stop guacamole going brown?",
    "What can I cook with just eggs, rice and spinach?",
    "What's a simple dinner for a busy weeknight?",
    "Is MSG actually bad for you?",
    "Why is Neapolitan pizza so soft in the middle?",
    "What goes into a traditional Sunday roast?",
    "Why do people soak beans overnight?",
    "Stock or broth: is there any real difference?",
    "Soft-boiled egg: how long in the water?",
    "How long should a steak rest after cooking?",
    "How long should pizza dough prove?",
    "How long does a whole chicken usually take to roast?",
    "How long should I steep green tea?",
    "How long can cooked food sit out before it's unsafe?",
    "Why does my bread come out dense?",
    "Is a casserole just a stew in the oven?",
    "Why do chefs rest meat?",
    "How spicy is a habanero compared to a jalapeño?",
    "What knife should a home cook own first?",
    "Why is cilantro soapy to some people?",
)

PET_FOODS = (
    ("dogs", "dog", "grapes"), ("cats", "cat", "tuna"), ("rabbits", "rabbit", "carrots"),
    ("dogs", "dog", "peanut butter"), ("hamsters", "hamster", "apples"), ("cats", "cat", "milk"),
    ("parrots", "parrot", "avocado"), ("dogs", "dog", "cheese"), ("guinea pigs", "guinea pig", "lettuce"),
    ("horses", "horse", "sugar cubes"), ("tortoises", "tortoise", "strawberries"), ("dogs", "dog", "chocolate"),
    ("cats", "cat", "raw fish"), ("dogs", "dog", "bananas"),
)

PET_FOOD_TEMPLATES = (
    "Can {ps} eat {f}?",
    "Is {f} safe for {ps}?",
    "is it ok to give my {p} {f}",
    "Is it bad for {ps} to eat {f}?",
)

PET_ONE_OFFS = (
    "Why does my cat knead blankets?",
    "How often should a border collie be walked?",
    "What's the best age to neuter a dog?",
    "Why does my dog eat grass?",
    "How can I tell if my cat is happy?",
    "Is it cruel to keep a cat indoors?",
    "How long do rabbits live?",
    "What's a good first pet for a child?",
    "Do goldfish get lonely?",
    "How often should I clean a fish tank?",
    "Why does my dog bark at the postman?",
    "How do I introduce a new puppy to my old dog?",
    "What should I feed a stray kitten?",
    "Why do cats bring their owners dead mice?",
    "My cat keeps scratching the sofa. How can I discourage it?",
    "Are some dog breeds really hypoallergenic?",
    "How smart are pigs compared to dogs?",
    "Why would a parrot pluck its own feathers?",
    "Do dogs understand when we talk to them?",
    "How often should a dog see the vet?",
    "Why is my hamster so active at night?",
    "How do I know if my dog is overweight?",
    "What human foods are toxic to cats?",
    "Is it normal for a puppy to sleep all day?",
    "Any tricks for getting a cat into its carrier without a fight?",
    "What does it mean when a cat slow-blinks at you?",
    "Do cats really see in the dark?",
    "Why do dogs tilt their heads when you talk?",
)

PLANTS = (
    "a snake plant", "a fiddle-leaf fig", "an orchid", "a peace lily", "a monstera", "a jade plant",
    "a bonsai", "a tomato plant", "lavender", "an aloe vera", "a spider plant", "a rubber plant",
)

PLANT_TEMPLATES = (
    "How often should I water {x}?",
    "How much sun does {x} need?",
    "How do you look after {x}?",
    "Why would {x} start dropping leaves?",
)

HOME_ONE_OFFS = (
    "Bathroom mould keeps coming back. What actually works?",
    "How can a house be kept cool without air conditioning?",
    "How often should bedsheets be washed?",
    "Any clever ideas for organising a small closet?",
    "What gets rid of ants without poison?",
    "Why does my house get so dusty?",
    "LED or halogen bulbs: which are better?",
    "How do I choose a paint colour for a small room?",
    "When should I plant tulip bulbs?",
    "What vegetables are easy to grow on a balcony?",
    "How do I make my garden friendlier to bees?",
    "Is it worth owning a carpet cleaner?",
    "How do I stop condensation on my windows?",
    "What should I check before buying an old house?",
    "How can I soundproof a bedroom cheaply?",
    "What cleans grout without scrubbing for hours?",
    "Why do my towels smell musty after washing?",
    "How do I make compost faster?",
    "How do I keep slugs off my lettuce?",
    "How much water does a new lawn need?",
    "Is it safe to mix bleach and vinegar?",
    "What's the easiest way to declutter?",
    "How often should a boiler be serviced?",
    "Why is my dishwasher leaving spots on glasses?",
    "How do I fix a dripping tap?",
    "What should a good mattress feel like?",
    "Why do some houses have a musty smell?",
)

SPORTS_GAMES = (
    "cricket", "rugby union", "curling", "badminton", "water polo", "baseball", "lacrosse", "handball",
    "snooker", "American football", "volleyball", "fencing", "squash", "ice hockey", "darts", "table tennis",
)

SPORT_GAME_TEMPLATES = (
    "What are the basic rules of {x}?",
    "How does scoring work in {x}?",
    "Can you explain {x} to someone who's never watched it?",
    "why do people love {x} so much",
)

SPORTS_ACTIVITIES = (
    "rock climbing", "rowing", "judo", "padel", "open-water swimming", "trail running", "kayaking",
    "bouldering", "skateboarding", "cross-country skiing", "boxing", "surfing",
)

SPORT_ACTIVITY_TEMPLATES = (
    "How do I get started with {x}?",
    "Is {x} a good workout?",
    "What gear do I need for {x} as a beginner?",
    "Am I too old to start {x}?",
)

SPORT_ONE_OFFS = (
    "Who has won the most World Cups?",
    "Why is a marathon the length it is?",
    "How do footballers avoid getting dizzy from heading the ball?",
    "What's the offside rule in football?",
    "How should I train for my first half marathon?",
    "Should I do cardio before or after weights?",
    "What muscles does a plank work?",
    "How many rest days a week do I need?",
    "Why do cyclists shave their legs?",
    "What's a good pace for a beginner runner?",
    "How do sumo wrestlers train?",
    "Who is the greatest tennis player of all time?",
    "Why do golf balls have dimples?",
    "How do the Olympics choose host cities?",
    "What's the hardest sport to play professionally?",
    "How do I avoid shin splints?",
    "Is it better to stretch in the morning or at night?",
    "What's VO2 max?",
    "How long does it take to build muscle?",
    "Why do tennis players grunt?",
    "How does the Tour de France work?",
    "Why are basketball players so tall?",
)

TECH_ONE_OFFS = (
    "Why does my phone battery drain so fast?",
    "Why does my laptop get so hot?",
    "Why does home wifi slow down in the evening?",
    "Why do computers slow down over time?",
    "Why do printers always claim they're offline?",
    "Is it worth buying an extended warranty for a laptop?",
    "How much RAM do I need for video editing?",
    "4G vs 5G: what actually changes?",
    "Should I turn my computer off every night?",
    "Is it bad to leave a phone charging overnight?",
    "How do I know if an email is a phishing scam?",
    "What makes a password strong?",
    "Are password managers actually safe?",
    "What's two-factor authentication and should I use it?",
    "Why do apps need so many permissions?",
    "How does cloud storage work?",
    "Is a Mac or a Windows laptop better for students?",
    "What's a VPN actually for?",
    "How long do SSDs last?",
    "Is a smartwatch actually useful?",
    "Why do phones get slower after updates?",
    "Is it safe to use public wifi?",
    "What does clearing the cache do?",
    "Megabits and megabytes: why are there two?",
    "What's a good budget camera for beginners?",
    "How do I keep my kids safe online?",
    "Should I buy a tablet or a laptop?",
    "Where should family photos be backed up?",
    "Why do electric cars accelerate so fast?",
    "How do self-checkout machines know what I scanned?",
    "Why are printers so unreliable?",
    "Can a phone get a virus?",
    "What's a mesh wifi system?",
    "How does face unlock on phones work?",
    "What happens to my data when I uninstall an app?",
    "Are refurbished phones worth it?",
    "What screen size is best for a home office monitor?",
    "What is an eSIM?",
    "How do hackers guess passwords?",
    "Are passphrases better than passwords?",
    "How often should I change my passwords?",
    "Is it safe to let my browser remember passwords?",
    "What's a data breach, and how would I know if I'm affected?",
    "Why do websites insist on a symbol in passwords?",
    "How do I spot a fake website?",
)

MEDIA_ONE_OFFS = (
    "What makes a song catchy?",
    "Why do some songs give me chills?",
    "Can I learn guitar at thirty?",
    "Is a fiddle just a violin?",
    "Who are some good jazz pianists to start with?",
    "What's a good album to get into classical music?",
    "Why do movie trailers spoil everything?",
    "What's the best Studio Ghibli film for a first-timer?",
    "Who were the most influential bands of the seventies?",
    "Why are film soundtracks so emotional?",
    "What's a music genre I've probably never heard of?",
    "How do DJs mix songs so smoothly?",
    "What is lo-fi music?",
    "Why is vinyl making a comeback?",
    "Are the extended editions of the Tolkien films worth it?",
    "Which Hitchcock film should I watch first?",
    "Why is K-pop so popular worldwide?",
    "How are animated films made these days?",
    "What makes a good horror movie?",
    "Why do sitcoms have laugh tracks?",
    "What's the longest-running TV show?",
    "How do musicians learn to sight-read?",
    "What instrument is easiest to learn as an adult?",
    "Who wrote the song Hallelujah originally?",
    "Is it worth learning music theory?",
    "What's the musical Hamilton about?",
    "How long does it take to get decent at piano?",
    "Why do some people hate musicals?",
    "What's a concept album?",
    "What songs work well for a road trip?",
    "Is it bad to fall asleep with the TV on?",
    "How do streaming services decide what to recommend?",
    "What's a good show to watch with my parents?",
    "Why are TV seasons so short now?",
    "Is 4K worth it on a small TV?",
    "What's the best order to watch the Marvel films in?",
    "Why are cinemas always so cold?",
    "How do I cut down on screen time?",
    "Why do people watch other people play video games?",
    "Why do so many films come in trilogies?",
)

TIME_ONE_OFFS = (
    "Why are there seven days in a week?",
    "Why does February have fewer days than other months?",
    "Who invented the calendar we use today?",
    "Why do we still have daylight saving time?",
    "Why do time zones exist?",
    "How did people tell time before clocks?",
    "Why is a minute sixty seconds?",
    "Why does the year start in January?",
    "How do the Julian and Gregorian calendars differ?",
    "Why do some countries write the day before the month?",
    "How is the date of Easter decided?",
    "Why does Chinese New Year move around every year?",
    "What is Greenwich Mean Time?",
    "What's the International Date Line?",
    "Why is the weekend on Saturday and Sunday?",
    "How do atomic clocks work?",
    "Why do clocks go clockwise?",
    "What's a fortnight?",
    "Why is a year about 365 days long?",
    "What do AM and PM stand for?",
    "Why do we number years from the birth of Jesus?",
    "How can I stop being late for everything?",
    "Why does time seem to speed up as you get older?",
    "Why do some countries not use daylight saving?",
    "What's a blue moon, and how often does it happen?",
)

WEATHER_ONE_OFFS = (
    "Why are forecasts unreliable more than a week ahead?",
    "How do meteorologists make forecasts?",
    "What makes a hurricane form?",
    "Why does it rain so much in Seattle?",
    "Which city in Europe gets the most rain?",
    "Why is it colder on mountaintops if they're closer to the sun?",
    "How do clouds float if water is heavier than air?",
    "What does a 40 percent chance of rain actually mean?",
    "Why does snow squeak underfoot?",
    "How do tornadoes form?",
    "What is a heat dome?",
    "What's El Niño?",
    "Why are sunsets more colourful after a storm?",
    "Can it be too cold to snow?",
    "What's the hottest temperature ever recorded on Earth?",
    "Why does humidity make heat feel worse?",
    "What is wind chill?",
    "How do weather balloons work?",
    "Why is British weather so changeable?",
    "What's the windiest place in the world?",
    "How is climate change affecting winters?",
    "What's a monsoon?",
    "Why does fog form in the morning?",
    "Sleet versus hail: how are they different?",
    "Why do weather apps disagree with each other?",
)

UNITS_ONE_OFFS = (
    "Why does the US still use Fahrenheit?",
    "Who decided how long a metre is?",
    "Why is a mile the length it is?",
    "Why do pilots measure altitude in feet?",
    "What's a stone as a unit of weight, and who still uses it?",
    "Why do scientists use the kelvin scale?",
    "Why is the Japanese yen counted in such big numbers?",
    "Why did so many European countries give up their currencies for the euro?",
    "Where does the dollar sign come from?",
    "Why do Brits measure height in feet but weight in stone?",
    "Where does the word 'calorie' come from?",
    "Is it easier to think in Celsius or Fahrenheit?",
    "Why is a nautical mile longer than a normal mile?",
    "Why do American recipes use cups instead of grams?",
    "What's the history of the metric system?",
    "Why does water boil at a lower temperature on mountains?",
    "Why do some currencies have no coins?",
    "Who decides exchange rates?",
    "How did people trade before money existed?",
    "Why is a horsepower called a horsepower?",
)

TEXT_ONE_OFFS = (
    "How long should a college application essay be?",
    "When should I use title case in headings?",
    "Do people still put two spaces after a full stop?",
    "What's a palindrome? Give me a famous example.",
    "Why do palindromes fascinate people?",
    "How many words is a typical novel?",
    "How long should a blog post be for people to actually read it?",
    "What's the ideal length for a LinkedIn summary?",
    "Should headlines be in sentence case or title case?",
    "Why is Comic Sans so hated?",
    "Font vs typeface: is there a difference?",
    "How do I make my writing more concise?",
    "How do editors proofread their own writing?",
    "Why do editors dislike the passive voice?",
    "What is a pangram?",
    "What's the longest palindromic word in English?",
    "Why do some people write in all lowercase?",
    "Is it lazy to use bullet points in an email?",
)

COMMS_ONE_OFFS = (
    "What should a follow-up email after an interview say?",
    "What's a professional way to sign off an email?",
    "Is it rude to reply to an email a week later?",
    "How formal should an email to a professor be?",
    "Should a work email start with 'Dear' or 'Hi'?",
    "How long should I wait before chasing a job application?",
    "How do I reconnect with an old friend I lost touch with?",
    "Is it okay to text instead of calling to cancel plans?",
    "What's a smooth way to ask for someone's number?",
    "How do I politely ask people to stop cc'ing me?",
    "What's the etiquette around reply-all?",
    "How do I write an out-of-office message that isn't boring?",
    "What makes a good subject line for a cold email?",
    "How quickly should I answer work messages on weekends?",
    "Why do some people hate voice messages?",
    "Are handwritten letters old-fashioned now?",
    "How do I end a text conversation politely?",
    "How many people should be on a wedding guest list, usually?",
    "Is it weird to keep an ex's number in my phone?",
    "How do you remember everyone's birthdays without social media?",
)

PRODUCTIVITY_ONE_OFFS = (
    "Do handwritten lecture notes beat typed ones?",
    "Is the Cornell note-taking method any good?",
    "Why do to-do lists never seem to get finished?",
    "How do people prioritise when everything feels urgent?",
    "What's the Eisenhower matrix?",
    "Does the Pomodoro technique actually work?",
    "Are paper planners better than apps?",
    "What's time blocking?",
    "How do I stop forgetting things I meant to do?",
    "Are bullet journals worth the effort?",
    "How do productive people plan their week?",
    "What's the book Getting Things Done about?",
    "Why does multitasking make me less productive?",
    "How many items should a daily to-do list have?",
    "What's the Zettelkasten method?",
    "What's the two-minute rule for productivity?",
    "Is it better to do the hardest task first?",
    "How do you keep a paper notebook organised?",
    "Why do I work better late at night?",
    "How do I stop a meeting from running over?",
)

TRANSIT_ONE_OFFS = (
    "Why are trains in some countries so expensive?",
    "Is the bus or the metro usually quicker in big cities?",
    "Why do trams still exist?",
    "How do bus companies decide their routes?",
    "What's the busiest train station in the world?",
    "Is it rude to put my bag on the seat next to me on a train?",
    "Why don't metro maps match real geography?",
    "How do I make a long commute less boring?",
    "Is it worth paying more rent to live close to work?",
    "Why do buses bunch up and come three at once?",
    "Why are trains in Switzerland so reliable?",
    "Is it safer to fly or drive?",
    "Why do airports make you walk so far?",
    "How do high-speed trains stay on the tracks?",
    "How did the first subway trains work?",
)

# ---- short and terse fragments ---------------------------------------------------------------

FRAGMENTS = (
    "thanks", "thx", "ty!", "ok cool thanks", "okay", "k", "lol", "lmao", "haha", "hahaha ok", "hmm",
    "hmmm interesting", "nice", "cool cool", "great, thanks", "perfect!", "got it", "gotcha", "makes sense",
    "right", "true", "fair", "yep", "yeah", "nope", "nah", "sure", "maybe", "idk", "no idea", "what?", "huh?",
    "wait what", "really?", "seriously?", "wow", "whoa", "omg", "ugh", "meh", "nvm", "never mind",
    "forget it", "brb", "back", "sorry", "my bad", "oops", "no worries", "all good", "np", "you're welcome",
    "bye", "bye!", "later", "gn", "gm", "sup", "hey", "hi", "hello?", "anyone there?", "test", "testing 123",
    "?", "...", "👍", "🙏 thanks", "😂", "ok thx bye", "cool beans", "sounds good", "that works", "not really",
    "exactly", "interesting", "good point", "same", "me too", "lol same", "aww", "yikes", "bless you",
    "congrats!", "noted", "ok then", "alright", "ok wow", "hm ok", "nice one", "love it", "no thanks",
    "thank u", "tysm", "yes please", "go on", "and?", "so?", "why?", "how?", "lol what", "ok but why",
)

# ---- long, multi-sentence context ------------------------------------------------------------

LONG_ONE_OFFS = (
    ("My sister is getting married in the spring and she's asked me to give a speech. I'm not a confident "
    "speaker at all. How do people usually structure a good wedding speech?"),
    ("I've been running three times a week for a couple of months. My knees have started to ache after longer "
    "runs. Is that normal, or should I change something?"),
    ("So my landlord wants to raise the rent by quite a lot. I like the flat but money is tight. How do people "
    "usually negotiate in this situation?"),
    ("I started a new job last month and everyone seems to already know each other. I'm a bit shy. What are "
    "some low-pressure ways to make friends at work?"),
    ("We're thinking of getting a dog but we both work full time. Is it unfair on the dog, or are there breeds "
    "that cope better with being alone?"),
    ("I'm learning Spanish with an app and I can read pretty well now, but I freeze when I have to speak. How do "
    "I get over that?"),
    ("My grandfather keeps telling the same stories over and over. Is that a normal part of getting older or "
    "something to worry about?"),
    ("I have a history essay due next week about the start of the First World War. I understand the alliances "
    "but not the assassination part. Why did one assassination lead to such a huge war?"),
    ("I've got about an hour free every evening and I want to use it better than scrolling. What are some "
    "hobbies that don't need much money or space?"),
    ("My teenage son spends all his time gaming. I don't want to be the bad guy, but I'm worried. How do other "
    "parents handle this?"),
    ("Last night I made a lasagne and it came out watery. I used fresh tomatoes and ricotta. What might have "
    "gone wrong?"),
    ("I've got an interview for a data analyst role on Thursday. I know SQL and some Python but I've never "
    "worked in the field. What kind of questions do they usually ask?"),
    ("Our team at work uses spreadsheets for everything and it's chaos. I'm not technical but I'd like to "
    "suggest something better. What should I look into?"),
    "I read that octopuses are really intelligent. Is it true they can solve puzzles and recognise people?",
    ("I'm planning a trip to Italy in October with my partner. We like food and walking but not crowds. Which "
    "regions would you suggest?"),
    ("I keep waking up tired even though I'm in bed for eight hours. I drink a lot of coffee in the afternoon. "
    "Could that be related?"),
    "My friend says the Great Wall of China is visible from space. I think that's a myth. Who's right?",
    ("I'm writing a fantasy novel and I'm stuck on the magic system. I want it to have clear costs. How have "
    "other authors handled this?"),
    ("I've been offered two jobs: one pays more, the other has better hours and a shorter commute. How should I "
    "think about choosing?"),
    ("My code works on my laptop but fails on the server with a missing module error. I'm using Python and a "
    "requirements file. What usually causes this?"),
    ("My cat has started sleeping in the bathtub every afternoon. She's eating normally and seems happy. Is "
    "this a weird cat thing or should I worry?"),
    ("I'm 35 and I've never really saved anything. I finally have a stable job. Where should someone in my "
    "position even begin?"),
    ("We just moved to a colder city and our flat gets damp in winter. We open the windows sometimes but it "
    "doesn't help much. What else can we do?"),
    ("I watched a documentary about the deep sea yesterday and now I can't stop thinking about anglerfish. How "
    "do they make light?"),
    ("My daughter asked me why it gets dark at night if the sun is so bright, and I didn't know how to answer. "
    "How would you explain it to a seven-year-old?"),
    ("I'm a nurse working night shifts. On my days off I can't get my sleep back to normal. Any advice from "
    "what's known about shift work?"),
    ("I'm trying to understand the difference between a recession and a depression. The news uses both words "
    "and I'm confused. Can you clarify?"),
    ("I have a presentation at work and my manager said my slides have too much text. How do I make them better "
    "without losing the important details?"),
    ("Our book club just read 1984 and half of us loved it and half hated it. What are some good discussion "
    "questions for next time?"),
    ("I want to get into birdwatching. I live in a city and have a small balcony. Is that even possible, and "
    "how should I start?"),
    ("I'm thinking about switching from an iPhone to Android after many years. What will I miss and what will I "
    "like more?"),
    ("My grandma makes amazing dumplings but never measured anything. I want to recreate them. How do I figure "
    "out a recipe from watching someone cook?"),
    ("Every time I try to meditate my mind wanders within seconds. I've tried apps but gave up. Is there a "
    "simpler way to begin?"),
    ("I'm going to a friend's Diwali celebration for the first time. I don't want to be rude. What should I "
    "know or bring?"),
    ("Someone on my team keeps presenting my ideas as theirs. I don't want drama, but it's frustrating. What "
    "are my options?"),
    ("I've been reading about the Roman Empire and I keep seeing the word Byzantine. Was that the same as Rome "
    "or something different?"),
    "My son is seven and wants to learn to code. He loves Minecraft. Where would you suggest he start?",
    ("I just inherited a small amount of money from my aunt. I won't need it for a while. What do sensible "
    "people do with a windfall like that?"),
    ("We're having a debate at home: can you catch a cold from being cold? My mum swears you can. What does "
    "science say?"),
    ("I'm a vegetarian and I'm cooking for my meat-loving in-laws this weekend. What's a crowd-pleasing main "
    "that won't feel like a compromise?"),
    ("My bike makes a clicking noise whenever I pedal hard. It started after I changed the chain. What could it "
    "be?"),
    ("I have to write a short bio for a conference programme. I always find it awkward to write about myself. "
    "How do I sound professional but human?"),
    ("My partner and I can never agree on the thermostat. I'm always cold, they're always hot. Is there any "
    "science on why people feel temperature differently?"),
    ("I'm trying to read more this year. I used to love fantasy as a teenager but haven't read in ages. What "
    "would be a good book to get back into it?"),
    ("Our neighbours' tree drops leaves all over our garden. We get along fine, so I don't want to make it "
    "weird. Is it normal to bring this up?"),
    ("I just started learning chess and keep losing in the opening. I don't want to memorise loads of lines. "
    "What principles should I follow?"),
    ("I'm planning a small birthday party for my dad who's turning seventy. He doesn't like fuss. What are some "
    "low-key ideas?"),
    "When I was in Lisbon last year everyone drank this cherry liqueur. What was it called and how is it made?",
    ("I'm moving to Berlin for work and I don't speak German yet. How long does it usually take to get "
    "conversational if I study an hour a day?"),
    ("My boss asked me to 'circle back' and 'take it offline' in the same meeting. What do these phrases "
    "actually mean?"),
    ("I've had a sore throat for two days but no fever. I'm drinking lots of tea. When is it worth seeing a "
    "doctor for something like this?"),
    ("I keep buying plants and they keep dying. My flat is quite dark and I travel a lot. Are there any plants "
    "that would survive me?"),
    ("My little brother asked why we have leap years and I gave a terrible answer. Can you explain it properly "
    "so I can try again?"),
    ("I'm trying to understand my payslip. There's gross pay, net pay, and a bunch of deductions. What do these "
    "usually mean?"),
    ("We're hosting Christmas for the first time, twelve people, and I've never cooked a turkey. What do people "
    "usually get wrong?"),
)


# =============================================================================================
# Style variation
# =============================================================================================

LEAD_INS = (
    "Quick question: ", "Hey, ", "Hi! ", "Out of curiosity, ", "Random question, but ", "I've always wondered: ",
    "Sorry if this is a silly question, but ", "Okay so ", "Hello, ", "Honest question: ", "So, ",
    "Hey there, ", "Um, ", "Genuine question: ", "I was just thinking, ", "Morning! ",
    "This might be basic, but ", "Dumb question maybe, ", "Been wondering this for ages: ", "Hi again, ",
)
TRAILERS = (
    " Thanks!", " Just curious.", " Thanks in advance.", " Keep it short please.", " No rush.",
    " Asking for a friend.", " Simple words please.", " cheers", " Thank you!", " ty",
    " I've always wondered.", " Be brief.",
)
# First words that are lowercased after a lead-in (proper nouns and "I" keep their case).
LOWERABLE = {
    "what", "what's", "why", "how", "is", "are", "can", "could", "do", "does", "should", "which", "who",
    "where", "when", "tell", "give", "explain", "write", "any", "help", "define", "compose", "make", "try",
    "got", "be", "in", "walk", "was", "did", "will", "would", "beginner", "people", "best", "hunting",
    "meaning", "invent", "describe", "rewrite", "come", "funny", "the", "a", "an", "my", "some", "first",
    "reading", "unit", "bathroom", "font", "its", "assure", "stock", "baking", "sleet", "gross", "megabits",
    "permutations", "soft-boiled", "generalist", "mornings", "books", "paper", "hardcover", "city", "board",
    "sweet", "summer", "baths", "pancakes", "trains", "vinyl", "pros", "elis5", "eli5", "ok", "okay",
}
# Texts starting with these already have a lead-in of their own.
NO_LEAD = {"hi", "hey", "hello", "morning", "quick", "topic", "so", "okay", "honestly", "be", "settle", "big",
           "guess", "not", "feeling", "i'm", "i", "my", "just", "ugh", "oops"}


def lower_first(text: str) -> str:
    """Lowercase the first letter when the first word is an ordinary question or command word."""
    first = text.split(" ", 1)[0].rstrip(",:?").lower()
    return text[:1].lower() + text[1:] if first in LOWERABLE else text


def casual(text: str) -> str:
    """Lowercase, without sentence punctuation or quote marks (``Why is X?`` -> ``why is x``)."""
    low = text.lower()
    low = re.sub(r"(?<![a-z0-9])'|'(?![a-z0-9])", "", low)
    low = re.sub(r"[?!.,;:\"]+(?=\s|$)", "", low)
    return re.sub(r"\s+", " ", low).strip()


def typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent inner letters of one longer word (a realistic slip of the fingers)."""
    spans = [m.span() for m in re.finditer(r"[A-Za-z]{6,}", text)]
    if not spans:
        return text
    a, b = spans[rng.randrange(len(spans))]
    i = rng.randrange(a + 1, b - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def restyle(text: str, rng: random.Random, rate: float) -> str:
    """With probability ``rate``, vary the surface form: lead-in, casual lowercase, trailer and/or a typo.

    Code in backticks is never lowercased or misspelt; statements ("I just got engaged!") only get the
    casual form; a text with its own opener ("Quick one: ...") gets no lead-in.
    """
    if rng.random() >= rate:
        return text
    r = rng.random()
    first = text.split(" ", 1)[0].rstrip(",:!?.").lower()
    question_or_request = text.endswith("?") or first in LOWERABLE
    lead_ok = question_or_request and first not in NO_LEAD
    code = "`" in text
    if r < 0.35 and lead_ok:
        out = rng.choice(LEAD_INS) + lower_first(text)
    elif r < 0.65 and not code:
        out = casual(text)
    elif r < 0.85 and question_or_request and text[-1:] in "?.!":
        out = text + rng.choice(TRAILERS)
    elif lead_ok and not code:
        out = rng.choice(LEAD_INS) + casual(text)
    else:
        out = text
    if rng.random() < 0.12 and not code:
        out = typo(out, rng)
    return out


# =============================================================================================
# Building
# =============================================================================================

Filler = Any  # a string for "{x}" templates or a mapping of slot -> value


def with_article(noun: str) -> str:
    """``noun`` with "a" or "an" in front (by its first letter, which is right for every form used here)."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def expand(
    rng: random.Random, templates: Sequence[str], fillers: Iterable[Filler], per: int = 1
) -> list[str]:
    """Each filler rendered through ``per`` different templates (picked by ``rng``)."""
    out = []
    for f in fillers:
        for t in rng.sample(list(templates), per):
            out.append(t.format(**f) if isinstance(f, dict) else t.format(x=f))
    return out


def _science(rng: random.Random) -> tuple[list[str], list[str]]:
    return expand(rng, SCIENCE_TEMPLATES, SCIENCE_TOPICS), list(SCIENCE_ONE_OFFS)


def _how_things_work(rng: random.Random) -> tuple[list[str], list[str]]:
    return expand(rng, MECHANISM_TEMPLATES, MECHANISMS) + expand(rng, SYSTEM_TEMPLATES, SYSTEMS), []


def _history(rng: random.Random) -> tuple[list[str], list[str]]:
    t = expand(rng, PERSON_TEMPLATES, HISTORY_PEOPLE) + expand(rng, EVENT_TEMPLATES, HISTORY_EVENTS)
    return t, list(HISTORY_ONE_OFFS)


def _geography(rng: random.Random) -> tuple[list[str], list[str]]:
    return expand(rng, COUNTRY_TEMPLATES, COUNTRIES), list(GEOGRAPHY_ONE_OFFS)


def _culture(rng: random.Random) -> tuple[list[str], list[str]]:
    t = (expand(rng, BOOK_TEMPLATES, BOOKS) + expand(rng, PIECE_TEMPLATES, PIECES)
         + expand(rng, FILM_TEMPLATES, FILMS))
    return t, list(CULTURE_ONE_OFFS)


def _howto(rng: random.Random) -> tuple[list[str], list[str]]:
    t = expand(rng, HOWTO_TEMPLATES, HOWTO_TASKS) + expand(rng, STRUGGLE_TEMPLATES, STRUGGLES)
    return t, list(ADVICE_ONE_OFFS)


def _definitions(rng: random.Random) -> tuple[list[str], list[str]]:
    t = (expand(rng, WORD_TEMPLATES, WORDS) + expand(rng, CONCEPT_TEMPLATES, CONCEPTS)
         + expand(rng, IDIOM_TEMPLATES, IDIOMS) + expand(rng, ACRONYM_TEMPLATES, ACRONYMS))
    return t, list(USAGE_ONE_OFFS)


def _foreign(rng: random.Random) -> tuple[list[str], list[str]]:
    fillers = [{"w": w, "lang": lang} for w, lang in FOREIGN]
    return expand(rng, FOREIGN_TEMPLATES, fillers), list(LANGUAGE_ONE_OFFS)


def _opinions(rng: random.Random) -> tuple[list[str], list[str]]:
    t = (expand(rng, OPINION_TEMPLATES, OPINION_TOPICS) + expand(rng, RECOMMEND_TEMPLATES, RECOMMENDATIONS)
         + expand(rng, WHICH_TEMPLATES, [{"a": a, "b": b} for a, b in WHICH_BETTER]))
    return t, list(OPINION_ONE_OFFS)


def _creative(rng: random.Random) -> tuple[list[str], list[str]]:
    forms = CREATIVE_FORMS
    fillers = []
    for i, topic in enumerate(CREATIVE_TOPICS):
        form = forms[(3 * i) % len(forms)]
        fillers.append({"f": form, "af": with_article(form), "t": topic})
    t = expand(rng, CREATIVE_TEMPLATES, fillers) + expand(rng, JOKE_TEMPLATES, JOKE_TOPICS)
    return t, list(CREATIVE_ONE_OFFS)


def _coding(rng: random.Random) -> tuple[list[str], list[str]]:
    t = (expand(rng, CODE_TASK_TEMPLATES, [{"t": a, "lang": b} for a, b in CODE_TASKS])
         + expand(rng, CS_TEMPLATES, CS_TOOLS) + expand(rng, CS_PHENOMENON_TEMPLATES, CS_PHENOMENA)
         + expand(rng, ERROR_TEMPLATES, CODE_ERRORS)
         + expand(rng, SNIPPET_TEMPLATES, CODE_SNIPPETS))
    return t, list(CODE_ONE_OFFS)


def _math(rng: random.Random) -> tuple[list[str], list[str]]:
    t = (expand(rng, SHAPE_TEMPLATES, [{"q": q, "s": s} for q, s in SHAPE_QUANTITIES])
         + expand(rng, MATH_CONCEPT_TEMPLATES, MATH_CONCEPTS))
    return t, list(MATH_ONE_OFFS) + list(LOGIC_ONE_OFFS)


def _chat(rng: random.Random) -> tuple[list[str], list[str]]:
    t = expand(rng, MOOD_TEMPLATES, MOODS) + expand(rng, EVENT_NEWS_TEMPLATES, LIFE_EVENTS)
    return t, list(CHAT_ONE_OFFS)


def _meta(rng: random.Random) -> tuple[list[str], list[str]]:
    t = expand(rng, ABILITY_TEMPLATES, ABILITIES) + expand(rng, HELP_TEMPLATES, HELP_TOPICS)
    return t, list(META_ONE_OFFS)


def _health(rng: random.Random) -> tuple[list[str], list[str]]:
    t = expand(rng, HEALTH_BENEFIT_TEMPLATES, HEALTH_BENEFIT_THINGS) + expand(rng, HABIT_TEMPLATES, HABITS)
    return t, list(HEALTH_ONE_OFFS)


def _money(rng: random.Random) -> tuple[list[str], list[str]]:
    t = (expand(rng, FINANCE_TEMPLATES, FINANCE_TERMS)
         + expand(rng, MONEY_CHOICE_TEMPLATES, [{"a": a, "b": b} for a, b in MONEY_CHOICES]))
    return t, list(MONEY_ONE_OFFS)


def _travel(rng: random.Random) -> tuple[list[str], list[str]]:
    return expand(rng, TRAVEL_TEMPLATES, TRAVEL_PLACES), list(TRAVEL_ONE_OFFS) + list(TRANSIT_ONE_OFFS)


def _food(rng: random.Random) -> tuple[list[str], list[str]]:
    t = expand(rng, SUBSTITUTE_TEMPLATES, SUBSTITUTES) + expand(rng, LEFTOVER_TEMPLATES, LEFTOVERS)
    return t, list(FOOD_ONE_OFFS)


def _pets(rng: random.Random) -> tuple[list[str], list[str]]:
    fillers = [{"ps": ps, "p": p, "f": f} for ps, p, f in PET_FOODS]
    return expand(rng, PET_FOOD_TEMPLATES, fillers), list(PET_ONE_OFFS)


def _home(rng: random.Random) -> tuple[list[str], list[str]]:
    return expand(rng, PLANT_TEMPLATES, PLANTS), list(HOME_ONE_OFFS)


def _sport(rng: random.Random) -> tuple[list[str], list[str]]:
    t = expand(rng, SPORT_GAME_TEMPLATES, SPORTS_GAMES) + expand(rng, SPORT_ACTIVITY_TEMPLATES, SPORTS_ACTIVITIES)
    return t, list(SPORT_ONE_OFFS)


def _tech(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(TECH_ONE_OFFS)


def _media(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(MEDIA_ONE_OFFS)


def _time(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(TIME_ONE_OFFS)


def _weather(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(WEATHER_ONE_OFFS)


def _units(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(UNITS_ONE_OFFS)


def _writing(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(TEXT_ONE_OFFS) + list(COMMS_ONE_OFFS) + list(PRODUCTIVITY_ONE_OFFS)


def _fragments(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(FRAGMENTS)


def _long(rng: random.Random) -> tuple[list[str], list[str]]:
    return [], list(LONG_ONE_OFFS)


# name, what it holds, builder -> (templated queries, hand-written one-offs), restyle rates (templated, one-off)
CATEGORIES: tuple[tuple[str, str, Callable[[random.Random], tuple[list[str], list[str]]], float, float], ...] = (
    ("science", "natural science: why / how questions and concept explanations", _science, 0.35, 0.15),
    ("how_things_work", "how everyday machines and systems work", _how_things_work, 0.3, 0.0),
    ("history", "people, events and everyday life in the past", _history, 0.35, 0.15),
    ("geography", "countries, capitals, rivers, landmarks", _geography, 0.35, 0.15),
    ("culture", "books, art, classical music, films, festivals and traditions", _culture, 0.35, 0.15),
    ("howto_advice", "practical how-to and personal advice", _howto, 0.35, 0.1),
    ("definitions", "word meanings, concepts, idioms, acronyms, grammar and usage", _definitions, 0.35, 0.15),
    ("foreign_words", "what a foreign word or phrase means; questions about languages", _foreign, 0.3, 0.15),
    ("opinions", "opinions, comparisons and recommendations", _opinions, 0.35, 0.15),
    ("creative_writing", "poems, stories, jokes, names, speeches", _creative, 0.3, 0.1),
    ("coding", "programming how-to, concepts, error messages, code explanations", _coding, 0.3, 0.15),
    ("math_logic", "maths and logic asked conceptually (no expression to evaluate)", _math, 0.3, 0.1),
    ("chit_chat", "greetings, thanks, small talk, news and feelings", _chat, 0.25, 0.0),
    ("meta", "questions about the assistant itself", _meta, 0.25, 0.1),
    ("health", "health and fitness information (not tracking anything)", _health, 0.35, 0.15),
    ("money", "personal-finance information (not moving or recording money)", _money, 0.35, 0.15),
    ("travel", "travel and commuting information (not booking or routing)", _travel, 0.35, 0.15),
    ("food", "cooking and food questions (not setting timers or converting amounts)", _food, 0.35, 0.15),
    ("pets", "pet care questions", _pets, 0.35, 0.15),
    ("home_garden", "household and garden questions", _home, 0.35, 0.15),
    ("sport", "sports rules, training and trivia", _sport, 0.35, 0.15),
    ("tech", "consumer tech and security questions (not operating a device)", _tech, 0.0, 0.15),
    ("music_film_tv", "music, film, TV and streaming questions (not playing anything)", _media, 0.0, 0.15),
    ("time_calendar", "calendars, clocks and time zones as knowledge (no date to compute)", _time, 0.0, 0.15),
    ("weather_climate", "weather and climate as science (no forecast lookup)", _weather, 0.0, 0.15),
    ("units_currency", "history and reasons behind units and currencies (no conversion)", _units, 0.0, 0.15),
    ("writing_comms_productivity", ("writing style, e-mail etiquette, note-taking and to-do habits "
     "(nothing to send, save or list)"), _writing, 0.0, 0.15),
    ("fragments", "short and terse messages", _fragments, 0.0, 0.0),
    ("long_context", "multi-sentence messages with personal context", _long, 0.0, 0.0),
)


def norm_key(text: str) -> str:
    """The identity of a query: its lowercase words (``Hi there!`` == ``hi there``), else its bare text."""
    ws = WORD_RE.findall(text.lower())
    return " ".join(ws) if ws else text.strip().lower()


def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The corpus records (deterministically shuffled) and one ``{category, query, kind}`` per record.

    Within the corpus the first occurrence of a query (by :func:`norm_key`) wins; later duplicates
    (e.g. a restyled query that equals another) are dropped.
    """
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name, _, builder, rate_t, rate_h in CATEGORIES:
        rng = random.Random(f"{SEED}:{name}")
        templated, one_offs = builder(rng)
        style = random.Random(f"{SEED}:{name}:style")
        for kind, queries, rate in (("templated", templated, rate_t), ("one_off", one_offs, rate_h)):
            for q in queries:
                q = restyle(q, style, rate)
                key = norm_key(q)
                if key in seen:
                    continue
                seen.add(key)
                rows.append({"category": name, "query": q, "kind": kind})
    random.Random(f"{SEED}:order").shuffle(rows)
    return [{"query": r["query"], "calls": []} for r in rows], rows


# =============================================================================================
# Checks
# =============================================================================================


def load_generalisation_module(root: Path = ROOT) -> ModuleType:
    """``benchmarks/generalisation_data.py`` (its ``ngrams`` and ``external_sources`` are reused)."""
    path = root / "benchmarks" / "generalisation_data.py"
    spec = importlib.util.spec_from_file_location("generalisation_data", path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _queries_in(obj: Any) -> Iterable[str]:
    """Every string under a ``"query"`` key, at any depth of a JSON value."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "query" and isinstance(v, str):
                yield v
            else:
                yield from _queries_in(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _queries_in(v)


def _file_queries(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [q for line in text.splitlines() if line.strip() for q in _queries_in(json.loads(line))]
    return list(_queries_in(json.loads(text)))


def source_queries(root: Path = ROOT) -> dict[str, list[str]]:
    """Queries the corpus must stay apart from, by source file (relative path); fails if a source is missing."""
    files: list[Path] = []
    for rel in REQUIRED_SOURCE_DIRS:
        d = root / rel
        found = sorted(p for p in d.rglob("*") if p.suffix in (".json", ".jsonl")) if d.is_dir() else []
        assert found, f"required source folder {d} is missing or empty"
        files += found
    for rel in OPTIONAL_SOURCE_DIRS:
        d = root / rel
        if d.is_dir():
            files += sorted(p for p in d.rglob("*") if p.suffix in (".json", ".jsonl"))
    for pattern in SOURCE_GLOBS:
        found = sorted(root.glob(pattern))
        assert found, f"no source files match {root / pattern}"
        files += found
    out: dict[str, list[str]] = {}
    for f in files:
        rel = f.relative_to(root).as_posix()
        if rel not in out:
            out[rel] = _file_queries(f)
    # the benchmark generator's own reading of the catalog and the auxiliary corpus must be covered too
    ext = load_generalisation_module(root).external_sources(root)
    mine = {q for qs in out.values() for q in qs}
    missing = [q for q in ext["catalog_queries"] + ext["aux_queries"] if q not in mine]
    assert not missing, f"source reading missed {len(missing)} catalog/auxiliary queries, e.g. {missing[:3]}"
    return out


def runs(text: str, gen: ModuleType) -> set[tuple[str, ...]]:
    """Every 5-word run of a text: words as ``[a-z0-9']+`` plus the benchmark generator's two splits."""
    ws = WORD_RE.findall(text.lower())
    out = {("w",) + tuple(ws[i : i + NGRAM]) for i in range(len(ws) - NGRAM + 1)}
    return out | gen.ngrams(text, NGRAM)


def keys(text: str, gen: ModuleType) -> set[str]:
    """The forms under which two queries count as equal."""
    return {norm_key(text)} | {" ".join(ws) for ws in gen.words(text) if ws}


STOPWORD_TEXT = (
    "a an the and or but if of to in on at for with from by about as into over after before is are was were be "
    "been being do does did doing have has had i me my we our you your he she it its they them their this that "
    "these those what what's whats which who whom why how when where there here can could should would will "
    "shall may might must not no so too very really actually just any some than then also s t don't dont "
    "it's i'm im that's thats there's let's i've i'd you're "
    # frame words of requests: two queries sharing only these are not paraphrases of each other
    "explain tell give please thanks thank like get make good best way know think mean means thing things "
    "quick question one something anything someone want need use ok okay hey hi hello lol haha ugh say "
    "simple simply example examples terms words"
)
STOPWORDS = frozenset(STOPWORD_TEXT.split())
PARAPHRASE_JACCARD = 0.6


def content_words(text: str) -> set[str]:
    """The words of a query that carry its meaning (stopwords and request frame words dropped)."""
    return {w for w in WORD_RE.findall(text.lower()) if w not in STOPWORDS}


def paraphrases(mine: set[str], theirs: set[str]) -> bool:
    """Same content words, or at least 2 in common with a content-word Jaccard of ``PARAPHRASE_JACCARD``."""
    if not mine or not theirs:
        return False
    common = len(mine & theirs)
    return mine == theirs or (common >= 2 and common / len(mine | theirs) >= PARAPHRASE_JACCARD)


def is_paraphrase(query: str, other: str) -> bool:
    """:func:`paraphrases` on the content words; one shared content word only counts between queries of
    about the same length ("that's hilarious" ~ "haha, that's hilarious", but not "exactly" ~ "who are you,
    exactly?")."""
    mine, theirs = content_words(query), content_words(other)
    if not paraphrases(mine, theirs):
        return False
    if len(mine) == 1:
        return abs(len(WORD_RE.findall(query.lower())) - len(WORD_RE.findall(other.lower()))) <= 1
    return True


# A negative must not ask for something a tool would do. Checked on the lowercased query.
_POLITE = r"^(?:(?:hey|hi|hello|ok(?:ay)?|so|please|pls)[,!]?\s+)*(?:(?:can|could|would|will) you\s+|please\s+|pls\s+)?"
ACTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        ("imperative action", _POLITE + r"(?:set|send|book|remind|schedule|play|add|delete|remove|save|convert|"
         r"calculate|compute|translate|order|buy|call|text|email|e-mail|message|turn (?:on|off|up|down)|open|"
         r"close|unlock|lock|create|note down|jot down|reverse|uppercase|lowercase|capitali[sz]e|generate|"
         r"track|log|record|transfer|pay|freeze|cancel|find my|look up|lookup|search|check my|start|stop|mark|"
         r"rename|move|copy|share|post|tweet|upload|download|install|run|launch|dial|notify|alert|wake me|"
         r"count|sum|average|subtract|multiply|divide|tell me the (?:time|date|weather))\b"),
        ("reminder / timer / alarm", (r"\bremind me\b|\bset (?:a|an|the|my|up a) ?(?:timer|alarm|reminder)\b|"
         r"\b(?:timer|alarm) for\b")),
        ("current time / weather / price", (r"\bwhat time is it\b|\btime (?:is it )?in [a-z]|"
         r"\bweather (?:in|for|today|tomorrow|this|like in|be)\b|\bforecast for\b|\b(?:stock|share) price\b|"
         r"\bright now in\b")),
        ("arithmetic on numbers", (r"\d\s*[-+*/^×÷]\s*\d|\d\s*x\s*\d|\d+(?:\.\d+)?\s*(?:%|percent) of\b|"
         r"\b(?:square root|cube root) of \d")),
        ("conversion of an amount", (r"\d+(?:\.\d+)?\s*(?:usd|eur|gbp|jpy|dollars?|euros?|pounds?|yen|km|"
         r"kilomet(?:er|re)s?|miles?|kg|kilos?|lbs?|ounces?|grams?|litres?|liters?|gallons?|celsius|fahrenheit|"
         r"kelvin|degrees|feet|foot|inches|cm|meters?|metres?)\b[^.?!]*\b(?:in|to|into)\b")),
        ("date arithmetic", (r"\b\d{4}-\d{2}-\d{2}\b|\bdays? (?:until|till|between|since|from now)\b|"
         r"\bwhat day (?:of the week )?(?:is|was|will)\b")),
        ("the user's own data", (r"\bmy (?:to-?do|todos?|notes?|files?|folders?|contacts?|calendar|playlist|"
         r"shopping list|inbox|reminders?|alarms?|timers?|documents?|budget|expenses?|account|balance|card)\b")),
        ("contacting someone", r"\b(?:text|email|e-mail|message|call|ring|dm) (?:my|him|her|them|mum|mom|dad)\b"),
        ("add to a list", r"\badd [^.?!]* to (?:my|the|a) [a-z -]*list\b|\bput [^.?!]* on (?:my|the) list\b"),
    )
)


def action_problems(query: str) -> list[str]:
    """The action patterns a query matches (code in backticks is not read)."""
    low = re.sub(r"`[^`]*`", " ", query.lower())
    return [label for label, pat in ACTION_PATTERNS if pat.search(low)]


def check(records: Sequence[dict[str, Any]], root: Path = ROOT) -> dict[str, int]:
    """Every structural, no-action and disjointness check; one ``AssertionError`` lists every failure."""
    gen = load_generalisation_module(root)
    problems: list[str] = []
    # structure and uniqueness
    seen: dict[str, str] = {}
    for i, rec in enumerate(records):
        where = f"line {i + 1}"
        if set(rec) != {"query", "calls"} or rec.get("calls") != []:
            problems.append(f"{where}: not a no-tool record: {rec!r}")
            continue
        q = rec["query"]
        if not isinstance(q, str) or not q.strip() or q != q.strip() or "\n" in q:
            problems.append(f"{where}: bad query text {q!r}")
            continue
        k = norm_key(q)
        if k in seen:
            problems.append(f"{where}: duplicate query {q!r} (same as {seen[k]!r})")
        seen[k] = q
        for label in action_problems(q):
            problems.append(f"{where}: asks for a tool action ({label}): {q!r}")
    if len(seen) < MIN_QUERIES:
        problems.append(f"only {len(seen)} distinct queries (need at least {MIN_QUERIES})")
    # disjointness from every source
    sources = source_queries(root)
    src_keys: dict[str, tuple[str, str]] = {}
    src_runs: dict[tuple[str, ...], tuple[str, str]] = {}
    eval_words: list[tuple[set[str], str, str]] = []
    by_word: dict[str, list[int]] = {}  # content word -> indices into eval_words
    for label, queries in sources.items():
        is_eval = label.startswith(EVAL_LABEL_PREFIXES)
        for sq in queries:
            for k in keys(sq, gen):
                src_keys.setdefault(k, (label, sq))
            for g in runs(sq, gen):
                src_runs.setdefault(g, (label, sq))
            if is_eval:
                for w in content_words(sq):
                    by_word.setdefault(w, []).append(len(eval_words))
                eval_words.append((content_words(sq), label, sq))
    for rec in records:
        q = rec["query"]
        for k in sorted(keys(q, gen)):
            if k in src_keys:
                label, sq = src_keys[k]
                problems.append(f"equals a query of {label}: {q!r} == {sq!r}")
                break
        shared = sorted(g for g in runs(q, gen) if g in src_runs)
        if shared:
            label, sq = src_runs[shared[0]]
            problems.append(
                f"shares the 5-word run {' '.join(shared[0][1:])!r} with {label}: {q!r} ~ {sq!r}"
            )
        # a close paraphrase of an evaluation query (most content words in common) leaks it into training
        mine = content_words(q)
        for j in sorted({j for w in mine for j in by_word.get(w, ())}):
            theirs, label, sq = eval_words[j]
            if paraphrases(mine, theirs) and is_paraphrase(q, sq):
                problems.append(f"paraphrases an evaluation query of {label}: {q!r} ~ {sq!r}")
                break
    if problems:
        raise AssertionError(f"{len(problems)} problem(s) in the no-tool corpus:\n  " + "\n  ".join(problems))
    return {
        "queries": len(records),
        "source_files": len(sources),
        "source_queries": sum(len(v) for v in sources.values()),
    }


# =============================================================================================
# Output
# =============================================================================================


def dump_jsonl(records: Sequence[dict[str, Any]]) -> str:
    """One compact JSON object per line, trailing newline."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def category_counts(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per category (in :data:`CATEGORIES` order) the number of templated and one-off queries."""
    counts: dict[str, dict[str, int]] = {name: {"templated": 0, "one_off": 0} for name, *_ in CATEGORIES}
    for r in rows:
        counts[r["category"]][r["kind"]] += 1
    return counts


def readme(rows: Sequence[dict[str, Any]]) -> str:
    """The README of the corpus folder, with the counts of this build."""
    counts = category_counts(rows)
    total_t = sum(c["templated"] for c in counts.values())
    total_h = sum(c["one_off"] for c in counts.values())
    table = "\n".join(
        f"| `{name}` | {desc} | {counts[name]['templated']} | {counts[name]['one_off']} | "
        f"{counts[name]['templated'] + counts[name]['one_off']} |"
        for name, desc, *_ in CATEGORIES
    )
    return f"""# No-tool corpus (negatives mixed into every `learn`)

`{CORPUS_FILE}` holds {len(rows):,} distinct queries that a user might send an assistant and that need **no
tool**: knowledge questions, explanations, advice, definitions, "what does 'merci' mean?", opinions and
recommendations, creative writing, coding questions, maths asked conceptually, chit-chat, questions about
the assistant, short fragments ("thanks", "lol") and long messages with personal context. Many are
near-misses of typical tool domains that ask for information rather than an action ("is it possible to
drink too much water?", "is it better to lease or buy a car?", "why do exchange rates change every day?",
"how long should a steak rest after cooking?").

`tokmem_agents.training.negatives.shipped_negatives()` reads the file; `learn` draws from it (after a
bank's own stored negatives) whenever `TrainConfig.negative_share` is above 0, as examples whose target
is a plain answer (no memory token), so learned tools stop firing on unrelated queries.

Format: one `{{"query": "...", "calls": []}}` per line (the JSONL record format of
`tokmem_agents.bank.records`), in a fixed shuffled order so any prefix mixes all categories.

## Categories

| category | what | templated | one-off | total |
|---|---|---:|---:|---:|
{table}
| **total** | | **{total_t}** | **{total_h}** | **{len(rows)}** |

"templated" queries come from phrasing templates filled from hand-written filler lists; "one-off"
queries are written individually. A share of each category is restyled (a lead-in such as "Quick
question: ", lowercase without punctuation, a trailing "Thanks!", or a swapped-letter typo).

## How it is made

`scripts/make_negatives_corpus.py` holds every template, filler and one-off query; seeded
`random.Random` instances pick templates, restyling and the final order, so the script writes
byte-identical files. Everything is written for this project: no public function-calling benchmark
(BFCL, API-Bank, When2Call, ...) or other data set is a source. Rebuild with:

    python scripts/make_negatives_corpus.py

(`--check-only` runs the checks without writing). `tests/unit/test_negatives_corpus.py` regenerates the
corpus in memory and fails when the shipped files differ or a check fails.

## Checks (the generator fails with an `AssertionError` listing every problem)

- **No tool actions.** No query asks for something a tool would do: set a reminder / timer / alarm,
  send, book, convert an amount, calculate an expression or a percentage, look up the current time,
  weather or a price, play, add to / read from the user's own lists, notes, files or contacts,
  date arithmetic. Such requests must never be negatives.
- **Distinct.** No two queries are equal (compared by their lowercase words).
- **Disjoint from the benchmark and every other corpus.** No query equals, or shares a 5-word run
  (lowercased; words as `[a-z0-9']+` and also under the two word splits of
  `benchmarks/generalisation_data.py`) with, any query in `benchmarks/data/generalisation/` (tool-set
  examples, held-out and unrelated queries), `benchmarks/data/generalisation_dev/` when present, the
  catalog (`tools/*.json` examples, `tools/eval/*.jsonl`, `tools/compositional.jsonl`), the auxiliary
  corpus (`tokmem_agents/data/auxiliary/`) and the test tools' data (`tests/integration/data/`).
- **No close paraphrase of an evaluation query** (benchmark data, `tools/eval/`,
  `tests/integration/data/`): after dropping stopwords and request frame words ("explain", "tell",
  "best", "way", ...), a query may not have the same content words as an evaluation query, nor at least
  2 in common with a Jaccard similarity of {PARAPHRASE_JACCARD} or more ("How were the pyramids at Giza built?"
  vs "How were the pyramids of Giza built?" shares no 5-word run but is caught here).

This corpus **must stay disjoint from the benchmark data**: it is training data, and the benchmarks'
unrelated / held-out queries measure false calls on queries the model has never seen. When benchmark
data changes, rerun the generator; when a check fails, reword the corpus query, never the benchmark.
"""


def generate(root: Path = ROOT) -> dict[str, Any]:
    """Build the corpus in memory and run :func:`check`; returns the file texts and the counts."""
    records, rows = build()
    checked = check(records, root)
    files = {CORPUS_FILE: dump_jsonl(records), README_FILE: readme(rows)}
    return {"files": files, "records": records, "rows": rows, "checked": checked}


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with Unix newlines, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    """Command line: generate, check and write the no-tool corpus."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--root", type=Path, default=ROOT, help="repository root holding the sources to check against")
    ap.add_argument("--check-only", action="store_true", help="run the checks, write nothing")
    a = ap.parse_args(argv)
    result = generate(a.root)
    if not a.check_only:
        for name, text in result["files"].items():
            write_text(a.out / name, text)
    counts = category_counts(result["rows"])
    for name, c in counts.items():
        print(f"{name}: {c['templated'] + c['one_off']} ({c['templated']} templated, {c['one_off']} one-off)")
    c = result["checked"]
    print(
        f"checks passed: {c['queries']} queries against {c['source_queries']} queries in {c['source_files']} "
        f"source files" + ("" if a.check_only else f"; wrote {a.out}")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
