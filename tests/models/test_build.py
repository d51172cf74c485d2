"""The GPU-scale options of the model builders on tiny random-init models, on CPU, no downloads:
Llama/Mistral/Qwen-family policies, bfloat16 autocast, gradient checkpointing, and peft LoRA
(only the adapters train, the KL reference is the adapter-free base, checkpoints resume)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, LlamaConfig, MistralConfig, Qwen2Config

from archer.actor_update import actor_step
from archer.checkpoint import load_checkpoint
from archer.config import Config, load_config
from archer.envs.guess_number import GuessNumberEnv
from archer.errors import UserError
from archer.models.build import build_critic, make_policy, make_reference, prepare_policy_model, reference_state
from archer.models.policy import Policy
from archer.models.tokenizer import train_tokenizer
from archer.train import load_run_config, train
from tests.models.test_policy import STATES, naive_log_probs
from tests.tiny import TINY

needs_peft = pytest.mark.skipif(
    importlib.util.find_spec("peft") is None, reason="LoRA needs peft: pip install 'archer-rl[lora]'"
)
ARCHS = {"llama": LlamaConfig, "mistral": MistralConfig, "qwen2": Qwen2Config}


def tiny_causal_lm(kind: str, vocab: int, pad_id: int, eos_id: int) -> torch.nn.Module:
    """A 2-layer model of the family, grouped-query attention included (4 heads, 2 KV heads)."""
    config = ARCHS[kind](
        vocab_size=vocab,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        bos_token_id=eos_id,
        tie_word_embeddings=False,
    )
    return AutoModelForCausalLM.from_config(config)


def make(kind: str, cfg: Config | None = None) -> Policy:
    cfg = cfg or Config()
    cfg.policy.max_new_tokens = 8
    torch.manual_seed(0)
    tok = train_tokenizer(GuessNumberEnv(n=8).tokenizer_corpus(), vocab_size=300)
    model = tiny_causal_lm(kind, len(tok), tok.pad_token_id, tok.eos_token_id)
    return make_policy(cfg, prepare_policy_model(cfg, model).eval(), tok)


def lora_cfg(**extra: object) -> Config:
    cfg = Config()
    cfg.policy.lora_r, cfg.policy.lora_alpha, cfg.policy.lora_dropout = 4, 8.0, 0.0
    for key, value in extra.items():
        setattr(cfg.policy, key, value)
    return cfg


@pytest.mark.parametrize("kind", list(ARCHS))
def test_family_policy_scores_like_naive_and_generates(kind: str):
    policy = make(kind)
    actions = ["Is it greater than 2?", "Is it 7?"]
    s_ids, a_ids = policy.encode_states(STATES), policy.encode_actions(actions)
    with torch.no_grad():
        logp, mask = policy.token_log_probs(s_ids, a_ids)
        for i in range(2):
            torch.testing.assert_close(logp[i][mask[i].bool()], naive_log_probs(policy, s_ids[i], a_ids[i]))
    batch = policy.sample(STATES, greedy=True)
    for i, state in enumerate(STATES):  # left padding and the KV cache change nothing
        assert policy.sample([state], greedy=True).token_ids[0] == batch.token_ids[i]
        assert 1 <= len(batch.token_ids[i]) <= policy.max_new_tokens


def test_bfloat16_autocast_on_cpu_is_close_to_float32():
    full = make("mistral")
    cfg = Config()
    cfg.policy.dtype = cfg.critic.dtype = "bfloat16"
    half = make("mistral", cfg)
    assert half.compute_dtype == torch.bfloat16 and next(half.model.parameters()).dtype == torch.float32
    s_ids, a_ids = half.encode_states(STATES), half.encode_actions(["Is it 3?", "Is it 7?"])
    with torch.no_grad():
        a, mask = full.token_log_probs(s_ids, a_ids)
        b, _ = half.token_log_probs(s_ids, a_ids)
    assert b.dtype == torch.float32
    assert (a - b).abs()[mask.bool()].max() < 0.1  # bfloat16 keeps ~3 significant digits
    assert half.sample(STATES).texts  # sampling runs under autocast too
    critic = build_critic(cfg, half)
    q1, _, v1, _ = critic(STATES, ["Is it 3?", "Is it 7?"])
    assert q1.dtype == v1.dtype == torch.float32 and critic.compute_dtype == torch.bfloat16


def test_gradient_checkpointing_trains_and_samples_with_the_cache():
    cfg = Config()
    cfg.policy.gradient_checkpointing = True
    policy = make("llama", cfg)
    policy.model.train()
    before = policy.sample(STATES, greedy=True)  # the cache stays on in training mode
    assert policy.model.training
    logp, mask = policy.token_log_probs(policy.encode_states(STATES), before.token_ids)
    (-(logp * mask).sum()).backward()
    assert all(p.grad is not None for p in policy.model.parameters() if p.requires_grad)


@needs_peft
def test_lora_trains_only_adapters_and_reference_is_the_base():
    cfg = lora_cfg()
    policy = make("mistral", cfg)
    trained = {n for n, p in policy.model.named_parameters() if p.requires_grad}
    assert trained and all("lora_" in n for n in trained)
    targets = {n.split(".")[-4] for n in trained}
    assert targets == {"q_proj", "k_proj", "v_proj", "o_proj"}  # the 'auto' choice for Mistral
    reference = make_reference(cfg, policy)
    assert reference.model is policy.model and reference_state(policy, reference) is None
    critic = build_critic(cfg, policy)  # critic.encoder=policy: the base body, without adapters
    assert not any("lora_" in n for n, _ in critic.encoder.named_parameters())
    assert all(p.requires_grad and p.dtype == torch.float32 for p in critic.encoder.parameters())

    before = {n: p.detach().clone() for n, p in policy.model.named_parameters()}
    opt = torch.optim.AdamW([p for p in policy.model.parameters() if p.requires_grad], lr=1e-2)
    torch.manual_seed(1)
    metrics = actor_step(policy, critic, STATES * 2, opt, 1.0, reference=reference, kl_coef=0.1)
    assert metrics["actor/kl"] == 0.0  # lora_B starts at zero: policy == reference at the first step
    with torch.no_grad():
        critic.q1[-1].bias.fill_(1.0)  # a nonzero advantage (min Q - min V = 1) moves the adapters
        critic.q2[-1].bias.fill_(1.0)
    actor_step(policy, critic, STATES * 2, opt, 1.0, reference=reference, kl_coef=0.1)
    for n, p in policy.model.named_parameters():
        if n not in trained:
            assert torch.equal(before[n], p.detach()), f"frozen {n} moved"
    assert any(not torch.equal(before[n], p) for n, p in policy.model.named_parameters() if "lora_B" in n)
    s_ids, a_ids = policy.encode_states(STATES), policy.encode_actions(["Is it 3?", "Is it 7?"])
    with torch.no_grad():
        mine, mask = policy.token_log_probs(s_ids, a_ids)
        ref, _ = reference.token_log_probs(s_ids, a_ids)
        policy.model.base_model.disable_adapter_layers()
        base, _ = policy.token_log_probs(s_ids, a_ids)
        policy.model.base_model.enable_adapter_layers()
    torch.testing.assert_close(ref, base)  # the reference is exactly the adapter-free base
    assert not torch.allclose(mine, ref)  # ... and no longer the trained policy


@needs_peft
def test_lora_auto_targets_for_gpt2_and_bfloat16_base():
    cfg = Config()
    cfg.policy.n_layer, cfg.policy.n_embd, cfg.policy.n_head = 1, 32, 2
    cfg.policy.lora_r, cfg.policy.dtype = 4, "bfloat16"
    from archer.models.build import build_policy_model

    tok = train_tokenizer(GuessNumberEnv(n=8).tokenizer_corpus(), vocab_size=300)
    model = build_policy_model(cfg, tok)
    names = {n.split(".")[-4] for n, p in model.named_parameters() if p.requires_grad}
    assert names == {"c_attn", "c_proj"}
    frozen = [p for p in model.parameters() if not p.requires_grad]
    assert all(p.dtype == torch.bfloat16 for p in frozen)  # the frozen base is stored narrow
    assert all(p.dtype == torch.float32 for p in model.parameters() if p.requires_grad)
    assert make_policy(cfg, model.eval(), tok).sample(STATES).texts


def test_bad_options_are_user_errors():
    with pytest.raises(UserError, match="policy.dtype"):
        load_config(None, ["policy.dtype=fp8"])
    with pytest.raises(UserError, match="lora_r"):
        load_config(None, ["policy.lora_r=-1"])


@needs_peft
def test_lora_on_unknown_layers_is_a_user_error():
    with pytest.raises(UserError, match="LoRA could not adapt"):
        make("llama", lora_cfg(lora_target_modules="no_such_layer"))


@needs_peft
def test_lora_run_checkpoints_and_resumes_exactly(tmp_path: Path):
    lora = ["policy.lora_r=4", "policy.lora_dropout=0.0", "policy.dtype=bfloat16", "archer.kl_coef=0.1"]
    straight = train(load_config(None, [*TINY, *lora, f"run.out_dir={tmp_path}", "run.name=s", "archer.iterations=2"]))
    train(load_config(None, [*TINY, *lora, f"run.out_dir={tmp_path}", "run.name=r", "archer.iterations=1"]))
    cfg = load_run_config(tmp_path / "r")
    cfg.archer.iterations = 2
    resumed = train(cfg, run_dir=tmp_path / "r", resume_run=True)
    a, b = load_checkpoint(straight.run_dir), load_checkpoint(resumed.run_dir)
    assert a["reference"] is None  # the reference is the policy's own base: not stored twice
    assert any("lora_A" in k for k in a["policy"])
    for key in ("policy", "critic", "target"):
        for name, tensor in a[key].items():
            assert torch.equal(tensor, b[key][name]), f"{key}.{name} differs after resume"


def test_make_policy_keeps_to_valid_actions_unless_told_free(policy: Policy):
    from archer.envs.detective import observed_valid_actions

    auto = make_policy(load_config(None, ["env.name=textworld"]), policy.model, policy.tokenizer)
    free = make_policy(
        load_config(None, ["env.name=textworld", "policy.choose_from=free"]), policy.model, policy.tokenizer
    )
    assert auto.choices is observed_valid_actions and free.choices is None
