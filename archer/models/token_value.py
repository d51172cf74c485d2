"""A token-level value model: Ṽ(s, a_<t) at every utterance token's prefix.

Used twice: as token-level PPO's value function, and as ArCHer's optional token-level baseline
(paper eqs. 4-5), which regresses it to the utterance's advantage.

    Ṽ(s, a_<t) = head(h_{t-1}),   h = a causal body run over [s a]

It reads the same left-padded, right-aligned layout as `Policy.token_log_probs`, so value j of a
row belongs to the same token as log-prob j: the hidden state at the position *before* utterance
token t (the state the token is chosen in) predicts its value.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from transformers import AutoModel, PreTrainedModel

from archer.models.critic import mlp
from archer.models.policy import Policy, left_pad, positions


class TokenValue(nn.Module):
    """A causal transformer body and an MLP head (last layer zero-initialised, so values start at 0)."""

    def __init__(self, body: PreTrainedModel, pad_id: int, head_hidden: int = 256) -> None:
        super().__init__()
        self.body = body
        self.pad_id = pad_id
        self.head = mlp(body.config.hidden_size, head_hidden)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(self, state_ids: list[list[int]], action_ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """([B, A] values, [B, A] mask), aligned with `Policy.token_log_probs` (A = longest utterance)."""
        rows = [s + a for s, a in zip(state_ids, action_ids)]
        ids, mask = left_pad(rows, self.pad_id, self.device)  # [B, T]
        width = max(len(a) for a in action_ids)
        hidden = self.body(input_ids=ids, attention_mask=mask, position_ids=positions(mask)).last_hidden_state
        prefix = hidden[:, -(width + 1) : -1, :]  # [B, A, H]: the position before each utterance token
        values = self.head(prefix).squeeze(-1)  # [B, A]
        act_mask = torch.zeros_like(values)
        for i, a in enumerate(action_ids):
            if a:
                act_mask[i, width - len(a) :] = 1.0
        return values * act_mask, act_mask


def build_token_value(kind: str, policy: Policy, head_hidden: int = 256) -> TokenValue:
    """'policy': a copy of the policy's transformer body (its own weights); 'tiny': a fresh random body."""
    if kind == "policy":
        body = copy.deepcopy(policy.model.base_model)
    elif kind == "tiny":
        body = AutoModel.from_config(copy.deepcopy(policy.model.config))
    else:
        raise ValueError(f"unknown token value model {kind!r}; use 'policy' or 'tiny'")
    body.requires_grad_(True)
    return TokenValue(body, policy.pad_id, head_hidden).to(policy.device)
