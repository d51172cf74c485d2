"""Builds the models a config asks for: tiny ones created locally, or any Hugging Face model.

- `policy.model: tiny` -> a random-init GPT-2 of the configured size with a byte-level BPE
  tokenizer trained on the game's text; anything else is loaded with `from_pretrained` (a hub
  name, which needs the files in the local cache when offline, or a local folder).
- `critic.encoder: policy` -> a copy of the (behaviour-cloned) policy's transformer body with its
  own weights, last-token pooling; `tiny` -> a fresh random-init body of the policy's shape;
  anything else -> `AutoModel.from_pretrained` with its own tokenizer.

Precision and memory (docs/gpu.md): `policy.dtype` / `critic.dtype` are autocast dtypes; weights
that train stay float32 (the optimizer's updates are too small for bfloat16 at the paper's actor
learning rate of 1e-6), frozen weights are stored in the dtype. With `policy.lora_r > 0` the policy
is a peft LoRA model whose frozen base is stored in `policy.dtype`; its KL reference is the same
model with the adapters switched off (`make_reference`), not a second copy.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import torch
import transformers
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
from archer.envs import action_choices, action_descriptions
from archer.errors import UserError
from archer.models.critic import DoubleCritic
from archer.models.policy import Policy
from archer.models.tokenizer import train_tokenizer

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
# transformers renamed `torch_dtype` to `dtype` in 4.56; speak whichever is installed.
DTYPE_KWARG = "dtype" if tuple(int(x) for x in transformers.__version__.split(".")[:2]) >= (4, 56) else "torch_dtype"
# Which linear layers LoRA adapts, by HF model_type: attention in/out projections (GPT-2's c_proj
# names both the attention and the MLP output projection, so both are adapted).
LORA_TARGETS = {
    "gpt2": ["c_attn", "c_proj"],
    **{t: ["q_proj", "k_proj", "v_proj", "o_proj"] for t in ("llama", "mistral", "mixtral", "qwen2", "qwen3", "gemma")},
}


def torch_dtype(name: str) -> torch.dtype:
    return DTYPES[name]


def base_dtype(cfg: Config) -> torch.dtype:
    """The dtype the policy's weights are stored in: the compute dtype for a frozen LoRA base, else float32."""
    return torch_dtype(cfg.policy.dtype) if cfg.policy.lora_r > 0 else torch.float32


def is_peft(model: Any) -> bool:
    return hasattr(model, "disable_adapter") and hasattr(model, "get_base_model")


def lora_config(cfg: Config, model: PreTrainedModel) -> Any:
    """The peft LoraConfig of `policy.lora_*`; 'auto' targets come from LORA_TARGETS."""
    try:
        from peft import LoraConfig
    except ImportError:
        raise UserError("policy.lora_r > 0 needs peft: pip install 'archer-rl[lora]' (or pip install peft)") from None
    spec = cfg.policy.lora_target_modules.strip()
    model_type = getattr(model.config, "model_type", "")
    targets = LORA_TARGETS.get(model_type) if spec == "auto" else [t.strip() for t in spec.split(",") if t.strip()]
    return LoraConfig(
        r=cfg.policy.lora_r,
        lora_alpha=cfg.policy.lora_alpha,
        lora_dropout=cfg.policy.lora_dropout,
        target_modules=targets,  # None: peft's own per-architecture default
        fan_in_fan_out=model_type == "gpt2",  # GPT-2 stores its linears as Conv1D (in, out)
        task_type="CAUSAL_LM",
    )


def checkpointing(model: PreTrainedModel) -> None:
    """Turn on gradient checkpointing (non-reentrant: works with a frozen LoRA base); the method
    was renamed in transformers 5."""
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def prepare_policy_model(cfg: Config, model: PreTrainedModel) -> PreTrainedModel:
    """Apply the memory options to a freshly built or loaded causal LM: gradient checkpointing, then
    LoRA (the base frozen and stored in `policy.dtype`, the adapters float32)."""
    if cfg.policy.gradient_checkpointing:
        checkpointing(model)
    if cfg.policy.lora_r == 0:
        return model
    from peft import get_peft_model

    config = lora_config(cfg, model)
    model = model.to(base_dtype(cfg))
    try:
        return get_peft_model(model, config)  # freezes the base; adapters are float32 by default
    except ValueError as exc:
        raise UserError(
            f"LoRA could not adapt {type(model).__name__} ({str(exc).splitlines()[0]}); "
            "name its linear layers in policy.lora_target_modules"
        ) from None


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
            resid_pdrop=cfg.policy.dropout,
            embd_pdrop=cfg.policy.dropout,
            attn_pdrop=cfg.policy.dropout,
            bos_token_id=tokenizer.eos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        return prepare_policy_model(cfg, GPT2LMHeadModel(config))
    model = _load(
        AutoModelForCausalLM.from_pretrained, cfg.policy.model, "policy.model", **{DTYPE_KWARG: base_dtype(cfg)}
    )
    return prepare_policy_model(cfg, model)


def policy_model_from_config(config_dict: dict, dtype: torch.dtype = torch.float32) -> PreTrainedModel:
    """Rebuild a policy's architecture from its saved HF config (weights come from a checkpoint).

    The dtype is explicit: a saved config remembers the dtype it was saved in, which is not
    necessarily the dtype the weights should be restored to."""
    config = AutoConfig.for_model(**config_dict)
    return AutoModelForCausalLM.from_config(config, **{DTYPE_KWARG: dtype})


def make_policy(cfg: Config, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> Policy:
    return Policy(
        model,
        tokenizer,
        max_new_tokens=cfg.policy.max_new_tokens,
        temperature=cfg.policy.temperature,
        compute_dtype=torch_dtype(cfg.policy.dtype),
        choices=action_choices(cfg.env) if cfg.policy.choose_from == "auto" else None,
    )


def make_reference(cfg: Config, policy: Policy, state: dict[str, Any] | None = None, fold: bool = False) -> Policy:
    """The frozen anchor of the KL penalty.

    A full policy: a frozen copy (stored in `policy.dtype`), loaded from `state` when resuming.
    A LoRA policy: the same model with its adapters off, so no second copy of the base. With
    `fold` (after behaviour cloning) the adapters trained so far are first merged into the base
    and fresh ones started, so the reference is the BC policy and not the untuned base.
    """
    if is_peft(policy.model):
        if fold:
            from peft import get_peft_model

            base = policy.model.merge_and_unload()
            policy.model = get_peft_model(base, lora_config(cfg, base))
        return Policy(
            policy.model,
            policy.tokenizer,
            policy.max_new_tokens,
            policy.temperature,
            compute_dtype=policy.compute_dtype,
            adapters=False,
        )
    model = copy.deepcopy(policy.model)
    if state is not None:
        model.load_state_dict(state)
    model = model.to(torch_dtype(cfg.policy.dtype)).eval().requires_grad_(False)
    return Policy(model, policy.tokenizer, policy.max_new_tokens, policy.temperature, policy.compute_dtype)


def reference_state(policy: Policy, reference: Policy) -> dict[str, Any] | None:
    """What the checkpoint keeps of the reference: nothing when it is the LoRA policy's own base."""
    return None if reference.model is policy.model else reference.model.state_dict()


def is_causal(config: object) -> bool:
    """Encoder-only models (BERT, RoBERTa, ...) have masked-LM heads; everything else reads left to right."""
    return type(config) not in MODEL_FOR_MASKED_LM_MAPPING


def build_critic(cfg: Config, policy: Policy) -> DoubleCritic:
    """The online critic; its encoder is chosen by `critic.encoder` (see module docstring)."""
    if cfg.critic.encoder == "policy":
        model = policy.model
        if is_peft(model):  # the base body without the adapters (peft's unload, on a copy)
            model = copy.deepcopy(model).unload()
            encoder = model.base_model
        else:
            encoder = copy.deepcopy(model.base_model)
        tokenizer = policy.tokenizer
    elif cfg.critic.encoder == "tiny":
        encoder, tokenizer = AutoModel.from_config(copy.deepcopy(policy.model.config)), policy.tokenizer
    else:
        encoder = _load(AutoModel.from_pretrained, cfg.critic.encoder, "critic.encoder")
        tokenizer = _load(AutoTokenizer.from_pretrained, cfg.critic.encoder, "critic.encoder")
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
    encoder = encoder.float()  # it trains: float32 weights (a policy copy or a checkpoint may be stored narrower)
    if cfg.critic.gradient_checkpointing:
        checkpointing(encoder)
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
        compute_dtype=torch_dtype(cfg.critic.dtype),
        describe=action_descriptions(cfg.env) if cfg.critic.describe_actions else None,
    )
    return critic.to(policy.device)
