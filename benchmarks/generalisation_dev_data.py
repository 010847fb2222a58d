"""Tuning (development) split of the generalisation benchmark: tool sets, held-out phrasings and unrelated queries.

This is the split to tune on. Hyper-parameters (learning rate, epochs, steps, decoding thresholds,
copy bias, ...) are chosen on THIS data only; the real benchmark (``benchmarks/generalisation_data.py``,
``benchmarks/data/generalisation/``) must never be used for tuning, for picking a checkpoint or for
deciding between variants -- it is run once, on the settings chosen here, to report the result.

Writes, under ``benchmarks/data/generalisation_dev/`` (or ``--out DIR``), exactly the format of the
real benchmark::

    sets/<set>/tools.json       tool specs (OpenAI function format + "examples"), training data
    sets/<set>/heldout.jsonl    {"query", "calls": [one call]} per line, from OTHER templates
    unrelated.jsonl             {"query", "calls": []} per line, queries that need no tool
    MANIFEST.json               per set: tools, template ids (training / held-out), counts

so ``python benchmarks/generalisation.py --data benchmarks/data/generalisation_dev`` runs on it.

Only the data is new here (three sets of five tools in domains neither the real benchmark, the
catalog nor the auxiliary corpus covers: smart-home controls, eating out, parcel deliveries; and
hand-written unrelated queries). Rendering, the manifest and every check of the real generator are
reused by import (:func:`generalisation_data.generate` with this module's sets). On top of those
checks (held-out / unrelated queries share no 5-word run with a training query, the catalog or the
auxiliary corpus; templates and value pools split train / held-out), :func:`check_apart` keeps this
split apart from the real benchmark -- no shared tool or set name, no equal query and no shared
5-word run between any of its queries (training, held-out, unrelated) and any of the benchmark's --
and from the shipped no-tool corpus ``tokmem_agents/data/negatives/`` when that folder exists.
Deterministic: the same code writes byte-identical files. Standard library only.

    python benchmarks/generalisation_dev_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generalisation_data as G

ROOT = G.ROOT
DEFAULT_OUT = ROOT / "benchmarks" / "data" / "generalisation_dev"
BENCHMARK_DATA = Path("benchmarks") / "data" / "generalisation"  # relative to the repository root
NEGATIVES = Path("tokmem_agents") / "data" / "negatives"  # shipped no-tool corpus (optional)
GENERATOR = "benchmarks/generalisation_dev_data.py"
MIN_UNRELATED = 150

# ---------------------------------------------------------------------------------------------
# Tool sets, in the real generator's structure (see generalisation_data.SETS): per set its value
# pools (kind -> train / heldout values, disjoint) and per tool its schema, 3 training templates and
# 5 held-out templates, one per style in generalisation_data.HELDOUT_STYLES.
# ---------------------------------------------------------------------------------------------

DOORS = ["front", "back", "side", "garage", "patio"]
VACUUM_MODES = ["quiet", "normal", "turbo"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
RETURN_REASONS = ["too small", "too big", "damaged", "faulty", "not as described"]

SETS: dict[str, dict[str, Any]] = {
    "home": {
        "description": "Smart-home assistant: lights, heating, door locks, robot vacuum and blinds.",
        "surface_pairs": [
            ["dim_lights", "open_blinds", "a room and a percentage"],
            ["adjust_thermostat", "dim_lights", "a bare number with a room"],
            ["start_vacuum", "dim_lights", "both name a room"],
        ],
        "pools": {
            "room": {
                "train": ["living room", "kitchen", "hallway", "bedroom", "study"],
                "heldout": ["nursery", "guest room", "basement", "attic", "loft", "conservatory"],
            },
            "percent": {"train": [20, 30, 40, 50, 70, 75, 80], "heldout": [10, 15, 25, 35, 45, 60, 65, 90]},
            "degrees": {"train": [18.5, 19, 20, 21, 22], "heldout": [16.5, 17, 20.5, 21.5, 23, 24]},
        },
        "tools": [
            {
                "name": "dim_lights",
                "description": "Change the brightness of the lights in a room, as a percentage.",
                "args": {
                    "room": {"type": "string", "description": "Room whose lights change.", "pool": "room"},
                    "brightness": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Brightness in percent.", "pool": "percent"},
                },
                "required": ["room", "brightness"],
                "train": [
                    ("t1", "Dim the {room} lights to {brightness} percent"),
                    ("t2", "Set the {room} lights to {brightness}%"),
                    ("t3", "Turn the lights in the {room} down to {brightness} percent"),
                ],
                "heldout": [
                    ("h1", "question", "Could you bring the {room} lamps to {brightness}% brightness?"),
                    ("h2", "terse", "{room} lights {brightness}%"),
                    ("h3", "polite", "Hey, movie night is about to start - would you mind lowering the {room} lighting to {brightness} percent? Thanks a ton!"),
                    ("h4", "reordered", "{brightness} percent is plenty for the {room} lights, go ahead"),
                    ("h5", "synonym", "Soften the {room} illumination to {brightness}%"),
                ],
            },
            {
                "name": "adjust_thermostat",
                "description": "Change the heating's target temperature in degrees, optionally for one room.",
                "args": {
                    "degrees": {"type": "number", "minimum": 5, "maximum": 30, "description": "Target temperature in degrees Celsius.", "pool": "degrees"},
                    "room": {"type": "string", "description": "Room to heat.", "pool": "room"},
                },
                "required": ["degrees"],
                "train": [
                    ("t1", "Set the thermostat to {degrees} degrees"),
                    ("t2", "Adjust the thermostat in the {room} to {degrees} degrees"),
                    ("t3", "Make the heating {degrees} degrees"),
                ],
                "heldout": [
                    ("h1", "question", "Could you get the {room} to {degrees}°C?"),
                    ("h2", "terse", "thermostat {degrees}"),
                    ("h3", "polite", "Brr, it's freezing in here! When you get a sec, please nudge the heat in the {room} up to {degrees} degrees. Cheers."),
                    ("h4", "reordered", "{degrees} degrees in the {room}, that's the warmth I want"),
                    ("h5", "synonym", "Program the climate control for {degrees}°C"),
                ],
            },
            {
                "name": "lock_door",
                "description": "Lock one of the home's doors.",
                "args": {
                    "door": {"type": "string", "enum": DOORS, "description": "Which door."},
                },
                "required": ["door"],
                "train": [
                    ("t1", "Lock the {door} door"),
                    ("t2", "Lock my {door} door now"),
                    ("t3", "Make sure the {door} door is locked"),
                ],
                "heldout": [
                    ("h1", "question", "Can you secure the {door} entrance for me?"),
                    ("h2", "terse", "{door} door: lock"),
                    ("h3", "polite", "Oh, I'm already halfway to the office and can't remember if I bolted the {door} door - would you sort it out from here? Thank you!"),
                    ("h4", "reordered", "{door} entrance - bolt it, please"),
                    ("h5", "synonym", "Deadbolt the {door} entry"),
                ],
            },
            {
                "name": "start_vacuum",
                "description": "Send the robot vacuum to clean a room, optionally in a suction mode.",
                "args": {
                    "room": {"type": "string", "description": "Room to clean.", "pool": "room"},
                    "mode": {"type": "string", "enum": VACUUM_MODES, "description": "Suction mode."},
                },
                "required": ["room"],
                "train": [
                    ("t1", "Start the vacuum in the {room}"),
                    ("t2", "Vacuum the {room} on {mode} mode"),
                    ("t3", "Run the robot vacuum in the {room}"),
                ],
                "heldout": [
                    ("h1", "question", "Could the robot hoover give the {room} a once-over?"),
                    ("h2", "terse", "vacuum {room}, {mode}"),
                    ("h3", "polite", "Hi! Guests are coming over in an hour and the {room} floor is a mess; could you send the cleaning robot in there on {mode}? Much obliged."),
                    ("h4", "reordered", "{room} floor is dusty - get the robot cleaner going"),
                    ("h5", "synonym", "Dispatch the Roomba to sweep the {room} in {mode} setting"),
                ],
            },
            {
                "name": "open_blinds",
                "description": "Open the blinds in a room to a percentage (100 is fully open).",
                "args": {
                    "room": {"type": "string", "description": "Room whose blinds move.", "pool": "room"},
                    "percent": {"type": "integer", "minimum": 0, "maximum": 100, "description": "How far open, in percent.", "pool": "percent"},
                },
                "required": ["room", "percent"],
                "train": [
                    ("t1", "Open the {room} blinds to {percent} percent"),
                    ("t2", "Raise the blinds in the {room} to {percent}%"),
                    ("t3", "Put the {room} blinds at {percent}%"),
                ],
                "heldout": [
                    ("h1", "question", "Can you let some daylight in by lifting the {room} shades to {percent}%?"),
                    ("h2", "terse", "blinds {room} {percent}%"),
                    ("h3", "polite", "Good morning! It's gorgeous outside, so please roll the {room} blinds up to about {percent} percent. Thanks so much!"),
                    ("h4", "reordered", "{percent}% open for the {room} shades, please"),
                    ("h5", "synonym", "Draw back the {room} curtains to {percent} percent"),
                ],
            },
        ],
    },
    "dining": {
        "description": "Eating-out assistant: table bookings, waitlists, takeout orders, reviews and cancellations.",
        "surface_pairs": [
            ["book_table", "join_waitlist", "a restaurant and a party size"],
            ["review_restaurant", "book_table", "a restaurant and a small number (stars vs guests)"],
            ["cancel_reservation", "book_table", "both name a restaurant (and a booking)"],
            ["order_takeout", "join_waitlist", "a bare number (portions vs people) and a restaurant"],
        ],
        "pools": {
            "restaurant": {
                "train": ["Luigi's Trattoria", "The Copper Pot", "Sakura House", "Blue Fig Bistro", "El Jardin", "Nonna Rosa"],
                "heldout": ["The Salted Anchor", "Golden Lotus", "Casa Verde", "Maple & Rye", "Little Saigon Kitchen", "The Olive Tree"],
            },
            "party_size": {"train": [2, 4, 5, 6, 8], "heldout": [3, 7, 9, 10, 12]},
            "time": {
                "train": ["7 pm", "8:30 pm", "19:00", "6:45 pm", "noon"],
                "heldout": ["7:15 pm", "9 pm", "20:30", "1 pm", "6 pm"],
            },
            "dish": {
                "train": ["margherita pizza", "pad thai", "chicken tikka masala", "veggie burger", "miso ramen"],
                "heldout": ["beef pho", "falafel wrap", "mushroom risotto", "fish tacos", "lamb biryani", "caesar salad"],
            },
            "quantity": {"train": [2, 3, 4, 6], "heldout": [5, 7, 8, 10]},
            "stars": {"train": [2, 4, 5], "heldout": [1, 3]},
        },
        "tools": [
            {
                "name": "book_table",
                "description": "Reserve a restaurant table for a number of people, optionally at a time.",
                "args": {
                    "restaurant": {"type": "string", "description": "Restaurant name.", "pool": "restaurant"},
                    "party_size": {"type": "integer", "minimum": 1, "description": "Number of guests.", "pool": "party_size"},
                    "time": {"type": "string", "description": "Time of the booking.", "pool": "time"},
                },
                "required": ["restaurant", "party_size"],
                "train": [
                    ("t1", "Book a table for {party_size} at {restaurant}"),
                    ("t2", "Reserve a table at {restaurant} for {party_size} people at {time}"),
                    ("t3", "Book {restaurant} for {party_size} at {time}"),
                ],
                "heldout": [
                    ("h1", "question", "Could you get us a spot at {restaurant} for {party_size} around {time}?"),
                    ("h2", "terse", "{restaurant}, {party_size} people, {time}"),
                    ("h3", "polite", "Hello! It's our anniversary this weekend, so would you kindly grab us seats for {party_size} people at {restaurant}, ideally {time}? Thanks so much."),
                    ("h4", "reordered", "{time} today, {party_size} of us, {restaurant} - make the booking"),
                    ("h5", "synonym", "Secure a dinner reservation for a group of {party_size} at {restaurant}"),
                ],
            },
            {
                "name": "join_waitlist",
                "description": "Put the user's party on a restaurant's waitlist for the next free table.",
                "args": {
                    "restaurant": {"type": "string", "description": "Restaurant name.", "pool": "restaurant"},
                    "party_size": {"type": "integer", "minimum": 1, "description": "Number of guests.", "pool": "party_size"},
                },
                "required": ["restaurant", "party_size"],
                "train": [
                    ("t1", "Join the waitlist at {restaurant} for {party_size}"),
                    ("t2", "Add me to {restaurant}'s waitlist, party of {party_size}"),
                    ("t3", "Put us on the waitlist at {restaurant} for {party_size} people"),
                ],
                "heldout": [
                    ("h1", "question", "Can you queue {party_size} of us for the next free table at {restaurant}?"),
                    ("h2", "terse", "waitlist {restaurant} x{party_size}"),
                    ("h3", "polite", "Hi there, {restaurant} is packed right now, so could you please get our group of {party_size} in line for whenever something opens up? Ta!"),
                    ("h4", "reordered", "{party_size} people hoping to eat at {restaurant} - sign us up for the queue"),
                    ("h5", "synonym", "Pop our party of {party_size} onto the standby list at {restaurant}"),
                ],
            },
            {
                "name": "order_takeout",
                "description": "Order a dish for takeout, with how many portions and optionally from which restaurant.",
                "args": {
                    "dish": {"type": "string", "description": "Dish to order.", "pool": "dish"},
                    "quantity": {"type": "integer", "minimum": 1, "description": "Number of portions.", "pool": "quantity"},
                    "restaurant": {"type": "string", "description": "Restaurant name.", "pool": "restaurant"},
                },
                "required": ["dish", "quantity"],
                "train": [
                    ("t1", "Order {quantity} portions of {dish} for takeout"),
                    ("t2", "Order {quantity} servings of {dish} from {restaurant}"),
                    ("t3", "Place a takeout order from {restaurant}: {dish}, quantity {quantity}"),
                ],
                "heldout": [
                    ("h1", "question", "Could I get {quantity} {dish} to go from {restaurant}?"),
                    ("h2", "terse", "takeaway: {quantity}x {dish}"),
                    ("h3", "polite", "Evening! Too tired to cook tonight - would you be a star and fetch {quantity} helpings of {dish} from {restaurant} for pickup? Thank you!"),
                    ("h4", "reordered", "{dish}, {quantity} of them, from {restaurant} - to take home"),
                    ("h5", "synonym", "Grab me {quantity} plates of {dish} as a carry-out"),
                ],
            },
            {
                "name": "review_restaurant",
                "description": "Post a star rating from 1 to 5 for a restaurant.",
                "args": {
                    "restaurant": {"type": "string", "description": "Restaurant name.", "pool": "restaurant"},
                    "stars": {"type": "integer", "minimum": 1, "maximum": 5, "description": "Stars out of 5.", "pool": "stars"},
                },
                "required": ["restaurant", "stars"],
                "train": [
                    ("t1", "Rate {restaurant} {stars} stars"),
                    ("t2", "Give {restaurant} a {stars}-star review"),
                    ("t3", "Leave a {stars} star review for {restaurant}"),
                ],
                "heldout": [
                    ("h1", "question", "Can you post a {stars}/5 for {restaurant} on my food profile?"),
                    ("h2", "terse", "{restaurant} {stars}/5"),
                    ("h3", "polite", "Hiya, we ate at {restaurant} last night and honestly I'd say it earns {stars} out of 5; please put that score up for me. Thanks!"),
                    ("h4", "reordered", "{stars}/5 is what {restaurant} gets from me, publish it"),
                    ("h5", "synonym", "Post feedback for {restaurant}: {stars} out of 5"),
                ],
            },
            {
                "name": "cancel_reservation",
                "description": "Cancel the user's table reservation at a restaurant.",
                "args": {
                    "restaurant": {"type": "string", "description": "Restaurant name.", "pool": "restaurant"},
                },
                "required": ["restaurant"],
                "train": [
                    ("t1", "Cancel my reservation at {restaurant}"),
                    ("t2", "Cancel the booking at {restaurant}"),
                    ("t3", "Cancel our table at {restaurant}"),
                ],
                "heldout": [
                    ("h1", "question", "Could you call off tonight's dinner at {restaurant}?"),
                    ("h2", "terse", "{restaurant} booking - scrap it"),
                    ("h3", "polite", "Hi, something came up at work and we can't make it to {restaurant} after all; would you drop our reservation, please? Sorry and thanks."),
                    ("h4", "reordered", "{restaurant} - we won't be coming, release the table"),
                    ("h5", "synonym", "Withdraw the reservation I made with {restaurant}"),
                ],
            },
        ],
    },
    "parcels": {
        "description": "Parcel assistant: tracking, delivery days, pickup points, returns and courier collections.",
        "surface_pairs": [
            ["track_parcel", "reschedule_delivery", "both take a tracking code"],
            ["redirect_parcel", "reschedule_delivery", "a tracking code and where / when it should arrive"],
            ["return_purchase", "arrange_courier", "a bare number (an order number vs a parcel count)"],
        ],
        "pools": {
            "tracking": {
                "train": ["PX482019375", "LK907341268", "QR553810247", "TB120985463", "MZ764203918"],
                "heldout": ["HC389120475", "WN605718234", "DF247093581", "YG918364027", "SA730452869"],
            },
            "pickup_point": {
                "train": ["Elmwood Post Office", "Parcel Locker 14", "Greenfield Newsagent", "Canal Street Depot", "Hillside Pharmacy"],
                "heldout": ["Station Road Locker", "Brookside Corner Shop", "Market Hall Depot", "Oakley Post Office", "Riverbend Kiosk"],
            },
            "order_number": {
                "train": [4471203, 5820917, 3319846, 7002458, 6185530],
                "heldout": [2948371, 8810264, 5093127, 3675902, 9126448],
            },
            "packages": {"train": [2, 3, 4, 6], "heldout": [5, 7, 8, 9]},
            "address": {
                "train": ["12 Rowan Close", "48 Quarry Lane", "7 Beacon Street", "230 Fulton Avenue", "5 Orchard Mews"],
                "heldout": ["19 Willow Crescent", "64 Granary Road", "3 Harbour View", "101 Linden Place", "27 Ash Grove"],
            },
        },
        "tools": [
            {
                "name": "track_parcel",
                "description": "Show where a parcel is, by its tracking code.",
                "args": {
                    "tracking": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{9}$", "description": "Tracking code.", "pool": "tracking"},
                },
                "required": ["tracking"],
                "train": [
                    ("t1", "Track parcel {tracking}"),
                    ("t2", "Track my package {tracking}"),
                    ("t3", "Show the status of parcel {tracking}"),
                ],
                "heldout": [
                    ("h1", "question", "Has {tracking} been delivered yet?"),
                    ("h2", "terse", "status {tracking}?"),
                    ("h3", "polite", "Hello, I've been waiting all week for an order - could you look up where shipment {tracking} currently is? Thanks a lot!"),
                    ("h4", "reordered", "{tracking}: where's it at right now?"),
                    ("h5", "synonym", "Follow the whereabouts of consignment {tracking}"),
                ],
            },
            {
                "name": "reschedule_delivery",
                "description": "Move a parcel's delivery to another weekday.",
                "args": {
                    "tracking": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{9}$", "description": "Tracking code.", "pool": "tracking"},
                    "weekday": {"type": "string", "enum": WEEKDAYS, "description": "New delivery day."},
                },
                "required": ["tracking", "weekday"],
                "train": [
                    ("t1", "Reschedule delivery of {tracking} to {weekday}"),
                    ("t2", "Move the delivery of parcel {tracking} to {weekday}"),
                    ("t3", "Deliver {tracking} on {weekday} instead"),
                ],
                "heldout": [
                    ("h1", "question", "Can {tracking} come on {weekday} rather than today?"),
                    ("h2", "terse", "{tracking} -> {weekday}"),
                    ("h3", "polite", "Hi! I won't be home when the courier comes, so would you push the drop-off for {tracking} back to {weekday}? Many thanks."),
                    ("h4", "reordered", "{weekday} suits me better for {tracking}, shift the drop-off"),
                    ("h5", "synonym", "Postpone the arrival of shipment {tracking} until {weekday}"),
                ],
            },
            {
                "name": "redirect_parcel",
                "description": "Have a parcel delivered to a pickup point instead of the user's address.",
                "args": {
                    "tracking": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{9}$", "description": "Tracking code.", "pool": "tracking"},
                    "pickup_point": {"type": "string", "description": "Pickup point to deliver to.", "pool": "pickup_point"},
                },
                "required": ["tracking", "pickup_point"],
                "train": [
                    ("t1", "Redirect parcel {tracking} to {pickup_point}"),
                    ("t2", "Send {tracking} to {pickup_point} instead"),
                    ("t3", "Redirect my package {tracking} to the pickup point {pickup_point}"),
                ],
                "heldout": [
                    ("h1", "question", "Could {tracking} be dropped at {pickup_point} instead of my door?"),
                    ("h2", "terse", "{tracking} to {pickup_point} pls"),
                    ("h3", "polite", "Hey, I'm away until next week - would you have {tracking} left at {pickup_point} so I can collect it later? Thank you!"),
                    ("h4", "reordered", "{pickup_point} is where {tracking} should go now"),
                    ("h5", "synonym", "Divert consignment {tracking} to {pickup_point}"),
                ],
            },
            {
                "name": "return_purchase",
                "description": "Start a return for an online order by its order number, optionally giving the reason.",
                "args": {
                    "order_number": {"type": "integer", "minimum": 1, "description": "Order number.", "pool": "order_number"},
                    "reason": {"type": "string", "enum": RETURN_REASONS, "description": "Why it goes back."},
                },
                "required": ["order_number"],
                "train": [
                    ("t1", "Return order {order_number}"),
                    ("t2", "Start a return for order {order_number}, reason: {reason}"),
                    ("t3", "I want to return order {order_number}, it is {reason}"),
                ],
                "heldout": [
                    ("h1", "question", "Can I send order {order_number} back? It's {reason}"),
                    ("h2", "terse", "return #{order_number}, {reason}"),
                    ("h3", "polite", "Hi, unfortunately the jacket from order {order_number} turned out {reason}, so could you please set up a return for me? Thanks for your help."),
                    ("h4", "reordered", "{order_number} - that order is going back, {reason}"),
                    ("h5", "synonym", "Request a refund and pickup for purchase {order_number}, item {reason}"),
                ],
            },
            {
                "name": "arrange_courier",
                "description": "Book a courier to collect a number of parcels from an address.",
                "args": {
                    "packages": {"type": "integer", "minimum": 1, "description": "Number of parcels.", "pool": "packages"},
                    "address": {"type": "string", "description": "Collection address.", "pool": "address"},
                },
                "required": ["packages", "address"],
                "train": [
                    ("t1", "Arrange a courier pickup of {packages} parcels from {address}"),
                    ("t2", "Book a courier to collect {packages} packages at {address}"),
                    ("t3", "Schedule a pickup for {packages} boxes at {address}"),
                ],
                "heldout": [
                    ("h1", "question", "Could a driver swing by {address} for my {packages} parcels?"),
                    ("h2", "terse", "courier: {packages} boxes, {address}"),
                    ("h3", "polite", "Good afternoon! I've got {packages} packages to ship to customers - would you have someone come round to {address} to fetch them? Cheers."),
                    ("h4", "reordered", "{address}, {packages} boxes waiting - have them picked up"),
                    ("h5", "synonym", "Summon a delivery van to {address} to haul away {packages} cartons"),
                ],
            },
        ],
    },
}

# ---------------------------------------------------------------------------------------------
# Unrelated queries (no tool of any set, catalog or test tool), written for this split; category ->
# queries. "near_miss" ones are about the dev sets' domains but ask for information, not an action.
# ---------------------------------------------------------------------------------------------

UNRELATED: dict[str, list[str]] = {
    "general_knowledge": [
        "What is the capital city of New Zealand?",
        "Does Saturn or Jupiter have more known moons?",
        "How many bones are in an adult human body?",
        "Who wrote the novel Frankenstein?",
        "Which country has the longest coastline?",
        "What language is spoken in Iceland?",
        "Where does the Danube river begin?",
        "Who composed the Moonlight Sonata?",
        "What currency did Italy use before the euro?",
        "Which desert is the largest hot desert on Earth?",
        "How tall is Mount Kilimanjaro?",
        "Which Apollo mission carried the first crew to land on the lunar surface?",
        "Which animal is the fastest on land?",
        "How small is Vatican City compared with Monaco?",
        "How many players are on a rugby union team?",
        "In which city is the Alhambra palace?",
        "Who invented the light bulb, really?",
        "Which sea separates Europe from Africa?",
        "What are the colours on the flag of Kenya?",
        "How many time zones does Russia span?",
    ],
    "science": [
        "Why do sunsets look redder after a volcanic eruption?",
        "How do vaccines train the immune system?",
        "What makes a diamond so hard?",
        "Why is frozen water less dense than liquid water?",
        "How do bats find insects in the dark?",
        "What is a black hole made of?",
        "Why do leaves change colour in autumn?",
        "How does a refrigerator keep things cold?",
        "What causes earthquakes?",
        "Do big cats like lions purr as well?",
        "How do bees make honey?",
        "Why don't antibiotics work against viruses?",
        "How fast does light travel?",
        "Why does the Moon have phases?",
        "How do airplanes stay in the air?",
        "What happens to our bodies when we sleep?",
        "Why do some people sneeze when they look at the sun?",
        "How do chameleons change colour?",
    ],
    "history": [
        "Why did the Roman Empire split in two?",
        "Who built Machu Picchu and why?",
        "What caused the French Revolution?",
        "How were the pyramids of Giza built?",
        "Who was Joan of Arc?",
        "What was the Ottoman Empire?",
        "Why did the Spanish Armada fail?",
        "What was the significance of the Battle of Hastings?",
        "Why is Ada Lovelace called the first programmer?",
        "How did the American Civil War end?",
        "What was apartheid in South Africa?",
        "Who were the Mongols' main rivals?",
        "When did women first get the vote in Britain?",
        "What did the Hanseatic League trade?",
    ],
    "advice": [
        "What makes a cover letter stand out to recruiters?",
        "Can adults pick up a second language as easily as children?",
        "How can I get better at public speaking?",
        "My coworker keeps taking credit for my ideas; how should I handle it?",
        "What should I bring to a dinner party as a guest?",
        "How can I sleep better on long flights?",
        "How do I prepare for a job interview at a startup?",
        "What are some ways to make friends in a new city?",
        "How do I teach my kid to ride a bike?",
        "How can I keep my phone battery healthy?",
        "What's a good routine for stretching after a run?",
        "What's a kind way to say I can't attend a friend's wedding abroad?",
        "How do I stay motivated when working from home?",
        "What should I look for when buying a used car?",
        "How can I stop biting my nails?",
        "How do I get rid of fruit flies in the kitchen?",
        "How often should I replace my running shoes?",
        "Should a splinter be pulled out with tweezers or left alone?",
    ],
    "chit_chat": [
        "Hey, how's it going?",
        "I finally finished my thesis!",
        "Are you a morning person?",
        "What's your favourite animal?",
        "I just burned my toast again.",
        "You made my day, thanks.",
        "Haha, that's hilarious.",
        "I'm so tired today.",
        "Do you have a name?",
        "Rainy Sunday here, feeling lazy.",
        "My team won the match last night!",
        "Do you dream?",
        "Ugh, Mondays.",
        "I adopted a kitten yesterday.",
        "Can we just chat for a bit?",
        "See you later, alligator.",
    ],
    "opinion": [
        "Does owning a house really beat renting in the long run?",
        "Which is the best Beatles album?",
        "Should homework be banned in primary school?",
        "Are e-books better than paper books?",
        "Is pineapple on pizza acceptable?",
        "Which is more useful to learn, Spanish or Mandarin?",
        "Are video games a form of art?",
        "Is it worth going to university these days?",
        "Should everyone learn to code?",
        "Which is better for a holiday, mountains or beach?",
        "Do you think social media does more harm than good?",
        "Is it rude to text during a meal?",
    ],
    "creative_writing": [
        "Write a haiku about the first snow of winter.",
        "Tell me a sleepy tale featuring a shy dragon.",
        "Write a funny poem about a sock that lost its pair.",
        "Give me three titles for a sci-fi short story.",
        "Write a wedding toast for my best friend and her husband.",
        "Describe an abandoned amusement park at dawn.",
        "Write a short dialogue between a robot and a gardener.",
        "Make up a tongue twister about penguins.",
        "Write a motivational quote for a Monday morning.",
        "Compose a short song about a road trip with friends.",
        "Write a thank-you note to a nurse who helped my mum.",
        "Invent a new holiday and describe how people celebrate it.",
        "Write a one-paragraph villain monologue.",
        "Give me a story prompt involving a lost map.",
        "Compose a limerick starring a jazz-loving cat.",
        "Describe the smell of a bakery early in the morning.",
    ],
    "coding": [
        "How do I reverse a linked list in C?",
        "What is the difference between a list and a tuple in Python?",
        "How do I read a CSV file with pandas?",
        "What does the static keyword mean in Java?",
        "How can I make an HTTP request in JavaScript?",
        "What is a memory leak?",
        "How do I resolve a merge conflict in git?",
        "Explain what a hash map is.",
        "What is the difference between TCP and UDP?",
        "Is there a sensible regular expression for validating email addresses?",
        "Why does my React component render twice?",
        "When would I pick an abstract class over an interface in Java?",
        "How do I profile a slow Python script?",
        "What is tail recursion?",
        "How do I create a branch in git and switch to it?",
        "What is the purpose of a primary key in SQL?",
        "How does garbage collection work in Go?",
        "What is a lambda function in Python?",
    ],
    "definition": [
        "What does melancholy mean?",
        "Define the word pragmatic.",
        "What is inflation in economics?",
        "What is a haiku?",
        "What does the acronym NASA stand for?",
        "What is irony?",
        "What is a peninsula?",
        "What does empathy mean?",
        "What is compound interest?",
        "What does the phrase bite the bullet mean?",
        "What is a symbiotic relationship?",
        "What is an alliteration?",
    ],
    "math_reasoning": [
        "What is the sum of the angles in a hexagon?",
        "Is 91 a prime number?",
        "Why is any number to the power of zero equal to one?",
        "How many diagonals does a pentagon have?",
        "If I fold a piece of paper in half three times, how many layers are there?",
        "What's the probability of rolling two sixes with two dice?",
        "Why does 0.999 repeating equal 1?",
        "How many ways can five people stand in a line?",
        "Is the square root of 2 rational?",
        "What comes next after 2, 6, 12, 20, 30?",
        "A train leaves at noon going 60 mph; how far has it gone by 2:30?",
        "What is a logarithm, intuitively?",
        "How many squares are there on a chessboard in total?",
        "Why do we use base ten for counting?",
    ],
    "near_miss": [
        "Are smart bulbs worth the money?",
        "Why do some LED lights flicker when dimmed?",
        "What is a comfortable room temperature for sleeping?",
        "Is it cheaper to leave the heating on low all day?",
        "How do smart thermostats learn a routine?",
        "Can smart locks be hacked?",
        "How often should a robot vacuum's brushes be cleaned?",
        "Do robot vacuums work on thick carpet?",
        "Do blackout blinds help babies sleep longer?",
        "Which way should blinds be tilted to keep a room cool?",
        "Smart plug or smart switch: which suits a floor lamp better?",
        "How much electricity does a robot vacuum use?",
        "Why do people leave a light on when they go on holiday?",
        "How much should I tip at a restaurant in the US?",
        "Why do some restaurants not take reservations?",
        "How is a brasserie different from a bistro?",
        "Is it rude to leave a restaurant without ordering dessert?",
        "How do restaurants decide who gets a table from the waitlist?",
        "Why is takeout often more expensive than cooking at home?",
        "How reliable are online restaurant reviews?",
        "What does a Michelin star actually mean?",
        "Is pho usually eaten for breakfast in Vietnam?",
        "How far ahead should I book a restaurant for a big birthday?",
        "Why do some restaurants charge a fee for cancelled bookings?",
        "What is the etiquette for splitting a bill with friends?",
        "How spicy is a typical vindaloo?",
        "Why are restaurant portions so big in America?",
        "What do the letters in a parcel tracking code mean?",
        "Why does tracking sometimes say delivered when nothing arrived?",
        "How do couriers plan their delivery routes?",
        "Is it safe to have parcels left with a neighbour?",
        "How long do online shops usually allow for returns?",
        "Why do parcel lockers have size limits?",
        "What happens to a package that can't be delivered?",
        "Why do deliveries take longer around the holidays?",
        "Who pays the postage when you return something you bought online?",
        "How do customs fees work for parcels from abroad?",
        "Why do some couriers only leave a card instead of the parcel?",
        "What's the cheapest way to post a heavy box overseas?",
        "How did mail get delivered before there were postcodes?",
        "Any idea why my neighbour's parcels always arrive before mine?",
    ],
}

# ---------------------------------------------------------------------------------------------
# Glue: generation through the real generator, and the split-apart checks
# ---------------------------------------------------------------------------------------------


def read_folder(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as relative path -> text (the shape ``generate`` returns)."""
    assert (folder / "MANIFEST.json").is_file(), f"no generated data under {folder}"
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()}


def split_contents(files: dict[str, str]) -> dict[str, list[str]]:
    """Queries (training, held-out, unrelated), tool names and set names of one split's files."""
    queries: list[str] = []
    tools: list[str] = []
    sets: list[str] = []
    for rel, text in sorted(files.items()):
        if rel.startswith("sets/") and rel.endswith("/tools.json"):
            sets.append(rel.split("/")[1])
            for spec in json.loads(text):
                tools.append(spec["name"])
                queries += [ex["query"] for ex in spec["examples"]]
        elif rel.endswith(".jsonl"):
            queries += [json.loads(line)["query"] for line in text.splitlines() if line.strip()]
    return {"queries": queries, "tools": tools, "sets": sets}


def _queries_in(obj: Any) -> list[str]:
    """Every string stored under a ``query`` key anywhere in a JSON value."""
    if isinstance(obj, dict):
        found = [obj["query"]] if isinstance(obj.get("query"), str) else []
        return found + [q for v in obj.values() for q in _queries_in(v)]
    if isinstance(obj, list):
        return [q for v in obj for q in _queries_in(v)]
    return []


def negative_queries(folder: Path) -> list[str]:
    """The queries of the shipped no-tool corpus (``*.json`` / ``*.jsonl`` / ``*.txt``); none if absent."""
    out: list[str] = []
    if not folder.is_dir():
        return out
    for f in sorted(folder.rglob("*")):
        if f.suffix == ".jsonl":
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    out += _queries_in(json.loads(line))
        elif f.suffix == ".json":
            out += _queries_in(json.loads(f.read_text(encoding="utf-8")))
        elif f.suffix == ".txt":
            out += [line.strip() for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def check_apart(files: dict[str, str], root: Path = ROOT) -> dict[str, int]:
    """This split vs the real benchmark (and the negatives corpus): no shared name, query or 5-word run.

    Every query of the split (training, held-out, unrelated) is compared with every query of the
    benchmark (training, held-out, unrelated); a shared run is shared both ways, so this covers the
    benchmark's queries against the split's too. Raises one AssertionError listing every failure.
    """
    p = G.Problems()
    dev = split_contents(files)
    bench = split_contents(read_folder(root / BENCHMARK_DATA))
    clash = sorted(set(dev["tools"]) & set(bench["tools"]))
    p.expect(not clash, f"tool names shared with the benchmark: {clash}")
    clash = sorted(set(dev["sets"]) & set(bench["sets"]))
    p.expect(not clash, f"set names shared with the benchmark: {clash}")
    others = {"the benchmark": bench["queries"], f"{NEGATIVES.as_posix()}/": negative_queries(root / NEGATIVES)}
    for what, queries in others.items():
        keys = {q.strip().lower() for q in queries}
        grams: set[tuple[str, ...]] = set()
        for q in queries:
            grams |= G.ngrams(q)
        for q in dev["queries"]:
            p.expect(q.strip().lower() not in keys, f"dev query {q!r} is also a query of {what}")
            p.no_shared_run(q, grams, what, "dev query")
    p.raise_if_any()
    return {"benchmark_queries": len(bench["queries"]), "negative_queries": len(others[f"{NEGATIVES.as_posix()}/"])}


def generate(root: Path = ROOT) -> dict[str, Any]:
    """Build the split with the real generator (running all its checks), then :func:`check_apart`."""
    result = G.generate(root, sets=SETS, groups=UNRELATED, min_unrelated=MIN_UNRELATED, generator=GENERATOR)
    result["checked"].update(check_apart(result["files"], root))
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: generate, check and write the tuning split."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--root", type=Path, default=ROOT, help="repository root with tools/, tokmem_agents/ and the benchmark data")
    a = ap.parse_args(argv)
    result = generate(a.root)
    for rel, text in sorted(result["files"].items()):
        G.write_text(a.out / rel, text)
    m = result["manifest"]
    for set_name, s in m["sets"].items():
        print(f"{set_name}: {s['counts']['tools']} tools, {s['counts']['train_examples']} training examples, "
              f"{s['counts']['heldout_queries']} held-out queries")
    print(f"unrelated: {m['unrelated']['count']} queries")
    c = result["checked"]
    print(
        f"checks passed ({c['train']} training, {c['heldout']} held-out, {c['unrelated']} unrelated queries; against "
        f"{c['catalog_queries']} catalog, {c['aux_queries']} auxiliary, {c['benchmark_queries']} benchmark and "
        f"{c['negative_queries']} negatives queries); wrote {a.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
