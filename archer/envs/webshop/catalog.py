"""The store's products and shopping instructions, generated deterministically from a seed.

WebShop's 1.18M scraped Amazon products cannot be had here, so `Catalog(size, seed)` makes a
store of the same shape: every product is a dict with WebShop's keys (`asin`, `Title`, `Price`,
`price`, `category`, `query`, `product_category` as ``"a › b › c"``, `name`, `Attributes`,
`BulletPoints`, `Description`, `Reviews`, `Rating`, `options` as ``{group: [values]}``), drawn
from about thirty product types in WebShop's five top categories (beauty, electronics, fashion,
food, furniture). Product types of one sub-category share attribute words, so a careless shopper
can buy a neighbour that scores partly.

`Catalog.goal(i)` is instruction i, in WebShop's style: one product is the target; the goal
names its type, 1 to 3 of its attributes, option values and a price bound ("i need a long
clip-in hair extension which is natural looking, and price lower than 40.00 dollars"). Goals
are unbounded and each depends only on (seed, i), so index ranges are stable across sizes.

Where it sits: the store (`pages.Store`) holds a catalog and a search index over it; the
reward (`reward.py`) compares a goal with a bought product.

Cost: titles, attributes, options and prices are made eagerly (50k products in a second or so);
bullet points, descriptions and reviews are made on first use from the product's own seed, so
they never depend on which products were looked at before.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from archer.envs.webshop.reward import MODIFIERS

#: WebShop's price bounds: instructions say "price lower than X dollars" for X a multiple of 10.
PRICE_RANGE = [10.0 * i for i in range(1, 100)]

CATEGORY_SEP = " › "

_TOP = {
    "Beauty & Personal Care": "beauty",
    "Electronics": "electronics",
    "Clothing, Shoes & Jewelry": "fashion",
    "Grocery & Gourmet Food": "food",
    "Home & Kitchen": "furniture",
}


@dataclass(frozen=True)
class ProductType:
    """One kind of product: where it sits in the tree and the words its products are made of."""

    path: tuple[str, ...]  # category levels, top first
    query: str  # the search query WebShop scraped it with
    noun: str  # what an instruction calls it ("hair extension")
    title_noun: str  # what a title calls it ("Hair Extensions")
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price: tuple[float, float]

    @property
    def top(self) -> str:
        """WebShop's five top categories: beauty, electronics, fashion, food, furniture."""
        return _TOP[self.path[0]]


# path | query | noun | title noun | attributes | options (group: a/b/c; ...) | price lo-hi
_TYPES = """
Beauty & Personal Care › Hair Care › Hair Extensions & Wigs › Hair Extensions | hair extensions | clip-in hair extension | Clip-in Hair Extensions | natural looking, long lasting, easy to use, heat resistant, high quality, synthetic hair | color: black/dark brown/light brown/blonde/auburn/ash grey; length: 14 inch/18 inch/22 inch/26 inch | 12-60
Beauty & Personal Care › Hair Care › Hair Extensions & Wigs › Wigs | lace front wig | lace front wig | Lace Front Wig | natural looking, heat resistant, high density, pre plucked, human hair, adjustable straps | color: natural black/dark brown/burgundy/platinum blonde; size: 16 inch/20 inch/24 inch | 25-120
Beauty & Personal Care › Hair Care › Shampoo & Conditioner › Shampoo | sulfate free shampoo | shampoo | Shampoo | sulfate free, paraben free, natural ingredients, color safe, cruelty free, dry hair | size: 8 fl oz/12 fl oz/16 fl oz/32 fl oz; scent: coconut/argan oil/tea tree/lavender | 6-35
Beauty & Personal Care › Skin Care › Face › Moisturizers | face moisturizer | face moisturizer | Face Moisturizer Cream | paraben free, fragrance free, dry skin, sensitive skin, hyaluronic acid, cruelty free | size: 1.7 oz/2.5 oz/3.4 oz | 8-55
Beauty & Personal Care › Skin Care › Face › Serums | vitamin c serum | face serum | Vitamin C Serum | hyaluronic acid, anti aging, dark spots, fragrance free, cruelty free, sensitive skin | size: 1 fl oz/2 fl oz | 9-45
Beauty & Personal Care › Makeup › Lips › Lipstick | matte lipstick | lipstick | Matte Lipstick | long lasting, highly pigmented, cruelty free, paraben free, waterproof, easy to use | color: ruby red/nude pink/berry/coral/mauve/plum | 5-30
Beauty & Personal Care › Makeup › Eyes › Mascara | waterproof mascara | mascara | Waterproof Mascara | long lasting, waterproof, cruelty free, paraben free, easy to remove, volumizing | color: black/brown/black brown | 5-25
Electronics › Computers & Accessories › Keyboards, Mice & Accessories › Keyboards | wireless keyboard | wireless keyboard | Wireless Keyboard | bluetooth wireless, easy to use, long battery life, quiet typing, rechargeable battery, ergonomic design | color: black/white/pink/space grey; style: full size/compact | 15-90
Electronics › Computers & Accessories › Keyboards, Mice & Accessories › Mice | wireless mouse | wireless mouse | Wireless Mouse | bluetooth wireless, ergonomic design, long battery life, quiet click, rechargeable battery, plug and play | color: black/white/blue/red/space grey | 8-45
Electronics › Headphones, Earbuds & Accessories › Headphones › Earbuds | wireless earbuds | wireless earbuds | Wireless Earbuds | noise cancelling, bluetooth wireless, long battery life, water resistant, fast charging, hands free | color: black/white/navy blue/rose gold | 15-150
Electronics › Headphones, Earbuds & Accessories › Headphones › Over-Ear Headphones | over ear headphones | over-ear headphone | Over-Ear Headphones | noise cancelling, bluetooth wireless, long battery life, high fidelity, foldable design, built in microphone | color: black/silver/midnight blue/white | 25-250
Electronics › Cell Phones & Accessories › Cases, Holsters & Sleeves › Basic Cases | iphone case | phone case | Phone Case for iPhone 14 | shockproof, slim fit, wireless charging, easy install, scratch resistant, heavy duty | color: clear/black/purple/sage green/pink; size: iphone 14/iphone 14 plus/iphone 14 pro/iphone 14 pro max | 6-35
Electronics › Cell Phones & Accessories › Chargers & Power Adapters › Wall Chargers | usb c charger | usb c charger | USB C Wall Charger | fast charging, compact design, overheat protection, foldable plug, high speed, travel friendly | style: 20w/30w/65w; color: white/black | 9-50
Electronics › Television & Video › Accessories › TV Mounts | tv wall mount | tv wall mount | TV Wall Mount | heavy duty, easy install, full motion, space saving, tilting design, universal fit | size: 32-55 inch/42-70 inch/55-85 inch | 18-110
Clothing, Shoes & Jewelry › Women › Clothing › Dresses | summer dress | summer dress | Summer Dress for Women | machine washable, short sleeve, v neck, quality polyester, loose fit, casual style | color: black/floral blue/red/green/white; size: small/medium/large/x-large/xx-large | 15-60
Clothing, Shoes & Jewelry › Women › Clothing › Tops, Tees & Blouses | women blouse | womens blouse | Blouse for Women | machine washable, long sleeve, button down, loose fit, soft material, casual style | color: white/black/wine red/sky blue/beige; size: small/medium/large/x-large | 12-45
Clothing, Shoes & Jewelry › Men › Clothing › Shirts › T-Shirts | mens t-shirt | men's t-shirt | T-Shirt for Men | machine washable, moisture wicking, short sleeve, cotton spandex, regular fit, quick dry | color: black/navy blue/heather grey/white/olive green; size: small/medium/large/x-large/xx-large | 10-35
Clothing, Shoes & Jewelry › Men › Clothing › Pants | mens jogger pants | men's jogger pant | Jogger Pants for Men | machine washable, elastic waistband, drawstring closure, moisture wicking, slim fit, quick dry | color: black/khaki/charcoal/navy blue; size: small/medium/large/x-large/xx-large | 18-55
Clothing, Shoes & Jewelry › Women › Shoes › Sneakers | womens running shoes | women's running shoe | Running Shoes for Women | non slip, lightweight, breathable mesh, rubber sole, arch support, memory foam | color: white/black/pink/grey/purple; size: 6/6.5/7/7.5/8/8.5/9/10 | 25-95
Clothing, Shoes & Jewelry › Men › Shoes › Boots | mens work boots | men's work boot | Work Boots for Men | non slip, steel toe, waterproof, rubber sole, slip resistant, ankle support | color: brown/black/tan; size: 8/9/10/10.5/11/12 | 40-160
Grocery & Gourmet Food › Snacks & Sweets › Snack Foods › Protein Bars | protein bars | protein bar | Protein Bars | gluten free, high protein, low sugar, non gmo, plant based, keto friendly | flavor: chocolate peanut butter/cookie dough/salted caramel/mint chocolate; size: 12 count/24 count | 12-45
Grocery & Gourmet Food › Snacks & Sweets › Snack Foods › Chips & Crisps | potato chips | potato chip | Kettle Cooked Potato Chips | gluten free, non gmo, kosher certified, individually wrapped, low sodium, vegan | flavor: sea salt/salt and vinegar/jalapeno/bbq; size: 1 oz pack of 24/2 oz pack of 12 | 10-35
Grocery & Gourmet Food › Beverages › Coffee, Tea & Cocoa › Coffee | ground coffee | ground coffee | Ground Coffee | medium roast, fair trade, usda organic, non gmo, dark roast, kosher certified | flavor: original/french vanilla/hazelnut/colombian; size: 12 ounce/24 ounce/32 ounce | 8-40
Grocery & Gourmet Food › Beverages › Coffee, Tea & Cocoa › Tea | green tea bags | green tea | Green Tea Bags | caffeine free, usda organic, non gmo, gluten free, sugar free, individually wrapped | flavor: jasmine/matcha/lemon ginger/mint; size: 20 count/50 count/100 count | 5-30
Grocery & Gourmet Food › Pantry Staples › Sauces & Condiments › Hot Sauce | hot sauce | hot sauce | Hot Sauce | gluten free, sugar free, non gmo, vegan, keto friendly, low calorie | flavor: habanero/chipotle/garlic/ghost pepper; size: 5 fl oz/10 fl oz/pack of 3 | 5-30
Grocery & Gourmet Food › Pantry Staples › Baking Supplies › Flours | almond flour | almond flour | Blanched Almond Flour | gluten free, keto friendly, non gmo, high protein, kosher certified, usda organic | size: 1 pound/2 pound/3 pound | 7-35
Home & Kitchen › Furniture › Living Room Furniture › Sofas & Couches | sofa couch | sofa couch | Sofa Couch | easy assembly, mid century, solid wood, living room, high density foam, easy clean | color: grey/beige/navy blue/dark green; size: loveseat/3 seater/sectional | 180-900
Home & Kitchen › Furniture › Living Room Furniture › Coffee Tables | coffee table | coffee table | Coffee Table | easy assembly, storage space, solid wood, living room, mid century, engineered wood | color: walnut/rustic brown/white/black oak | 50-300
Home & Kitchen › Furniture › Bedroom Furniture › Beds, Frames & Bases | bed frame | bed frame | Metal Platform Bed Frame | easy assembly, heavy duty, noise free, storage space, no box spring needed, steel frame | size: twin/full/queen/king | 80-400
Home & Kitchen › Furniture › Bedroom Furniture › Nightstands | nightstand | nightstand | Nightstand with Drawer | easy assembly, storage space, engineered wood, bedroom furniture, space saving, mid century | color: white/black/rustic brown/grey | 30-150
Home & Kitchen › Furniture › Home Office Furniture › Office Chairs | office chair | office chair | Ergonomic Office Chair | lumbar support, height adjustable, easy assembly, high back, breathable mesh, heavy duty | color: black/grey/white/blue | 60-350
Home & Kitchen › Furniture › Home Office Furniture › Desks | standing desk | standing desk | Electric Standing Desk | height adjustable, easy assembly, heavy duty, steel frame, space saving, memory preset | color: black/white/walnut/maple; size: 40 inch/48 inch/55 inch | 120-600
"""  # noqa: E501 - one product type a line reads best as a table


def _parse_types(text: str) -> tuple[ProductType, ...]:
    types = []
    for line in text.strip().splitlines():
        path, query, noun, title_noun, attrs, options, price = (part.strip() for part in line.split(" | "))
        groups = []
        for group in options.split(";"):
            name, values = group.split(":", 1)
            groups.append((name.strip(), tuple(v.strip() for v in values.split("/"))))
        lo, hi = price.split("-")
        types.append(
            ProductType(
                path=tuple(p.strip() for p in path.split("›")),
                query=query,
                noun=noun,
                title_noun=title_noun,
                attributes=tuple(a.strip() for a in attrs.split(",")),
                options=tuple(groups),
                price=(float(lo), float(hi)),
            )
        )
    return tuple(types)


PRODUCT_TYPES: tuple[ProductType, ...] = _parse_types(_TYPES)

_SYLLABLES = "ka lo mi ra ven to sa lu ne zo fi ta mo ri el an or ix de bu".split()
# Title modifiers must be words the reward does not count as nouns.
_TITLE_WORDS = sorted(MODIFIERS & {"new", "premium", "classic", "modern", "upgraded", "portable", "deluxe"})
_SPECS = ("1 Pack", "2 Pack", "Set of 2", "Gift Box", "2024 Version", "Value Pack")
_OPENERS = (
    "i need",
    "i am looking for",
    "i'm looking for",
    "i want",
    "i would like",
    "find me",
    "get me",
    "i need to buy",
)
_REVIEW_TITLES = {
    5: ("Love it!", "Exactly as described", "Great value", "Highly recommend"),
    4: ("Very good", "Works well", "Happy with it"),
    3: ("It's okay", "Decent for the price"),
    2: ("Not great", "Disappointed"),
    1: ("Waste of money", "Broke quickly"),
}
_REVIEW_BODIES = (
    "I bought this {noun} last month and it is {attr} as promised.",
    "The {noun} arrived quickly. {Attr}, would buy again.",
    "Not sure about the {opt}, but the {noun} itself is fine.",
    "Good {noun} overall, though it could be more {attr}.",
    "My second {noun} from this brand; {attr} and well made.",
)


def _brands(seed: int, n: int = 240) -> list[str]:
    rng = random.Random(f"brands-{seed}")
    names: set[str] = set()
    while len(names) < n:
        names.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


_ASIN_DIGITS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _asin(rng: random.Random) -> str:
    """`B0` and 8 base-34 digits from one draw (one call instead of eight: catalog start time)."""
    n = rng.getrandbits(48) % 34**8
    digits = []
    for _ in range(8):
        n, d = divmod(n, 34)
        digits.append(_ASIN_DIGITS[d])
    return "B0" + "".join(digits)


@cache
def _title_case(phrase: str) -> str:
    return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in phrase.split())


def price_text(price: float) -> str:
    """How a page shows a price: `$19.99`."""
    return f"${price:.2f}"


class Product(dict):
    """A product as a dict with WebShop's keys; the long texts are made on first read."""

    _LAZY = ("BulletPoints", "Description", "Reviews", "Rating")

    def __init__(self, seed: int, ptype: ProductType, **fields: Any) -> None:
        super().__init__(**fields)
        self._seed = seed
        self.ptype = ptype

    def __missing__(self, key: str) -> Any:
        if key not in self._LAZY:
            raise KeyError(key)
        self._fill_text()
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._LAZY

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def _fill_text(self) -> None:
        rng = random.Random(self._seed ^ 0x5EED)
        t, attrs = self.ptype, list(self["Attributes"])
        noun = t.noun
        bullets = []
        for attr in rng.sample(attrs, min(len(attrs), rng.randint(2, 4))):
            bullets.append(f"{attr.upper()}: this {noun} is {attr}, made for everyday use and tested for quality.")
        groups = self["options"]
        if groups:
            name, values = next(iter(groups.items()))
            bullets.append(f"CHOICES: available in {len(values)} {name} options to fit your needs.")
        bullets.append(f"WHAT YOU GET: {self['Title']}, with a 30 day hassle free return policy.")
        extra = rng.choice([a for a in t.attributes if a not in attrs] or attrs)
        desc = (
            f"{self['Title']}. Our {noun} is designed for people who care about the details. "
            f"It is {attrs[0]} and {attrs[-1]}, and the {t.path[-1].lower()} you can count on. "
            f"Compared with other {t.query} it aims to be {extra if rng.random() < 0.3 else 'simple and reliable'}."
        )
        reviews = []
        for _ in range(rng.choice((0, 1, 2, 2, 3))):
            score = rng.choice((5, 5, 4, 4, 3, 2, 1))
            opt = rng.choice([v for vs in groups.values() for v in vs] or ["size"])
            attr = rng.choice(attrs)
            body = rng.choice(_REVIEW_BODIES).format(noun=noun, attr=attr, Attr=attr.capitalize(), opt=opt)
            reviews.append({"title": rng.choice(_REVIEW_TITLES[score]), "score": score, "body": body})
        rating = f"{sum(r['score'] for r in reviews) / len(reviews):.1f}" if reviews else "N.A."
        self.update(BulletPoints=bullets, Description=desc, Reviews=reviews, Rating=rating)


class Catalog:
    """`size` products made from `seed`; `goal(i)` is instruction i. Same (size, seed), same store."""

    def __init__(self, size: int = 3000, seed: int = 0) -> None:
        if size < 1:
            raise ValueError(f"a catalog needs at least one product, got {size}")
        self.size = size
        self.seed = seed
        brands = _brands(seed)
        rng = random.Random(f"catalog-{seed}")
        self.products: list[Product] = []
        self.by_asin: dict[str, Product] = {}
        for index in range(size):
            product = self._make_product(rng, brands, index)
            while product["asin"] in self.by_asin:  # astronomically rare; keeps asins unique
                product["asin"] = _asin(rng)
            self.products.append(product)
            self.by_asin[product["asin"]] = product

    def _make_product(self, rng: random.Random, brands: list[str], index: int) -> Product:
        t = PRODUCT_TYPES[index % len(PRODUCT_TYPES)] if index < len(PRODUCT_TYPES) else rng.choice(PRODUCT_TYPES)
        asin = _asin(rng)
        attrs = rng.sample(t.attributes, rng.randint(3, min(5, len(t.attributes))))
        options: dict[str, list[str]] = {}
        for name, values in t.options:
            if rng.random() < 0.9:
                k = rng.randint(min(2, len(values)), len(values))
                chosen = set(rng.sample(values, k))
                options[name] = [v for v in values if v in chosen]  # keep the type's natural order
        lo, hi = t.price
        price = round(rng.uniform(lo, hi)) - 0.01 if rng.random() < 0.7 else round(rng.uniform(lo, hi), 2)
        price = max(price, 0.99)
        words = [rng.choice(brands)]
        if rng.random() < 0.3:
            words.append(rng.choice(_TITLE_WORDS).capitalize())
        # up to two different attribute phrases, none repeating a word of the type's own name
        noun_words = set(t.title_noun.lower().split())
        shown = [a for a in attrs if not set(a.split()) & noun_words] or attrs
        pair = rng.sample(shown, min(2, len(shown)))
        if rng.random() < 0.6:
            words.append(_title_case(pair[0]))
        words.append(t.title_noun)
        if rng.random() < 0.4 and len(pair) == 2:
            words.append(_title_case(pair[1]))
        if rng.random() < 0.3:
            words.append(rng.choice(_SPECS))
        title = " ".join(words)
        return Product(
            rng.getrandbits(48),
            t,
            asin=asin,
            Title=title,
            name=title,
            price=price,
            pricing=[price],
            Price=price_text(price),
            category=t.top,
            query=t.query,
            product_category=CATEGORY_SEP.join(t.path),
            Attributes=attrs,
            options=options,
        )

    # ------------------------------------------------------------------ instructions

    def goal(self, index: int) -> dict[str, Any]:
        """Instruction `index` (any integer >= 0): a target product and what the shopper must match."""
        if index < 0:
            raise ValueError(f"goal index must be >= 0, got {index}")
        rng = random.Random(f"goal-{self.seed}-{index}")
        product = self.products[rng.randrange(self.size)]
        t: ProductType = product.ptype
        attrs = rng.sample(product["Attributes"], rng.randint(1, min(3, len(product["Attributes"]))))
        goal_options = {name: rng.choice(values) for name, values in product["options"].items() if rng.random() < 0.75}
        price = product["price"]
        above = [p for p in PRICE_RANGE if p > price][:4]
        if len(above) >= 2:
            price_upper = sorted(rng.sample(above, 2))[1]
            price_clause = f", and price lower than {price_upper:.2f} dollars"
        else:
            price_upper, price_clause = 1_000_000.0, ""
        return {
            "asin": product["asin"],
            "category": product["category"],
            "query": product["query"],
            "name": product["name"],
            "product_category": product["product_category"],
            "instruction_text": _instruction(rng, t, attrs, goal_options) + price_clause,
            "attributes": attrs,
            "price_upper": price_upper,
            "goal_options": goal_options,
        }

    def tokenizer_corpus(self, limit: int = 2000) -> list[str]:
        """Text a tokenizer for this store should cover: titles, attributes, options, instructions."""
        lines = [p["Title"] for p in self.products[:limit]]
        for t in PRODUCT_TYPES:
            lines += [t.noun, t.query, CATEGORY_SEP.join(t.path), ", ".join(t.attributes)]
            lines += [f"{name}: {' '.join(values)}" for name, values in t.options]
        lines += [self.goal(i)["instruction_text"] for i in range(min(limit, 500))]
        return lines


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _instruction(rng: random.Random, t: ProductType, attrs: list[str], options: dict[str, str]) -> str:
    """An instruction in the style of WebShop's crowd-written ones (lower case, one sentence)."""
    opener = rng.choice(_OPENERS)
    lead, rest = (attrs[0], attrs[1:]) if rng.random() < 0.5 else ("", attrs)
    thing = f"{lead} {t.noun}" if lead else t.noun
    if not rng.random() < 0.3:
        thing = f"{_article(thing)} {thing}"
    text = f"{opener} {thing}"
    if rest:
        joined = rest[0] if len(rest) == 1 else ", ".join(rest[:-1]) + " and " + rest[-1]
        text += rng.choice((" that is ", " which is ", " that is ", ", ")) + joined
    if options:
        parts = list(options.items())
        if rng.random() < 0.5:
            text += " with " + ", and ".join(f"{name}: {value}" for name, value in parts)
        else:
            phrases = [f"in {value} {name}" if name == "color" else f"{name} {value}" for name, value in parts]
            text += (" " if phrases[0].startswith("in ") else " in ") + " and ".join(phrases)
    return text
