"""The Twenty Questions knowledge base: the paper's 157 objects, their aliases and their true attributes.

This module owns data only. The word list, its 17 categories and the aliases are the ArCHer
paper's (LMRL-Gym's Twenty Questions). The attributes are common-sense facts about the everyday
object a player would picture; where a fact is arguable the choice is noted next to the row. The
oracle in `archer.envs.twenty_questions` answers yes/no questions by looking attributes up here,
so an attribute that is absent is a "No.".

`ATTRIBUTES` names every attribute and says what a "yes" means. A few attributes follow from
others and are added by `_build` rather than written on every row (see `_implied`): the
category's own tag ("Is it an animal?"), natural/manmade, fits in a pocket => held in one hand,
bigger than a person => bigger than a breadbox, has an engine => has a motor, electronic =>
uses electricity, clothing and jewelry => wearable, fruit/vegetable => food, kept in a kitchen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WordEntry:
    """One hidden object: canonical name, accepted names (canonical first), category, TRUE attributes."""

    name: str
    aliases: tuple[str, ...]
    category: str
    attributes: frozenset[str]


#: Every attribute the knowledge base uses, with what a "yes" means.
ATTRIBUTES: dict[str, str] = {
    # kinds (the first group are the paper's categories' tags)
    "animal": "an animal (all ten are mammals)",
    "fruit": "a fruit, in the kitchen sense",
    "vegetable": "a vegetable, in the kitchen sense (a tomato counts)",
    "vehicle": "a vehicle",
    "clothing": "a piece of clothing",
    "electronic": "an electronic device",
    "instrument": "a musical instrument",
    "furniture": "a piece of furniture",
    "office": "an office supply / stationery",
    "art": "an art supply or a work of art",
    "kitchen": "a kitchen tool, utensil, dish or pot",
    "nature": "a part of the natural landscape (the paper's nature category)",
    "toy": "a toy",
    "jewelry": "jewelry",
    "garden": "a gardening supply",
    "tool": "a tool for building, fixing or gardening (not kitchen or office items)",
    "sport": "sports equipment",
    # finer kinds
    "pet": "commonly kept as a pet",
    "domestic": "a domesticated animal",
    "farm_animal": "a farm animal (livestock)",
    "wild_animal": "a wild animal",
    "eats_meat": "eats meat",
    "barks": "barks",
    "gives_milk": "people get milk from it",
    "wool": "grows wool",
    "mane": "has a mane",
    "stripes": "has stripes",
    "hooves": "has hooves",
    "trunk": "has a trunk (elephant's, tree's, car's)",
    "plant": "a living plant",
    "alive": "a living thing",
    "natural": "occurs in nature, not made by people",
    "manmade": "made by people",
    "food": "food people eat",
    "sweet": "tastes sweet",
    "tropical": "a tropical fruit",
    "citrus": "a citrus fruit",
    "berry": "a berry in the everyday sense",
    "melon": "a melon",
    "pit": "has a pit (one big stone inside)",
    "fuzzy": "has a fuzzy surface",
    "prickly": "spiky or prickly on the outside",
    "grows_on_tree": "grows on a tree",
    "grows_on_vine": "grows on a vine",
    "grows_underground": "grows underground (a root vegetable)",
    "leafy": "a leafy green",
    "looks_like_tree": "looks like a little tree",
    "appliance": "a household appliance",
    "computer_accessory": "a part or peripheral of a computer",
    "makes_calls": "makes phone calls",
    "takes_pictures": "takes pictures",
    "team_sport": "used in a team sport",
    "ball": "a ball",
    "kicked": "kicked in its sport",
    "brand": "a brand name",
    "many_pieces": "comes in many pieces",
    "looks_like_person": "looks like a person",
    "artwork": "a work of art",
    "place": "a place you can go to",
    "from_space": "comes from outer space",
    "desert": "found in deserts",
    "water": "a body of water, made of water",
    "salt_water": "salt water",
    "flows": "flows",
    "largest_water": "the largest kind of body of water",
    # size and weight (the breadbox is the classic Twenty Questions yardstick)
    "bigger_than_breadbox": "bigger than a breadbox",
    "bigger_than_person": "bigger than a person",
    "handheld": "can be held in one hand",
    "pocket": "fits in a pocket",
    "heavy": "too heavy for one person to carry comfortably (roughly over 20 kg)",
    # materials
    "metal": "made (at least partly) of metal",
    "wood": "made (at least partly) of wood",
    "plastic": "made (at least partly) of plastic",
    "fabric": "made (at least partly) of fabric",
    "glass": "made (at least partly) of glass",
    "paper": "made of paper or cardboard",
    "leather": "made (at least partly) of leather",
    "rubber": "made (at least partly) of rubber",
    "stone": "made of stone or rock",
    "ceramic": "made of ceramic",
    # parts
    "wheels": "has wheels",
    "two_wheels": "has two wheels",
    "engine": "has an engine",
    "motor": "has an engine or an electric motor",
    "wings": "has wings",
    "legs": "has legs",
    "four_legs": "has four legs",
    "fur": "has fur or a hairy coat",
    "screen": "has a screen",
    "buttons": "has buttons",
    "keys": "has keys (piano, keyboard, woodwind keys)",
    "strings": "has strings",
    "bristles": "has bristles",
    "drawers": "has drawers",
    "shelves": "has shelves",
    "two_handles": "has two handles",
    "bark": "has bark",
    "pages": "has pages",
    "book": "a book",
    # abilities and uses
    "electricity": "uses electricity",
    "flies": "flies",
    "on_water": "travels on water",
    "on_rails": "runs on rails",
    "transport": "used to carry people from place to place (includes riding a horse)",
    "carries_cargo": "carries goods or cargo",
    "many_passengers": "carries many passengers at once",
    "music": "related to music (instruments and headphones)",
    "wind": "a wind instrument (you blow into it)",
    "woodwind": "a woodwind instrument",
    "brass": "a brass instrument",
    "reed": "played with a reed",
    "percussion": "a percussion instrument",
    "bow": "played with a bow",
    "slide": "has a slide",
    "wearable": "worn on the body",
    "worn_head": "worn on the head",
    "worn_feet": "worn on the feet",
    "worn_hands": "worn on the hands or fingers",
    "worn_wrist": "worn on the wrist",
    "worn_neck": "worn around the neck",
    "worn_ears": "worn on the ears",
    "worn_waist": "worn around the waist",
    "worn_legs": "worn on the legs",
    "worn_torso": "worn on the upper body",
    "worn_hair": "worn in the hair",
    "pinned": "pinned onto clothing",
    "women": "worn mostly by women",
    "keeps_warm": "worn to keep warm",
    "comes_in_pair": "comes in pairs",
    "hangs_from_chain": "hangs from a chain",
    "holds_picture": "holds a picture inside",
    "tells_time": "tells the time",
    "dates": "shows the dates",
    "on_wall": "hangs on a wall",
    "sit_on": "made or commonly used for sitting on",
    "sleeping": "used for sleeping",
    "storage": "used to store things",
    "cooking": "used to cook or prepare food",
    "eat_with": "used for eating (cutlery and dishes)",
    "drink_from": "you drink from it",
    "holds_liquid": "holds liquid",
    "cold": "cold, or keeps things cold",
    "cutting": "used to cut things",
    "sharp": "sharp or pointed enough to cut or prick",
    "dangerous": "dangerous",
    "writing": "you write or draw with it",
    "write_on": "you write on or in it",
    "ink": "uses ink",
    "sticky": "sticky",
    "cleaning": "used for cleaning",
    "garden_tool": "a garden tool",
    "power_tool": "a power tool",
    # where it is found or used
    "indoors": "used or kept indoors",
    "outdoors": "used or found outdoors",
    "found_kitchen": "found in a kitchen",
    "found_office": "found in an office",
    "found_bedroom": "found in a bedroom",
    "found_bathroom": "found in a bathroom",
    "found_garden": "found in a garden",
    # look and feel
    "round": "round (circular or spherical)",
    "soft": "soft",
    "colorful": "many-coloured",
    "yellow": "typically yellow",
    "green": "typically green",
    "red": "typically red",
    "orange": "typically orange",
    "white": "typically white",
    "brown": "typically brown",
    "black": "typically black",
    "grey": "typically grey",
    "blue": "typically blue",
    "purple": "typically purple",
    "pink": "typically pink",
}

# "aliases | attributes": aliases are ;-separated, canonical name first, exactly as the paper lists them.
_TABLE: dict[str, list[str]] = {
    "sports": [
        # Balls are held in one hand and are not bigger than a breadbox (a basketball is about 24 cm across).
        "basketball | ball team_sport round rubber orange handheld indoors outdoors",
        "football | ball team_sport kicked leather brown handheld outdoors",  # American football: oval, not round
        "baseball | ball team_sport round leather white handheld outdoors",
        "soccer ball | ball team_sport kicked round leather white black handheld outdoors",
        "golf ball | ball round rubber plastic white pocket outdoors",
        "tennis ball | ball round rubber fabric fuzzy yellow pocket outdoors",
        "volleyball | ball team_sport round leather white handheld indoors outdoors",
        "tennis racket | strings handheld bigger_than_breadbox outdoors",  # frame material varies: none claimed
        "baseball bat | team_sport wood handheld bigger_than_breadbox outdoors",
        "helmet | wearable worn_head plastic handheld outdoors",
    ],
    "animals": [
        # A cat is longer than a breadbox; a rabbit is not.
        "cat | pet domestic eats_meat four_legs fur soft bigger_than_breadbox indoors outdoors",
        "dog | pet domestic eats_meat barks four_legs fur soft bigger_than_breadbox indoors outdoors",
        "horse | domestic farm_animal transport hooves four_legs fur brown bigger_than_person heavy outdoors",
        "cow | domestic farm_animal gives_milk hooves four_legs fur black white bigger_than_person heavy outdoors",
        # Sheep's milk exists (feta, pecorino), so a sheep gives milk too.
        "sheep | domestic farm_animal gives_milk wool hooves four_legs fur soft white bigger_than_breadbox heavy "
        "outdoors",
        "rabbit | pet domestic four_legs fur soft indoors outdoors",
        "lion | wild_animal eats_meat mane dangerous four_legs fur brown bigger_than_person heavy outdoors",
        "tiger | wild_animal eats_meat stripes dangerous four_legs fur orange bigger_than_person heavy outdoors",
        "bear | wild_animal eats_meat dangerous four_legs fur brown bigger_than_person heavy outdoors",
        "elephant | wild_animal trunk four_legs grey bigger_than_person heavy outdoors",  # hair too sparse for fur
    ],
    "fruits": [
        # Fruits and vegetables are food, not living plants: they are picked ("Is it alive?" No).
        "apple | grows_on_tree sweet round red handheld",
        "banana | grows_on_tree tropical sweet yellow handheld",  # it grows on what everyone calls a banana tree
        "orange | grows_on_tree citrus sweet round orange handheld",
        "strawberry | berry sweet red pocket",
        "grape | grows_on_vine sweet round green purple pocket",  # grapes come green or purple: yes to both
        "watermelon | melon grows_on_vine sweet round green red bigger_than_breadbox",  # green rind, red flesh
        "pineapple | tropical prickly sweet yellow handheld",
        "mango | grows_on_tree tropical pit sweet yellow orange handheld",
        "cantaloupe | melon grows_on_vine sweet round orange handheld",
        "peach | grows_on_tree pit fuzzy sweet round soft orange handheld",
    ],
    "vehicles": [
        "car | wheels engine trunk metal bigger_than_person heavy outdoors",
        "truck | wheels engine carries_cargo metal bigger_than_person heavy outdoors",
        "motorcycle | two_wheels engine sit_on metal bigger_than_person heavy outdoors",
        "boat | on_water wood bigger_than_person heavy outdoors",  # a rowing boat: no engine, wooden
        "airplane;plane | flies wings wheels engine many_passengers metal bigger_than_person heavy outdoors",
        "train | on_rails wheels engine many_passengers carries_cargo metal bigger_than_person heavy outdoors",
        "bus | wheels engine many_passengers metal bigger_than_person heavy outdoors",
        "helicopter | flies engine metal bigger_than_person heavy outdoors",
        "scooter | two_wheels metal handheld bigger_than_breadbox outdoors",  # a kick scooter: no engine, light
        "ship | on_water engine many_passengers carries_cargo metal bigger_than_person heavy outdoors",
    ],
    "clothes": [
        # Garments are light (held in one hand); shirts, trousers, jackets, dresses and skirts laid out are
        # bigger than a breadbox.
        "shirt | worn_torso buttons fabric soft handheld bigger_than_breadbox indoors outdoors",
        "pants;pant;pair of pants | worn_legs worn_waist fabric soft handheld bigger_than_breadbox indoors outdoors",
        "jacket | worn_torso keeps_warm buttons fabric soft handheld bigger_than_breadbox outdoors",
        "dress | worn_torso women fabric soft handheld bigger_than_breadbox indoors outdoors",
        "skirt | worn_waist worn_legs women fabric soft handheld bigger_than_breadbox indoors outdoors",
        "belt | worn_waist leather metal handheld indoors outdoors",
        "shoes;shoe;pair of shoes | worn_feet comes_in_pair leather rubber handheld indoors outdoors",
        "boots;boot;pair of boots | worn_feet comes_in_pair keeps_warm leather rubber handheld outdoors",
        "socks;sock;pair of socks | worn_feet comes_in_pair fabric soft pocket indoors outdoors",
        "hat | worn_head fabric soft handheld outdoors",
        "scarf | worn_neck keeps_warm fabric soft handheld outdoors",
    ],
    "electronics": [
        "computer | screen keys buttons found_office plastic metal bigger_than_breadbox indoors",  # a desktop
        "smartphone | screen buttons makes_calls takes_pictures glass metal pocket indoors outdoors",
        "television;tv | screen buttons plastic glass bigger_than_breadbox indoors",
        "headphone;headphones;pair of headphones | music worn_head worn_ears plastic handheld indoors outdoors",
        "monitor;computer monitor | screen buttons computer_accessory found_office plastic glass "
        "bigger_than_breadbox indoors",
        "camera | screen buttons takes_pictures plastic metal glass handheld indoors outdoors",
        "microwave;microwave oven | appliance cooking buttons found_kitchen metal bigger_than_breadbox indoors",
        "refrigerator | appliance storage shelves cold found_kitchen metal bigger_than_person heavy indoors",
        "blender | appliance cooking motor holds_liquid buttons found_kitchen plastic glass indoors",
        "computer keyboard;keyboard | keys buttons computer_accessory found_office plastic indoors",
    ],
    "musical instruments": [
        # "Held in one hand" is about carrying: the light instruments qualify. Flute, clarinet, trumpet and
        # violin fit in a breadbox-sized case; guitar, saxophone and trombone do not.
        "piano | keys strings legs wood black bigger_than_person heavy indoors",  # three legs, not four
        "guitar | strings wood handheld bigger_than_breadbox indoors outdoors",
        "drum;drums | percussion round wood plastic bigger_than_breadbox indoors",
        "violin | strings bow wood brown handheld indoors",
        "saxophone | wind woodwind reed keys metal handheld bigger_than_breadbox indoors",
        "flute | wind woodwind keys metal handheld indoors",
        "trumpet | wind brass metal handheld indoors",
        "clarinet | wind woodwind reed keys wood black handheld indoors",
        "harp | strings wood bigger_than_person heavy indoors",
        "trombone | wind brass slide metal handheld bigger_than_breadbox indoors",
    ],
    "furniture": [
        "chair | sit_on four_legs wood bigger_than_breadbox indoors",
        "table | four_legs wood bigger_than_breadbox heavy indoors",
        "bed | sleeping sit_on four_legs found_bedroom wood fabric soft bigger_than_person heavy indoors",
        "desk | four_legs drawers found_office wood bigger_than_breadbox heavy indoors",
        "couch | sit_on four_legs fabric soft bigger_than_person heavy indoors",
        "dresser | storage drawers found_bedroom wood bigger_than_breadbox heavy indoors",
        "bookcase | storage shelves wood bigger_than_person heavy indoors",  # a tall one
        "nightstand | storage drawers four_legs found_bedroom wood bigger_than_breadbox indoors",
        "mattress | sleeping sit_on found_bedroom fabric soft bigger_than_person heavy indoors",
        "pillow | sleeping found_bedroom fabric soft handheld bigger_than_breadbox indoors",
    ],
    "office supplies": [
        "pen | writing ink found_office plastic pocket indoors",
        "paper;piece of paper | write_on found_office paper white pocket indoors",  # a sheet folds into a pocket
        "stapler | found_office metal plastic handheld indoors",
        "printer | electronic computer_accessory ink buttons found_office plastic bigger_than_breadbox indoors",
        "calculator | electronic screen buttons keys found_office plastic pocket indoors",
        "battery;battery pack;pack of batteries | electricity metal pocket indoors",  # stores power; not electronic
        "toothbrush | cleaning bristles found_bathroom plastic handheld indoors",  # a manual one
        "toothpaste | cleaning found_bathroom soft white plastic handheld indoors",  # a paste in a plastic tube
        "pencil | writing found_office wood yellow pocket indoors",
        "sharpie | writing ink brand found_office plastic black pocket indoors",
        "scissors;pair of scissors | cutting sharp two_handles found_office metal plastic handheld indoors",
        "key | metal pocket indoors outdoors",
        "diary | write_on book pages paper handheld indoors",
        "calendar | write_on dates pages on_wall found_office paper indoors",
    ],
    "vegetables": [
        "carrot | grows_underground orange handheld",
        "potato | grows_underground brown handheld",
        "broccoli | looks_like_tree green handheld",
        "tomato | grows_on_vine round red handheld",  # botanically a fruit; in the kitchen (and here) a vegetable
        "onion | grows_underground round handheld",
        "spinach | leafy green handheld",
        "corn | yellow handheld",
        "peas;pea | grows_on_vine round green pocket",
        "celery | green handheld",
        "cucumber | grows_on_vine green handheld",
    ],
    "art": [
        "painting;canvas painting;oil painting;watercolor painting | artwork on_wall colorful fabric "
        "bigger_than_breadbox indoors",
        "paintbrush | bristles wood handheld indoors",
        "canvas;painting canvas | fabric wood white bigger_than_breadbox indoors",
        "eraser;pencil eraser | office found_office rubber pink pocket indoors",
        "marker | writing ink office found_office plastic colorful pocket indoors",
        "glue;glue stick;bottle of glue | sticky office found_office plastic white handheld indoors",
        "sculpture | artwork stone metal bigger_than_breadbox heavy indoors outdoors",
    ],
    "kitchen tools": [
        "knife | cutting sharp dangerous eat_with cooking metal handheld indoors",
        "spoon | eat_with metal handheld indoors",
        "fork | eat_with sharp metal handheld indoors",  # pointed tines
        "plate | eat_with round ceramic handheld indoors",
        "bowl | eat_with holds_liquid round ceramic handheld indoors",
        "cooking pot;pot | cooking holds_liquid two_handles round metal indoors",  # carried with both hands
        "pan;saucepan;frying pan | cooking round metal handheld indoors",  # the frying pan: does not hold liquid
        "cup | drink_from holds_liquid ceramic handheld indoors",
        "chopstick;chopsticks;pair of chopsticks | eat_with comes_in_pair wood handheld indoors",
        "whisk | cooking metal handheld indoors",
    ],
    "nature": [
        "rock | stone grey handheld outdoors",  # a rock you can pick up, not a boulder
        "tree | plant alive bark trunk wood green bigger_than_person heavy outdoors",
        "bush | plant alive bark wood green found_garden bigger_than_breadbox outdoors",  # up to about head height
        "mountain | place stone bigger_than_person heavy outdoors",
        # A forest is a place full of living things, not itself one living thing.
        "forest | place green bigger_than_person heavy outdoors",
        "ocean | place water largest_water salt_water blue bigger_than_person heavy outdoors",
        "sea | place water salt_water blue bigger_than_person heavy outdoors",
        "lake | place water blue bigger_than_person heavy outdoors",
        "river | place water flows blue bigger_than_person heavy outdoors",
        "meteorite | from_space stone metal grey handheld outdoors",  # most found meteorites are hand-sized
        "cactus | plant alive prickly sharp desert green bigger_than_breadbox outdoors",
    ],
    "toys": [
        "lego;lego set | many_pieces brand plastic colorful handheld indoors",
        "doll;toy doll;plush doll | looks_like_person plastic fabric handheld indoors",
        "kite | flies strings fabric plastic colorful handheld bigger_than_breadbox outdoors",
        "puzzle;jigsaw puzzle | many_pieces paper colorful handheld indoors",
    ],
    "jewelry": [
        "earring;earrings;pair of earrings | worn_ears comes_in_pair metal pocket indoors outdoors",
        "necklace | worn_neck metal pocket indoors outdoors",
        "bracelet | worn_wrist round metal pocket indoors outdoors",
        "ring | worn_hands round metal pocket indoors outdoors",
        "brooch | pinned metal pocket indoors outdoors",
        "hairclip | worn_hair worn_head metal plastic pocket indoors outdoors",
        "pendant | worn_neck hangs_from_chain metal pocket indoors outdoors",
        "watch | worn_wrist tells_time round metal glass pocket indoors outdoors",  # a classic wristwatch
        "locket | worn_neck hangs_from_chain holds_picture round metal pocket indoors outdoors",
    ],
    "garden supplies": [
        "gloves;glove;pair of gloves | clothing worn_hands comes_in_pair keeps_warm fabric soft pocket outdoors",
        "shovel | tool garden_tool metal wood bigger_than_breadbox outdoors",
        "rake | tool garden_tool metal wood bigger_than_breadbox outdoors",
        "watering can | garden_tool holds_liquid plastic metal handheld outdoors",
        "lawn mower | tool garden_tool power_tool cutting dangerous wheels engine metal bigger_than_breadbox heavy "
        "outdoors",  # a petrol push mower
    ],
    "tools": [
        "hammer | metal wood handheld indoors outdoors",
        "screwdriver | metal plastic handheld indoors",
        "wrench | metal handheld indoors",
        "saw | cutting sharp dangerous metal wood handheld bigger_than_breadbox indoors outdoors",
        "pliers;plier;pair of pliers | two_handles metal plastic handheld indoors",
        "drill | electricity power_tool motor dangerous buttons metal plastic handheld indoors",  # an electric drill
    ],
}

#: The tag each paper category gives its members, so "Is it a fruit?" is answered from the category.
CATEGORY_TAGS: dict[str, str] = {
    "sports": "sport",
    "animals": "animal",
    "fruits": "fruit",
    "vehicles": "vehicle",
    "clothes": "clothing",
    "electronics": "electronic",
    "musical instruments": "instrument",
    "furniture": "furniture",
    "office supplies": "office",
    "vegetables": "vegetable",
    "art": "art",
    "kitchen tools": "kitchen",
    "nature": "nature",
    "toys": "toy",
    "jewelry": "jewelry",
    "garden supplies": "garden",
    "tools": "tool",
}
# The paper files these under office supplies, but nobody would call them that.
_NOT_IN_CATEGORY_SENSE = frozenset({"toothbrush", "toothpaste", "key", "battery"})
_NATURAL_CATEGORIES = frozenset({"animals", "fruits", "vegetables", "nature"})


def _implied(category: str, tags: set[str]) -> set[str]:
    """Attributes that follow from the others, so the table cannot contradict itself."""
    out = set(tags)
    out.add("natural" if category in _NATURAL_CATEGORIES else "manmade")
    if category == "animals":
        out |= {"alive", "legs"}
    if category in ("fruits", "vegetables"):
        out |= {"food", "indoors", "found_kitchen"}  # kept in the kitchen, so indoors
    if category == "kitchen tools":
        out.add("found_kitchen")
    if category == "garden supplies":
        out |= {"found_garden", "outdoors"}
    if "pocket" in out:
        out.add("handheld")
    if "bigger_than_person" in out:
        out.add("bigger_than_breadbox")
    if "two_wheels" in out:
        out.add("wheels")
    if "four_legs" in out:
        out.add("legs")
    if "engine" in out:
        out.add("motor")
    if category == "vehicles":
        out.add("transport")
    if "electronic" in out or category == "electronics":
        out.add("electricity")
    if category == "musical instruments" or "instrument" in out:
        out.add("music")
    if category in ("clothes", "jewelry") or any(t.startswith("worn_") for t in out) or "clothing" in out:
        out.add("wearable")
    if "office" in out:
        out.add("found_office")
    if "water" in out:
        out.add("holds_liquid")  # "Does it hold water?" of a lake: yes
    return out


def _build() -> tuple[WordEntry, ...]:
    entries = []
    for category, rows in _TABLE.items():
        for row in rows:
            names, attrs = row.split("|")
            aliases = tuple(" ".join(a.split()).lower() for a in names.split(";"))
            tags = set(attrs.split())
            if aliases[0] not in _NOT_IN_CATEGORY_SENSE:
                tags.add(CATEGORY_TAGS[category])
            entries.append(WordEntry(aliases[0], aliases, category, frozenset(_implied(category, tags))))
    return tuple(entries)


#: The paper's objects in its order. The issue says 157; the list as printed gives 157 as well.
WORDS: tuple[WordEntry, ...] = _build()

#: The paper's fixed 10-word subset, canonical names.
SUBSET: tuple[str, ...] = ("football", "dog", "banana", "truck", "pants", "computer", "piano", "chair", "pen", "scissors")

#: Other spellings and clipped forms of an alias that still name it ("smart phone", "lawnmower", "fridge").
SPELLINGS: dict[str, str] = {
    "basket ball": "basketball",
    "foot ball": "football",
    "base ball": "baseball",
    "volley ball": "volleyball",
    "soccerball": "soccer ball",
    "golfball": "golf ball",
    "tennisball": "tennis ball",
    "baseballbat": "baseball bat",
    "motor cycle": "motorcycle",
    "air plane": "airplane",
    "aeroplane": "airplane",
    "smart phone": "smartphone",
    "t v": "tv",
    "head phones": "headphones",
    "head phone": "headphone",
    "fridge": "refrigerator",
    "water melon": "watermelon",
    "pine apple": "pineapple",
    "straw berry": "strawberry",
    "sax": "saxophone",
    "book case": "bookcase",
    "night stand": "nightstand",
    "tooth brush": "toothbrush",
    "tooth paste": "toothpaste",
    "paint brush": "paintbrush",
    "hair clip": "hairclip",
    "screw driver": "screwdriver",
    "lawnmower": "lawn mower",
    "wateringcan": "watering can",
    "ear ring": "earring",
    "ear rings": "earrings",
    "chop sticks": "chopsticks",
    "chop stick": "chopstick",
    "sauce pan": "saucepan",
    "fryingpan": "frying pan",
    "jig saw puzzle": "jigsaw puzzle",
}

_BY_ALIAS: dict[str, WordEntry] = {alias: w for w in WORDS for alias in w.aliases}


def lookup(name: str) -> WordEntry:
    """The entry for a canonical name or alias (case and spacing do not matter); KeyError if none."""
    key = " ".join(str(name).lower().split())
    if key not in _BY_ALIAS:
        raise KeyError(
            f"{name!r} is not one of the {len(WORDS)} Twenty Questions objects or their aliases "
            f"(e.g. {', '.join(SUBSET[:4])}; see archer.envs.twenty_questions_words.WORDS)"
        )
    return _BY_ALIAS[key]
