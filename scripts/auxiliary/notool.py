"""No-tool examples: queries (chat, questions, writing, requests no tool can serve) that need no tool."""

from __future__ import annotations

import random

from tokmem_agents.bank.records import Example

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
