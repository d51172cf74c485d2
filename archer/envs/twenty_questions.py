"""Twenty Questions (the ArCHer paper's task, from LMRL-Gym) with a local knowledge-base oracle.

A hidden object from the paper's 157 (`twenty_questions_words`); each turn the agent asks one
yes/no question. Reward -1 per question, 0 for the question that names the hidden object (or an
alias) as a guess, which ends the game; at most `max_turns` (20) questions. The observation starts
as `Questions:\\n` and each turn appends `<question> <answer>\\n`, the answer being `Yes.`, `No.` or
`Invalid Question.`.

The paper's oracle was a fine-tuned flan-t5-small that cannot be downloaded here, so
`KnowledgeOracle` parses the common phrasings of questions into the knowledge base's attributes
("Is it an animal?", "Can you eat it?", "Is it bigger than a breadbox?", "Is it made of metal?",
"Does it have wheels?", "Is it a dog?"). Guesses match whole aliases (the reference compared only
a question's last word, so "soccer ball" could never be guessed). A question that names more than
one object, or names one in anything but a guess, is `Invalid Question.`: listing objects never
wins. `HFOracle` asks a Hugging Face model instead, for users who have one.

The scripted player (demonstrations) keeps the objects consistent with the answers so far; with
chance `skill` it asks the question that splits them best (or guesses when two are left), otherwise
it asks a random unasked question or guesses a random candidate. Measured over 2,000 seeded games:
see `docs/environments.md` (DEFAULT_SKILL is calibrated to the paper's demonstrations on the full
list: about 31% of games won, mean return about -17.3).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from archer.envs.base import ScriptedPlayer as _ScriptedPlayerBase
from archer.envs.base import StepResult, TextEnv, clean_action
from archer.envs.twenty_questions_words import SUBSET, WORDS, WordEntry, lookup

YES, NO, INVALID = "Yes.", "No.", "Invalid Question."
HEADER = "Questions:\n"

# Phrases that name an attribute, longest first when matching. (phrase, attribute, negated)
_PHRASES: list[tuple[str, str, bool]] = [
    # kinds
    ("an animal", "animal", False),
    ("a mammal", "animal", False),
    ("alive", "alive", False),
    ("a living thing", "alive", False),
    ("living", "alive", False),
    ("a plant", "plant", False),
    ("food", "food", False),
    ("edible", "food", False),
    ("eat it", "food", False),
    ("a fruit", "fruit", False),
    ("a vegetable", "vegetable", False),
    ("a vehicle", "vehicle", False),
    ("a means of transport", "transport", False),
    ("used for transportation", "transport", False),
    ("used for transport", "transport", False),
    ("clothing", "clothing", False),
    ("a piece of clothing", "clothing", False),
    ("clothes", "clothing", False),
    ("wear it", "wearable", False),
    ("wearable", "wearable", False),
    ("worn", "wearable", False),
    ("electronic", "electronic", False),
    ("an electronic device", "electronic", False),
    ("use electricity", "electricity", False),
    ("need electricity", "electricity", False),
    ("a musical instrument", "instrument", False),
    ("an instrument", "instrument", False),
    ("used for music", "music", False),
    ("make music", "music", False),
    ("make sound", "music", False),
    ("furniture", "furniture", False),
    ("a piece of furniture", "furniture", False),
    ("a tool", "tool", False),
    ("a toy", "toy", False),
    ("jewelry", "jewelry", False),
    ("a piece of jewelry", "jewelry", False),
    ("sports equipment", "sport", False),
    ("used for sports", "sport", False),
    ("used in sports", "sport", False),
    ("used in a sport", "sport", False),
    ("a ball", "round", False),
    ("art", "art", False),
    ("an art supply", "art", False),
    ("used for art", "art", False),
    ("a kitchen tool", "kitchen", False),
    ("a kitchen utensil", "kitchen", False),
    ("a utensil", "kitchen", False),
    ("an office supply", "office", False),
    ("office supplies", "office", False),
    ("used in an office", "office_room", False),
    ("found in an office", "office_room", False),
    ("part of nature", "nature", False),
    ("found in nature", "nature", False),
    ("a garden tool", "garden", False),
    ("used in the garden", "garden_place", False),
    ("found in a garden", "garden_place", False),
    ("used for gardening", "garden", False),
    # size
    ("bigger than a breadbox", "bigger_than_breadbox", False),
    ("larger than a breadbox", "bigger_than_breadbox", False),
    ("smaller than a breadbox", "bigger_than_breadbox", True),
    ("bigger than a person", "big", False),
    ("larger than a person", "big", False),
    ("bigger than a human", "big", False),
    ("smaller than a person", "big", True),
    ("hold it in one hand", "small", False),
    ("hold it in your hand", "small", False),
    ("fit in your hand", "small", False),
    ("fit in a pocket", "small", False),
    ("small", "small", False),
    ("big", "big", False),
    ("large", "big", False),
    ("heavy", "heavy", False),
    ("light", "heavy", True),
    # materials
    ("made of metal", "metal", False),
    ("made of wood", "wood", False),
    ("made of plastic", "plastic", False),
    ("made of fabric", "fabric", False),
    ("made of cloth", "fabric", False),
    ("made of glass", "glass", False),
    ("made of paper", "paper", False),
    ("made of leather", "leather", False),
    ("made of rubber", "rubber", False),
    ("made of stone", "stone", False),
    ("made of water", "water", False),
    ("metal", "metal", False),
    ("wooden", "wood", False),
    ("plastic", "plastic", False),
    # parts and uses
    ("have wheels", "wheels", False),
    ("have an engine", "engine", False),
    ("have a motor", "engine", False),
    ("fly", "flies", False),
    ("float", "on_water", False),
    ("used on water", "on_water", False),
    ("go on water", "on_water", False),
    ("have legs", "legs", False),
    ("have fur", "fur", False),
    ("sharp", "sharp", False),
    ("have a screen", "screen", False),
    ("used for writing", "writing", False),
    ("write with it", "writing", False),
    ("used for cooking", "cooking", False),
    ("used to cook", "cooking", False),
    ("used for eating", "eating", False),
    ("eat with it", "eating", False),
    ("used for cutting", "cutting", False),
    ("cut things", "cutting", False),
    ("sit on it", "sitting", False),
    ("used for sitting", "sitting", False),
    ("used for sleeping", "sleeping", False),
    ("sleep on it", "sleeping", False),
    ("used for storage", "storage", False),
    ("store things", "storage", False),
    # where
    ("indoors", "indoors", False),
    ("inside", "indoors", False),
    ("outdoors", "outdoors", False),
    ("outside", "outdoors", False),
    ("found in a kitchen", "kitchen_room", False),
    ("in the kitchen", "kitchen_room", False),
    ("found in a bedroom", "bedroom", False),
    ("in the bedroom", "bedroom", False),
    # look
    ("round", "round", False),
    ("soft", "soft", False),
    ("colorful", "colorful", False),
    ("yellow", "yellow", False),
    ("green", "green", False),
    ("red", "red", False),
    ("orange in color", "orange", False),
    ("white", "white", False),
    ("brown", "brown", False),
    ("sweet", "sweet", False),
    ("man made", "manmade", False),
    ("manmade", "manmade", False),
    ("made by humans", "manmade", False),
    ("natural", "natural", False),
]
_PHRASES.sort(key=lambda p: -len(p[0]))
_PHRASE_RES = [(re.compile(rf"\b{re.escape(p)}\b"), attr, neg) for p, attr, neg in _PHRASES]
_AUXILIARY = re.compile(r"^(is|are|does|do|can|could|would|will|has|have|was)\b")
_GUESS_FORM = re.compile(
    r"^(?:is it|is the object|is the word|is this|is that|are they|are you thinking of|is your object|is the answer)"
    r"(?: an?| the| some| one)? (?P<name>.+)$"
)


def normalise(question: str) -> str:
    """Lower-case letters and digits only, single spaces: "Is it an animal ?" -> "is it an animal"."""
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", question.lower()).split())


@lru_cache(maxsize=1)
def _alias_patterns() -> list[tuple[re.Pattern[str], WordEntry]]:
    """Whole-word patterns of every alias (plural s/es accepted), longest first so 'golf ball' beats 'ball'."""
    pairs = [(alias, w) for w in WORDS for alias in w.aliases]
    pairs.sort(key=lambda p: -len(p[0]))
    return [(re.compile(rf"\b{re.escape(normalise(a))}(?:s|es)?\b"), w) for a, w in pairs]


@lru_cache(maxsize=65536)
def _named(text: str) -> tuple[WordEntry, ...]:
    """Objects a normalised text names by a whole alias (each span counted once, longest alias first)."""
    found: list[WordEntry] = []
    for pattern, word in _alias_patterns():
        match = pattern.search(text)
        if match:
            text = text[: match.start()] + " # " + text[match.end() :]
            if word not in found:
                found.append(word)
    return tuple(found)


class KnowledgeOracle:
    """Answers yes/no questions from the knowledge base; deterministic and cached (games repeat questions)."""

    def named_objects(self, question: str, words: Sequence[WordEntry] = WORDS) -> list[WordEntry]:
        """Objects the question names by a whole alias, among `words`."""
        allowed = {w.name for w in words}
        return [w for w in _named(normalise(question)) if w.name in allowed]

    def answer(self, word: WordEntry, question: str) -> str:
        return _answer(word, question)


@lru_cache(maxsize=262144)
def _answer(word: WordEntry, question: str) -> str:
    """The knowledge base's answer: a guess if the question names one object, else one attribute."""
    text = normalise(question)
    if not text or not _AUXILIARY.match(text):
        return INVALID
    named = list(_named(text))
    if named:
        guess = _GUESS_FORM.match(text)
        if len(named) > 1 or guess is None or len(_named(normalise(guess.group("name")))) != 1:
            return INVALID
        # The guess must be just the object's name (no "is it a dog food").
        rest = _alias_patterns_strip(guess.group("name"))
        if rest:
            return INVALID
        return YES if named[0] == word else NO
    negate = " not " in f" {text} "
    found: set[tuple[str, bool]] = set()
    for pattern, attr, neg in _PHRASE_RES:
        match = pattern.search(text)
        if match:
            found.add((attr, neg))
            text = text[: match.start()] + " # " + text[match.end() :]
    if len({a for a, _ in found}) != 1:
        return INVALID  # nothing understood, or several attributes at once
    attr, neg = found.pop()
    truth = (attr in word.attributes) != (neg != negate)
    return YES if truth else NO


def _alias_patterns_strip(text: str) -> str:
    """What is left of `text` once the object names are removed (empty for a clean guess)."""
    for pattern, _ in _alias_patterns():
        text = pattern.sub(" ", text)
    return " ".join(text.split())


class HFOracle:
    """A Hugging Face model as the oracle (seq2seq like flan-t5, or a causal LM), for users who have one.

    The prompt gives the hidden object and the question and asks for yes or no; any output that is
    not clearly yes or no is `Invalid Question.`.
    """

    def __init__(self, model_name_or_path: str, device: str = "cpu", max_new_tokens: int = 8) -> None:
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        from archer.errors import UserError

        try:
            config = AutoConfig.from_pretrained(model_name_or_path)
            self.tokenizer = AutoTokenizer.from_pretrained(model_name_or_path)
            loader = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
            self.model = loader.from_pretrained(model_name_or_path).to(device).eval()
        except (OSError, ValueError) as exc:
            raise UserError(f"env.oracle_model={model_name_or_path!r} could not be loaded ({exc})") from None
        self.seq2seq = bool(config.is_encoder_decoder)
        self.device, self.max_new_tokens, self._torch = device, max_new_tokens, torch

    def prompt(self, word: WordEntry, question: str) -> str:
        return (
            f"You are playing twenty questions. The hidden object is: {word.name}. "
            f"Answer the question about it with yes or no.\nQuestion: {question}\nAnswer:"
        )

    def answer(self, word: WordEntry, question: str) -> str:
        text = clean_action(question)
        if not text:
            return INVALID
        inputs = self.tokenizer(self.prompt(word, text), return_tensors="pt").to(self.device)
        with self._torch.no_grad():
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        if not self.seq2seq:
            out = out[:, inputs["input_ids"].shape[1] :]
        reply = normalise(self.tokenizer.decode(out[0], skip_special_tokens=True))
        first = reply.split(" ", 1)[0] if reply else ""
        return YES if first == "yes" else NO if first == "no" else INVALID


def _resolve_words(words: str | Sequence[str]) -> tuple[WordEntry, ...]:
    if words == "all":
        return WORDS
    if words == "subset":
        return tuple(lookup(w) for w in SUBSET)
    if isinstance(words, str):
        raise ValueError(f"words must be 'all', 'subset' or a list of object names, got {words!r}")
    return tuple(lookup(w) for w in words)


class TwentyQuestionsEnv(TextEnv):
    """The game. `words`: "all" (157 objects), "subset" (the paper's 10) or a list of names."""

    def __init__(
        self, words: str | Sequence[str] = "all", max_turns: int = 20, oracle: KnowledgeOracle | HFOracle | None = None
    ) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        self.words = _resolve_words(words)
        self.name = "twenty_questions_subset" if words == "subset" else "twenty_questions"
        self.max_turns = max_turns
        self.oracle = oracle or KnowledgeOracle()
        self._kb = KnowledgeOracle()
        self.word = self.words[0]
        self.turn = 0
        self.transcript = HEADER
        self.finished = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        self.word = random.Random(seed).choice(self.words)
        if options and "word" in options:
            try:
                self.word = lookup(str(options["word"]))
            except KeyError as exc:
                raise ValueError(str(exc.args[0])) from None
        self.turn, self.transcript, self.finished = 0, HEADER, False
        return self.transcript, {"turn": 0, "word": self.word.name}

    def step(self, action: str) -> StepResult:
        if self.finished:
            raise RuntimeError("the game has ended; call reset() first")
        question = clean_action(action)
        reply = self.oracle.answer(self.word, question)
        # A win needs a guess that names exactly the hidden object, confirmed by the oracle.
        won = (
            reply == YES
            and self._kb.answer(self.word, question) == YES
            and self._kb.named_objects(question) == [self.word]
        )
        self.turn += 1
        self.transcript += f"{question} {reply}\n"
        truncated = not won and self.turn >= self.max_turns
        self.finished = won or truncated
        info: dict[str, Any] = {"turn": self.turn, "word": self.word.name, "answer": reply}
        if self.finished:
            info["success"] = won
        return self.transcript, 0.0 if won else -1.0, won, truncated, info

    def tokenizer_corpus(self) -> list[str]:
        return (
            [HEADER]
            + [q for q, _ in QUESTIONS]
            + [guess_question(w) for w in WORDS]
            + [f"{a} {YES} {NO} {INVALID}" for w in WORDS for a in w.aliases]
        )


# The scripted player's questions: (text, attribute it asks about).
QUESTIONS: list[tuple[str, str]] = [
    ("Is it an animal?", "animal"),
    ("Is it alive?", "alive"),
    ("Is it a plant?", "plant"),
    ("Can you eat it?", "food"),
    ("Is it a fruit?", "fruit"),
    ("Is it a vegetable?", "vegetable"),
    ("Is it a vehicle?", "vehicle"),
    ("Is it a piece of clothing?", "clothing"),
    ("Can you wear it?", "wearable"),
    ("Is it electronic?", "electronic"),
    ("Does it use electricity?", "electricity"),
    ("Is it a musical instrument?", "instrument"),
    ("Is it furniture?", "furniture"),
    ("Is it a tool?", "tool"),
    ("Is it a toy?", "toy"),
    ("Is it jewelry?", "jewelry"),
    ("Is it used for sports?", "sport"),
    ("Is it used for art?", "art"),
    ("Is it a kitchen tool?", "kitchen"),
    ("Is it an office supply?", "office"),
    ("Is it part of nature?", "nature"),
    ("Is it a garden tool?", "garden"),
    ("Is it bigger than a breadbox?", "bigger_than_breadbox"),
    ("Is it bigger than a person?", "big"),
    ("Can you hold it in one hand?", "small"),
    ("Is it heavy?", "heavy"),
    ("Is it made of metal?", "metal"),
    ("Is it made of wood?", "wood"),
    ("Is it made of plastic?", "plastic"),
    ("Is it made of fabric?", "fabric"),
    ("Does it have wheels?", "wheels"),
    ("Does it have an engine?", "engine"),
    ("Does it have legs?", "legs"),
    ("Does it have fur?", "fur"),
    ("Is it sharp?", "sharp"),
    ("Does it have a screen?", "screen"),
    ("Is it used for writing?", "writing"),
    ("Is it used for cooking?", "cooking"),
    ("Is it round?", "round"),
    ("Is it soft?", "soft"),
    ("Is it used outdoors?", "outdoors"),
    ("Is it sweet?", "sweet"),
]
_PLURAL_NAMES = {
    "pants",
    "shoes",
    "boots",
    "socks",
    "scissors",
    "peas",
    "pliers",
    "gloves",
    "headphone",
    "drum",
    "earring",
    "chopstick",
}


def guess_question(word: WordEntry) -> str:
    """The scripted player's guess: "Is it a dog?", "Is it an apple?", "Is it pants?"."""
    if word.name in _PLURAL_NAMES:
        return f"Is it {word.aliases[-1] if word.aliases[-1].startswith('pair of') else word.name}?"
    article = "an" if word.name[0] in "aeiou" else "a"
    return f"Is it {article} {word.name}?"


#: Calibrated so that on the full list the player wins about 31% of games with mean return about -17.3.
DEFAULT_SKILL = 0.0
#: On the 10-word subset skill 0 wanders (9.4 turns a game); 0.1 keeps games shorter and BC cheaper.
DEFAULT_SUBSET_SKILL = 0.1


class ScriptedPlayer(_ScriptedPlayerBase):
    """Demonstrator that tracks the objects consistent with the answers so far (see module docstring)."""

    #: When playing poorly, the chance of guessing a random candidate instead of asking a random question.
    POOR_GUESS_RATE = 0.1

    def __init__(self, words: str | Sequence[str] = "all", skill: float | None = None, seed: int | None = None) -> None:
        if skill is None:
            skill = DEFAULT_SUBSET_SKILL if words == "subset" else DEFAULT_SKILL
        super().__init__(skill=skill, seed=seed)
        self.words = _resolve_words(words)
        self.kb = KnowledgeOracle()

    def candidates(self, observation: str) -> list[WordEntry]:
        cands = list(self.words)
        for line in observation.splitlines()[1:]:
            for reply in (YES, NO):
                if line.endswith(" " + reply):
                    question = line[: -len(reply) - 1]
                    cands = [w for w in cands if self.kb.answer(w, question) == reply]
                    break
        return cands or list(self.words)

    def act(self, observation: str) -> str:
        cands = self.candidates(observation)
        asked = set(observation.splitlines()[1:])
        open_questions = [q for q, _ in QUESTIONS if not any(line.startswith(q + " ") for line in asked)]
        if len(cands) == 1:
            return guess_question(cands[0])
        if self.rng.random() < self.skill:
            if len(cands) == 2:
                return guess_question(self.rng.choice(cands))
            best, best_gap = None, len(cands)
            for q in open_questions:
                yes = sum(self.kb.answer(w, q) == YES for w in cands)
                gap = abs(2 * yes - len(cands))
                if gap < best_gap:
                    best, best_gap = q, gap
            if best is not None and best_gap < len(cands):
                return best
            return guess_question(self.rng.choice(cands))
        if self.rng.random() < self.POOR_GUESS_RATE or not open_questions:
            return guess_question(self.rng.choice(cands))
        return self.rng.choice(open_questions)
