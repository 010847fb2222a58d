"""Value pools: the names, places, titles and free texts that argument values and query
phrasings draw from."""

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
    "reports", "gallery", "2024", "spring", "summary", "v2", "assets", "common", "uploads", "overview", "draft",
    "final", "q3", "field-trip", "index", "release-notes", "setup", "guide", "intake", "batch-7", "photos",
    "season", "archive", "latest", "team", "plan", "checklist", "map", "audio", "specs",
)
PATH_ROOTS = ("/srv/data", "/home/ops", "~/projects", "/mnt/archive", "/var/lib/app", "./exports", "~/Documents", "/opt/common")
# The v1 corpus (``fields.Style``, shipped) has "shared" and "north" (an enum value elsewhere) where v2
# has "common" and "intake".
URL_WORDS_V1 = tuple({"common": "shared", "intake": "north"}.get(w, w) for w in URL_WORDS)
PATH_ROOTS_V1 = tuple("/opt/shared" if r == "/opt/common" else r for r in PATH_ROOTS)
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
# Short free texts (1-4 words, mostly lower case; v2 only) said unquoted, often with another argument after
# them: none holds a word that opens an argument phrase (``tools._PREPOSITIONS``), so the span of
# the text ends where the next phrase begins ("saying cracked rim | to Ana Silva").
SHORT_TEXT = (
    "too salty", "lid won't close", "cracked rim", "running late", "great finish", "needs a remaster",
    "cloudy water", "fan is loud", "wobbly leg", "loose handle", "bright acidity", "smells smoky", "tastes flat",
    "leaking slightly", "spare key missing", "stack carefully", "very calm colony", "gate code changed",
    "battery drains fast", "stays cold", "slight crack", "tenors rushing", "lovely glaze run", "chain slipping",
    "handle gently", "fragile glass", "label faded", "sold out", "great pace", "knee felt fine", "extra pillows",
    "sticky keys", "blurry photo", "strong gusts", "perfect crust", "mild sweetness", "noisy neighbours",
    "urgent fix", "dusty shelves", "quick rinse", "broken bell", "sunset slot preferred", "missing receipt",
    "sweet finish", "nervous bees", "queen looks healthy", "wifi keeps dropping", "screen flickers",
    "printer jammed again", "VPN won't connect", "seems tired", "rust spots", "flat tyre", "squeaky brakes",
    "loved it", "meh", "needs more garlic", "reorder soon", "best one yet", "too sweet", "bitter aftertaste",
    "lights flicker", "door sticks", "missing pieces", "ok", "all good", "slow drain", "low battery",
    "thin walls", "pale colour", "uneven glaze", "altos flat", "sopranos sharp", "bar 12 again",
    "Monday batch", "try again", "Needs more basil", "Cracked lid", "Too bitter", "Great night",
    "Leaks a bit", "Quiet room wanted", "Late checkout", "Crisp finish", "Wobbly shelf",
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
