"""The utterance-level critic: an encoder with two Q heads and two V heads, and its target copy.

    Q_1, Q_2 : (state, utterance) -> value of saying the utterance in the state
    V_1, V_2 : state              -> value of the state under the current policy

Layouts (config `critic.layout`):
- `joint` (default): Q reads the state and the utterance as one sequence. With a causal encoder
  one forward pass over [s a] gives both embeddings: the hidden state at the last token of `s`
  (which sees only the state) feeds V, the one at the last token of `a` feeds Q.
- `separate`: the reference code's layout; s and a are encoded apart, Q = MLP([e_s; e_a]).

The target critic (`make_target`) is a frozen deep copy that follows the online critic by Polyak
averaging (`polyak_update` in `archer.critic_update`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from archer.models.policy import autocast, left_pad


def mlp(in_dim: int, hidden: int) -> nn.Sequential:
    """Three-layer value head, as the reference's; the last layer starts at zero so values start at 0."""
    head = nn.Sequential(
        nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
    )
    nn.init.zeros_(head[-1].weight)
    nn.init.zeros_(head[-1].bias)
    return head


class DoubleCritic(nn.Module):
    """Encoder + Q1, Q2 on (s, a) + V1, V2 on s. Works on text; tokenizes with its own tokenizer."""

    def __init__(
        self,
        encoder: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        causal: bool,
        layout: str = "joint",
        pooling: str = "last",
        head_hidden: int = 256,
        max_tokens: int = 512,
        chunk_size: int = 16,
        compute_dtype: torch.dtype | None = None,
        describe: Callable[[str, str], str] | None = None,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.causal = causal
        self.layout = layout
        self.pooling = pooling
        self.max_tokens = max_tokens
        self.chunk_size = chunk_size
        self.compute_dtype = compute_dtype  # the encoder runs under autocast in this dtype; the heads in float32
        self.describe = describe  # (state, action) -> the action as Q reads it; None: as it is
        hidden = encoder.config.hidden_size
        q_in = hidden if layout == "joint" else 2 * hidden
        self.q1, self.q2 = mlp(q_in, head_hidden), mlp(q_in, head_hidden)
        self.v1, self.v2 = mlp(hidden, head_hidden), mlp(hidden, head_hidden)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.eos_token_id or 0)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _tokens(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer(texts, add_special_tokens=not self.causal)["input_ids"]

    def _encode(
        self, rows: list[list[int]], extra_index: list[int] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Pool each row of ids to one vector [B, H]; optionally also the hidden state that sits
        `extra_index[i]` tokens before the row's end (used for V inside the joint sequence).

        Rows are encoded in chunks of similar length (a padded batch costs as much as its longest
        row times its size), then put back in their original order."""
        rows = [r[-self.max_tokens :] if self.causal else r[: self.max_tokens] for r in rows]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        pooled_parts, extra_parts = [], []
        for start in range(0, len(order), self.chunk_size):
            idx = order[start : start + self.chunk_size]
            p, e = self._encode_batch(
                [rows[i] for i in idx], None if extra_index is None else [extra_index[i] for i in idx]
            )
            pooled_parts.append(p)
            extra_parts.append(e)
        inverse = torch.empty(len(order), dtype=torch.long)
        inverse[torch.tensor(order)] = torch.arange(len(order))
        inverse = inverse.to(self.device)
        pooled = torch.cat(pooled_parts)[inverse]
        extra = torch.cat(extra_parts)[inverse] if extra_index is not None else None  # type: ignore[arg-type]
        return pooled, extra

    def _encode_batch(
        self, rows: list[list[int]], extra_index: list[int] | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        ids, mask = left_pad(rows, self.pad_id, self.device)  # [B, T]
        # A causal body would also build a KV cache it never uses: ask it not to.
        kwargs = {"position_ids": (mask.cumsum(-1) - 1).clamp(min=0), "use_cache": False} if self.causal else {}
        with autocast(self.device, self.compute_dtype):
            hidden = self.encoder(input_ids=ids, attention_mask=mask, **kwargs).last_hidden_state  # [B, T, H]
        hidden = hidden.float()  # the value heads stay in float32
        if self.pooling == "last":
            pooled = hidden[:, -1, :]
        elif self.pooling == "cls":
            first = mask.argmax(-1)  # left padding: the first real token is the CLS token
            pooled = hidden[torch.arange(len(rows)), first, :]
        else:
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
        extra = None
        if extra_index is not None:
            at = torch.tensor([hidden.shape[1] - 1 - k for k in extra_index], device=self.device)
            extra = hidden[torch.arange(len(rows), device=self.device), at, :]
        return pooled, extra

    def forward(self, states: list[str], actions: list[str]) -> tuple[torch.Tensor, ...]:
        """(q1, q2, v1, v2), each [B]."""
        if self.describe is not None:
            actions = [self.describe(s, a) for s, a in zip(states, actions)]
        if self.layout == "joint":
            s_ids, a_ids = self._tokens(states), self._tokens([a + "\n" for a in actions])
            if self.causal and self.pooling == "last":
                # One pass: V from the state's last token (offset len(a) from the end), Q from the end.
                e_sa, e_s = self._encode([s + a for s, a in zip(s_ids, a_ids)], extra_index=[len(a) for a in a_ids])
                assert e_s is not None
            else:
                e_sa, _ = self._encode([s + a for s, a in zip(s_ids, a_ids)])
                e_s, _ = self._encode(s_ids)
            q_in = e_sa
        else:
            e_s, _ = self._encode(self._tokens(states))
            e_a, _ = self._encode(self._tokens(actions))
            q_in = torch.cat([e_s, e_a], dim=-1)  # [B, 2H]
        return (
            self.q1(q_in).squeeze(-1),
            self.q2(q_in).squeeze(-1),
            self.v1(e_s).squeeze(-1),
            self.v2(e_s).squeeze(-1),
        )

    def values(self, states: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """(v1, v2), each [B]: the state heads alone."""
        e_s, _ = self._encode(self._tokens(states))
        return self.v1(e_s).squeeze(-1), self.v2(e_s).squeeze(-1)


def make_target(critic: DoubleCritic) -> DoubleCritic:
    """A frozen copy of the critic (its own weights), to be moved by Polyak averaging only."""
    target = copy.deepcopy(critic)
    for p in target.parameters():
        p.requires_grad_(False)
    return target.eval()
