"""The LM policy: sample one utterance per state, and score given utterances token by token.

Both operations work on left-padded batches with explicit position ids (`cumsum(mask) - 1`), so
padding never sits between a prompt and its answer and a padded row computes exactly what the
same row alone would (the reference code right-padded, which it should not have).

An utterance is the tokens generated after the state's tokens up to and including the first
newline (or EOS); its text is cut at that newline. State and utterance are tokenized separately
and concatenated as ids, the same way in sampling, scoring and behaviour cloning.

Choosing among valid actions: where a game lists what it accepts (Detective's and TextWorld's
valid actions, WebShop's buttons), `choices` maps a state to that list and sampling is confined
to it token by token: at each step only tokens that continue some listed action (up to its
newline) keep their logits, so a sampled or greedy utterance is always one of them, spelled as
listed, and its probability is the LM's own renormalised over the list's prefixes. Where
`choices` gives a `WordQuery` instead (WebShop's search box), the utterance is confined to its
opening, then words of its list (whole words, each as often as listed, single spaces), then its
closing (`WordGrammar`). States for which `choices` gives nothing are generated freely.
Scoring (`token_log_probs`) is unchanged.

Precision and LoRA (docs/gpu.md): every forward runs under `autocast(compute_dtype)`; a policy
made with `adapters=False` runs its (peft) model with the adapters switched off, which is how the
KL reference of a LoRA policy shares the base weights instead of holding a second copy.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from archer.envs.base import WordQuery
from archer.models.tokenizer import newline_token_ids


@dataclass
class Utterances:
    """Sampled utterances: their text (cut at the newline) and the generated token ids."""

    texts: list[str]
    token_ids: list[list[int]]


class Sampler(Protocol):
    """Anything that picks one utterance per state: a `Policy`, or an agent built on one (CHAI's)."""

    def sample(self, states: list[str], greedy: bool = False) -> Utterances: ...


def left_pad(rows: list[list[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack id lists into [B, T] ids and mask, padded on the left."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        if row:
            ids[i, width - len(row) :] = torch.tensor(row, dtype=torch.long)
            mask[i, width - len(row) :] = 1
    return ids.to(device), mask.to(device)


def prefix_table(sequences: list[list[int]]) -> dict[tuple[int, ...], list[int]]:
    """For every prefix of the given token sequences, the tokens that may follow it (in order seen)."""
    table: dict[tuple[int, ...], list[int]] = {}
    for seq in sequences:
        for k, token in enumerate(seq):
            allowed = table.setdefault(tuple(seq[:k]), [])
            if token not in allowed:
                allowed.append(token)
    return table


class ListedActions:
    """Sampling confined to listed actions: `allowed` looks up the tokens that may follow."""

    def __init__(self, sequences: list[list[int]]) -> None:
        self.table = prefix_table(sequences)

    def allowed(self, generated: list[int]) -> list[int] | None:
        return self.table.get(tuple(generated))


class WordGrammar:
    """Sampling confined to opening + word (+ " " word)* + closing + newline: each listed word once.

    Token ids come from encoding the pieces separately, which is how a byte-level BPE with
    GPT-2's pre-tokenizer splits the whole text too: "search[office chair]" -> search, [, of,
    fice, " chair", ], newline. The first word is spelled without a leading space, the others
    with one; a word may continue with a token that starts no new word, end with one that does.
    """

    def __init__(
        self, query: WordQuery, encode: Callable[[str], list[int]], newline: list[int], max_tokens: int
    ) -> None:
        words = list(query.words)  # a word listed k times may be used k times
        self.opening = encode(query.opening)
        self.closing = encode(query.closing)
        self.newline = newline
        self.first = [tuple(encode(w)) for w in words]  # word i's tokens at the start of the query
        self.later = [tuple(encode(" " + w)) for w in words]  # ... and after a space
        # A word may start only while the longest word, the closing and the newline still fit.
        self.max_tokens = max_tokens
        self.room_for_word = max(map(len, self.first + self.later)) + len(self.closing) + len(newline)

    @staticmethod
    def _next(word: tuple[int, ...], forms: list[tuple[int, ...]], unused: set[int]) -> list[int]:
        """Tokens that extend `word` toward some unused word's spelling in `forms`."""
        k = len(word)
        return list(dict.fromkeys(forms[i][k] for i in unused if len(forms[i]) > k and forms[i][:k] == word))

    @staticmethod
    def _whole(word: tuple[int, ...], forms: list[tuple[int, ...]], unused: set[int]) -> int | None:
        """The unused word that `word` spells exactly, if any."""
        return next((i for i in unused if forms[i] == word), None)

    def allowed(self, generated: list[int]) -> list[int] | None:
        n = len(self.opening)
        if generated[:n] != self.opening[: len(generated)]:
            return None  # off the grammar (cannot happen when sampled with it): generate freely
        if len(generated) < n:
            return [self.opening[len(generated)]]
        unused = set(range(len(self.first)))
        word: tuple[int, ...] = ()  # tokens of the word being spelled
        forms = self.first
        closed = 0  # closing tokens emitted
        for token in generated[n:]:
            if closed:  # inside the closing: only its next token may follow
                if closed == len(self.closing) or token != self.closing[closed]:
                    return None
                closed += 1
                continue
            continues = token in self._next(word, forms, unused)
            whole = None if continues else self._whole(word, forms, unused)
            if whole is not None and token == self.closing[0]:
                closed = 1
            elif whole is not None and token in self._next((), self.later, unused - {whole}):
                unused.discard(whole)  # the word is spent; the next one starts
                word, forms = (token,), self.later
            elif continues:
                word += (token,)
            else:
                return None
        if closed == len(self.closing):
            return self.newline
        if closed:
            return [self.closing[closed]]
        room = self.max_tokens - len(generated) >= self.room_for_word
        options = self._next(word, forms, unused) if word or room else []
        whole = self._whole(word, forms, unused)
        if whole is not None:  # the word may end here: another word (if it fits) or the closing follows
            options += [t for t in self._next((), self.later, unused - {whole}) if t not in options] if room else []
            options.append(self.closing[0])
        return options or None


def autocast(device: torch.device, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    """Mixed precision for the forwards inside: none for float32 (or None), else torch.autocast."""
    if dtype is None or dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def _checkpointing(model: PreTrainedModel) -> bool:
    """Whether gradient checkpointing is on (the attribute was renamed in transformers 5)."""
    flag = getattr(model, "is_activation_checkpointing", None)
    return bool(getattr(model, "is_gradient_checkpointing", False) if flag is None else flag)


def positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids for a left-padded mask: 0 at each row's first real token."""
    return (mask.cumsum(-1) - 1).clamp(min=0)


class Policy:
    """A causal LM and its tokenizer, acting in text games."""

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        max_new_tokens: int = 24,
        temperature: float = 1.0,
        max_state_tokens: int | None = None,
        compute_dtype: torch.dtype | None = None,
        adapters: bool = True,
        choices: Callable[[str], list[str] | WordQuery | None] | None = None,
    ) -> None:
        self.model = model
        self.choices = choices  # state -> the actions it accepts (sampling keeps to them), or None
        self.compute_dtype = compute_dtype
        self.adapters = adapters  # False: a peft model scored with its adapters off (the LoRA KL reference)
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        limit = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", 2048)
        self.max_state_tokens = max_state_tokens or max(1, limit - max_new_tokens)
        self.stop_ids = set(newline_token_ids(tokenizer))
        if tokenizer.eos_token_id is not None:
            self.stop_ids.add(tokenizer.eos_token_id)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        # transformers 5.x renames `past_key_values` to `cache`; speak whichever this model knows.
        base = model.get_base_model() if hasattr(model, "get_base_model") else model  # peft wraps the HF model
        self._cache_arg = "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @contextlib.contextmanager
    def forward_context(self):  # type: ignore[no-untyped-def]
        """Where every forward of this policy runs: autocast, and the adapters off for a reference."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(autocast(self.device, self.compute_dtype))
            if not self.adapters:
                stack.enter_context(self.model.disable_adapter())
            yield

    # ------------------------------------------------------------------ tokenization

    def encode_states(self, states: list[str]) -> list[list[int]]:
        """Token ids of each state, keeping the most recent `max_state_tokens` (old turns cut first)."""
        rows = self.tokenizer(states, add_special_tokens=False)["input_ids"]
        return [row[-self.max_state_tokens :] for row in rows]

    def encode_actions(self, actions: list[str]) -> list[list[int]]:
        """Token ids of each utterance followed by its newline, as the policy would emit it."""
        rows = self.tokenizer([a + "\n" for a in actions], add_special_tokens=False)["input_ids"]
        return [row[: self.max_new_tokens] for row in rows]

    def decode_action(self, ids: list[int]) -> str:
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        return text.split("\n", 1)[0].strip()

    # ------------------------------------------------------------------ sampling

    @torch.no_grad()
    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        """One utterance per state: temperature sampling (or argmax), KV cache, stop at newline/EOS."""
        if not states:
            return Utterances([], [])
        # HF turns the KV cache off in training mode under gradient checkpointing; decoding needs it.
        was_training = self.model.training
        if was_training and _checkpointing(self.model):
            self.model.eval()
        try:
            with self.forward_context():
                return self._sample(states, greedy)
        finally:
            self.model.train(was_training)

    def _sample(self, states: list[str], greedy: bool) -> Utterances:
        ids, mask = left_pad(self.encode_states(states), self.pad_id, self.device)  # [B, T]
        pos = positions(mask)
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True, logits_to_keep=1)
        cache, logits = getattr(out, self._cache_arg), out.logits[:, -1, :]  # logits: [B, V]
        next_pos = pos[:, -1] + 1  # [B]
        batch = len(states)
        constraints = self._constraints(states)
        generated: list[list[int]] = [[] for _ in range(batch)]
        finished = torch.zeros(batch, dtype=torch.bool, device=self.device)
        stop = torch.tensor(sorted(self.stop_ids), device=self.device)
        for _ in range(self.max_new_tokens):
            if self.pad_id != self.tokenizer.eos_token_id:
                logits[:, self.pad_id] = -float("inf")  # padding is never an utterance token
            for i, constraint in enumerate(constraints):
                allowed = constraint.allowed(generated[i]) if constraint else None
                if allowed:  # keep only the tokens that continue a listed action (or the query grammar)
                    kept = logits[i, allowed]
                    logits[i] = -float("inf")
                    logits[i, allowed] = kept
            if greedy:
                token = logits.argmax(-1)
            else:
                probs = F.softmax(logits.float() / self.temperature, dim=-1)
                token = torch.multinomial(probs, 1).squeeze(-1)  # [B]
            for i in (~finished).nonzero().flatten().tolist():
                generated[i].append(int(token[i]))
            finished |= torch.isin(token, stop)
            if bool(finished.all()):
                break
            token = torch.where(finished, torch.full_like(token, self.pad_id), token)
            mask = torch.cat([mask, (~finished).long().unsqueeze(-1)], dim=-1)
            out = self.model(
                input_ids=token.unsqueeze(-1),
                attention_mask=mask,
                position_ids=next_pos.unsqueeze(-1),
                use_cache=True,
                **{self._cache_arg: cache},
            )
            cache, logits = getattr(out, self._cache_arg), out.logits[:, -1, :]
            next_pos = next_pos + 1
        return Utterances([self.decode_action(g) for g in generated], generated)

    def _constraints(self, states: list[str]) -> list[ListedActions | WordGrammar | None]:
        """Per state, what sampling keeps to: its listed actions, its query grammar, or None (free)."""
        if self.choices is None:
            return [None] * len(states)
        out: list[ListedActions | WordGrammar | None] = []
        for state in states:
            listed = self.choices(state)
            if isinstance(listed, WordQuery):
                out.append(
                    WordGrammar(listed, self._encode_piece, self._encode_piece("\n")[:1], self.max_new_tokens)
                    if listed.words
                    else None
                )
            else:
                out.append(ListedActions(self.encode_actions(listed)) if listed else None)
        return out

    def _encode_piece(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    # ------------------------------------------------------------------ scoring

    def token_log_probs(
        self, state_ids: list[list[int]], action_ids: list[list[int]]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """log π(a_t | s, a_<t) for every utterance token, with gradient.

        Returns ([B, A] log-probs, [B, A] mask), A = the longest utterance; the utterance tokens
        are right-aligned so every row of the joint sequence [pad.. s a] ends on its last token.
        """
        rows = [s + a for s, a in zip(state_ids, action_ids)]
        ids, mask = left_pad(rows, self.pad_id, self.device)  # [B, T]
        width = max(len(a) for a in action_ids)
        # Only the last width + 1 positions predict utterance tokens: skip the LM head elsewhere.
        with self.forward_context():
            logits = self.model(
                input_ids=ids,
                attention_mask=mask,
                position_ids=positions(mask),
                logits_to_keep=width + 1,
                use_cache=False,  # scoring needs no KV cache: do not allocate one
            ).logits  # [B, width + 1, V]
        # Token at position t is predicted by the logits at t-1: take the last `width` targets.
        pred = logits[:, :-1, :].float()  # [B, A, V]
        target = ids[:, -width:]  # [B, A]
        logp = torch.log_softmax(pred, dim=-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)  # [B, A]
        act_mask = torch.zeros_like(logp)
        for i, a in enumerate(action_ids):
            if a:
                act_mask[i, width - len(a) :] = 1.0
        return logp * act_mask, act_mask
