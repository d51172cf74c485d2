"""Guess My City (the ArCHer paper's task, from LMRL-Gym) with a local knowledge-base oracle.

A hidden city among the paper's 91 (`guess_my_city_facts`); each turn the agent asks one free-form
question. Reward -1 per question, 0 for the question that names the hidden city (or an alias:
Bombay/Mumbai, Kiev/Kyiv, ...) as a whole word or phrase, which ends the game; at most `max_turns`
(20) questions. The reference tested `name in question`, so "lima" inside "climate" won; here a
name counts only as whole words, and a question that names several cities names none of them
(listing cities never wins). The observation starts as `Questions:\\n` (the reference's) and each
turn appends `<question> <answer>\\n`.

The paper's oracle was a fine-tuned flan-t5-small that cannot be downloaded here, so
`KnowledgeOracle` answers from the knowledge base:

- yes/no questions ("Is your city in South America?", "Is it near the coast?", "Is it a
  capital?", "Do people speak Spanish there?", "Is the population over 10 million?", "Is it a
  coastal capital in Europe?") with `Yes.` / `No.`, or `I don't know.` where the knowledge base
  has no confident answer; several conditions are joined by "and" (or by "or" when the question
  says "or");
- open questions ("What language is spoken there?", "What is the weather like?", "What continent
  is it on?", "What is a famous landmark?", "What food is it known for?", "How many people live
  there?", ...) with a short natural sentence;
- anything else with `I don't understand the question.`

No answer ever names the city: an answer that would (even as a prefix, "Parisian") is replaced by
`I can't answer that question.`, as the reference did. `HFOracle` asks a Hugging Face model
instead (loaded on first use, never at import), with the same replacement.

The scripted player (demonstrations) keeps the cities consistent with every answer so far (it asks
the knowledge base how each candidate would have answered). With chance `skill` it asks the
question that splits the candidates best (at skill 1 it plays well: about 2 turns a game);
otherwise it plays like a weak human: it works through a fixed list of attribute questions in a
poor order (rare properties first, then continents one by one, languages, climate, and only then
the continent and the country), learns only from the `Yes.`/`No.` answers and the continent and
country, and then guesses among the cities still consistent; one turn in ten it guesses a random
candidate early. Measured win rates and returns: `docs/environments.md`.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

from archer.envs.base import ScriptedPlayer as _ScriptedPlayerBase
from archer.envs.base import StepResult, TextEnv, clean_action
from archer.envs.guess_my_city_facts import (
    CITIES,
    COUNTRIES,
    NOT_THE_CITY,
    OTHER_CITIES,
    OTHER_COUNTRIES,
    CityEntry,
    lookup,
    normalise,
)

YES, NO, UNKNOWN = "Yes.", "No.", "I don't know."
INVALID = "I don't understand the question."
REFUSE = "I can't answer that question."
HEADER = "Questions:\n"
#: Replies the scripted player and tests treat as fixed (the open answers are sentences).
FIXED_REPLIES = (YES, NO, UNKNOWN, INVALID, REFUSE)

Pred = tuple[Any, ...]


# ---------------------------------------------------------------- naming cities


class PhraseIndex:
    """Finds known phrases in a normalised text as whole words, longest first, without overlaps.

    A dictionary lookup of every word n-gram: linear in the text, so a 1,000-character question
    costs no more than a short one whatever the number of phrases.
    """

    def __init__(self, phrases: dict[str, Any]) -> None:
        self.phrases = {p: v for p, v in phrases.items() if p}
        self.longest = max((len(p.split()) for p in self.phrases), default=0)

    def scan(self, text: str) -> tuple[list[tuple[int, Any]], str]:
        """([(word position, value), ...] in text order, the text with each found phrase replaced by '#')."""
        words = text.split()
        hits = []
        for i in range(len(words)):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                phrase = " ".join(words[i : i + n])
                if phrase in self.phrases:
                    hits.append((n, i, phrase))
                    break
        taken = [False] * len(words)
        chosen = []
        for n, i, phrase in sorted(hits, key=lambda h: (-h[0], -len(h[2]), h[1])):
            if not any(taken[i : i + n]):
                taken[i : i + n] = [True] * n
                chosen.append((i, n, self.phrases[phrase]))
        chosen.sort(key=lambda c: c[0])
        out, i = [], 0
        starts = {c[0]: c[1] for c in chosen}
        while i < len(words):
            if i in starts:
                out.append("#")
                i += starts[i]
            else:
                out.append(words[i])
                i += 1
        return [(i, v) for i, _, v in chosen], " ".join(out)


_NOT_A_CITY = object()


@lru_cache(maxsize=1)
def _city_index() -> PhraseIndex:
    """Every city alias (None: a city outside the game) and the phrases that never name a city."""
    table: dict[str, Any] = {normalise(o): None for o in OTHER_CITIES}
    table.update({a: c for c in CITIES for a in c.aliases})
    table.update({normalise(p): _NOT_A_CITY for p in NOT_THE_CITY})
    return PhraseIndex(table)


@lru_cache(maxsize=65536)
def _named(text: str) -> tuple[tuple[CityEntry | None, ...], str]:
    """(cities a normalised text names, in order found; None for a city outside the game), text with them cut out."""
    hits, rest = _city_index().scan(text)
    found: list[CityEntry | None] = []
    for _, city in hits:
        if city is not _NOT_A_CITY and (city is None or city not in found):
            found.append(city)
    return tuple(found), rest


def named_cities(question: str) -> list[CityEntry]:
    """The game's cities a question names as whole words or phrases ("lima" is not in "climate")."""
    return [c for c in _named(normalise(clean_action(question)))[0] if c is not None]


def names_only(question: str, city: CityEntry) -> bool:
    """True when the question names `city` and no other city: the winning move."""
    found = _named(normalise(clean_action(question)))[0]
    return len(found) == 1 and found[0] == city


@lru_cache(maxsize=128)
def _reveal_re(city: CityEntry) -> re.Pattern[str]:
    # A prefix match: "Parisian", "Cantonese" and "Hyderabadi" give the city away too.
    return re.compile("|".join(rf"\b{re.escape(a)}" for a in sorted(city.aliases, key=len, reverse=True)))


def reveals(city: CityEntry, answer: str) -> bool:
    """Whether an answer names the city (any alias, also as the start of a longer word)."""
    return bool(_reveal_re(city).search(normalise(answer)))


def guard(city: CityEntry, answer: str) -> str:
    """The answer, or `I can't answer that question.` if it names the city."""
    return REFUSE if reveals(city, answer) else answer


# ---------------------------------------------------------------- derived facts


def _strip_article(text: str) -> str:
    return re.sub(r"^(the|a|an) ", "", text)


def _keys(display: str) -> list[str]:
    """Match keys of a landmark or dish: its name before any comma, and a name in parentheses."""
    if re.match(r"(?i)(a|an|its) ", display):
        return []
    head = re.sub(r"\(.*?\)", " ", display.split(",")[0])
    keys = [_strip_article(normalise(head))]
    for inner in re.findall(r"\((.*?)\)", display):
        if " " not in inner.strip():
            keys.append(_strip_article(normalise(inner)))
    return [k for k in keys if len(k) >= 4]


#: Landmark names shared by several places: naming one gets "I don't know." from other cities, not "No.".
_AMBIGUOUS_LANDMARKS = {
    normalise(x)
    for x in (
        "grand bazaar", "gold museum", "summer palace", "red fort", "grand palace", "national museum",
        "victoria memorial", "egyptian museum", "la candelaria", "monastery of san francisco",
        "shalimar gardens", "walled city", "kebun raya botanical gardens", "cerro san cristobal",
        "zhaoling tomb", "east lake", "opera house", "national parliament house", "mount bromo nearby",
        "central street", "sun island", "teatro colon", "muslim quarter", "heroes monument",
        "arch of triumph", "ancient forum", "longshan temple", "saint sophia s cathedral",
        "independence square", "motherland monument", "russian street", "holy trinity cathedral",
        "country s main international airport", "el capitolio", "praca da liberdade square",
        "notre dame cathedral", "mount gede pangrango nearby", "cristo rey statue",
        "hill of the three crosses", "la ermita church", "san antonio neighbourhood", "santa ana hill",
        "twin pagoda temple", "national congress", "museum district", "galleria shopping mall",
        "metrocable cable cars", "chain bridge", "university city campus", "marine drive",
        "landmark tower", "harbour bridge", "maidan", "national monument",
    )
}  # fmt: skip

_INDUSTRY_TAGS: dict[str, tuple[str, ...]] = {
    "finance": ("finance", "financial", "banking", "banks", "bank", "stock exchange"),
    "technology": ("technology", "tech", "software", "electronics", "information technology", "computers"),
    "tourism": ("tourism", "tourist", "tourists", "tourist industry", "pilgrimage"),
    "cars": ("car", "cars", "automobile", "automobiles", "automotive", "car industry", "motorcycles"),
    "oil": ("oil", "petroleum", "gas", "petrochemicals", "petrochemical"),
    "textiles": ("textile", "textiles", "garment", "garments", "cotton", "clothing industry"),
    "film": ("film", "films", "movie", "movies", "cinema", "film industry", "bollywood"),
    "shipping": ("shipping", "port", "seaport", "shipbuilding", "port trade"),
    "government": ("government", "politics", "political"),
    "steel": ("steel", "iron"),
    "mining": ("mining", "coal", "mines"),
    "aerospace": ("aerospace", "aircraft", "aviation", "airplanes", "planes"),
    "manufacturing": ("manufacturing", "factories", "industrial", "heavy industry", "machinery"),
    "education": ("universities", "university", "education", "research"),
    "trade": ("trade", "commerce", "trading"),
}

_SPORT_KEYS: dict[str, tuple[str, ...]] = {
    "football": ("football",),
    "soccer": ("soccer",),
    "american football": ("american football", "nfl"),
    "australian rules football": ("australian rules football", "aussie rules", "afl"),
    "rugby": ("rugby", "rugby league", "rugby union"),
    "cricket": ("cricket",),
    "baseball": ("baseball",),
    "basketball": ("basketball",),
    "hockey": ("hockey",),
    "ice hockey": ("ice hockey",),
    "field hockey": ("field hockey",),
    "tennis": ("tennis",),
    "table tennis": ("table tennis", "ping pong"),
    "badminton": ("badminton",),
    "sumo": ("sumo", "sumo wrestling"),
    "wrestling": ("wrestling",),
    "boxing": ("boxing",),
    "running": ("running", "long distance running", "marathon", "athletics"),
    "cycling": ("cycling",),
    "polo": ("polo",),
    "water polo": ("water polo",),
    "volleyball": ("volleyball",),
    "surfing": ("surfing",),
    "motor racing": ("motor racing", "formula one", "formula 1", "f1", "grand prix"),
    "sailing": ("sailing",),
    "winter sports": ("winter sports", "skating", "ice skating", "skiing"),
    "muay thai": ("muay thai", "kickboxing"),
    "capoeira": ("capoeira",),
    "chinlone": ("chinlone",),
}
#: A sport listed for a city implies these too ("American football" is football).
_SPORT_IMPLIES = {
    "american football": ("football",),
    "australian rules football": ("football",),
    "football (soccer)": ("football", "soccer"),
    "ice hockey": ("hockey",),
    "field hockey": ("hockey",),
    "rugby league": ("rugby",),
    "long-distance running": ("running",),
    "sumo": ("wrestling",),
}
#: Sports popular only in some countries: elsewhere "Is cricket popular?" is "No." (else "I don't know.").
_SPORT_COUNTRIES = {
    "cricket": {"India", "Pakistan", "Bangladesh", "United Kingdom", "Australia"},
    "baseball": {"United States", "Japan", "South Korea", "Taiwan", "Cuba", "Venezuela", "Canada"},
    "american football": {"United States"},
    "australian rules football": {"Australia"},
    "sumo": {"Japan"},
}

#: Language names in questions: key -> phrases. City languages map onto these keys.
_LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "korean": ("korean",), "portuguese": ("portuguese",), "marathi": ("marathi",), "hindi": ("hindi",),
    "english": ("english",), "gujarati": ("gujarati",), "urdu": ("urdu",),
    "indonesian": ("indonesian", "bahasa indonesia", "bahasa"),
    "javanese": ("javanese",), "sundanese": ("sundanese",), "betawi": ("betawi",), "sindhi": ("sindhi",),
    "pashto": ("pashto", "pushto"), "punjabi": ("punjabi",), "russian": ("russian",), "turkish": ("turkish",),
    "chinese": ("chinese",), "mandarin": ("mandarin",), "wu": ("wu", "shanghainese"), "cantonese": ("cantonese",),
    "hokkien": ("hokkien", "taiwanese"), "japanese": ("japanese",), "thai": ("thai",), "arabic": ("arabic",),
    "persian": ("persian", "farsi"), "azerbaijani": ("azerbaijani", "azeri"), "spanish": ("spanish",),
    "quechua": ("quechua",), "bengali": ("bengali", "bangla"), "tamil": ("tamil",), "telugu": ("telugu",),
    "kannada": ("kannada",), "malay": ("malay",), "kurdish": ("kurdish",), "german": ("german",),
    "french": ("french",), "lingala": ("lingala",), "italian": ("italian",), "ukrainian": ("ukrainian",),
    "burmese": ("burmese",), "amharic": ("amharic",), "oromo": ("oromo",), "uzbek": ("uzbek",),
    "romanian": ("romanian",), "hungarian": ("hungarian",), "madurese": ("madurese",), "batak": ("batak",),
    "berber": ("berber", "amazigh", "tamazight"), "dutch": ("dutch",), "swedish": ("swedish",),
    "greek": ("greek",), "polish": ("polish",), "swahili": ("swahili",), "hebrew": ("hebrew",),
    "vietnamese": ("vietnamese",), "tagalog": ("tagalog", "filipino"), "czech": ("czech",),
    "norwegian": ("norwegian",), "danish": ("danish",), "finnish": ("finnish",), "zulu": ("zulu",),
    "afrikaans": ("afrikaans",), "hausa": ("hausa",), "yoruba": ("yoruba",), "nepali": ("nepali",),
    "sinhala": ("sinhala", "sinhalese"), "khmer": ("khmer",), "lao": ("lao",), "mongolian": ("mongolian",),
    "kazakh": ("kazakh",), "armenian": ("armenian",), "georgian": ("georgian",), "serbian": ("serbian",),
    "croatian": ("croatian",), "bulgarian": ("bulgarian",), "albanian": ("albanian",), "catalan": ("catalan",),
    "basque": ("basque",), "irish": ("irish", "gaelic"), "welsh": ("welsh",), "icelandic": ("icelandic",),
    "guarani": ("guarani",), "creole": ("creole",), "tibetan": ("tibetan",), "uyghur": ("uyghur", "uighur"),
    "somali": ("somali",), "tigrinya": ("tigrinya",), "latin": ("latin",), "esperanto": ("esperanto",),
}  # fmt: skip


def _language_keys(display: str) -> set[str]:
    text = normalise(display)
    keys = {k for k, names in _LANGUAGE_NAMES.items() for n in names if re.search(rf"\b{re.escape(n)}\b", text)}
    if keys & {"mandarin", "wu", "cantonese", "hokkien"}:
        keys.add("chinese")
    return keys


@cache
def _facts(city: CityEntry) -> dict[str, Any]:
    """Match keys derived from a city's lists (cached per city)."""
    sports: set[str] = set()
    for s in city.sports:
        low = s.lower()
        sports.update(_SPORT_IMPLIES.get(low, ()))
        text = normalise(low)
        for key, names in _SPORT_KEYS.items():
            if any(re.search(rf"\b{re.escape(n)}\b", text) for n in names):
                sports.add(key)
    if "table tennis" in sports and not any("tennis" in normalise(s).replace("table tennis", "") for s in city.sports):
        sports.discard("tennis")
    if "water polo" in sports and not any(normalise(s) == "polo" for s in city.sports):
        sports.discard("polo")
    industry_text = " ".join(normalise(i) for i in city.industries)
    tags = {
        t for t, words in _INDUSTRY_TAGS.items() if any(re.search(rf"\b{re.escape(w)}\b", industry_text) for w in words)
    }
    langs: set[str] = set()
    for lang in city.languages:
        langs |= _language_keys(lang)
    maybe_langs: set[str] = set()
    for lang in city.maybe_languages:
        maybe_langs |= _language_keys(lang)
    if "indonesian" in langs:
        maybe_langs.add("malay")  # Indonesian is a standard form of Malay
    return {
        "landmarks": [k for lm in city.landmarks for k in _keys(lm)],
        "dishes": [k for d in city.dishes for k in _keys(d)],
        "sports": sports,
        "industries": tags,
        "languages": langs,
        "maybe_languages": maybe_langs - langs,
        "waters": {normalise(w) for w in city.waters},
        "rivers": {normalise(r) for r in city.rivers},
    }


# ---------------------------------------------------------------- the yes/no parser

_REGIONS: dict[str, tuple[str, ...]] = {
    "East Asia": ("east asia", "eastern asia", "far east", "east asian"),
    "Southeast Asia": ("southeast asia", "south east asia", "south eastern asia", "southeast asian"),
    "South Asia": ("south asia", "southern asia", "indian subcontinent", "the subcontinent", "south asian"),
    "Central Asia": ("central asia", "central asian"),
    "Middle East": ("middle east", "near east", "middle eastern"),
    "Western Asia": ("western asia", "west asia"),
    "North Africa": ("north africa", "northern africa", "north african"),
    "East Africa": ("east africa", "eastern africa", "east african"),
    "Horn of Africa": ("horn of africa",),
    "Central Africa": ("central africa", "central african"),
    "West Africa": ("west africa", "western africa"),
    "Southern Africa": ("southern africa",),
    "Sub-Saharan Africa": ("sub saharan africa", "subsaharan africa", "sub saharan"),
    "Western Europe": ("western europe", "west europe", "western european"),
    "Eastern Europe": ("eastern europe", "east europe", "eastern european"),
    "Central Europe": ("central europe", "central european"),
    "Southern Europe": ("southern europe", "south europe", "southern european"),
    "Northern Europe": ("northern europe", "north europe"),
    "Southeast Europe": ("southeast europe", "southeastern europe", "south eastern europe"),
    "Scandinavia": ("scandinavia", "scandinavian", "nordic countries"),
    "Balkans": ("balkans", "balkan"),
    "Iberia": ("iberian peninsula", "iberia", "iberian"),
    "British Isles": ("british isles",),
    "Latin America": ("latin america", "latin american"),
    "Caribbean": ("caribbean",),
    "Central America": ("central america", "central american"),
    "Andes": ("andes", "andean"),
    "Arab world": ("arab world", "arab country", "arab countries", "arab"),
    "Maghreb": ("maghreb",),
    "Korea": ("korea", "korean peninsula", "korean"),
    "Java": ("java",),
    "Sumatra": ("sumatra",),
    "Honshu": ("honshu",),
    "Kansai": ("kansai",),
    "Anatolia": ("anatolia", "asia minor"),
    "Punjab": ("punjab",),
    "Bengal": ("bengal",),
    "Midwest": ("midwest", "midwestern"),
    "East China": ("east china",),
    "North China": ("north china",),
    "Northeast China": ("northeast china", "northeastern china", "manchuria"),
    "Central China": ("central china",),
    "South China": ("south china",),
    "Southwest China": ("southwest china", "southwestern china"),
    "Northwest China": ("northwest china", "northwestern china"),
}
_THE_REGIONS = {
    "Middle East",
    "Midwest",
    "Caribbean",
    "Andes",
    "Balkans",
    "Arab world",
    "Horn of Africa",
    "British Isles",
    "Maghreb",
}
_CONTINENTS: dict[str, tuple[str, ...]] = {
    "Asia": ("asia", "asian"),
    "Europe": ("europe", "european"),
    "Africa": ("africa", "african"),
    "North America": ("north america", "north american"),
    "South America": ("south america", "south american"),
    "Oceania": ("oceania", "australasia"),
    "Antarctica": ("antarctica",),
    "Americas": ("the americas", "americas", "america"),
    "Eurasia": ("eurasia",),
}
_OCEANS = {"pacific ocean", "atlantic ocean", "indian ocean", "arctic ocean", "southern ocean"}
_EXTRA_WATERS = (
    "Pacific Ocean", "Atlantic Ocean", "Indian Ocean", "Arctic Ocean", "Southern Ocean", "Mediterranean Sea",
    "Black Sea", "Red Sea", "Caribbean Sea", "Baltic Sea", "North Sea", "Persian Gulf", "Gulf of Mexico",
    "South China Sea", "East China Sea", "Yellow Sea", "Sea of Japan", "Caspian Sea", "Arabian Sea",
    "Bay of Bengal", "Java Sea", "Aegean Sea", "Adriatic Sea", "Gulf of Thailand", "Strait of Malacca",
    "Lake Michigan", "Lake Ontario", "Lake Victoria", "Lake Baikal",
)  # fmt: skip
_RIVER_COUNTRIES: dict[str, set[str]] = {
    "nile": {"Egypt", "Sudan", "South Sudan", "Uganda", "Ethiopia"},
    "yangtze river": {"China"},
    "yellow river": {"China"},
    "ganges": {"India", "Bangladesh"},
    "thames": {"United Kingdom"},
    "seine": {"France"},
    "tiber": {"Italy"},
    "danube": {"Germany", "Hungary", "Romania", "Ukraine"},
    "rhine": {"Germany", "France"},
    "volga": {"Russia"},
    "mekong": {"China", "Myanmar", "Thailand"},
    "amazon": {"Peru", "Colombia", "Brazil", "Ecuador", "Venezuela"},
    "mississippi": {"United States"},
    "hudson": {"United States"},
    "indus": {"China", "India", "Pakistan"},
    "tigris": {"Turkey", "Iraq"},
    "euphrates": {"Turkey", "Iraq"},
    "congo river": {"Democratic Republic of the Congo"},
    "dnieper": {"Russia", "Ukraine"},
    "han river": {"South Korea", "China"},
    "chao phraya river": {"Thailand"},
    "pearl river": {"China"},
}


def _river_variants(name: str) -> list[str]:
    base = normalise(name)
    core = base[: -len(" river")] if base.endswith(" river") else base
    return sorted(
        {base, f"{core} river", f"river {core}"}
        | ({core} if len(core) > 4 and core not in {"yellow", "pearl", "han"} else set())
    )


def _all_rivers() -> dict[str, str]:
    """variant -> canonical (normalised) river name."""
    names = {normalise(r) for c in CITIES for r in c.rivers} | set(_RIVER_COUNTRIES)
    return {v: n for n in names for v in _river_variants(n)}


_CLIMATE_PHRASES: dict[str, tuple[str, ...]] = {
    "tropical": ("tropical", "tropical climate"),
    "desert": ("desert", "desert climate", "in a desert", "in the desert"),
    "dry": ("dry", "arid", "dry climate", "arid climate"),
    "semi-arid": ("semi arid", "semiarid", "steppe climate"),
    "Mediterranean": ("mediterranean climate",),
    "humid subtropical": ("humid subtropical",),
    "oceanic": ("oceanic climate", "maritime climate"),
    "humid continental": ("continental climate", "humid continental"),
    "subtropical highland": ("highland climate", "subtropical highland"),
}


@lru_cache(maxsize=2)
def _phrase_table(language_context: bool) -> PhraseIndex:
    """Every phrase the yes/no parser knows, with its predicate; longest first."""
    rows: list[tuple[str, Pred]] = []
    for country in COUNTRIES.values():
        rows += [(a, ("country", country.name)) for a in country.aliases]
        if not language_context:
            rows += [(d, ("country", country.name)) for d in country.demonyms]
    rows += [(normalise(o), ("false",)) for o in OTHER_COUNTRIES]
    for cont, names in _CONTINENTS.items():
        rows += [(n, ("continent", cont)) for n in names]
    for region, names in _REGIONS.items():
        for n in names:
            if language_context and n in ("korean",):
                continue
            rows.append((n, ("region", region)))
    if language_context:
        rows += [(n, ("language", key)) for key, names in _LANGUAGE_NAMES.items() for n in names]
    else:
        demonyms = {d for c in COUNTRIES.values() for d in c.demonyms} | {"korean", "arab"}
        rows += [(n, ("language", key)) for key, names in _LANGUAGE_NAMES.items() for n in names if n not in demonyms]
    rows += [(normalise(c.province), ("province", c.province)) for c in CITIES if c.province]
    # capitals and size
    rows += [
        (p, ("capital",))
        for p in (
            "capital",
            "capital city",
            "a capital",
            "the capital",
            "national capital",
            "capital of the country",
            "capital of its country",
            "country s capital",
            "capital of a country",
            "seat of government",
        )
    ]
    rows += [
        (p, ("admin_capital",))
        for p in (
            "state capital",
            "provincial capital",
            "regional capital",
            "prefectural capital",
            "capital of a state",
            "capital of a province",
            "capital of its state",
            "capital of its province",
            "capital of the state",
            "capital of the province",
            "capital of its prefecture",
            "capital of a prefecture",
            "capital of its region",
        )
    ]
    rows += [
        (p, ("largest",))
        for p in ("largest city", "biggest city", "most populous city", "most populous", "largest", "biggest")
    ]
    rows += [(p, ("pop_over", 10.0)) for p in ("megacity", "mega city")]
    # sea and coast
    rows += [
        (p, ("coastal",))
        for p in (
            "coast",
            "coastal",
            "on the coast",
            "near the coast",
            "by the coast",
            "seaside",
            "by the sea",
            "near the sea",
            "on the sea",
            "next to the sea",
            "the sea",
            "sea",
            "near the ocean",
            "on the ocean",
            "by the ocean",
            "ocean",
            "the ocean",
            "coastline",
            "seaport",
            "sea port",
        )
    ]
    rows += [
        (p, ("inland",))
        for p in (
            "landlocked",
            "inland",
            "far from the sea",
            "far from the coast",
            "away from the sea",
            "away from the coast",
            "far from the ocean",
        )
    ]
    waters = {normalise(w) for c in CITIES for w in c.waters} | {normalise(w) for w in _EXTRA_WATERS}
    for w in waters:
        rows.append((w, ("water", w)))
        core = re.sub(r" (ocean|sea)$", "", w)
        if core != w and core not in (
            "black",
            "red",
            "north",
            "yellow",
            "java",
            "east china",
            "south china",
            "arabian",
            "indian",
            "southern",
        ):
            rows.append((core, ("water", w)))
    rows += [("the mediterranean", ("water", "mediterranean sea")), ("mediterranean", ("water", "mediterranean sea"))]
    rows += [("great lakes", ("great_lakes",)), ("a lake", ("on_lake",)), ("lake", ("on_lake",))]
    rows += [(v, ("river", n)) for v, n in _all_rivers().items()]
    rows += [(p, ("on_river",)) for p in ("a river", "river", "rivers")]
    # climate
    for label, names in _CLIMATE_PHRASES.items():
        rows += [(n, ("climate", label)) for n in names]
    rows += [
        (p, ("hot",))
        for p in ("hot", "warm", "hot all year", "hot all year round", "hot climate", "warm climate", "hot weather")
    ]
    rows += [(p, ("climate", "tropical")) for p in ("warm all year", "warm all year round", "warm year round")]
    rows += [
        (p, ("cold",)) for p in ("cold", "cold winters", "cold winter", "freezing", "cold climate", "cold weather")
    ]
    rows += [(p, ("snow",)) for p in ("snow", "snows", "snowy", "snowfall", "snowing")]
    # position
    rows += [(p, ("hemisphere", "N")) for p in ("northern hemisphere", "north of the equator")]
    rows += [(p, ("hemisphere", "S")) for p in ("southern hemisphere", "south of the equator")]
    rows += [("eastern hemisphere", ("hemisphere", "E")), ("western hemisphere", ("hemisphere", "W"))]
    rows += [(p, ("tropics",)) for p in ("in the tropics", "the tropics", "tropics", "between the tropics")]
    rows += [(p, ("equator",)) for p in ("near the equator", "close to the equator", "on the equator", "equator")]
    rows += [
        (p, ("altitude_high",))
        for p in (
            "high altitude",
            "high elevation",
            "at altitude",
            "high up",
            "in the highlands",
            "highlands",
            "highland",
            "high above sea level",
        )
    ]
    rows += [
        (p, ("altitude_low",))
        for p in (
            "at sea level",
            "sea level",
            "low lying",
            "low altitude",
            "low elevation",
            "lowlands",
            "lowland",
            "near sea level",
        )
    ]
    rows += [
        (p, ("olympics",))
        for p in ("olympics", "olympic games", "the olympics", "olympic", "summer olympics", "summer olympic games")
    ]
    rows += [(p, ("winter_olympics",)) for p in ("winter olympics", "winter olympic games")]
    # named things
    for c in CITIES:
        f = _facts(c)
        rows += [(k, ("landmark", k)) for k in f["landmarks"]]
        rows += [(k, ("dish", k)) for k in f["dishes"]]
    for tag, words in _INDUSTRY_TAGS.items():
        rows += [(w, ("industry", tag)) for w in words]
    for key, names in _SPORT_KEYS.items():
        rows += [(n, ("sport", key)) for n in names]
    seen: dict[str, Pred] = {}
    for phrase, pred in rows:
        phrase = normalise(phrase)
        if phrase and phrase not in seen:
            seen[phrase] = pred
    return PhraseIndex(seen)


_LANGUAGE_CONTEXT = re.compile(r"\b(speak|speaks|spoken|speaking|language|languages|tongue|dialect|talk|talks)\b")
_CURRENCY_CONTEXT = re.compile(r"\b(currency|currencies|money|pay|paid|cash|coins?|banknotes?)\b")
_CURRENCY_WORDS = {
    "won": "won", "real": "real", "reais": "real", "rupee": "rupee", "rupees": "rupee", "rupiah": "rupiah",
    "ruble": "ruble", "rubles": "ruble", "rouble": "ruble", "roubles": "ruble", "lira": "lira", "yuan": "yuan",
    "renminbi": "renminbi", "rmb": "renminbi", "yen": "yen", "baht": "baht", "pound": "pound", "pounds": "pound",
    "sterling": "sterling", "rial": "rial", "peso": "peso", "pesos": "peso", "sol": "sol", "soles": "sol",
    "dollar": "dollar", "dollars": "dollar", "dinar": "dinar", "taka": "taka", "euro": "euro", "euros": "euro",
    "dirham": "dirham", "franc": "franc", "francs": "franc", "hryvnia": "hryvnia", "kyat": "kyat", "birr": "birr",
    "som": "som", "leu": "leu", "lei": "leu", "forint": "forint", "bolivar": "bolivar", "bolivars": "bolivar",
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty five": 25, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "a hundred": 100, "half a": 0.5,
}  # fmt: skip
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True)) + ")"
_MORE = (
    r"(over|more than|above|greater than|at least|in excess of|exceeding|exceed|exceeds|bigger than|larger than"
    r"|higher than)"
)
_LESS = r"(under|less than|below|fewer than|smaller than|at most|lower than)"
_POP_RE = re.compile(
    rf"\b(?:{_MORE}|{_LESS}) {_NUM} ?(million|m|thousand|k|billion)?\b"
    r"(?! ?(?:metres|meters|metre|meter|m above|feet|foot|ft)\b)"
)
_ALT_RE = re.compile(rf"\b(?:{_MORE}|{_LESS}) {_NUM} ?(metres|meters|metre|meter|m|feet|foot|ft)\b")
_LETTER_RE = re.compile(
    r"\b(?:start|starts|begin|begins|starting|beginning) with (?:the letter |letter |an? )?([a-z])\b"
    r"|\bfirst letter (?:of (?:its|the|your) (?:city s )?name )?(?:is )?(?:an? |the letter )?([a-z])\b"
)
#: Words that, left over after parsing, mean the question asked something the parser did not understand.
_BLOCKERS = {
    "near", "close", "next", "border", "borders", "bordering", "neighbouring", "neighboring", "north", "south",
    "east", "west", "northern", "southern", "eastern", "western", "central", "former", "formerly", "once",
    "ancient", "than", "more", "less", "bigger", "smaller", "larger", "fewer", "over", "under", "above", "below",
    "nor", "neither", "not", "without", "except", "name", "named", "called", "letter", "letters",
}  # fmt: skip


def _number(word: str) -> float:
    return float(word) if word[:1].isdigit() else float(_NUMBER_WORDS[word])


_POP_CONTEXT = re.compile(r"\b(population|people|inhabitants|residents|live|living|citizens|populated|populous)\b")


@lru_cache(maxsize=65536)
def _parse_yes_no(text: str) -> tuple[tuple[Pred, ...], str, bool, bool]:
    """(predicates, leftover text, negated, or-joined) for a normalised question."""
    negated = bool(re.search(r"\bnot\b|\bnever\b", text))
    use_or = bool(re.search(r"\bor\b|\beither\b", text))
    text = re.sub(r"\b(not|never|either)\b", " ", text)
    preds: list[Pred] = []
    population_context = bool(_POP_CONTEXT.search(text))
    for m in list(_ALT_RE.finditer(text)):
        more, less, num, unit = m.groups()
        if unit == "m" and population_context:
            continue  # "over 10m people": millions
        metres = _number(num) * (0.3048 if unit in ("feet", "foot", "ft") else 1.0)
        preds.append(("alt_over" if more else "alt_under", metres))
        text = text.replace(m.group(0), " # ", 1)
    if preds:
        text = re.sub(r"\b(above|over) (the )?sea level\b", " ", text)
    for m in list(_POP_RE.finditer(text)):
        more, less, num, unit = m.groups()
        if unit in (None, "thousand", "k", "m") and not population_context:
            continue
        scale = {"thousand": 1e-3, "k": 1e-3, "billion": 1e3}.get(unit or "", 1.0)
        value = _number(num) * scale
        if unit is None and value > 1000:  # "over 10000000 people"
            value /= 1e6
        preds.append(("pop_over" if more else "pop_under", value))
        text = text.replace(m.group(0), " # ", 1)
    for m in list(_LETTER_RE.finditer(text)):
        preds.append(("letter", m.group(1) or m.group(2)))
    if _LETTER_RE.search(text):
        text = re.sub(r"\b(name|letter|its|the city s|city s)\b", " ", _LETTER_RE.sub(" # ", text))
    if _CURRENCY_CONTEXT.search(text):
        for word, key in _CURRENCY_WORDS.items():
            if re.search(rf"\b{word}\b", text):
                preds.append(("currency", key))
                text = re.sub(rf"\b{word}\b", " # ", text)
    hits, text = _phrase_table(bool(_LANGUAGE_CONTEXT.search(text))).scan(text)
    for _, pred in hits:
        if pred not in preds:
            preds.append(pred)
    return tuple(preds), text, negated, use_or


def _margin(value: float, threshold: float, margin: float) -> bool | None:
    if value > threshold + margin:
        return True
    if value < threshold - margin:
        return False
    return None


def _truth(city: CityEntry, pred: Pred) -> bool | None:
    kind = pred[0]
    f = _facts(city)
    if kind == "country":
        return True if city.country == pred[1] else None if pred[1] in city.maybe_countries else False
    if kind == "false":
        return False
    if kind == "continent":
        if pred[1] == "Americas":
            return bool({"North America", "South America"} & set(city.continents))
        if pred[1] == "Eurasia":
            return bool({"Europe", "Asia"} & set(city.continents))
        return pred[1] in city.continents
    if kind == "region":
        return True if pred[1] in city.regions else None if pred[1] in city.maybe_regions else False
    if kind == "province":
        return city.province == pred[1]
    if kind == "language":
        return True if pred[1] in f["languages"] else None if pred[1] in f["maybe_languages"] else False
    if kind in ("capital", "admin_capital", "largest", "coastal", "hot", "cold", "snow", "olympics"):
        return getattr(city, kind)
    if kind == "winter_olympics":
        return city.name == "Beijing"  # 2022; no other city of the game has held the Winter Games
    if kind == "inland":
        return None if city.coastal is None else not city.coastal
    if kind == "water":
        water = pred[1]
        if water in f["waters"]:
            return True
        if water.startswith("lake "):
            return False
        if city.coastal is False:
            return False
        if water in _OCEANS and f["waters"] & _OCEANS:
            return False  # the city's own ocean is listed, and it is another one
        return None
    if kind == "great_lakes":
        return any(w in ("lake michigan", "lake ontario") for w in f["waters"])
    if kind == "on_lake":
        return True if any(w.startswith("lake ") for w in f["waters"]) else None
    if kind == "river":
        if pred[1] in f["rivers"]:
            return True
        countries = _RIVER_COUNTRIES.get(pred[1]) or {c.country for c in CITIES if pred[1] in _facts(c)["rivers"]}
        return None if city.country in countries else False
    if kind == "on_river":
        return True if city.rivers else None
    if kind == "climate":
        if city.climate is None:
            return None
        if pred[1] == "dry":
            return city.climate in ("desert", "semi-arid")
        return city.climate == pred[1]
    if kind == "hemisphere":
        value = {"N": city.lat, "S": -city.lat, "E": city.lon, "W": -city.lon}[pred[1]]
        return _margin(value, 0.0, 0.5)
    if kind == "tropics":
        return _margin(23.44 - abs(city.lat), 0.0, 0.6)
    if kind == "equator":
        return _margin(10.0 - abs(city.lat), 0.0, 1.5)
    if kind == "altitude_high":
        return None if city.elevation is None else _margin(city.elevation, 1000.0, 100.0)
    if kind == "altitude_low":
        return None if city.elevation is None else _margin(200.0 - city.elevation, 0.0, 50.0)
    if kind in ("alt_over", "alt_under"):
        if city.elevation is None:
            return None
        above = _margin(city.elevation, pred[1], 50.0 + 0.15 * pred[1])
        return above if kind == "alt_over" or above is None else not above
    if kind in ("pop_over", "pop_under"):
        if city.population is None:
            return None
        low, high = city.population
        over = True if low > pred[1] else False if high < pred[1] else None
        return over if kind == "pop_over" or over is None else not over
    if kind == "landmark":
        if any(re.search(rf"\b{re.escape(pred[1])}\b", k) for k in f["landmarks"]):
            return True
        return None if pred[1] in _AMBIGUOUS_LANDMARKS or " " not in pred[1] else False
    if kind == "dish":
        return True if any(re.search(rf"\b{re.escape(pred[1])}\b", k) for k in f["dishes"]) else None
    if kind == "industry":
        return True if pred[1] in f["industries"] else None
    if kind == "sport":
        if pred[1] in f["sports"]:
            return True
        countries = _SPORT_COUNTRIES.get(pred[1])
        return False if countries is not None and city.country not in countries else None
    if kind == "currency":
        return bool(re.search(rf"\b{pred[1]}\b", normalise(COUNTRIES[city.country].currency)))
    if kind == "letter":
        initials = {a[0] for a in city.aliases}
        return True if initials == {pred[1]} else False if pred[1] not in initials else None
    raise ValueError(f"unknown predicate {pred!r}")


def _yes_no(city: CityEntry, text: str) -> str:
    preds, leftover, negated, use_or = _parse_yes_no(text)
    if not preds or set(leftover.split()) & _BLOCKERS or re.search(r"\b\d", leftover):
        return INVALID
    kinds = {p[0] for p in preds}
    if "largest" in kinds and kinds & {"continent", "region"}:
        return INVALID  # "the largest city in Asia": the knowledge base only knows the largest in its country
    if negated and len(preds) > 1:
        return INVALID  # the scope of "not" is unclear
    truths = [_truth(city, p) for p in preds]
    if use_or:
        value = True if any(t is True for t in truths) else False if all(t is False for t in truths) else None
    else:
        value = False if any(t is False for t in truths) else True if all(t is True for t in truths) else None
    if value is None:
        return UNKNOWN
    return YES if value != negated else NO


# ---------------------------------------------------------------- open questions

_OPEN_START = re.compile(
    r"^(?:(?:can|could|would|will) you (?:please )?(?:tell me|tell us|describe|say|name|give me|share|list)\b"
    r"|(?:please )?(?:tell me|tell us|describe|name|list|give me)\b"
    r"|what\b|whats\b|which\b|where\b|how\b|who\b|when\b|why\b|i want to know\b|i d like to know\b)"
)
_TOPIC_WORDS: list[tuple[str, str]] = [
    ("name", "name of (the|your|this|that|my) (city|town|place)|(city|town) s name|what is its name|what s its name"
             "|its name is|what city|which city|what town|which town|(what is|what s) (the city|your city|it) called"
             "|what do you call it|name the city|name your city"),
    ("letter", "letter|start with|starts with|begin with|begins with|spell"),
    ("food", "food|foods|dish|dishes|cuisine|eat|eaten|meal|meals|delicacy|delicacies|snack|snacks|drink|drinks"
             "|specialty|speciality"),
    ("language", "language|languages|speak|spoken|tongue|dialect"),
    ("weather", "weather|climate|temperature|temperatures|rain|rainy|hot|cold|warm|season|seasons|snow|humid|humidity"),
    ("population", "population|how many people|inhabitants|residents|how big|how large|people live|live there"
                   "|populous|size|how many live"),
    ("altitude", "altitude|elevation|above sea level|how high|height"),
    ("industry", "industry|industries|economy|economic|business|businesses|jobs|work|export|exports|produce|products"
                 "|do people do"),
    ("sport", "sport|sports|team|teams|athletes|athletics"),
    ("currency", "currency|money|currencies"),
    ("province", "state|province|prefecture|governorate|administrative region"),
    ("capital", "capital"),
    ("river", "river|rivers"),
    ("water", "lake|lakes|sea|seas|ocean|oceans|water|coast|bay|waterfront"),
    ("hemisphere", "hemisphere|equator"),
    ("continent", "continent|continents"),
    ("country", "country|nation|countries"),
    ("landmark", "landmark|landmarks|famous|known for|attraction|attractions|sight|sights|monument|monuments|building"
                 "|buildings|tourist|tourists|visit|sightseeing|museum|temple|palace|park"),
    ("region", "region|part of the world|where|located|area|location|place in the world"),
]  # fmt: skip
#: Topics of open questions, in priority order ("What food is it famous for?" is about food, not landmarks).
_TOPICS: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(rf"\b({words})\b")) for name, words in _TOPIC_WORDS]


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _the(name: str) -> str:
    if name.startswith(("Lake ", "the ")) or name in ("Monserrate",):
        return name
    return f"the {name}"


def _millions(x: float) -> str:
    if x < 1:
        return f"{int(round(x * 1000, -1)) * 1000:,}"
    return f"{x:.1f}".rstrip("0").rstrip(".") + " million"


def population_sentence(city: CityEntry) -> str:
    if city.population is None:
        return UNKNOWN
    low, high = city.population
    if high / low <= 1.1:
        return f"About {_millions((low + high) / 2)} people live there."
    if high < 1:
        return f"Roughly {_millions(low)} to {_millions(high)} people live there."
    sentence = f"Roughly {_millions(low).replace(' million', '')} to {_millions(high)} people live there"
    return sentence + (", depending on how the city is counted." if high / low > 1.6 else ".")


def weather_sentence(city: CityEntry) -> str:
    base = {
        "tropical": "It has a tropical climate",
        "desert": "It has a desert climate with very little rain",
        "semi-arid": "It has a dry, semi-arid climate",
        "Mediterranean": "It has a Mediterranean climate with dry summers and wet winters",
        "humid subtropical": "It has a humid subtropical climate",
        "oceanic": "It has a mild oceanic climate with rain spread through the year",
        "humid continental": "It has a humid continental climate with warm summers and cold winters",
        "subtropical highland": "It has a mild highland climate that stays cool for most of the year",
    }.get(city.climate or "")
    if base is None:
        return city.weather or UNKNOWN
    extras = []
    if city.hot:
        extras.append("it is hot for most of the year")
    if city.cold and city.climate != "humid continental":
        extras.append("its winters are cold")
    if city.snow:
        extras.append("snow falls in most winters")
    return base + ("" if not extras else ", and " + _join(extras)) + "."


def altitude_sentence(city: CityEntry) -> str:
    if city.elevation is None:
        return UNKNOWN
    if city.elevation <= 50:
        return "It lies close to sea level."
    step = 10 if city.elevation < 300 else 50 if city.elevation < 1000 else 100
    return f"It lies about {int(round(city.elevation / step) * step):,} metres above sea level."


def _open(city: CityEntry, text: str) -> str:
    topic = next((name for name, pattern in _TOPICS if pattern.search(text)), None)
    if topic is None:
        return INVALID
    if topic == "name":
        return REFUSE
    if topic == "letter":
        initials = {a[0] for a in city.aliases}
        return f"Its name starts with the letter {initials.pop().upper()}." if len(initials) == 1 else UNKNOWN
    if topic == "food":
        return f"It is known for {_join(city.dishes)}." if city.dishes else UNKNOWN
    if topic == "language":
        return f"People there mainly speak {_join(city.languages)}."
    if topic == "weather":
        return weather_sentence(city)
    if topic == "population":
        return population_sentence(city)
    if topic == "altitude":
        return altitude_sentence(city)
    if topic == "industry":
        return f"Its economy is known for {_join(city.industries)}." if city.industries else UNKNOWN
    if topic == "sport":
        verb = "is" if len(city.sports) == 1 else "are"
        return _cap(f"{_join(city.sports)} {verb} popular there.") if city.sports else UNKNOWN
    if topic == "currency":
        return f"People there pay with the {COUNTRIES[city.country].currency}."
    if topic == "province":
        if city.province is None:
            return UNKNOWN
        name = _the(city.province) if city.province.endswith("District") else city.province
        return f"It is in {name}."
    if topic == "capital":
        if city.capital:
            return "It is the capital of its country."
        if city.admin_capital:
            return "It is not its country's capital, but it is the capital of its state or province."
        return "It is not its country's capital." if city.capital is False else UNKNOWN
    if topic == "river":
        if city.rivers:
            return f"It lies on {_join([_the(r) for r in city.rivers[:2]])}."
        return UNKNOWN
    if topic == "water":
        if city.waters:
            return f"It lies on {_join([_the(w) for w in city.waters[:2]])}."
        if city.rivers:
            return f"It lies on {_join([_the(r) for r in city.rivers[:2]])}."
        return "It is inland, away from the sea." if city.coastal is False else UNKNOWN
    if topic == "hemisphere":
        ns = "northern" if city.lat >= 0 else "southern"
        if abs(city.lon) < 1:
            return f"It is in the {ns} hemisphere."
        return f"It is in the {ns} and {'eastern' if city.lon > 0 else 'western'} hemispheres."
    if topic == "continent":
        if len(city.continents) > 1:
            return f"It lies in both {_join(city.continents)}."
        return f"It is in {city.continents[0]}."
    if topic == "country":
        return f"It is in {COUNTRIES[city.country].display}."
    if topic == "landmark":
        if not city.landmarks:
            return UNKNOWN
        if len(city.landmarks) == 1:
            return f"A famous landmark there is {city.landmarks[0]}."
        return f"Famous landmarks there include {_join(city.landmarks[:2])}."
    # region
    if city.regions:
        region = city.regions[0]
        return f"It is in {'the ' if region in _THE_REGIONS else ''}{region}."
    if len(city.continents) > 1:
        return f"It lies in both {_join(city.continents)}."
    return f"It is in {city.continents[0]}."


# ---------------------------------------------------------------- oracles

_GUESS_FILLER = {
    "is", "it", "the", "city", "of", "in", "your", "my", "this", "that", "are", "you", "thinking", "from", "guess",
    "i", "think", "answer", "maybe", "could", "be", "does", "do", "live", "a", "hidden", "located", "s", "perhaps",
    "then", "so", "ok", "okay", "hometown", "home", "town", "mystery", "secret", "final", "am", "right", "correct",
    "was", "born", "come", "comes", "lives", "living", "we", "talking", "about", "called", "named", "would",
}  # fmt: skip


def _is_guess(rest: str) -> bool:
    """Whether what is left of a question once the cities are cut out is just a guess's frame ("is it # ?")."""
    words = rest.replace("#", " ").split()
    country_words = {w for c in COUNTRIES.values() for a in c.aliases for w in a.split()}
    return all(w in _GUESS_FILLER or w in country_words for w in words)


@lru_cache(maxsize=262144)
def _answer(city: CityEntry, question: str) -> str:
    text = normalise(clean_action(question))
    if not text:
        return INVALID
    found, rest = _named(text)
    if found:
        if found == (city,):
            return YES
        if city in found:
            return INVALID  # several cities named at once: not a guess
        return NO if _is_guess(rest) and len(found) == 1 else INVALID
    if _OPEN_START.match(text):
        reply = _open(city, text)
    else:
        reply = _yes_no(city, text)
    return guard(city, reply)


class KnowledgeOracle:
    """Answers from the knowledge base; deterministic and cached (games repeat questions)."""

    def answer(self, city: CityEntry, question: str) -> str:
        return _answer(city, question if isinstance(question, str) else str(question))


_MODELS: dict[tuple[str, str], tuple[Any, Any, bool]] = {}
_MODELS_LOCK = threading.Lock()


class HFOracle:
    """A Hugging Face model as the oracle (seq2seq like the paper's flan-t5, or a causal LM).

    The model is loaded on the first answer (never at import) and shared by every oracle with the
    same path and device, since each game of a batch makes its own environment. A seq2seq model
    gets the paper's oracle input, `Your home town is <City, Country>.<question>`, so the
    reference's fine-tuned flan-t5 works as is; a causal model gets an instruction prompt. The reply
    is cut to one line; an empty reply is `I don't understand the question.` and one that names the
    city is `I can't answer that question.`.
    """

    def __init__(self, model_name_or_path: str, device: str = "cpu", max_new_tokens: int = 64) -> None:
        self.path, self.device, self.max_new_tokens = model_name_or_path, device, max_new_tokens

    def _load(self) -> tuple[Any, Any, bool]:
        key = (self.path, self.device)
        with _MODELS_LOCK:
            if key not in _MODELS:
                from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

                from archer.errors import UserError

                try:
                    config = AutoConfig.from_pretrained(self.path)
                    tokenizer = AutoTokenizer.from_pretrained(self.path)
                    loader = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
                    model = loader.from_pretrained(self.path).to(self.device).eval()
                except (OSError, ValueError) as exc:
                    raise UserError(f"env.oracle_model={self.path!r} could not be loaded ({exc})") from None
                _MODELS[key] = (tokenizer, model, bool(config.is_encoder_decoder))
            return _MODELS[key]

    def prompt(self, city: CityEntry, question: str, seq2seq: bool = True) -> str:
        if seq2seq:
            return f"Your home town is {city.paper_name}." + question
        return (
            f"You are playing Guess My City. Your home town is {city.name}, {city.country}. Answer the "
            f"player's question about it truthfully in one short sentence, without ever saying the city's "
            f"name.\nQuestion: {question}\nAnswer:"
        )

    def answer(self, city: CityEntry, question: str) -> str:
        import torch

        text = clean_action(question)
        if not text:
            return INVALID
        tokenizer, model, seq2seq = self._load()
        inputs = tokenizer(self.prompt(city, text, seq2seq), return_tensors="pt", truncation=True, max_length=512)
        inputs = inputs.to(self.device)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False, pad_token_id=pad)
        if not seq2seq:
            out = out[:, inputs["input_ids"].shape[1] :]
        reply = tokenizer.decode(out[0], skip_special_tokens=True).strip().split("\n")[0]
        reply = clean_action(reply)[:300]
        return guard(city, reply) if reply else INVALID


# ---------------------------------------------------------------- the game


def _resolve_cities(cities: str | Sequence[str]) -> tuple[CityEntry, ...]:
    if cities == "all":
        return CITIES
    if isinstance(cities, str):
        raise ValueError(f"cities must be 'all' or a list of city names, got {cities!r}")
    return tuple(lookup(c) for c in cities)


class GuessMyCityEnv(TextEnv):
    """The game. `cities`: "all" (the paper's 91) or a list of names; `oracle`: a `KnowledgeOracle` or `HFOracle`."""

    name = "guess_my_city"

    def __init__(
        self,
        cities: str | Sequence[str] = "all",
        max_turns: int = 20,
        oracle: KnowledgeOracle | HFOracle | None = None,
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        self.cities = _resolve_cities(cities)
        self.max_turns = max_turns
        self.oracle = oracle or KnowledgeOracle()
        self.city = self.cities[0]
        self.turn = 0
        self.transcript = HEADER
        self.finished = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        self.city = random.Random(seed).choice(self.cities)
        if options and "city" in options:
            try:
                self.city = lookup(str(options["city"]))
            except KeyError as exc:
                raise ValueError(str(exc.args[0])) from None
        self.turn, self.transcript, self.finished = 0, HEADER, False
        return self.transcript, {"turn": 0, "city": self.city.name}

    def step(self, action: str) -> StepResult:
        if self.finished:
            raise RuntimeError("the game has ended; call reset() first")
        question = clean_action(action)
        won = names_only(question, self.city)
        reply = YES if won else self.oracle.answer(self.city, question)
        self.turn += 1
        self.transcript += f"{question} {reply}\n"
        truncated = not won and self.turn >= self.max_turns
        self.finished = won or truncated
        info: dict[str, Any] = {"turn": self.turn, "city": self.city.name, "answer": reply}
        if self.finished:
            info["success"] = won
        return self.transcript, 0.0 if won else -1.0, won, truncated, info

    def tokenizer_corpus(self) -> list[str]:
        kb = KnowledgeOracle()
        texts = [HEADER, *FIXED_REPLIES, *QUESTIONS, *(guess_question(c) for c in CITIES)]
        texts += [" ".join(c.aliases) for c in CITIES]
        texts += [kb.answer(c, q) for c in self.cities for q in QUESTIONS]
        return texts


# ---------------------------------------------------------------- the scripted player

#: Every question the scripted player may ask (a well-playing player picks among all of them).
QUESTIONS: tuple[str, ...] = (
    "Is it in Oceania?",
    "Is it a capital city?",
    "Does it snow there in winter?",
    "Is it at high altitude?",
    "Is the population over 10 million?",
    "Is it in Europe?",
    "Is it in Africa?",
    "Is it in North America?",
    "Is it in South America?",
    "Is it near the coast?",
    "Is it in the southern hemisphere?",
    "Do people speak Spanish there?",
    "Do people speak English there?",
    "Do people speak Arabic there?",
    "Is it tropical?",
    "What language is spoken there?",
    "What is the weather like?",
    "What country is it in?",
    "How many people live there?",
    "What is the altitude?",
    "What sport is popular there?",
    "Is the population over 5 million?",
    "Is it in East Asia?",
    "Is it in Southeast Asia?",
    "Is it in South Asia?",
    "Is it in the Middle East?",
    "What continent is it on?",
    "Where is it?",
    "What is the main industry?",
    "What food is it known for?",
    "What is a famous landmark?",
)
#: The poor order a weak player follows: rare properties first, continents one by one, the country late.
POOR_ORDER: tuple[str, ...] = (
    "Is it a capital city?",
    "Does it snow there in winter?",
    "Is it at high altitude?",
    "Is the population over 10 million?",
    "Is it in Europe?",
    "Is it in Africa?",
    "Is it in North America?",
    "Is it in South America?",
    "Is it in Oceania?",
    "Is it near the coast?",
    "Is it in the southern hemisphere?",
    "Is the population over 5 million?",
    "Do people speak Spanish there?",
    "Do people speak English there?",
    "Do people speak Arabic there?",
    "Is it tropical?",
    "What continent is it on?",
    "What country is it in?",
)
#: Open questions whose answers a weak player uses; it learns from other answers only what "Yes." and "No." say.
POOR_UNDERSTANDS = frozenset({"What continent is it on?", "What country is it in?"})


def guess_question(city: CityEntry) -> str:
    """The scripted player's guess: "Is it Mumbai?"."""
    return f"Is it {city.name}?"


#: Demonstrations at skill 0 win about 87% of games, mean return about -13.1 (docs/environments.md).
DEFAULT_SKILL = 0.0


class ScriptedPlayer(_ScriptedPlayerBase):
    """Demonstrator that tracks the cities consistent with the answers so far (see the module docstring)."""

    #: When playing poorly, the chance of guessing a random candidate instead of asking.
    POOR_GUESS_RATE = 0.1

    def __init__(
        self,
        cities: str | Sequence[str] = "all",
        skill: float | None = None,
        seed: int | None = None,
        answer: Callable[[CityEntry, str], str] | None = None,
    ) -> None:
        super().__init__(skill=DEFAULT_SKILL if skill is None else skill, seed=seed)
        self.cities = _resolve_cities(cities)
        self.answer = answer or KnowledgeOracle().answer

    def _turns(self, observation: str) -> list[tuple[str, str]]:
        """(question, reply) of each turn; a reply is the known reply the line ends with, or the sentence after '?'."""
        turns = []
        for line in observation.splitlines()[1:]:
            for reply in FIXED_REPLIES:
                if line.endswith(" " + reply):
                    turns.append((line[: -len(reply) - 1], reply))
                    break
            else:
                cut = line.find("? ")
                if cut >= 0:
                    turns.append((line[: cut + 1], line[cut + 2 :]))
        return turns

    def candidates(self, observation: str, full: bool = True) -> list[CityEntry]:
        """Cities consistent with the answers so far; `full=False`: only with the answers a weak player reads."""
        cands = list(self.cities)
        for question, reply in self._turns(observation):
            if full or reply in (YES, NO) or question in POOR_UNDERSTANDS:
                cands = [c for c in cands if self.answer(c, question) == reply]
        return cands or list(self.cities)

    def _splits(self, question: str, cands: Sequence[CityEntry]) -> int:
        """Sum of squared answer-group sizes: the expected number of candidates left, times len(cands)."""
        groups: dict[str, int] = {}
        for c in cands:
            reply = self.answer(c, question)
            groups[reply] = groups.get(reply, 0) + 1
        return sum(n * n for n in groups.values())

    def act(self, observation: str) -> str:
        asked = {q for q, _ in self._turns(observation)}
        if self.rng.random() < self.skill:
            cands = self.candidates(observation)
            informative = [q for q in QUESTIONS if q not in asked and self._splits(q, cands) < len(cands) ** 2]
            if len(cands) <= 2 or not informative:
                return guess_question(self.rng.choice(cands))
            return min(informative, key=lambda q: self._splits(q, cands))
        cands = self.candidates(observation, full=False)
        if len(cands) == 1:
            return guess_question(cands[0])
        poor = [q for q in POOR_ORDER if q not in asked]
        if not poor or self.rng.random() < self.POOR_GUESS_RATE:
            return guess_question(self.rng.choice(cands))
        return poor[0]
