"""The knowledge base of Twenty Questions: the paper's 157 objects, their aliases and true attributes.

The word list and aliases are the ArCHer paper's (LMRL-Gym's Twenty Questions). Attributes are
common-sense facts about the everyday object; where a fact is arguable the choice is noted. The
oracle (`archer.envs.twenty_questions`) answers yes/no questions by looking attributes up here.

Attribute names (a word has an attribute when it is listed for it):
- kind: animal, plant, food, fruit, vegetable, vehicle, clothing, electronic, instrument,
  furniture, tool, toy, jewelry, sports, art, kitchen, office, nature, garden
- life: alive (living things; a tree or cactus is alive, fruit and vegetables are not)
- size: small (fits in one hand), big (bigger than a person), bigger_than_breadbox
- material: metal, wood, plastic, fabric, glass, paper, leather, rubber, stone, water
- use and parts: wheels, engine, flies, on_water, legs, fur, sharp, screen, electricity, wearable,
  writing, music, cooking, eating, cutting, sport, transport, sleeping, sitting, storage
- where: indoors, outdoors, kitchen_room, bedroom, office_room, garden_place
- look: round, soft, heavy, colorful, yellow, green, red, orange, white, brown, sweet, natural
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WordEntry:
    """One hidden word: canonical name, accepted aliases (name included), category, true attributes."""

    name: str
    aliases: tuple[str, ...]
    category: str
    attributes: frozenset[str]


# name;alias;alias | attributes. The category is added as an attribute too.
_TABLE: dict[str, list[str]] = {
    "sports": [
        "basketball | round rubber bigger_than_breadbox indoors outdoors sport orange",
        "football | rubber leather bigger_than_breadbox outdoors sport brown",  # American football; "soccer ball" is separate
        "baseball | round small leather outdoors sport white",
        "soccer ball | round rubber leather bigger_than_breadbox outdoors sport white",
        "golf ball | round small plastic rubber outdoors sport white",
        "tennis ball | round small rubber outdoors sport yellow soft",
        "volleyball | round rubber leather bigger_than_breadbox indoors outdoors sport white",
        "tennis racket | bigger_than_breadbox metal plastic outdoors sport",
        "baseball bat | bigger_than_breadbox wood metal outdoors sport heavy",
        "helmet | bigger_than_breadbox plastic wearable outdoors sport",
    ],
    "animals": [
        "cat | animal alive legs fur indoors outdoors bigger_than_breadbox soft",
        "dog | animal alive legs fur indoors outdoors bigger_than_breadbox soft",
        "horse | animal alive legs fur outdoors big bigger_than_breadbox heavy transport brown",
        "cow | animal alive legs fur outdoors big bigger_than_breadbox heavy",
        "sheep | animal alive legs fur outdoors bigger_than_breadbox soft white",
        "rabbit | animal alive legs fur outdoors small soft",  # a rabbit is about breadbox-sized: counted small
        "lion | animal alive legs fur outdoors big bigger_than_breadbox heavy sharp",
        "tiger | animal alive legs fur outdoors big bigger_than_breadbox heavy sharp orange",
        "bear | animal alive legs fur outdoors big bigger_than_breadbox heavy sharp brown",
        "elephant | animal alive legs outdoors big bigger_than_breadbox heavy",
    ],
    "fruits": [
        "apple | food fruit eating small round sweet red natural",
        "banana | food fruit eating small sweet yellow natural",
        "orange | food fruit eating small round sweet orange natural",
        "strawberry | food fruit eating small sweet red natural",
        "grape | food fruit eating small round sweet green natural",
        "watermelon | food fruit eating bigger_than_breadbox round heavy sweet green natural",
        "pineapple | food fruit eating bigger_than_breadbox sweet yellow natural",
        "mango | food fruit eating small sweet yellow natural",
        "cantaloupe | food fruit eating bigger_than_breadbox round sweet orange natural",
        "peach | food fruit eating small round sweet soft orange natural",
    ],
    "vehicles": [
        "car | vehicle transport wheels engine metal outdoors big bigger_than_breadbox heavy electricity",
        "truck | vehicle transport wheels engine metal outdoors big bigger_than_breadbox heavy",
        "motorcycle | vehicle transport wheels engine metal outdoors big bigger_than_breadbox heavy",
        "boat | vehicle transport on_water engine outdoors big bigger_than_breadbox heavy",
        "airplane;plane | vehicle transport flies wheels engine metal outdoors big bigger_than_breadbox heavy",
        "train | vehicle transport wheels engine metal outdoors big bigger_than_breadbox heavy electricity",
        "bus | vehicle transport wheels engine metal outdoors big bigger_than_breadbox heavy",
        "helicopter | vehicle transport flies engine metal outdoors big bigger_than_breadbox heavy",
        "scooter | vehicle transport wheels metal outdoors bigger_than_breadbox",  # a kick scooter: no engine
        "ship | vehicle transport on_water engine metal outdoors big bigger_than_breadbox heavy",
    ],
    "clothes": [
        "shirt | clothing wearable fabric soft bigger_than_breadbox indoors outdoors",
        "pants;pant;pair of pants | clothing wearable fabric soft bigger_than_breadbox indoors outdoors",
        "jacket | clothing wearable fabric soft bigger_than_breadbox outdoors",
        "dress | clothing wearable fabric soft bigger_than_breadbox indoors outdoors colorful",
        "skirt | clothing wearable fabric soft bigger_than_breadbox indoors outdoors",
        "belt | clothing wearable leather metal indoors outdoors",
        "shoes;shoe;pair of shoes | clothing wearable leather rubber indoors outdoors",
        "boots;boot;pair of boots | clothing wearable leather rubber bigger_than_breadbox outdoors",
        "socks;sock;pair of socks | clothing wearable fabric soft small indoors",
        "hat | clothing wearable fabric soft outdoors",
        "scarf | clothing wearable fabric soft outdoors colorful",
    ],
    "electronics": [
        "computer | electronic electricity screen plastic metal indoors office_room bigger_than_breadbox",
        "smartphone | electronic electricity screen glass metal small indoors outdoors",
        "television;tv | electronic electricity screen plastic glass indoors bigger_than_breadbox",
        "headphone;headphones;pair of headphones | electronic electricity music plastic wearable small indoors outdoors",
        "monitor;computer monitor | electronic electricity screen plastic glass indoors office_room bigger_than_breadbox",
        "camera | electronic electricity plastic metal glass small indoors outdoors",
        "microwave;microwave oven | electronic electricity cooking metal indoors kitchen_room bigger_than_breadbox heavy",
        "refrigerator | electronic electricity metal indoors kitchen_room big bigger_than_breadbox heavy storage",
        "blender | electronic electricity cooking plastic glass indoors kitchen_room sharp",
        "computer keyboard;keyboard | electronic electricity plastic indoors office_room writing",
    ],
    "musical instruments": [
        "piano | instrument music wood indoors big bigger_than_breadbox heavy legs",
        "guitar | instrument music wood bigger_than_breadbox indoors",
        "drum;drums | instrument music wood plastic round bigger_than_breadbox indoors",
        "violin | instrument music wood indoors",
        "saxophone | instrument music metal bigger_than_breadbox indoors",
        "flute | instrument music metal small indoors",
        "trumpet | instrument music metal indoors",
        "clarinet | instrument music wood indoors",
        "harp | instrument music wood big bigger_than_breadbox heavy indoors",
        "trombone | instrument music metal bigger_than_breadbox indoors",
    ],
    "furniture": [
        "chair | furniture sitting legs wood indoors bigger_than_breadbox",
        "table | furniture legs wood indoors bigger_than_breadbox heavy",
        "bed | furniture sleeping legs wood fabric soft indoors bedroom big bigger_than_breadbox heavy",
        "desk | furniture legs wood indoors office_room bigger_than_breadbox heavy",
        "couch | furniture sitting legs fabric soft indoors big bigger_than_breadbox heavy",
        "dresser | furniture storage wood indoors bedroom bigger_than_breadbox heavy",
        "bookcase | furniture storage wood indoors big bigger_than_breadbox heavy",
        "nightstand | furniture storage legs wood indoors bedroom bigger_than_breadbox",
        "mattress | furniture sleeping fabric soft indoors bedroom big bigger_than_breadbox heavy",
        "pillow | furniture sleeping fabric soft indoors bedroom bigger_than_breadbox",  # the paper files it under furniture
    ],
    "office supplies": [
        "pen | office writing plastic small indoors office_room",
        "paper;piece of paper | office writing paper small indoors office_room white",
        "stapler | office metal plastic small indoors office_room",
        "printer | office electronic electricity plastic indoors office_room bigger_than_breadbox heavy",
        "calculator | office electronic electricity screen plastic small indoors office_room",
        "battery;battery pack;pack of batteries | office electricity metal small indoors",
        "toothbrush | plastic small indoors",  # listed with office supplies by the paper; it is a bathroom object
        "toothpaste | plastic small indoors white",
        "pencil | office writing wood small indoors office_room",
        "sharpie | office writing plastic small indoors office_room",
        "scissors;pair of scissors | office cutting sharp metal small indoors office_room",
        "key | metal small indoors outdoors",
        "diary | office writing paper small indoors",
        "calendar | office paper indoors office_room",
    ],
    "vegetables": [
        "carrot | food vegetable eating cooking small orange natural",
        "potato | food vegetable eating cooking small brown natural",
        "broccoli | food vegetable eating cooking small green natural",
        "tomato | food vegetable eating cooking small round red natural",  # botanically a fruit; cooks call it a vegetable
        "onion | food vegetable eating cooking small round natural",
        "spinach | food vegetable eating cooking small green natural",
        "corn | food vegetable eating cooking small yellow natural",
        "peas;pea | food vegetable eating cooking small round green natural",
        "celery | food vegetable eating small green natural",
        "cucumber | food vegetable eating small green natural",
    ],
    "art": [
        "painting;canvas painting;oil painting;watercolor painting | art fabric paper colorful indoors bigger_than_breadbox",
        "paintbrush | art wood small indoors",
        "canvas;painting canvas | art fabric wood indoors bigger_than_breadbox white",
        "eraser;pencil eraser | art office rubber small indoors",
        "marker | art office writing plastic small indoors colorful",
        "glue;glue stick;bottle of glue | art office plastic small indoors",
        "sculpture | art stone metal indoors outdoors heavy bigger_than_breadbox",
    ],
    "kitchen tools": [
        "knife | kitchen cooking eating cutting sharp metal small indoors kitchen_room",
        "spoon | kitchen eating metal small indoors kitchen_room",
        "fork | kitchen eating sharp metal small indoors kitchen_room",
        "plate | kitchen eating round glass small indoors kitchen_room",  # ceramic: counted with glass
        "bowl | kitchen eating round glass small indoors kitchen_room",
        "cooking pot;pot | kitchen cooking metal round bigger_than_breadbox indoors kitchen_room heavy",
        "pan;saucepan;frying pan | kitchen cooking metal round indoors kitchen_room",
        "cup | kitchen eating round glass small indoors kitchen_room",
        "chopstick;chopsticks;pair of chopsticks | kitchen eating wood small indoors kitchen_room",
        "whisk | kitchen cooking metal small indoors kitchen_room",
    ],
    "nature": [
        "rock | nature stone natural outdoors heavy small",
        "tree | nature plant alive wood natural outdoors big bigger_than_breadbox heavy green",
        "bush | nature plant alive wood natural outdoors bigger_than_breadbox green garden_place",
        "mountain | nature stone natural outdoors big bigger_than_breadbox heavy",
        "forest | nature plant alive wood natural outdoors big bigger_than_breadbox green",
        "ocean | nature water natural outdoors big bigger_than_breadbox",
        "sea | nature water natural outdoors big bigger_than_breadbox",
        "lake | nature water natural outdoors big bigger_than_breadbox",
        "river | nature water natural outdoors big bigger_than_breadbox",
        "meteorite | nature stone metal natural outdoors heavy flies",
        "cactus | nature plant alive sharp natural outdoors green",
    ],
    "toys": [
        "lego;lego set | toy plastic small indoors colorful",
        "doll;toy doll;plush doll | toy fabric plastic soft indoors",
        "kite | toy flies fabric plastic outdoors bigger_than_breadbox colorful",
        "puzzle;jigsaw puzzle | toy paper indoors colorful",
    ],
    "jewelry": [
        "earring;earrings;pair of earrings | jewelry wearable metal small indoors outdoors",
        "necklace | jewelry wearable metal small indoors outdoors",
        "bracelet | jewelry wearable metal small round indoors outdoors",
        "ring | jewelry wearable metal small round indoors outdoors",
        "brooch | jewelry wearable metal small indoors outdoors",
        "hairclip | jewelry wearable metal plastic small indoors outdoors",
        "pendant | jewelry wearable metal small indoors outdoors",
        "watch | jewelry wearable metal glass small round indoors outdoors electricity",
        "locket | jewelry wearable metal small round indoors outdoors",
    ],
    "garden supplies": [
        "gloves;glove;pair of gloves | garden wearable fabric rubber soft small outdoors garden_place",
        "shovel | garden tool metal wood outdoors garden_place bigger_than_breadbox",
        "rake | garden tool metal wood outdoors garden_place bigger_than_breadbox",
        "watering can | garden water metal plastic outdoors garden_place bigger_than_breadbox",
        "lawn mower | garden tool wheels engine metal outdoors garden_place bigger_than_breadbox heavy sharp",
    ],
    "tools": [
        "hammer | tool metal wood small heavy indoors outdoors",
        "screwdriver | tool metal plastic small indoors",
        "wrench | tool metal small heavy indoors",
        "saw | tool cutting sharp metal wood bigger_than_breadbox indoors outdoors",
        "pliers;plier;pair of pliers | tool metal small indoors",
        "drill | tool electronic electricity metal plastic indoors heavy",
    ],
}


# Each category also answers "Is it a <kind>?": the tag a category gives its members.
_CATEGORY_TAG = {
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
# The paper files these under office supplies; nobody would call them that, so they do not get the tag.
_NOT_OF_THEIR_CATEGORY = {"toothbrush", "toothpaste", "key"}


def _build() -> tuple[WordEntry, ...]:
    entries = []
    for category, rows in _TABLE.items():
        for row in rows:
            names, attrs = row.split("|")
            aliases = tuple(a.strip().lower() for a in names.split(";"))
            tags = set(attrs.split())
            if aliases[0] not in _NOT_OF_THEIR_CATEGORY:
                tags.add(_CATEGORY_TAG[category])
            if "big" in tags:
                tags.add("bigger_than_breadbox")
            if "small" not in tags and "big" not in tags and "bigger_than_breadbox" not in tags:
                tags.add("small")  # hand-held unless said otherwise (e.g. a violin, a pan, a hat)
            tags.add("manmade" if "natural" not in tags and "alive" not in tags else "natural")
            entries.append(WordEntry(aliases[0], aliases, category, frozenset(tags)))
    return tuple(entries)


WORDS: tuple[WordEntry, ...] = _build()
SUBSET: tuple[str, ...] = (
    "football",
    "dog",
    "banana",
    "truck",
    "pants",
    "computer",
    "piano",
    "chair",
    "pen",
    "scissors",
)
_BY_ALIAS = {alias: w for w in WORDS for alias in w.aliases}


def lookup(name: str) -> WordEntry:
    """The entry for a canonical name or alias (case-insensitive)."""
    key = " ".join(name.lower().split())
    if key not in _BY_ALIAS:
        raise KeyError(f"{name!r} is not one of the {len(WORDS)} Twenty Questions objects")
    return _BY_ALIAS[key]
