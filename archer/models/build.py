"""Builds the models a config asks for: tiny ones created locally, or any Hugging Face model.

- `policy.model: tiny` -> a random-init GPT-2 of the configured size with a byte-level BPE
  tokenizer trained on the game's text; anything else is loaded with `from_pretrained` (a hub
  name, which needs the files in the local cache when offline, or a local folder).
- `critic.encoder: policy` -> a copy of the (behaviour-cloned) policy's transformer body with its
  own weights, last-token pooling; `tiny` -> a fresh random-init body of the policy's shape;
  anything else -> `AutoModel.from_pretrained` with its own tokenizer.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import torch
from transformers import (
    MODEL_FOR_MASKED_LM_MAPPING,
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoTokenizer,
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from archer.config import Config
from archer.errors import UserError
from archer.models.critic import DoubleCritic
from archer.models.policy import Policy
from archer.models.tokenizer import train_tokenizer


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        from archer.distributed import local_device

        return torch.device(local_device() or ("cuda" if torch.cuda.is_available() else "cpu"))
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"run.device={name} but no CUDA device is visible; use run.device=cpu")
    return torch.device(name)


def build_tokenizer(cfg: Config, texts: Iterable[str]) -> PreTrainedTokenizerBase:
    """The policy's tokenizer: trained on `texts` for the tiny model, else the model's own."""
    if cfg.policy.model == "tiny":
        return train_tokenizer(texts, vocab_size=cfg.policy.vocab_size)
    tok = _load(AutoTokenizer.from_pretrained, cfg.policy.model, "policy.model")
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _load(loader, name: str, key: str, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return loader(name, **kwargs)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(
            f"{key}={name!r} could not be loaded ({first}); give a local folder or a cached model"
        ) from None


def build_policy_model(cfg: Config, tokenizer: PreTrainedTokenizerBase) -> PreTrainedModel:
    """The causal LM, random-init tiny or pretrained."""
    if cfg.policy.model == "tiny":
        config = GPT2Config(
            vocab_size=len(tokenizer),
            n_positions=cfg.policy.n_positions,
            n_embd=cfg.policy.n_embd,
            n_layer=cfg.policy.n_layer,
            n_head=cfg.policy.n_head,
            bos_token_id=tokenizer.eos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        return GPT2LMHeadModel(config)
    return _load(AutoModelForCausalLM.from_pretrained, cfg.policy.model, "policy.model")


def policy_model_from_config(config_dict: dict) -> PreTrainedModel:
    """Rebuild a policy's architecture from its saved HF config (weights come from a checkpoint)."""
    config = AutoConfig.for_model(**config_dict)
    return AutoModelForCausalLM.from_config(config)


def make_policy(cfg: Config, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> Policy:
    return Policy(model, tokenizer, max_new_tokens=cfg.policy.max_new_tokens, temperature=cfg.policy.temperature)


def is_causal(config: object) -> bool:
    """Encoder-only models (BERT, RoBERTa, ...) have masked-LM heads; everything else reads left to right."""
    return type(config) not in MODEL_FOR_MASKED_LM_MAPPING


def build_critic(cfg: Config, policy: Policy) -> DoubleCritic:
    """The online critic; its encoder is chosen by `critic.encoder` (see module docstring)."""
    if cfg.critic.encoder == "policy":
        encoder, tokenizer = copy.deepcopy(policy.model.base_model), policy.tokenizer
    elif cfg.critic.encoder == "tiny":
        encoder, tokenizer = AutoModel.from_config(copy.deepcopy(policy.model.config)), policy.tokenizer
    else:
        encoder = _load(AutoModel.from_pretrained, cfg.critic.encoder, "critic.encoder")
        tokenizer = _load(AutoTokenizer.from_pretrained, cfg.critic.encoder, "critic.encoder")
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
    for p in encoder.parameters():
        p.requires_grad_(True)
    causal = is_causal(encoder.config)
    pooling = cfg.critic.pooling if cfg.critic.pooling != "auto" else ("last" if causal else "mean")
    critic = DoubleCritic(
        encoder,
        tokenizer,
        causal=causal,
        layout=cfg.critic.layout,
        pooling=pooling,
        head_hidden=cfg.critic.head_hidden,
        max_tokens=cfg.critic.max_tokens,
    )
    return critic.to(policy.device)
