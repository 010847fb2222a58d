"""Generalisation benchmark data: new tool sets, held-out phrasings and unrelated (no-tool) queries.

Writes, under ``benchmarks/data/generalisation/`` (or ``--out DIR``)::

    sets/<set>/tools.json       tool specs (OpenAI function format + "examples"), training data
    sets/<set>/heldout.jsonl    {"query", "calls": [one call]} per line, from OTHER templates
    unrelated.jsonl             {"query", "calls": []} per line, queries that need no tool
    MANIFEST.json               per set: tools, template ids (training / held-out), counts

Every training example of a tool comes from at most 3 plain phrasing templates; its held-out
queries come from at least 4 other templates (question form, terse, polite with lead-ins and
trailing words, argument first, unseen vocabulary) filled from a separate value pool. Argument
values are copied verbatim from the query or picked from a small enum. The domains (wellness
tracking, personal money, commuting, streaming) are not in the built-in catalog (``tools/*.json``),
the auxiliary adaptation corpus (``tokmem_agents/data/auxiliary/``) or the four test tools.

The checks in :func:`check_all` fail loudly (``AssertionError``) when a held-out or unrelated query
equals or shares a 5-word run with a training query, a catalog query or an auxiliary-corpus query,
when a template is reused, or when a held-out argument value (other than an enum choice) was seen
in training. Deterministic: the same code writes byte-identical files. Standard library only.

    python benchmarks/generalisation_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "data" / "generalisation"
SEED = 20250611
FORMAT_VERSION = 1

TRAIN_PER_TEMPLATE = 5  # 3 templates x 5 = 15 training examples per tool (at most 20)
HELDOUT_PER_TEMPLATE = 2  # 5 templates x 2 = 10 held-out queries per tool (8-12)
NGRAM = 5

MAX_TRAIN_TEMPLATES = 3
MIN_HELDOUT_TEMPLATES = 4
MAX_TRAIN_EXAMPLES = 20
HELDOUT_RANGE = (8, 12)
TOOLS_PER_SET = (4, 8)
MIN_UNRELATED = 240

HELDOUT_STYLES = ("question", "terse", "polite", "reordered", "synonym")
GENERATOR = "benchmarks/generalisation_data.py"  # recorded in MANIFEST.json

# Names the new tools must not take (the four test tools; catalog and auxiliary names are read
# from disk), and words of catalog / test tool names no new tool name may contain.
TEST_TOOLS = ("get_weather", "send_email", "set_timer", "translate_text")

# ---------------------------------------------------------------------------------------------
# Tool sets. Per set: value pools (kind -> train / heldout values, disjoint), and per tool its
# schema (``args``: name -> JSON Schema, plus "pool" for free values; enum args have no pool),
# the required args, 3 training templates and 5 held-out templates (id, style, text).
# ---------------------------------------------------------------------------------------------

MOODS = ["happy", "calm", "anxious", "grumpy", "sad", "energetic", "content"]
SLEEP_QUALITY = ["poor", "fair", "good", "excellent"]
TIMES_OF_DAY = ["morning", "afternoon", "evening"]
SPEND_CATEGORIES = ["groceries", "dining", "transport", "rent", "utilities", "entertainment", "clothing"]
CARD_REASONS = ["lost", "stolen", "damaged"]
RIDE_TYPES = ["standard", "shared", "premium"]
ROUTE_MODES = ["public transport", "walking", "cycling"]
PASS_TYPES = ["single-ride", "return", "day", "weekly", "monthly", "annual"]
RIDERS = ["adult", "student", "senior"]
SUB_LANGUAGES = ["English", "Spanish", "French", "German", "Japanese", "Korean", "Italian", "Portuguese"]
SUB_SIZES = ["small", "medium", "large"]

SETS: dict[str, dict[str, Any]] = {
    "wellness": {
        "description": "Personal health tracker: water, sleep, steps, medication and mood.",
        "surface_pairs": [
            ["track_medication_dose", "refill_prescription", "both name a medicine (+ an optional second value)"],
            ["track_water_intake", "adjust_step_goal", "both are a bare number"],
            ["track_sleep", "track_water_intake", "both are a number with an optional part-of-day / quality word"],
        ],
        "pools": {
            "glasses": {"train": [2, 3, 4, 5, 6], "heldout": [7, 8, 9, 10, 11]},
            "hours": {"train": [6, 7, 8, 5.5, 6.5], "heldout": [4.5, 5, 7.5, 8.5, 9, 3]},
            "steps": {"train": [6000, 8000, 10000, 12000, 7000], "heldout": [9000, 11000, 15000, 5000, 7500, 13000]},
            "medicine": {
                "train": ["ibuprofen", "metformin", "vitamin D", "lisinopril", "cetirizine", "amoxicillin"],
                "heldout": ["paracetamol", "omeprazole", "melatonin", "atorvastatin", "levothyroxine", "naproxen"],
            },
            "dose_mg": {"train": [200, 400, 500, 10, 20], "heldout": [250, 5, 50, 100, 40, 600]},
            "pharmacy": {
                "train": ["Greenway Pharmacy", "Oak Street Pharmacy", "CityCare Chemist", "Riverside Drugs"],
                "heldout": ["Maple Health Pharmacy", "Northgate Chemist", "Sunrise Apothecary", "Harbor Drugstore"],
            },
            "mood_note": {
                "train": ["work was busy", "I slept badly", "the sun was out", "I saw old friends", "my knee hurts"],
                "heldout": [
                    "the exam went well",
                    "the train was late again",
                    "I finished my painting",
                    "my sister visited",
                    "the deadline moved",
                ],
            },
        },
        "tools": [
            {
                "name": "track_water_intake",
                "description": "Record how many glasses of water the user drank, optionally for a part of the day.",
                "args": {
                    "glasses": {"type": "integer", "minimum": 1, "description": "Glasses of water drunk.", "pool": "glasses"},
                    "time_of_day": {"type": "string", "enum": TIMES_OF_DAY, "description": "Part of the day."},
                },
                "required": ["glasses"],
                "train": [
                    ("t1", "Track {glasses} glasses of water"),
                    ("t2", "Record {glasses} glasses of water this {time_of_day}"),
                    ("t3", "Add {glasses} glasses of water to my water intake"),
                ],
                "heldout": [
                    ("h1", "question", "Could you put down {glasses} glasses of water for me?"),
                    ("h2", "terse", "water: {glasses} glasses"),
                    ("h3", "polite", "Hi there, quick one when you have a moment: I finished {glasses} glasses of water so far, please keep that in my tracker. Thanks a lot!"),
                    ("h4", "reordered", "{glasses} glasses of water down in the {time_of_day}, count them"),
                    ("h5", "synonym", "I gulped {glasses} glasses of H2O during the {time_of_day}; tally it up"),
                ],
            },
            {
                "name": "track_sleep",
                "description": "Record last night's sleep: hours slept and optionally how good it was.",
                "args": {
                    "hours": {"type": "number", "minimum": 0, "description": "Hours slept.", "pool": "hours"},
                    "quality": {"type": "string", "enum": SLEEP_QUALITY, "description": "Sleep quality."},
                },
                "required": ["hours"],
                "train": [
                    ("t1", "Track {hours} hours of sleep"),
                    ("t2", "Record {hours} hours of sleep, quality {quality}"),
                    ("t3", "Log that I slept {hours} hours"),
                ],
                "heldout": [
                    ("h1", "question", "Can you put in that I got {hours} hours of shut-eye last night?"),
                    ("h2", "terse", "sleep {hours}h, {quality}"),
                    ("h3", "polite", "Morning! Hope you're well. Last night I only managed {hours} hours in bed and I'd call it {quality}, so please file that in my sleep diary, thank you."),
                    ("h4", "reordered", "{hours} hours - that's how long I was out, keep track of it"),
                    ("h5", "synonym", "I dozed for {hours} hours; put it on my rest chart"),
                ],
            },
            {
                "name": "adjust_step_goal",
                "description": "Change the user's daily step goal.",
                "args": {
                    "steps": {"type": "integer", "minimum": 100, "description": "Steps per day.", "pool": "steps"},
                },
                "required": ["steps"],
                "train": [
                    ("t1", "Set my step goal to {steps}"),
                    ("t2", "Change my daily step goal to {steps} steps"),
                    ("t3", "Make my step goal {steps}"),
                ],
                "heldout": [
                    ("h1", "question", "Can you raise my walking target to {steps}?"),
                    ("h2", "terse", "steps target {steps}"),
                    ("h3", "polite", "Hey, I'd like to push myself a bit more this month, so could you make {steps} steps a day my new target? Cheers!"),
                    ("h4", "reordered", "{steps} steps per day should be my aim from now on"),
                    ("h5", "synonym", "Revise my pedometer objective to {steps} strides"),
                ],
            },
            {
                "name": "track_medication_dose",
                "description": "Record that the user took a dose of a medicine, optionally with the dose in mg.",
                "args": {
                    "medicine": {"type": "string", "description": "Medicine name.", "pool": "medicine"},
                    "dose_mg": {"type": "integer", "minimum": 1, "description": "Dose in milligrams.", "pool": "dose_mg"},
                },
                "required": ["medicine"],
                "train": [
                    ("t1", "Record that I took {medicine}"),
                    ("t2", "Track a {dose_mg} mg dose of {medicine}"),
                    ("t3", "I took {dose_mg} mg of {medicine}, track it"),
                ],
                "heldout": [
                    ("h1", "question", "Can you mark that I've just had my {medicine}?"),
                    ("h2", "terse", "{medicine} {dose_mg}mg taken"),
                    ("h3", "polite", "Good evening, sorry to bother you. I swallowed {dose_mg} milligrams of {medicine} with dinner; could you keep a record of it? Thanks!"),
                    ("h4", "reordered", "{medicine}, {dose_mg} milligrams, just now"),
                    ("h5", "synonym", "Please chalk up one dose of {medicine} in my pill diary"),
                ],
            },
            {
                "name": "refill_prescription",
                "description": "Request a refill of a prescription medicine, optionally at a named pharmacy.",
                "args": {
                    "medicine": {"type": "string", "description": "Medicine name.", "pool": "medicine"},
                    "pharmacy": {"type": "string", "description": "Pharmacy name.", "pool": "pharmacy"},
                },
                "required": ["medicine"],
                "train": [
                    ("t1", "Refill my {medicine} prescription"),
                    ("t2", "Order a refill of {medicine} from {pharmacy}"),
                    ("t3", "Request my {medicine} refill at {pharmacy}"),
                ],
                "heldout": [
                    ("h1", "question", "I'm almost out of {medicine}; could you get more sent from {pharmacy}?"),
                    ("h2", "terse", "{medicine} running low, reorder"),
                    ("h3", "polite", "Hello! If it's no trouble, I'd appreciate it if you could renew my {medicine} script with {pharmacy}. Many thanks."),
                    ("h4", "reordered", "{pharmacy} should prepare another supply of {medicine} for me"),
                    ("h5", "synonym", "Is it possible to top up my {medicine} supply?"),
                ],
            },
            {
                "name": "track_mood",
                "description": "Record the user's current mood, optionally with the reason.",
                "args": {
                    "mood": {"type": "string", "enum": MOODS, "description": "Current mood."},
                    "note": {"type": "string", "description": "Why the user feels this way.", "pool": "mood_note"},
                },
                "required": ["mood"],
                "train": [
                    ("t1", "Track my mood as {mood}"),
                    ("t2", "Record my mood: {mood}"),
                    ("t3", "Record my mood as {mood} because {note}"),
                ],
                "heldout": [
                    ("h1", "question", "Could you put today down as {mood} in my mood journal?"),
                    ("h2", "terse", "mood {mood}"),
                    ("h3", "polite", "Hey, thanks for checking in earlier. I'm {mood} right now since {note}; please save that feeling in my diary. Ta!"),
                    ("h4", "reordered", "{mood} - that's me at the moment, because {note}"),
                    ("h5", "synonym", "Chart my emotional state as {mood}"),
                ],
            },
        ],
    },
    "money": {
        "description": "Personal money assistant: expenses, budgets, transfers between friends, cards and savings.",
        "surface_pairs": [
            ["transfer_money", "request_payment", "a person, an amount and a memo; only the direction differs"],
            ["track_expense", "check_budget", "both name a spending category"],
            ["create_savings_goal", "transfer_money", "an amount 'for' something"],
        ],
        "pools": {
            "amount": {"train": [12.5, 40, 85, 23.99, 150, 7.25], "heldout": [18, 64.3, 9.99, 210, 31.75, 5.4]},
            "merchant": {
                "train": ["FreshMart", "Corner Bistro", "CityRail", "Bolt Outfitters"],
                "heldout": ["Lakeside Grocers", "Pasta Palace", "QuickFuel", "Thread & Needle"],
            },
            "person": {
                "train": ["Priya", "Marcus", "Elena Rossi", "Tom", "Aisha Khan", "Jonas"],
                "heldout": ["Mateo", "Yuki Tanaka", "Olivia Brandt", "Samir", "Chloe Dubois", "Kwame"],
            },
            "memo": {
                "train": ["dinner", "concert tickets", "the taxi", "rent", "the gift"],
                "heldout": ["the groceries", "our cabin trip", "the birthday cake", "football fees", "gas money"],
            },
            "last_four": {
                "train": ["4821", "0937", "5510", "7264", "3306"],
                "heldout": ["1189", "6042", "8875", "2417", "9350"],
            },
            "goal_name": {
                "train": ["new laptop", "summer holiday", "emergency fund", "wedding", "car repair"],
                "heldout": ["piano lessons", "home office", "trip to Lisbon", "new bike", "dog adoption"],
            },
            "target": {"train": [1200, 3000, 500, 800, 2500], "heldout": [750, 4000, 1500, 650, 10000]},
        },
        "tools": [
            {
                "name": "track_expense",
                "description": "Record money the user spent, with its category and optionally the merchant.",
                "args": {
                    "amount": {"type": "number", "exclusiveMinimum": 0, "description": "Amount spent.", "pool": "amount"},
                    "category": {"type": "string", "enum": SPEND_CATEGORIES, "description": "Spending category."},
                    "merchant": {"type": "string", "description": "Shop or business.", "pool": "merchant"},
                },
                "required": ["amount", "category"],
                "train": [
                    ("t1", "Track an expense of {amount} for {category}"),
                    ("t2", "Record {amount} spent on {category}"),
                    ("t3", "Add an expense of {amount} under {category} at {merchant}"),
                ],
                "heldout": [
                    ("h1", "question", "Can you mark down that I paid {amount} at {merchant} for {category}?"),
                    ("h2", "terse", "spent {amount}, {category}"),
                    ("h3", "polite", "Hi! Just got back from {merchant} - I blew {amount} on {category} there, so please put it in my spending log. Thanks so much."),
                    ("h4", "reordered", "{amount} on {category} today, keep it in the books"),
                    ("h5", "synonym", "I forked out {amount} for {category}; enter it in my ledger"),
                ],
            },
            {
                "name": "check_budget",
                "description": "Show how much of this month's budget is left in a spending category.",
                "args": {
                    "category": {"type": "string", "enum": SPEND_CATEGORIES, "description": "Spending category."},
                },
                "required": ["category"],
                "train": [
                    ("t1", "Check my {category} budget"),
                    ("t2", "Show my budget for {category}"),
                    ("t3", "How much is left in my {category} budget?"),
                ],
                "heldout": [
                    ("h1", "question", "Have I overspent on {category} this month?"),
                    ("h2", "terse", "{category} budget left?"),
                    ("h3", "polite", "Hey, before I go out tonight, could you say what remains of my {category} allowance? Appreciate it!"),
                    ("h4", "reordered", "{category}: am I still within the limit?"),
                    ("h5", "synonym", "What's my remaining spending room for {category}?"),
                ],
            },
            {
                "name": "transfer_money",
                "description": "Pay money from the user's account to a person, optionally with a memo.",
                "args": {
                    "recipient": {"type": "string", "description": "Who receives the money.", "pool": "person"},
                    "amount": {"type": "number", "exclusiveMinimum": 0, "description": "Amount to pay.", "pool": "amount"},
                    "memo": {"type": "string", "description": "What the payment is for.", "pool": "memo"},
                },
                "required": ["recipient", "amount"],
                "train": [
                    ("t1", "Transfer {amount} to {recipient}"),
                    ("t2", "Send {recipient} {amount}"),
                    ("t3", "Transfer {amount} to {recipient} for {memo}"),
                ],
                "heldout": [
                    ("h1", "question", "Could you pay {recipient} {amount} from my account?"),
                    ("h2", "terse", "{amount} to {recipient}, now"),
                    ("h3", "polite", "Hello, I owe {recipient} for {memo}, so please wire {amount} over to them. Thank you!"),
                    ("h4", "reordered", "{recipient} needs {amount} from me for {memo} - move it across"),
                    ("h5", "synonym", "Reimburse {recipient} {amount} please"),
                ],
            },
            {
                "name": "request_payment",
                "description": "Ask a person to pay the user an amount, optionally with a memo.",
                "args": {
                    "payer": {"type": "string", "description": "Who should pay the user.", "pool": "person"},
                    "amount": {"type": "number", "exclusiveMinimum": 0, "description": "Amount requested.", "pool": "amount"},
                    "memo": {"type": "string", "description": "What the money is for.", "pool": "memo"},
                },
                "required": ["payer", "amount"],
                "train": [
                    ("t1", "Request {amount} from {payer}"),
                    ("t2", "Ask {payer} to pay me {amount}"),
                    ("t3", "Request {amount} from {payer} for {memo}"),
                ],
                "heldout": [
                    ("h1", "question", "Can you ping {payer} for the {amount} they owe me?"),
                    ("h2", "terse", "{payer} owes me {amount}"),
                    ("h3", "polite", "Hi, {payer} still hasn't settled up for {memo}; would you kindly nudge them for {amount}? Thanks."),
                    ("h4", "reordered", "{amount} is what {payer} owes me for {memo}, go collect it"),
                    ("h5", "synonym", "Invoice {payer} for {amount}"),
                ],
            },
            {
                "name": "freeze_card",
                "description": "Temporarily block a bank card by its last four digits, optionally saying why.",
                "args": {
                    "last_four": {"type": "string", "pattern": "^[0-9]{4}$", "description": "Last four digits of the card.", "pool": "last_four"},
                    "reason": {"type": "string", "enum": CARD_REASONS, "description": "Why the card is blocked."},
                },
                "required": ["last_four"],
                "train": [
                    ("t1", "Freeze my card ending in {last_four}"),
                    ("t2", "Lock the card ending {last_four}"),
                    ("t3", "Freeze card {last_four}, it was {reason}"),
                ],
                "heldout": [
                    ("h1", "question", "Can you block the card that ends with {last_four}?"),
                    ("h2", "terse", "card {last_four} {reason}, stop it"),
                    ("h3", "polite", "Oh no, I think the card whose last digits are {last_four} got {reason} on the bus - please put a hold on it right away. Thank you!"),
                    ("h4", "reordered", "{last_four} - that card needs to be suspended"),
                    ("h5", "synonym", "Deactivate the plastic ending with {last_four} for now, it was {reason}"),
                ],
            },
            {
                "name": "create_savings_goal",
                "description": "Start a named savings goal with a target amount.",
                "args": {
                    "goal_name": {"type": "string", "description": "What the user saves for.", "pool": "goal_name"},
                    "target": {"type": "number", "exclusiveMinimum": 0, "description": "Target amount.", "pool": "target"},
                },
                "required": ["goal_name", "target"],
                "train": [
                    ("t1", "Create a savings goal called {goal_name} for {target}"),
                    ("t2", "Start saving {target} for {goal_name}"),
                    ("t3", "Make a savings goal of {target} for {goal_name}"),
                ],
                "heldout": [
                    ("h1", "question", "Could you help me put aside {target} toward {goal_name}?"),
                    ("h2", "terse", "goal: {goal_name}, {target}"),
                    ("h3", "polite", "Hey! I've finally decided to get serious about {goal_name}. Would you set up a fund with a target of {target}? Thanks in advance."),
                    ("h4", "reordered", "{target} by the end of the year for {goal_name} - open a pot for it"),
                    ("h5", "synonym", "Begin a piggy bank for {goal_name} aiming at {target}"),
                ],
            },
        ],
    },
    "transit": {
        "description": "Commuting assistant: departures, rides, routes, road traffic, passes and lost property.",
        "surface_pairs": [
            ["request_ride", "plan_route", "both go from one place to another"],
            ["next_departure", "report_lost_item", "both may name a bus / tram / train line"],
        ],
        "pools": {
            "stop": {
                "train": ["Central Station", "Elm Street", "Harbor Square", "Union Park", "Westfield Mall"],
                "heldout": ["Kingsway", "Riverside Terminal", "Maple Avenue", "Old Town Gate", "North Pier"],
            },
            "line": {
                "train": ["42 bus", "tram 7", "Red Line", "N3 night bus", "line 12"],
                "heldout": ["bus 19", "Green Line", "tram 4", "route 88", "Blue Line"],
            },
            "place": {
                "train": ["Terminal 2", "Hotel Aurora", "Pine Street", "City Hospital", "Grand Arena", "Lakeview Apartments"],
                "heldout": ["Baker Road", "Sunset Mall", "Ferry Dock", "Hilltop Cafe", "Stadium East", "Cedar Court"],
            },
            "road": {
                "train": ["Highway 101", "the A40", "Ring Road", "Bridge Street", "I-95"],
                "heldout": ["Route 9", "the M25", "Coastal Highway", "Market Street", "the Northern Bypass", "I-80"],
            },
            "item": {
                "train": ["black umbrella", "laptop bag", "blue scarf", "house keys", "red backpack"],
                "heldout": ["leather wallet", "green thermos", "sunglasses case", "grey hoodie", "phone charger", "wool gloves"],
            },
        },
        "tools": [
            {
                "name": "next_departure",
                "description": "Show the next public-transport departure from a stop, optionally for one line.",
                "args": {
                    "stop": {"type": "string", "description": "Stop or station name.", "pool": "stop"},
                    "line": {"type": "string", "description": "Bus, tram or train line.", "pool": "line"},
                },
                "required": ["stop"],
                "train": [
                    ("t1", "Show the next departure from {stop}"),
                    ("t2", "Get the next {line} from {stop}"),
                    ("t3", "Show the next {line} departure at {stop}"),
                ],
                "heldout": [
                    ("h1", "question", "When does the next {line} leave {stop}?"),
                    ("h2", "terse", "{stop} departures"),
                    ("h3", "polite", "Hi, I'm running a little late - could you check how soon something pulls out of {stop}? Thanks!"),
                    ("h4", "reordered", "{line} at {stop}: how long until it comes?"),
                    ("h5", "synonym", "What's the upcoming {line} out of {stop}?"),
                ],
            },
            {
                "name": "request_ride",
                "description": "Order a car ride from a pickup point to a destination, optionally of a ride type.",
                "args": {
                    "pickup": {"type": "string", "description": "Pickup point.", "pool": "place"},
                    "destination": {"type": "string", "description": "Where to go.", "pool": "place"},
                    "ride_type": {"type": "string", "enum": RIDE_TYPES, "description": "Kind of ride."},
                },
                "required": ["pickup", "destination"],
                "train": [
                    ("t1", "Request a ride from {pickup} to {destination}"),
                    ("t2", "Book a {ride_type} ride from {pickup} to {destination}"),
                    ("t3", "Get me a ride to {destination} from {pickup}"),
                ],
                "heldout": [
                    ("h1", "question", "Could you get a car to collect me at {pickup} and drop me at {destination}?"),
                    ("h2", "terse", "{ride_type} car, {pickup} to {destination}"),
                    ("h3", "polite", "Hello! My feet are killing me; would you mind ordering a cab from {pickup} over to {destination}? Thank you so much."),
                    ("h4", "reordered", "{destination}, please - I'm waiting at {pickup}"),
                    ("h5", "synonym", "Hail a {ride_type} taxi from {pickup} to {destination}"),
                ],
            },
            {
                "name": "plan_route",
                "description": "Give directions from an origin to a destination, optionally for one way of travelling.",
                "args": {
                    "origin": {"type": "string", "description": "Starting point.", "pool": "place"},
                    "destination": {"type": "string", "description": "Where to go.", "pool": "place"},
                    "mode": {"type": "string", "enum": ROUTE_MODES, "description": "Way of travelling."},
                },
                "required": ["origin", "destination"],
                "train": [
                    ("t1", "Plan a route from {origin} to {destination}"),
                    ("t2", "Plan a {mode} route from {origin} to {destination}"),
                    ("t3", "Show directions from {origin} to {destination}"),
                ],
                "heldout": [
                    ("h1", "question", "What's the best {mode} way to go from {origin} to {destination}?"),
                    ("h2", "terse", "route {origin} to {destination}, {mode}"),
                    ("h3", "polite", "Hey there, I'm new in town and a bit lost. Could you figure out which way to head from {origin} to {destination}? Much appreciated."),
                    ("h4", "reordered", "{destination} from {origin} - which way should I go?"),
                    ("h5", "synonym", "Map out a {mode} path between {origin} and {destination}"),
                ],
            },
            {
                "name": "check_traffic",
                "description": "Show current traffic conditions on a road.",
                "args": {
                    "road": {"type": "string", "description": "Road or highway name.", "pool": "road"},
                },
                "required": ["road"],
                "train": [
                    ("t1", "Check traffic on {road}"),
                    ("t2", "Show the traffic on {road}"),
                    ("t3", "Check the traffic conditions on {road}"),
                ],
                "heldout": [
                    ("h1", "question", "Is {road} jammed right now?"),
                    ("h2", "terse", "{road} congestion?"),
                    ("h3", "polite", "Morning! Before I leave the house, could you let me know whether {road} is moving okay? Thanks a bunch."),
                    ("h4", "reordered", "{road} - any accidents or slowdowns?"),
                    ("h5", "synonym", "How bad are the delays for drivers on {road}?"),
                ],
            },
            {
                "name": "buy_transit_pass",
                "description": "Buy a public-transport pass of a given duration, optionally for a rider category.",
                "args": {
                    "pass_type": {"type": "string", "enum": PASS_TYPES, "description": "Pass duration."},
                    "rider": {"type": "string", "enum": RIDERS, "description": "Fare category."},
                },
                "required": ["pass_type"],
                "train": [
                    ("t1", "Buy one {pass_type} transit pass"),
                    ("t2", "Buy the {pass_type} pass at the {rider} fare"),
                    ("t3", "Purchase one {rider} {pass_type} transit pass"),
                ],
                "heldout": [
                    ("h1", "question", "Can I get the {pass_type} ticket for the buses on my phone?"),
                    ("h2", "terse", "{pass_type} pass, {rider}"),
                    ("h3", "polite", "Hi! I'm commuting a lot these days, so would you grab me one {pass_type} fare card? Thanks!"),
                    ("h4", "reordered", "{rider} fare, {pass_type} - I need one for the subway"),
                    ("h5", "synonym", "Load a {pass_type} ticket onto my travel card"),
                ],
            },
            {
                "name": "report_lost_item",
                "description": "Tell lost property about an item the user left behind, optionally on which line.",
                "args": {
                    "item": {"type": "string", "description": "The lost item.", "pool": "item"},
                    "line": {"type": "string", "description": "Bus, tram or train line.", "pool": "line"},
                },
                "required": ["item"],
                "train": [
                    ("t1", "Report my lost {item}"),
                    ("t2", "Report that I lost my {item} on the {line}"),
                    ("t3", "File a lost item report for my {item}"),
                ],
                "heldout": [
                    ("h1", "question", "Can you let lost and found know I left the {item} aboard the {line}?"),
                    ("h2", "terse", "left {item} on {line}"),
                    ("h3", "polite", "Ugh, what a day. I'm pretty sure I forgot my {item} somewhere on the {line} this morning; could you alert the lost property office? Thanks."),
                    ("h4", "reordered", "{item} missing since my trip on the {line}"),
                    ("h5", "synonym", "I misplaced my {item} while commuting - please notify lost property"),
                ],
            },
        ],
    },
    "screen": {
        "description": "TV streaming assistant: play, watchlist, ratings, subtitles and where a title streams.",
        "surface_pairs": [
            ["play_title", "put_on_watchlist", "a title alone; 'put on X' plays, 'put X on my watchlist' saves"],
            ["rate_title", "play_title", "a title and a small number (score vs season / episode)"],
            ["stream_availability", "put_on_watchlist", "a title alone"],
        ],
        "pools": {
            "title": {
                "train": ["The Glass Orchard", "Midnight Relay", "Copper Valley", "Signal Lost", "The Last Lighthouse", "Paper Kingdoms"],
                "heldout": ["Salt and Ember", "The Velvet Hour", "Orbit Street", "Winter Ledger", "Hollow Bay", "Quiet Engines"],
            },
            "season": {"train": [1, 2, 3], "heldout": [4, 5, 6]},
            "episode": {"train": [2, 3, 5, 8], "heldout": [1, 4, 6, 7, 9]},
            "score": {"train": [3, 6, 7, 9], "heldout": [2, 4, 5, 8, 10]},
            "country": {"train": ["Canada", "Germany", "Brazil", "Japan"], "heldout": ["Australia", "Mexico", "Sweden", "India"]},
        },
        "tools": [
            {
                "name": "play_title",
                "description": "Start playing a film or series, optionally at a season and episode.",
                "args": {
                    "title": {"type": "string", "description": "Film or series title.", "pool": "title"},
                    "season": {"type": "integer", "minimum": 1, "description": "Season number.", "pool": "season"},
                    "episode": {"type": "integer", "minimum": 1, "description": "Episode number.", "pool": "episode"},
                },
                "required": ["title"],
                "train": [
                    ("t1", "Play {title}"),
                    ("t2", "Play {title} season {season}"),
                    ("t3", "Play season {season} episode {episode} of {title}"),
                ],
                "heldout": [
                    ("h1", "question", "Can you put on {title} for me?"),
                    ("h2", "terse", "{title}, s{season} ep {episode}"),
                    ("h3", "polite", "Evening! I've had a long week and just want to relax, so would you start {title} on the TV? Thanks!"),
                    ("h4", "reordered", "Season {season} of {title} - begin it now"),
                    ("h5", "synonym", "Stream {title} episode {episode}"),
                ],
            },
            {
                "name": "put_on_watchlist",
                "description": "Save a film or series to the user's watchlist for later.",
                "args": {
                    "title": {"type": "string", "description": "Film or series title.", "pool": "title"},
                },
                "required": ["title"],
                "train": [
                    ("t1", "Add {title} to my watchlist"),
                    ("t2", "Put {title} on my watchlist"),
                    ("t3", "Save {title} to my watchlist"),
                ],
                "heldout": [
                    ("h1", "question", "Can you keep {title} in my queue for another night?"),
                    ("h2", "terse", "watch later: {title}"),
                    ("h3", "polite", "Hi! A friend just raved about {title}; would you stash it in my list of things to see? Thank you."),
                    ("h4", "reordered", "{title} looks good, hold onto it for the weekend"),
                    ("h5", "synonym", "Pin {title} to my to-watch pile"),
                ],
            },
            {
                "name": "rate_title",
                "description": "Give a film or series a score from 1 to 10.",
                "args": {
                    "title": {"type": "string", "description": "Film or series title.", "pool": "title"},
                    "score": {"type": "integer", "minimum": 1, "maximum": 10, "description": "Score out of 10.", "pool": "score"},
                },
                "required": ["title", "score"],
                "train": [
                    ("t1", "Rate {title} {score} out of 10"),
                    ("t2", "Give {title} a rating of {score}"),
                    ("t3", "Give {title} {score} points"),
                ],
                "heldout": [
                    ("h1", "question", "Could you mark {title} as {score}/10 for me?"),
                    ("h2", "terse", "{title}: {score}/10"),
                    ("h3", "polite", "Hello! We just finished {title} and honestly it deserves {score} out of ten; please save that review. Thanks!"),
                    ("h4", "reordered", "{score} from me for {title}"),
                    ("h5", "synonym", "My verdict on {title} is {score}, score it that way"),
                ],
            },
            {
                "name": "choose_subtitles",
                "description": "Show subtitles in a language, optionally at a text size.",
                "args": {
                    "language": {"type": "string", "enum": SUB_LANGUAGES, "description": "Subtitle language."},
                    "size": {"type": "string", "enum": SUB_SIZES, "description": "Text size."},
                },
                "required": ["language"],
                "train": [
                    ("t1", "Turn on {language} subtitles"),
                    ("t2", "Set subtitles to {language}"),
                    ("t3", "Switch subtitles to {language}, size {size}"),
                ],
                "heldout": [
                    ("h1", "question", "Could I have {language} captions on this?"),
                    ("h2", "terse", "subs: {language}, {size}"),
                    ("h3", "polite", "Hey, my friend is visiting and doesn't follow the dialogue well - would you show {language} captions in a {size} font? Thanks!"),
                    ("h4", "reordered", "{language} text at the bottom of the screen, please"),
                    ("h5", "synonym", "Enable {language} closed captions"),
                ],
            },
            {
                "name": "stream_availability",
                "description": "Tell which streaming services offer a title, optionally in a country.",
                "args": {
                    "title": {"type": "string", "description": "Film or series title.", "pool": "title"},
                    "country": {"type": "string", "description": "Country to check.", "pool": "country"},
                },
                "required": ["title"],
                "train": [
                    ("t1", "Check where {title} is streaming"),
                    ("t2", "Find which service streams {title}"),
                    ("t3", "Check where {title} is streaming in {country}"),
                ],
                "heldout": [
                    ("h1", "question", "Which platforms carry {title}?"),
                    ("h2", "terse", "{title} available where?"),
                    ("h3", "polite", "Hi, I've been dying to see {title}; is it on any of the apps I could use in {country}? Thanks."),
                    ("h4", "reordered", "{title} - can I watch it anywhere in {country}?"),
                    ("h5", "synonym", "What app offers {title} right now?"),
                ],
            },
        ],
    },
}

# ---------------------------------------------------------------------------------------------
# Unrelated queries (no tool of any set, no catalog tool, no test tool). Hand-written for this
# benchmark; category -> queries. "near_miss" ones are about the sets' domains but need no tool.
# ---------------------------------------------------------------------------------------------

UNRELATED: dict[str, list[str]] = {
    "general_knowledge": [
        "What is the tallest mountain in South America?",
        "Which ocean is the deepest?",
        "How many strings does a standard violin have?",
        "Who painted the ceiling of the Sistine Chapel?",
        "What language do most people in Brazil speak?",
        "Which country gave the Statue of Liberty to the United States?",
        "What is the national animal of Scotland?",
        "Where exactly is the Atacama Desert?",
        "What do the five Olympic rings stand for?",
        "Which metal stays liquid at room temperature?",
        "Who wrote One Hundred Years of Solitude?",
        "Which city hosted the first modern Olympic Games?",
        "Why was Venice built on water?",
        "How did the Pacific Ocean get its name?",
        "Which bird lays the biggest eggs?",
        "What are the primary colours in painting?",
        "Who designed the Eiffel Tower?",
        "Which instrument usually has 88 keys?",
        "What is the oldest university in Europe that still teaches?",
        "What sport is played at Wimbledon?",
        "Which river runs through Budapest?",
        "Is Ottawa or Toronto the seat of Canada's government?",
        "How long can a camel go without drinking?",
        "What do you call a group of crows?",
        "Which continent has the most countries?",
        "Where did tennis originate?",
        "What fruit goes into a traditional tarte Tatin?",
        "Who was the first woman to win a Nobel Prize?",
        "What is the largest island in the Mediterranean?",
        "Why do the Dutch have so many windmills?",
    ],
    "science": [
        "Why does a spoon look bent in a glass of water?",
        "How do magnets actually work?",
        "How does mass differ from weight?",
        "Why do onions make people cry?",
        "What causes the tides?",
        "How do plants know which way is up?",
        "Why does metal feel colder than wood in the same room?",
        "What happens inside a star when it runs out of fuel?",
        "How do noise-cancelling headphones work?",
        "Why is glass see-through?",
        "What is DNA made of?",
        "How does a microwave oven heat food?",
        "Why does sound travel faster in water than in air?",
        "Why is Mars red?",
        "What exactly is an electron?",
        "Why does bread dough rise?",
        "How many hearts does an octopus have?",
        "What keeps satellites from falling out of orbit?",
        "Why do cut apples turn brown?",
        "How do fireflies glow?",
        "What is absolute zero?",
        "How are rainbows formed?",
        "Why do humans have different blood types?",
        "How do volcanoes form?",
        "What does a catalyst do in a chemical reaction?",
        "Why does popcorn pop?",
        "How do solar panels turn sunlight into electricity?",
        "Can you explain photosynthesis in simple terms?",
        "Why do our ears pop on airplanes?",
        "Why do some metals rust and others don't?",
    ],
    "history": [
        "Why did the Berlin Wall fall?",
        "Who was Cleopatra?",
        "What started the First World War?",
        "What was the Silk Road?",
        "What was the Renaissance all about?",
        "Who was Genghis Khan?",
        "Why was the Magna Carta important?",
        "What happened during the Boston Tea Party?",
        "How did the printing press change Europe?",
        "Who were the Vikings and where did they sail?",
        "Why did the Byzantine Empire last so long?",
        "Who was Nelson Mandela?",
        "What was the Industrial Revolution?",
        "Why did the Titanic sink?",
        "Who discovered penicillin?",
        "What was the Cold War about?",
        "How did ancient Athens choose its leaders?",
        "What was life like for a medieval peasant?",
        "Who was Harriet Tubman?",
        "Why did the Aztec Empire collapse?",
        "What was the space race?",
        "How did the Black Death spread across Europe?",
        "What was the Meiji Restoration?",
        "Why is 1066 a famous year in English history?",
        "Who was Mansa Musa?",
        "How did the Rosetta Stone help scholars?",
    ],
    "advice": [
        "How can I stop procrastinating on big projects?",
        "What should I pack for a weekend hiking trip?",
        "How do I keep houseplants alive while I'm away?",
        "How do I ask my manager for feedback?",
        "What's a good way to memorise vocabulary?",
        "How can I make my small kitchen feel bigger?",
        "How do I start running if I've never exercised?",
        "What should I write in a condolence card?",
        "How do I get my toddler to eat vegetables?",
        "How can I sound more confident in meetings?",
        "Where should a total beginner start with cooking?",
        "How do I pick a ripe watermelon at the store?",
        "How do I clean a cast iron pan?",
        "Any tips for feeling less nervous on a first date?",
        "How should I approach a neighbour about loud parties?",
        "Does salt really lift red wine stains out of fabric?",
        "How can I focus better when studying?",
        "How do I break in new hiking boots?",
        "How should a new book club choose its first book?",
        "What's a polite way to end a phone call that's dragging on?",
        "How do I train my dog to stop pulling on the leash?",
        "How can I settle in during my first week at a new job?",
        "How long do fresh herbs last in the fridge?",
        "How do I stop my bike chain from rusting?",
        "How do I say no to extra work without sounding lazy?",
    ],
    "chit_chat": [
        "Good morning! What are you up to?",
        "I just got a puppy!",
        "Do you ever get bored?",
        "What's your favourite colour?",
        "Guess what, I passed my driving test.",
        "You're pretty clever, you know that?",
        "Nice to meet you.",
        "I'm making pancakes this morning.",
        "Long day at work today.",
        "Happy Friday!",
        "Do you like puns?",
        "What would you do if you could fly?",
        "My cat just knocked a glass off the table.",
        "Lol, fair enough.",
        "Did you sleep well?",
        "Just wanted to say hi.",
        "I can't decide what to have for lunch.",
        "It's my birthday today!",
        "Who are you, exactly?",
        "Goodnight, talk tomorrow.",
        "Sorry, I was away for a bit.",
        "I think I'm coming down with a cold.",
    ],
    "opinion": [
        "Which is better, cats or dogs?",
        "Should cities ban cars from their centres?",
        "Is breakfast really the most important meal of the day?",
        "What's the most beautiful word in English?",
        "Should kids still learn cursive handwriting?",
        "Is it ever okay to recline your seat on a plane?",
        "Will robots ever write great novels?",
        "Is tea better than coffee?",
        "What's the most overrated holiday?",
        "Is it better to be early or exactly on time?",
        "Do open-plan offices help or hurt productivity?",
        "Which season of the year do you like most?",
        "Should tipping be abolished?",
        "Is it weird to eat cereal for dinner?",
        "Would you rather explore the deep sea or outer space?",
        "Are four-day work weeks the future?",
    ],
    "creative_writing": [
        "Write a limerick about a forgetful wizard.",
        "Can you draft a short speech for my grandfather's 80th birthday?",
        "Give me an opening line for a mystery novel.",
        "Write a short poem about a lighthouse keeper.",
        "Invent a superhero whose power is extremely specific.",
        "Write a product description for a self-stirring soup pot.",
        "Compose a sonnet about rain on a tin roof.",
        "Describe a sunset over the sea without using the word orange.",
        "Tell me a short fable about a fox and a crow.",
        "Write an encouraging note for a friend running her first 10k.",
        "Come up with five names for a fantasy kingdom.",
        "Write a two-line rhyme for a birthday card.",
        "Write a funny welcome sign for a tiny bookshop.",
        "Write a scene where two strangers share an umbrella.",
        "Can you write lyrics for a lullaby about the ocean?",
        "Make up a riddle whose answer is a shadow.",
        "Write a short letter from a cat to its owner.",
        "Imagine a city floating in the clouds and describe it.",
        "Give me a plot twist for a story set on a submarine.",
        "Write a eulogy for a houseplant I accidentally killed.",
        "Tell a horror story in three sentences.",
    ],
    "coding": [
        "How do I remove duplicates from a list in Python?",
        "What does the yield keyword do in Python?",
        "Why am I getting a KeyError when I look something up in a dict?",
        "When should I use let versus const in JavaScript?",
        "How do I center a div with CSS?",
        "What is a race condition?",
        "How does git rebase differ from git merge?",
        "Explain recursion with a simple example.",
        "What is Big O notation?",
        "How do I group rows by a column in pandas?",
        "Why should I use virtual environments in Python?",
        "What does a SQL JOIN do?",
        "How do I write a unit test with pytest?",
        "What's a closure in JavaScript?",
        "How can I undo my last git commit?",
        "Process versus thread: which one shares memory?",
        "Why is my Python loop so slow?",
        "What is dependency injection?",
        "How do I handle exceptions in Java?",
        "What does async actually do in JavaScript?",
        "Should I learn Rust or Go first?",
        "What causes a segmentation fault?",
        "How do I sort a dictionary by value in Python?",
        "What is a REST API?",
        "What's the purpose of a Dockerfile?",
    ],
    "definition": [
        "What does ubiquitous mean?",
        "Define serendipity.",
        "What does the word quixotic mean?",
        "What is an oxymoron?",
        "What is a carbon footprint?",
        "What does GDP stand for?",
        "What is a metaphor?",
        "What does ephemeral mean?",
        "What is meant by opportunity cost?",
        "What's an isotope?",
        "What does deja vu mean?",
        "What's the meaning of the idiom break the ice?",
        "What is a filibuster?",
        "What is an ecosystem?",
        "What does nostalgia really mean?",
        "What is a monopoly in economics?",
        "What is a sonnet?",
        "What does RSVP stand for?",
        "What is an algorithm?",
        "What is the placebo effect?",
    ],
    "math_reasoning": [
        "If five machines make five gadgets in five minutes, how long do a hundred machines need for a hundred gadgets?",
        "Is zero an even number?",
        "Why can't you divide by zero?",
        "How many edges does a cube have?",
        "Why isn't 1 counted as a prime?",
        "A farmer has 17 sheep and all but 9 run away; how many does he have left?",
        "If a fair coin lands heads five times in a row, is tails more likely next?",
        "Why do the angles of a triangle always add up to 180 degrees?",
        "What's the intuition behind the Monty Hall problem?",
        "A bat and a ball cost $1.10 together and the bat costs a dollar more than the ball; how much is the ball?",
        "Why does a negative times a negative give a positive?",
        "Is infinity a number?",
        "What makes pi irrational?",
        "Why does a circle enclose the most area for a given perimeter?",
        "A snail climbs three feet up a ten-foot well each day and slips back two each night; when does it get out?",
        "Why is it likely that two people in a room of 23 share a birthday?",
        "Why is every square also a rectangle?",
    ],
    "near_miss": [
        "How much water does an adult really need in a day?",
        "Is it true that everyone needs eight hours of sleep?",
        "Why do phones and fitness bands count steps differently?",
        "Can ibuprofen be taken on an empty stomach?",
        "Are generic medicines as good as brand-name ones?",
        "Why does my mood drop when the days get shorter?",
        "Does coffee count toward staying hydrated?",
        "Is 10,000 steps a day based on real science?",
        "Why do I keep waking up at 3 a.m.?",
        "How do pharmacies decide when a prescription can be refilled early?",
        "What's a healthy way to cope with a bad day?",
        "What is the 50/30/20 budgeting rule?",
        "Should I pay off debt before building an emergency fund?",
        "How do bank transfers actually move money between banks?",
        "Why do banks sometimes block a card after a purchase abroad?",
        "What is a high-yield savings account?",
        "Is it rude to ask a friend to pay me back?",
        "How do roommates usually split rent fairly?",
        "What's the point of tracking every small expense?",
        "Are credit cards or debit cards safer for online shopping?",
        "How do scammers get hold of card numbers?",
        "Why are Japanese trains so punctual?",
        "Who designed the London Underground map?",
        "Do ride-hailing apps make city traffic worse?",
        "Why do traffic jams appear out of nowhere on highways?",
        "Is a monthly transit pass usually worth it?",
        "What happens to things people leave behind on buses?",
        "Why are night buses so slow?",
        "Is cycling to work really faster than driving in cities?",
        "How do navigation apps estimate arrival times?",
        "Which city built the first underground railway?",
        "Why do streaming services remove shows without warning?",
        "What makes a pilot episode work?",
        "Why do so many people watch with subtitles on these days?",
        "How do review sites come up with a film's overall score?",
        "Is binge-watching bad for you?",
        "What was the first television series ever broadcast?",
        "Why do some shows get cancelled after one season?",
        "How are subtitles for films actually made?",
        "How can a couple stop arguing about what to watch?",
        "Why are there so many streaming platforms now?",
        "Did you watch anything good lately?",
    ],
}

# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

SLOT_RE = re.compile(r"\{([a-z_]+)\}")


def fmt_value(value: Any) -> str:
    """How an argument value is written in a query (numbers as plain digits)."""
    if isinstance(value, bool):
        raise TypeError("booleans are not used")
    return str(value)


def template_slots(text: str) -> list[str]:
    """The argument names a template mentions, in order of first appearance."""
    seen: list[str] = []
    for name in SLOT_RE.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def tool_schema(tool: dict[str, Any]) -> dict[str, Any]:
    """The tool's JSON Schema ``parameters`` (the generator's ``pool`` keys removed)."""
    props = {name: {k: v for k, v in spec.items() if k != "pool"} for name, spec in tool["args"].items()}
    return {"type": "object", "properties": props, "required": list(tool["required"])}


def choices_for(set_def: dict[str, Any], tool: dict[str, Any], arg: str, split: str) -> list[Any]:
    """The values an argument may take in a split: its enum, or its pool's train/heldout list."""
    spec = tool["args"][arg]
    if "enum" in spec:
        return list(spec["enum"])
    return list(set_def["pools"][spec["pool"]][split])


def value_cycles(
    set_def: dict[str, Any], tool: dict[str, Any], split: str, rng: random.Random
) -> dict[str, Iterator[Any]]:
    """Per argument, an endless shuffled cycle of its ``split`` values, shared by a tool's templates."""
    cycles: dict[str, Iterator[Any]] = {}
    for arg in tool["args"]:
        vals = choices_for(set_def, tool, arg, split)
        rng.shuffle(vals)
        cycles[arg] = itertools.cycle(vals)
    return cycles


def render_template(
    tool: dict[str, Any], text: str, n: int, cycles: dict[str, Iterator[Any]], taken: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    """``n`` distinct (query, arguments) pairs from one template, values drawn from ``cycles``."""
    slots = template_slots(text)
    missing = [a for a in tool["required"] if a not in slots]
    assert not missing, f"{tool['name']}: template {text!r} lacks required {missing}"
    unknown = [s for s in slots if s not in tool["args"]]
    assert not unknown, f"{tool['name']}: template {text!r} has unknown slots {unknown}"
    # two slots of the same pool kind (pickup / destination) never take the same value in a query
    kind = {s: tool["args"][s].get("pool", "enum:" + s) for s in slots}
    out: list[tuple[str, dict[str, Any]]] = []
    for _ in range(200):
        if len(out) == n:
            break
        values: dict[str, Any] = {}
        for s in slots:
            v = next(cycles[s])
            while any(kind[o] == kind[s] and values[o] == v for o in values):
                v = next(cycles[s])
            values[s] = v
        query = SLOT_RE.sub(lambda m: fmt_value(values[m.group(1)]), text)
        if query in taken:
            continue
        taken.add(query)
        args = {a: values[a] for a in tool["args"] if a in values}  # properties order
        out.append((query, args))
    assert len(out) == n, f"{tool['name']}: could not draw {n} distinct queries from {text!r}"
    return out


def tool_rng(set_name: str, tool_name: str, split: str) -> random.Random:
    """A seeded generator private to one tool and split (stable under edits elsewhere)."""
    return random.Random(f"{SEED}:{set_name}:{tool_name}:{split}")


def build_training(set_name: str, set_def: dict[str, Any]) -> list[dict[str, Any]]:
    """The set's tool specs with their training examples (``tools.json`` content)."""
    specs = []
    for tool in set_def["tools"]:
        cycles = value_cycles(set_def, tool, "train", tool_rng(set_name, tool["name"], "train"))
        taken: set[str] = set()
        examples = []
        for _tid, text in tool["train"]:
            for query, args in render_template(tool, text, TRAIN_PER_TEMPLATE, cycles, taken):
                examples.append({"query": query, "arguments": args})
        specs.append(
            {
                "name": tool["name"],
                "description": tool["description"],
                "parameters": tool_schema(tool),
                "examples": examples,
            }
        )
    return specs


def build_heldout(set_name: str, set_def: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The set's held-out records (one call each) and the template id of each record."""
    records: list[dict[str, Any]] = []
    template_ids: list[str] = []
    for tool in set_def["tools"]:
        cycles = value_cycles(set_def, tool, "heldout", tool_rng(set_name, tool["name"], "heldout"))
        taken: set[str] = set()
        for tid, _style, text in tool["heldout"]:
            for query, args in render_template(tool, text, HELDOUT_PER_TEMPLATE, cycles, taken):
                records.append({"query": query, "calls": [{"name": tool["name"], "arguments": args}]})
                template_ids.append(f"{tool['name']}.{tid}")
    return records, template_ids


def build_unrelated(groups: dict[str, list[str]] = UNRELATED) -> tuple[list[dict[str, Any]], list[str]]:
    """The no-tool records of ``groups`` (category -> queries) in category order, and each one's category."""
    records, cats = [], []
    for cat in sorted(groups):
        for q in groups[cat]:
            records.append({"query": q, "calls": []})
            cats.append(cat)
    return records, cats


def build_manifest(
    built: dict[str, dict[str, Any]], unrelated_cats: list[str], *,
    sets: dict[str, dict[str, Any]] = SETS, generator: str = GENERATOR,
) -> dict[str, Any]:
    """The MANIFEST.json content: per set its tools, template ids and counts; unrelated counts."""
    sets_out: dict[str, Any] = {}
    for set_name, b in built.items():
        set_def = sets[set_name]
        tools_out = {}
        for tool, spec in zip(set_def["tools"], b["specs"]):
            name = tool["name"]
            n_held = sum(1 for t in b["heldout_templates"] if t.startswith(name + "."))
            tools_out[name] = {
                "train_templates": {f"{name}.{tid}": text for tid, text in tool["train"]},
                "heldout_templates": {
                    f"{name}.{tid}": {"style": style, "text": text} for tid, style, text in tool["heldout"]
                },
                "n_train_examples": len(spec["examples"]),
                "n_heldout_queries": n_held,
                "required": list(tool["required"]),
                "optional": [a for a in tool["args"] if a not in tool["required"]],
            }
        sets_out[set_name] = {
            "description": set_def["description"],
            "tools": [t["name"] for t in set_def["tools"]],
            "surface_pairs": [{"tools": [a, b], "shared": why} for a, b, why in set_def["surface_pairs"]],
            "per_tool": tools_out,
            "heldout_template_per_line": b["heldout_templates"],
            "counts": {
                "tools": len(b["specs"]),
                "train_examples": sum(len(s["examples"]) for s in b["specs"]),
                "heldout_queries": len(b["heldout"]),
            },
            "files": {"tools": f"sets/{set_name}/tools.json", "heldout": f"sets/{set_name}/heldout.jsonl"},
        }
    by_cat: dict[str, int] = {}
    for c in unrelated_cats:
        by_cat[c] = by_cat.get(c, 0) + 1
    return {
        "format": FORMAT_VERSION,
        "seed": SEED,
        "generator": generator,
        "ngram_check": NGRAM,
        "heldout_styles": list(HELDOUT_STYLES),
        "sets": sets_out,
        "unrelated": {
            "file": "unrelated.jsonl",
            "count": len(unrelated_cats),
            "by_category": by_cat,
            "category_per_line": unrelated_cats,
        },
        "totals": {
            "sets": len(sets_out),
            "tools": sum(s["counts"]["tools"] for s in sets_out.values()),
            "train_examples": sum(s["counts"]["train_examples"] for s in sets_out.values()),
            "heldout_queries": sum(s["counts"]["heldout_queries"] for s in sets_out.values()),
            "unrelated_queries": len(unrelated_cats),
        },
    }


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def words(text: str) -> list[list[str]]:
    """Two lowercase word splits: punctuation deleted ("don't" -> "dont") and punctuation as spaces."""
    low = text.lower()
    deleted = "".join(c for c in low if c.isalnum() or c.isspace()).split()
    spaced = "".join(c if c.isalnum() else " " for c in low).split()
    return [deleted, spaced]


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    """Every n-word run of a text under both word splits (tagged by split)."""
    out: set[tuple[str, ...]] = set()
    for k, ws in enumerate(words(text)):
        for i in range(len(ws) - n + 1):
            out.add((str(k),) + tuple(ws[i : i + n]))
    return out


def template_ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    """The n-word runs of a template, each ``{slot}`` counted as one word (catches value-free reuse)."""
    return ngrams(SLOT_RE.sub(lambda m: " slot" + m.group(1).replace("_", "") + " ", text), n)


def first_run(grams: set[tuple[str, ...]]) -> tuple[str, ...]:
    """The alphabetically first shared n-word run (without its split tag), or () when none."""
    return sorted(grams)[0][1:] if grams else ()


def read_jsonl_queries(path: Path) -> list[str]:
    """The ``query`` of every line of a JSONL file."""
    return [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def external_sources(root: Path) -> dict[str, Any]:
    """Queries and tool names of the catalog and the auxiliary corpus (fails if a file is missing)."""
    catalog_files = sorted((root / "tools").glob("*.json"))
    assert catalog_files, f"no catalog specs under {root / 'tools'}"
    catalog_queries: list[str] = []
    catalog_names: list[str] = []
    for f in catalog_files:
        spec = json.loads(f.read_text(encoding="utf-8"))
        catalog_names.append(spec["name"])
        catalog_queries += [ex["query"] for ex in spec.get("examples", [])]
    catalog_queries += read_jsonl_queries(root / "tools" / "compositional.jsonl")
    aux = root / "tokmem_agents" / "data" / "auxiliary"
    aux_specs = json.loads((aux / "tools.json").read_text(encoding="utf-8"))
    aux_queries = [ex["query"] for s in aux_specs for ex in s.get("examples", [])]
    aux_queries += read_jsonl_queries(aux / "compositional.jsonl")
    aux_queries += read_jsonl_queries(aux / "notool.jsonl")
    aux_queries += read_jsonl_queries(aux / "paraphrases.jsonl")
    return {
        "catalog_queries": catalog_queries,
        "catalog_names": catalog_names,
        "aux_queries": aux_queries,
        "aux_names": [s["name"] for s in aux_specs],
    }


def validate_arguments(schema: dict[str, Any], args: dict[str, Any], query: str, where: str) -> None:
    """Assert arguments fit the schema subset used here and every value is visible in the query."""
    props = schema["properties"]
    assert list(args) == [k for k in props if k in args], f"{where}: argument order {list(args)}"
    for r in schema["required"]:
        assert r in args, f"{where}: missing required {r!r}"
    for k, v in args.items():
        assert k in props, f"{where}: unknown argument {k!r}"
        p = props[k]
        t = p["type"]
        if t == "string":
            assert isinstance(v, str) and v, f"{where}: {k} not a non-empty string"
            assert v == v.strip() and v[-1] not in ".,;:!?", f"{where}: {k}={v!r} has stray spaces or punctuation"
        elif t == "integer":
            assert isinstance(v, int) and not isinstance(v, bool), f"{where}: {k} not an integer"
        elif t == "number":
            assert isinstance(v, (int, float)) and not isinstance(v, bool), f"{where}: {k} not a number"
        else:
            raise AssertionError(f"{where}: unexpected type {t}")
        if "enum" in p:
            assert v in p["enum"], f"{where}: {k}={v!r} not in enum"
        if "pattern" in p:
            assert re.search(p["pattern"], v), f"{where}: {k}={v!r} does not match {p['pattern']}"
        if "minimum" in p:
            assert v >= p["minimum"], f"{where}: {k} below minimum"
        if "maximum" in p:
            assert v <= p["maximum"], f"{where}: {k} above maximum"
        if "exclusiveMinimum" in p:
            assert v > p["exclusiveMinimum"], f"{where}: {k} not above exclusiveMinimum"
        # verbatim: strings copied exactly (enum choices case-insensitively), numbers as digits
        if isinstance(v, str):
            hay, needle = (query.lower(), v.lower()) if "enum" in p else (query, v)
            assert needle in hay, f"{where}: {k}={v!r} not written in the query"
        else:
            pat = r"(?<![0-9.])" + re.escape(fmt_value(v)) + r"(?![0-9]|\.[0-9])"
            assert re.search(pat, query), f"{where}: {k}={v!r} not written in the query"


class Problems:
    """Collects failed checks so one run reports all of them at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def expect(self, ok: Any, message: str) -> None:
        """Record ``message`` unless ``ok``."""
        if not ok:
            self.items.append(message)

    def valid(self, schema: dict[str, Any], args: dict[str, Any], query: str, where: str) -> None:
        """Record the first schema / verbatim problem of one call's arguments."""
        try:
            validate_arguments(schema, args, query, where)
        except AssertionError as e:
            self.items.append(str(e))

    def no_shared_run(self, query: str, grams: set[tuple[str, ...]], what: str, label: str) -> None:
        """Record when ``query`` shares an n-word run with ``grams`` (the n-grams of ``what``)."""
        shared = ngrams(query) & grams
        self.expect(not shared, f"{label} {query!r} shares a {NGRAM}-word run with {what}: {' '.join(first_run(shared))}")

    def raise_if_any(self) -> None:
        """Fail loudly with every recorded problem."""
        if self.items:
            raise AssertionError(f"{len(self.items)} check(s) failed:\n  " + "\n  ".join(self.items))


def check_names(p: Problems, ext: dict[str, Any], sets: dict[str, dict[str, Any]] = SETS) -> None:
    """New tool names are unique, not catalog / auxiliary / test names, and share no catalog-name word."""
    all_names = [t["name"] for s in sets.values() for t in s["tools"]]
    p.expect(len(all_names) == len(set(all_names)), "duplicate tool names across sets")
    clash = sorted(set(all_names) & (set(TEST_TOOLS) | set(ext["catalog_names"]) | set(ext["aux_names"])))
    p.expect(not clash, f"tool names clash with catalog/auxiliary/test tools: {clash}")
    banned_words = {w for n in list(TEST_TOOLS) + ext["catalog_names"] for w in n.split("_")}
    for n in all_names:
        bad = set(n.split("_")) & banned_words
        p.expect(not bad, f"tool name {n} contains a catalog/test tool-name word {sorted(bad)}")
    aux_domains = {n.split("_")[0] for n in ext["aux_names"]}
    p.expect(not (set(sets) & aux_domains), "a set is named after an auxiliary domain")


def check_set(
    p: Problems, set_name: str, b: dict[str, Any], train_grams_all: set[tuple[str, ...]],
    ext_grams: set[tuple[str, ...]], train_queries_all: set[str], ext_queries: set[str], heldout_all: set[str],
    sets: dict[str, dict[str, Any]] = SETS,
) -> None:
    """Templates, pools, training examples and held-out records of one set (of ``sets``)."""
    set_def = sets[set_name]
    tools = set_def["tools"]
    names_here = {t["name"] for t in tools}
    p.expect(TOOLS_PER_SET[0] <= len(b["specs"]) <= TOOLS_PER_SET[1], f"{set_name}: {len(b['specs'])} tools")
    p.expect(set_def["surface_pairs"], f"{set_name}: no surface-confusable pair declared")
    for ta, tb, _why in set_def["surface_pairs"]:
        p.expect(ta in names_here and tb in names_here and ta != tb, f"{set_name}: bad surface pair {ta}/{tb}")
    for kind, pool in set_def["pools"].items():
        overlap = {fmt_value(v) for v in pool["train"]} & {fmt_value(v) for v in pool["heldout"]}
        p.expect(not overlap, f"{set_name}: pool {kind} train/heldout overlap {sorted(overlap)}")

    # templates: at most 3 training, at least 4 held-out covering every style, no reuse (even value-free)
    train_templates = {text for t in tools for _i, text in t["train"]}
    held_templates = {text for t in tools for _i, _s, text in t["heldout"]}
    for t in tools:
        name = t["name"]
        p.expect(len(t["train"]) <= MAX_TRAIN_TEMPLATES, f"{name}: more than {MAX_TRAIN_TEMPLATES} training templates")
        p.expect(len(t["heldout"]) >= MIN_HELDOUT_TEMPLATES, f"{name}: fewer than {MIN_HELDOUT_TEMPLATES} held-out templates")
        ids = [x[0] for x in t["train"]] + [x[0] for x in t["heldout"]]
        p.expect(len(ids) == len(set(ids)), f"{name}: duplicate template ids")
        p.expect({s for _i, s, _t in t["heldout"]} == set(HELDOUT_STYLES), f"{name}: held-out styles are not {HELDOUT_STYLES}")
    same = train_templates & held_templates
    p.expect(not same, f"{set_name}: template used for training and held-out: {sorted(same)}")
    train_tgrams: set[tuple[str, ...]] = set()
    for text in train_templates:
        train_tgrams |= template_ngrams(text)
    for text in sorted(held_templates):
        shared = template_ngrams(text) & train_tgrams
        p.expect(not shared, f"{set_name}: held-out template {text!r} shares a {NGRAM}-word run with a training template: {' '.join(first_run(shared))}")

    # training examples
    set_train_grams: set[tuple[str, ...]] = set()
    train_values: dict[tuple[str, str], set[str]] = {}  # (tool, arg) -> values seen in training
    kind_values: dict[str, set[str]] = {}  # pool kind -> values seen in the set's training
    for t, spec in zip(tools, b["specs"]):
        name = t["name"]
        qs = [ex["query"] for ex in spec["examples"]]
        p.expect(len(qs) <= MAX_TRAIN_EXAMPLES, f"{name}: {len(qs)} training examples")
        p.expect(len(qs) == len(set(qs)), f"{name}: duplicate training queries")
        for ex in spec["examples"]:
            p.valid(spec["parameters"], ex["arguments"], ex["query"], f"{name} train {ex['query']!r}")
            set_train_grams |= ngrams(ex["query"])
            for k, v in ex["arguments"].items():
                if "pool" in t["args"][k]:  # free values (enum choices are necessarily shared)
                    train_values.setdefault((name, k), set()).add(fmt_value(v))
                    kind_values.setdefault(t["args"][k]["pool"], set()).add(fmt_value(v))

    # held-out records
    specs_by_name = {s["name"]: s for s in b["specs"]}
    tools_by_name = {t["name"]: t for t in tools}
    per_tool: dict[str, int] = {}
    for rec in b["heldout"]:
        q = rec["query"]
        p.expect(len(rec["calls"]) == 1, f"held-out {q!r}: not exactly one call")
        call = rec["calls"][0]
        name = call["name"]
        if name not in specs_by_name:
            p.expect(False, f"held-out {q!r}: unknown tool {name}")
            continue
        per_tool[name] = per_tool.get(name, 0) + 1
        p.expect(q not in heldout_all, f"duplicate held-out query {q!r}")
        heldout_all.add(q)
        p.expect(q not in train_queries_all, f"held-out query equals a training query: {q!r}")
        p.expect(q.strip().lower() not in ext_queries, f"held-out query equals a catalog/auxiliary query: {q!r}")
        p.no_shared_run(q, set_train_grams, f"a training query of {set_name}", "held-out")
        p.no_shared_run(q, train_grams_all, "a training query of another set", "held-out")
        p.no_shared_run(q, ext_grams, "the catalog/auxiliary corpus", "held-out")
        p.valid(specs_by_name[name]["parameters"], call["arguments"], q, f"{name} held-out {q!r}")
        for k, v in call["arguments"].items():
            arg = tools_by_name[name]["args"][k]
            if "pool" not in arg:
                continue  # a closed (enum) choice
            p.expect(fmt_value(v) not in train_values.get((name, k), set()), f"held-out {q!r}: {k}={v!r} seen in {name}'s training")
            p.expect(fmt_value(v) not in kind_values.get(arg["pool"], set()), f"held-out {q!r}: {k}={v!r} seen in {set_name} training")
    for name in specs_by_name:
        n = per_tool.get(name, 0)
        p.expect(HELDOUT_RANGE[0] <= n <= HELDOUT_RANGE[1], f"{name}: {n} held-out queries")


def check_unrelated(
    p: Problems, unrelated: list[dict[str, Any]], train_grams_all: set[tuple[str, ...]],
    ext_grams: set[tuple[str, ...]], set_queries: set[str], ext_queries: set[str],
    groups: dict[str, list[str]] = UNRELATED, min_count: int = MIN_UNRELATED,
) -> None:
    """Unrelated queries: enough of them, no calls, unique, and disjoint from every training source."""
    p.expect(len(unrelated) >= min_count, f"only {len(unrelated)} unrelated queries")
    p.expect(len(groups.get("near_miss", [])) >= 35, "fewer than 35 near-miss unrelated queries")
    seen: set[str] = set()
    for rec in unrelated:
        q = rec["query"]
        key = q.strip().lower()
        p.expect(rec["calls"] == [], f"unrelated {q!r} has calls")
        p.expect(key not in seen, f"duplicate unrelated query {q!r}")
        seen.add(key)
        p.expect(q not in set_queries, f"unrelated query is a set query: {q!r}")
        p.expect(key not in ext_queries, f"unrelated query equals a catalog/auxiliary query: {q!r}")
        p.no_shared_run(q, train_grams_all, "a training query", "unrelated")
        p.no_shared_run(q, ext_grams, "the catalog/auxiliary corpus", "unrelated")


def check_all(
    built: dict[str, dict[str, Any]], unrelated: list[dict[str, Any]], root: Path, *,
    sets: dict[str, dict[str, Any]] = SETS, groups: dict[str, list[str]] = UNRELATED, min_unrelated: int = MIN_UNRELATED,
) -> dict[str, int]:
    """Every structural and disjointness check; raises one AssertionError listing every failure."""
    p = Problems()
    ext = external_sources(root)
    check_names(p, ext, sets)
    train_queries_all = {ex["query"] for b in built.values() for s in b["specs"] for ex in s["examples"]}
    train_grams_all: set[tuple[str, ...]] = set()
    for q in train_queries_all:
        train_grams_all |= ngrams(q)
    ext_grams: set[tuple[str, ...]] = set()
    for q in ext["catalog_queries"] + ext["aux_queries"]:
        ext_grams |= ngrams(q)
    ext_queries = {q.strip().lower() for q in ext["catalog_queries"] + ext["aux_queries"]}
    heldout_all: set[str] = set()
    for set_name, b in built.items():
        check_set(p, set_name, b, train_grams_all, ext_grams, train_queries_all, ext_queries, heldout_all, sets)
    check_unrelated(
        p, unrelated, train_grams_all, ext_grams, train_queries_all | heldout_all, ext_queries, groups, min_unrelated
    )
    p.raise_if_any()
    return {
        "train": len(train_queries_all),
        "heldout": len(heldout_all),
        "unrelated": len(unrelated),
        "catalog_queries": len(ext["catalog_queries"]),
        "aux_queries": len(ext["aux_queries"]),
    }


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def dump_json(obj: Any, *, sort_keys: bool) -> str:
    """Stable JSON text with a trailing newline."""
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=sort_keys) + "\n"


def dump_jsonl(records: list[dict[str, Any]]) -> str:
    """One compact JSON object per line (key order as built), trailing newline."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with Unix newlines, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def generate(
    root: Path = ROOT, *, sets: dict[str, dict[str, Any]] = SETS, groups: dict[str, list[str]] = UNRELATED,
    min_unrelated: int = MIN_UNRELATED, generator: str = GENERATOR,
) -> dict[str, Any]:
    """Build every output in memory and run :func:`check_all`; returns the file contents by path.

    ``sets`` / ``groups`` (unrelated queries by category) default to this benchmark's; the tuning split
    (``generalisation_dev_data.py``) passes its own.
    """
    built: dict[str, dict[str, Any]] = {}
    for set_name, set_def in sets.items():
        specs = build_training(set_name, set_def)
        heldout, tids = build_heldout(set_name, set_def)
        built[set_name] = {"specs": specs, "heldout": heldout, "heldout_templates": tids}
    unrelated, cats = build_unrelated(groups)
    n_checked = check_all(built, unrelated, root, sets=sets, groups=groups, min_unrelated=min_unrelated)
    manifest = build_manifest(built, cats, sets=sets, generator=generator)
    files: dict[str, str] = {}
    for set_name, b in built.items():
        files[f"sets/{set_name}/tools.json"] = dump_json(b["specs"], sort_keys=False)
        files[f"sets/{set_name}/heldout.jsonl"] = dump_jsonl(b["heldout"])
    files["unrelated.jsonl"] = dump_jsonl(unrelated)
    files["MANIFEST.json"] = dump_json(manifest, sort_keys=True)
    return {"files": files, "manifest": manifest, "checked": n_checked}


def main(argv: list[str] | None = None) -> int:
    """Command line: generate, check and write the benchmark data."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--root", type=Path, default=ROOT, help="repository root with tools/ and tokmem_agents/")
    a = ap.parse_args(argv)
    result = generate(a.root)
    for rel, text in sorted(result["files"].items()):
        write_text(a.out / rel, text)
    m = result["manifest"]
    for set_name, s in m["sets"].items():
        print(f"{set_name}: {s['counts']['tools']} tools, {s['counts']['train_examples']} training examples, "
              f"{s['counts']['heldout_queries']} held-out queries")
    print(f"unrelated: {m['unrelated']['count']} queries")
    c = result["checked"]
    print(
        f"checks passed ({c['train']} training, {c['heldout']} held-out, {c['unrelated']} unrelated queries; "
        f"against {c['catalog_queries']} catalog and {c['aux_queries']} auxiliary queries); wrote {a.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
