"""WebShop's reward for a purchase, as pure functions on dicts.

On `buy now` (Yao et al., 2022, and `web_agent_site/engine/goal.py`):

    reward = r_type * (attributes matched + options matched + [price <= bound])
                    / (goal attributes + goal options + 1)

- A goal attribute is matched if some attribute of the bought product has fuzzy token-set
  similarity above 85 (of 100) with it, or else if it appears in the product's title, bullet
  points or description (lower-cased).
- An option the shopper chose is matched if it equals a goal option (exactly for `size`, fuzzy
  token-set above 85 otherwise, after colour names are normalised), or else appears in the title,
  bullet points or description. Chosen options are what is counted, as in WebShop, so choosing an
  option of a group the goal does not name can still score (WebShop's own quirk, kept).
- r_type is 1 if the bought product fits the goal's type (same search query, or at least two
  shared category levels, or a title sharing more than 20% of the goal title's nouns), 0.5 if
  none of these hold, then 0.1 if under 10% of the goal's nouns are shared and 0 if none are.

Inputs: `goal` has `query`, `product_category` ("a › b › c"), `name` (the target's title),
`attributes` (list), `goal_options` (dict or list of values), `price_upper`; `product` has
`query`, `product_category`, `name` or `Title`, `Title`, `Attributes`, `BulletPoints`,
`Description`; `options` is {group: chosen value}.

WebShop finds nouns with spaCy's tagger; that model cannot be downloaded here, so `nouns` keeps
the words of a title that are not function words, numbers or known modifiers (adjectives and
attribute words). For this store's titles (brand + modifiers + attribute phrase + type nouns)
that is the same set a tagger returns.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz, utils

#: Options compared exactly (WebShop's EXACT_MATCH_OPTS).
EXACT_MATCH_OPTIONS = ("size",)
FUZZY_THRESHOLD = 85

#: Base colours: a colour option is normalised to the first of these it contains as a word.
COLORS = (
    "black", "white", "blue", "red", "green", "yellow", "pink", "purple", "orange", "brown", "grey", "gray",
    "beige", "gold", "silver", "navy", "khaki", "tan", "ivory", "burgundy", "coral", "teal", "olive",
)  # fmt: skip

_FUNCTION_WORDS = frozenset(
    """a an the and or of for with in on to by at from as is it its this that these those be are was were your you
    i my me we our us he she they them his her their not no all any each per up out into over under than then so
    very more most less can will just only also""".split()
)

#: Words a title uses as modifiers, never as nouns (adjectives, participles, attribute words).
MODIFIERS = frozenset(
    """new premium classic modern upgraded portable deluxe professional natural looking long lasting easy use heat
    resistant high quality synthetic density pre plucked human adjustable sulfate free paraben ingredients color safe
    cruelty dry fragrance sensitive hyaluronic anti aging dark highly pigmented waterproof remove volumizing bluetooth
    wireless battery life quiet typing rechargeable ergonomic click plug play noise cancelling water fast charging
    hands fidelity foldable built shockproof slim fit install scratch heavy duty compact overheat protection speed
    travel friendly full motion saving tilting universal machine washable short sleeve v neck polyester loose casual
    button down soft moisture wicking cotton regular quick elastic drawstring non slip lightweight breathable mesh
    rubber arch memory steel toe ankle gluten protein low sugar gmo plant based keto individually wrapped sodium vegan
    medium roast fair trade usda organic kosher certified caffeine calorie assembly mid century solid living high
    foam clean engineered noise needed lumbar height back electric preset metal platform blanched kettle cooked
    ground matte running over ear clip lace front women men womens mens""".split()
)

_WORD = re.compile(r"[a-z][a-z']*")


def nouns(text: str) -> list[str]:
    """The noun-like words of a title: lower-case words that are not function words, numbers or modifiers."""
    out = []
    for word in _WORD.findall(text.lower()):
        word = word.strip("'-")
        if len(word) > 1 and word not in _FUNCTION_WORDS and word not in MODIFIERS:
            out.append(word)
    return out


def normalize_color(value: str) -> str:
    """The base colour a colour name contains ('dark brown' -> 'brown'), else the value unchanged."""
    for color in COLORS:
        if re.search(rf"\b{color}\b", value):
            return color
    return value


def similarity(a: str, b: str) -> float:
    """Token-set similarity in [0, 100] after lower-casing and dropping punctuation (thefuzz's default, as WebShop)."""
    return fuzz.token_set_ratio(a, b, processor=utils.default_process)


def _product_text(product: dict[str, Any]) -> tuple[str, str, str]:
    return (
        str(product.get("Title", "")).lower(),
        " ".join(product.get("BulletPoints", []) or []).lower(),
        str(product.get("Description", "")).lower(),
    )


def _in_text(value: str, product: dict[str, Any]) -> bool:
    return any(value in part for part in _product_text(product))


def type_reward(product: dict[str, Any], goal: dict[str, Any]) -> dict[str, Any]:
    """r_type and its parts: query_match, category_match, title_score."""
    query_match = product.get("query") == goal.get("query")
    bought_levels = {x.strip() for x in str(product.get("product_category", "")).split("›")}
    goal_levels = {x.strip() for x in str(goal.get("product_category", "")).split("›")}
    category_match = len((bought_levels & goal_levels) - {""}) >= 2
    bought_nouns = set(nouns(str(product.get("name") or product.get("Title", ""))))
    goal_nouns = set(nouns(str(goal.get("name", ""))))
    title_score = len(bought_nouns & goal_nouns) / len(goal_nouns) if goal_nouns else 0.2
    r_type = 1.0
    if not (query_match or category_match or title_score > 0.2):
        r_type = 0.5
    if title_score < 0.1:
        r_type = 0.1
    if title_score == 0.0:
        r_type = 0.0
    return {"r_type": r_type, "query_match": query_match, "category_match": category_match, "title_score": title_score}


def attribute_matches(product: dict[str, Any], goal_attributes: list[str]) -> int:
    """How many goal attributes the product has (fuzzy over its attributes, else in its texts)."""
    product_attrs = list(product.get("Attributes", []) or [])
    matched = 0
    for g_attr in goal_attributes:
        if any(similarity(p_attr, g_attr) > FUZZY_THRESHOLD for p_attr in product_attrs):
            matched += 1
        elif _in_text(g_attr.lower(), product):
            matched += 1
    return matched


def option_matches(product: dict[str, Any], goal_options: list[str], chosen: dict[str, str]) -> int:
    """How many chosen options match a goal option (exact for size, fuzzy otherwise), else the product's texts."""
    goal_values = [normalize_color(str(v).lower()) for v in goal_options]
    matched = 0
    for name, value in chosen.items():
        value = normalize_color(str(value).lower())
        if str(name).lower() in EXACT_MATCH_OPTIONS:
            hit = value in goal_values
        else:
            hit = any(similarity(g, value) > FUZZY_THRESHOLD for g in goal_values)
        if hit or _in_text(value, product):
            matched += 1
    return matched


def goal_option_values(goal: dict[str, Any]) -> list[str]:
    options = goal.get("goal_options", []) or []
    return list(options.values()) if isinstance(options, dict) else list(options)


def get_reward(
    product: dict[str, Any], goal: dict[str, Any], price: float, options: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    """The reward of buying `product` at `price` with `options` chosen, for `goal`; and its parts."""
    type_info = type_reward(product, goal)
    goal_attrs = list(goal.get("attributes", []) or [])
    goal_opts = goal_option_values(goal)
    price_upper = float(goal.get("price_upper", 0) or 0)
    price_ok = price <= price_upper if price_upper > 0 else False
    n_attr = attribute_matches(product, goal_attrs)
    n_opt = option_matches(product, goal_opts, options)
    denominator = len(goal_attrs) + len(goal_opts) + 1
    reward = type_info["r_type"] * (n_attr + n_opt + int(price_ok)) / denominator
    info = {
        **type_info,
        "attributes_matched": n_attr,
        "options_matched": n_opt,
        "price_ok": price_ok,
        "r_att": n_attr / len(goal_attrs) if goal_attrs else None,
        "r_option": n_opt / len(goal_opts) if goal_opts else None,
    }
    return reward, info
