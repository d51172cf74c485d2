"""Throughput of the ArCHer stages at the paper's model sizes, random-init (no downloads).

Settings (issue 5), each from its GPU recipe with the models replaced by random-init ones of the
same architecture and size:
  a  GPT-2-124M policy + RoBERTa-base-size critic encoder   (configs/twenty_questions_gpt2_gpu.yaml)
  b  7B Mistral-architecture policy with LoRA + RoBERTa-base-size critic   (configs/twenty_questions_7b_lora.yaml)

The critic encoder is saved with a tokenizer trained on the game's text in a temporary folder
and loaded through `critic.encoder=<folder>`, the way a user's local model would be. The product's
own functions are timed: `archer.rollout.play_games` (rollout_trajectories games of Twenty
Questions, 128 in the recipes, the reference's setting), `critic_update.critic_step` and
`actor_update.actor_step` at the recipe's batch size. Reported per setting:

  rollout utterances/s and generated tokens/s, decode steps/s against the memory-bandwidth bound
  (every decode step reads every policy weight once: bound = bandwidth / weight bytes),
  critic samples/s, actor samples/s, peak GPU memory per stage, and model FLOPs utilisation with
  FLOPs estimated as 2·params per token for inference and 6·params per token for training
  (4·params for a LoRA policy: no weight gradients of the frozen base), over the tokens the
  stage actually processed, against --peak-tflops (default: the device's dense bf16 peak).

The issue's targets (10x/30x/20x the reference's fp32 code on one H100: 480 utterances/s,
250 critic samples/s, 270 actor samples/s) appear as pass/fail columns; they are not unit tests.

    python benchmarks/throughput.py                      # both settings, on the GPU
    python benchmarks/throughput.py --settings a --critic-steps 10 --actor-steps 5
    python benchmarks/throughput.py --smoke              # tiny models, CPU, seconds (the test runs this)

Writes JSON and a Markdown table (benchmarks/results/throughput.{json,md} unless --out), naming the
machine (GPU name, torch and transformers versions).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import AutoModelForCausalLM, GPT2Config, MistralConfig, RobertaConfig, RobertaModel

from archer.actor_update import actor_step
from archer.buffer import Batch, ReplayBuffer
from archer.config import Config, load_config
from archer.critic_update import critic_step
from archer.envs import VectorTextEnv, make_env
from archer.models.build import (
    DTYPE_KWARG,
    base_dtype,
    build_critic,
    make_policy,
    make_reference,
    prepare_policy_model,
    resolve_device,
)
from archer.models.critic import make_target
from archer.models.policy import Policy, Utterances
from archer.models.tokenizer import train_tokenizer
from archer.rollout import play_games
from archer.seeding import seed_everything
from archer.train import make_optimizers

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"rollout_utterances_per_s": 480.0, "critic_samples_per_s": 250.0, "actor_samples_per_s": 270.0}
# Dense bf16 tensor-core peaks (FLOP/s) and HBM bandwidth (bytes/s) from the vendors' data sheets.
DEVICES = {"H200": (989e12, 4.8e12), "H100": (989e12, 3.35e12), "A100": (312e12, 2.0e12)}
DEFAULT_PEAK = DEVICES["H100"]

SETTINGS = {
    "a": {"recipe": "twenty_questions_gpt2_gpu.yaml", "policy": "gpt2-124m"},
    "b": {"recipe": "twenty_questions_7b_lora.yaml", "policy": "mistral-7b"},
}
# --smoke: the same code paths on models small enough for a CPU test.
SMOKE = [
    "env.max_turns=3",
    "policy.max_new_tokens=6",
    "archer.rollout_trajectories=4",
    "archer.batch_size=8",
    "critic.head_hidden=16",
    "run.device=cpu",
]


def policy_config(kind: str, vocab: int, pad_id: int, eos_id: int, smoke: bool) -> transformers.PretrainedConfig:
    """The policy architecture: the paper's sizes, or a tiny one of the same family for --smoke."""
    if kind == "gpt2-124m":  # GPT2Config's defaults are GPT-2 small: 12 x 768, 50257 tokens
        size = {"n_layer": 1, "n_embd": 32, "n_head": 2, "vocab_size": vocab} if smoke else {}
        return GPT2Config(**size, bos_token_id=eos_id, eos_token_id=eos_id, pad_token_id=pad_id)
    # MistralConfig's defaults are Mistral-7B: 32 x 4096, 14336 MLP, 32 heads, 8 KV heads, 32000 tokens.
    size = (
        {
            "num_hidden_layers": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "vocab_size": vocab,
        }
        if smoke
        else {}
    )
    return MistralConfig(**size, bos_token_id=eos_id, eos_token_id=eos_id, pad_token_id=pad_id)


def save_critic_encoder(folder: Path, tokenizer: Any, smoke: bool) -> None:
    """A random-init RoBERTa-base-size encoder (12 x 768, 50265 tokens) and a local tokenizer, in `folder`."""
    size = (
        {
            "num_hidden_layers": 1,
            "hidden_size": 32,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "vocab_size": len(tokenizer),
        }
        if smoke
        else {}
    )
    # RoBERTa numbers positions from its padding id: it must be the tokenizer's.
    config = RobertaConfig(**size, pad_token_id=tokenizer.pad_token_id, max_position_embeddings=514)
    RobertaModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


class CountingPolicy:
    """Delegates `sample` to a policy and counts what it generated; play_games only calls `sample`."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.utterances = self.tokens = self.decode_steps = 0

    def sample(self, states: list[str], greedy: bool = False) -> Utterances:
        out = self.policy.sample(states, greedy=greedy)
        self.utterances += len(out.token_ids)
        self.tokens += sum(len(t) for t in out.token_ids)
        self.decode_steps += max((len(t) for t in out.token_ids), default=0)  # one forward per step
        return out


def params(module: torch.nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def weight_bytes(module: torch.nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters())


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(device: torch.device, fn: Callable[[], Any]) -> tuple[Any, float, float | None]:
    """(result, seconds, peak GiB allocated during fn, None off-GPU)."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    sync(device)
    t0 = time.perf_counter()
    result = fn()
    sync(device)
    seconds = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
    return result, seconds, peak


def machine(device: torch.device) -> dict[str, Any]:
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    return {
        "device": str(device),
        "gpu": gpu,
        "gpu_memory_gib": torch.cuda.get_device_properties(device).total_memory / 2**30 if gpu else None,
        "cpu": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
    }


def run_setting(name: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    spec = SETTINGS[name]
    overrides = [*(SMOKE if args.smoke else []), *args.overrides]
    if args.smoke and name == "b":
        overrides.append("policy.lora_r=4")
    cfg: Config = load_config(ROOT / "configs" / spec["recipe"], overrides)
    rng = seed_everything(cfg.run.seed)
    device = resolve_device(cfg.run.device)
    env = make_env(cfg.env)

    # Tokenizers trained on the game's text (no download); the models' vocabularies keep their
    # real sizes (ids the tokenizer never produces cost the same compute in the LM head).
    tokenizer = train_tokenizer(env.tokenizer_corpus(), vocab_size=cfg.policy.vocab_size)
    config = policy_config(spec["policy"], len(tokenizer), tokenizer.pad_token_id, tokenizer.eos_token_id, args.smoke)
    t0 = time.perf_counter()
    with torch.device(device):  # initialise on the device: a 7B model never passes through CPU memory
        model = AutoModelForCausalLM.from_config(config, **{DTYPE_KWARG: base_dtype(cfg)})
    policy = make_policy(cfg, prepare_policy_model(cfg, model).eval(), tokenizer)
    folder = workdir / f"critic_{name}"
    save_critic_encoder(folder, train_tokenizer(env.tokenizer_corpus(), vocab_size=cfg.policy.vocab_size), args.smoke)
    cfg.critic.encoder = str(folder)
    critic = build_critic(cfg, policy)
    target = make_target(critic)
    reference = make_reference(cfg, policy)
    critic_opt, actor_opt = make_optimizers(cfg, policy, critic)
    build_s = time.perf_counter() - t0
    lora = cfg.policy.lora_r > 0
    n_policy, n_critic = params(policy.model), params(critic.encoder)

    # 1. rollout: one warm-up round on a few games, then the timed round of every game.
    games_n = cfg.archer.rollout_trajectories
    play_games(policy, VectorTextEnv([make_env(cfg.env) for _ in range(2)]), [0, 1])
    counter = CountingPolicy(policy)
    venv = VectorTextEnv([make_env(cfg.env) for _ in range(games_n)])
    seeds = [int(s) for s in rng.integers(0, cfg.eval.seed, size=games_n)]
    games, rollout_s, rollout_mem = timed(device, lambda: play_games(counter, venv, seeds))  # type: ignore[arg-type]
    prompt_tokens = sum(len(r) for g in games for r in policy.encode_states([t.observation for t in g.turns]))
    rollout_flops = 2 * n_policy * (prompt_tokens + counter.tokens)
    buffer = ReplayBuffer(cfg.archer.buffer_capacity)
    buffer.add_games(games)

    # 2. critic: a warm-up step, then the timed steps (each samples a' from the policy, as in training)
    bsz = cfg.archer.batch_size
    critic.train()

    def critic_steps(batches: list[Batch]) -> None:
        for batch in batches:
            a = cfg.archer
            critic_step(critic, target, policy, batch, critic_opt, a.gamma, a.tau, a.grad_clip)

    critic_steps([buffer.sample(bsz, rng)])
    batches = [buffer.sample(bsz, rng) for _ in range(args.critic_steps)]
    _, critic_s, critic_mem = timed(device, lambda: critic_steps(batches))
    c_tok = critic.tokenizer
    t_sa = sum(len(r) for b in batches for r in c_tok([s + a for s, a in zip(b.observations, b.actions)])["input_ids"])
    t_next = sum(len(r) for b in batches for r in c_tok(b.next_observations)["input_ids"])
    p_tok = sum(len(r) for b in batches for r in policy.encode_states(b.observations))
    a_tok = sum(len(r) for b in batches for r in policy.encode_actions(b.actions))  # proxy for a' lengths
    critic_flops = 6 * n_critic * t_sa + 2 * n_critic * (t_sa + t_next) + 2 * n_policy * (p_tok + a_tok)

    # 3. actor
    policy.model.train()

    def actor_steps(state_batches: list[list[str]]) -> None:
        for states in state_batches:
            actor_step(
                policy,
                critic,
                states,
                actor_opt,
                cfg.archer.grad_clip,
                reference=reference,
                kl_coef=cfg.archer.kl_coef,
                samples_per_state=cfg.archer.actor_samples,
                baseline=cfg.archer.baseline,
            )

    n_states = max(1, bsz // cfg.archer.actor_samples)
    actor_steps([buffer.sample(n_states, rng).observations])
    state_batches = [buffer.sample(n_states, rng).observations for _ in range(args.actor_steps)]
    _, actor_s, actor_mem = timed(device, lambda: actor_steps(state_batches))
    policy.model.eval()
    actor_samples = args.actor_steps * n_states * cfg.archer.actor_samples
    s_tok = sum(len(r) for b in state_batches for r in policy.encode_states(b)) * cfg.archer.actor_samples
    a_len = a_tok / max(1, args.critic_steps * bsz)  # fresh utterances taken as long as the buffer's
    actor_tok = s_tok + a_len * actor_samples
    # per token: sampling 2P, scoring with gradient 6P (4P with LoRA), the KL reference 2P; the critic 2Pc
    per_token = 2 + (4 if lora else 6) + (2 if cfg.archer.kl_coef > 0 else 0)
    actor_flops = per_token * n_policy * actor_tok + 2 * n_critic * actor_tok

    peak_flops, bandwidth = args.peak_tflops * 1e12, args.bandwidth_tbs * 1e12
    decode_bound = bandwidth / weight_bytes(policy.model)  # decode steps/s if weights were read at full bandwidth
    row = {
        "setting": name,
        "recipe": f"configs/{spec['recipe']}",
        "policy": spec["policy"] + (" (smoke size)" if args.smoke else ""),
        "policy_params": n_policy,
        "policy_trainable_params": params(policy.model, trainable_only=True),
        "critic_encoder_params": n_critic,
        "lora_r": cfg.policy.lora_r,
        "dtype": cfg.policy.dtype,
        "gradient_checkpointing": cfg.policy.gradient_checkpointing,
        "games": games_n,
        "batch_size": bsz,
        "critic_steps": args.critic_steps,
        "actor_steps": args.actor_steps,
        "build_s": build_s,
        "rollout_s": rollout_s,
        "rollout_utterances": counter.utterances,
        "rollout_utterances_per_s": counter.utterances / rollout_s,
        "rollout_tokens_per_s": counter.tokens / rollout_s,
        "rollout_decode_steps_per_s": counter.decode_steps / rollout_s,
        "decode_bandwidth_bound_steps_per_s": decode_bound,
        "decode_fraction_of_bandwidth_bound": counter.decode_steps / rollout_s / decode_bound,
        "critic_samples_per_s": args.critic_steps * bsz / critic_s,
        "actor_samples_per_s": actor_samples / actor_s,
        "peak_memory_gib": {"rollout": rollout_mem, "critic": critic_mem, "actor": actor_mem},
        "mfu": {
            "rollout": rollout_flops / rollout_s / peak_flops,
            "critic": critic_flops / critic_s / peak_flops,
            "actor": actor_flops / actor_s / peak_flops,
        },
    }
    for key, target in TARGETS.items():
        row[f"{key}_target"] = target
        row[f"{key}_pass"] = bool(row[key] >= target)
    return row


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    where = m["gpu"] or f"CPU ({m['cpu']})"
    lines = [
        f"# ArCHer throughput{' (smoke: tiny models, not a measurement)' if report['smoke'] else ''}",
        "",
        f"Machine: {where}; torch {m['torch']}, transformers {m['transformers']}, CUDA {m['cuda']}. "
        f"MFU against {report['peak_tflops']:g} TFLOP/s, decode bound at {report['bandwidth_tbs']:g} TB/s.",
        "",
        "| setting | policy | rollout utt/s (>= 480) | rollout tok/s | decode / bandwidth bound | critic samples/s "
        "(>= 250) | actor samples/s (>= 270) | peak GiB (rollout / critic / actor) | MFU (rollout / critic / actor) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def mark(row: dict[str, Any], key: str) -> str:
        return f"{row[key]:.1f} {'pass' if row[key + '_pass'] else 'FAIL'}"

    for r in report["results"]:
        mem = " / ".join("-" if v is None else f"{v:.1f}" for v in r["peak_memory_gib"].values())
        mfu = " / ".join(f"{100 * v:.1f}%" for v in r["mfu"].values())
        lines.append(
            f"| {r['setting']} | {r['policy']}{' + LoRA' if r['lora_r'] else ''} | "
            f"{mark(r, 'rollout_utterances_per_s')} | {r['rollout_tokens_per_s']:.0f} | "
            f"{100 * r['decode_fraction_of_bandwidth_bound']:.1f}% | {mark(r, 'critic_samples_per_s')} | "
            f"{mark(r, 'actor_samples_per_s')} | {mem} | {mfu} |"
        )
    lines += ["", "Reference code (fp32, one H100, setting a): 48 utt/s, 8.1 critic and 13.4 actor samples/s, 7.4 GiB."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", default="a,b", help="comma-separated: a (GPT-2 124M), b (7B Mistral + LoRA)")
    parser.add_argument("--smoke", action="store_true", help="tiny models on CPU: checks the script, measures nothing")
    parser.add_argument("--critic-steps", type=int, default=5, help="timed critic steps (after one warm-up step)")
    parser.add_argument("--actor-steps", type=int, default=3, help="timed actor steps (after one warm-up step)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="device peak (default: H100/H200 bf16 dense)")
    parser.add_argument("--bandwidth-tbs", type=float, default=None, help="memory bandwidth (default: by GPU name)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "throughput.json")
    parser.add_argument("overrides", nargs="*", help="overrides for both recipes, e.g. archer.batch_size=128")
    args = parser.parse_args(argv)
    if args.smoke:
        args.critic_steps, args.actor_steps = min(args.critic_steps, 2), min(args.actor_steps, 2)

    device = resolve_device("cpu" if args.smoke else "auto")
    info = machine(device)
    peak, bandwidth = next((v for k, v in DEVICES.items() if info["gpu"] and k in info["gpu"]), DEFAULT_PEAK)
    args.peak_tflops = args.peak_tflops or peak / 1e12
    args.bandwidth_tbs = args.bandwidth_tbs or bandwidth / 1e12
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [s.strip() for s in args.settings.split(",") if s.strip()]:
            if name not in SETTINGS:
                parser.error(f"unknown setting {name!r}; choose from {', '.join(SETTINGS)}")
            results.append(run_setting(name, args, Path(tmp)))
            print(json.dumps(results[-1]), flush=True)
            if device.type == "cuda":
                torch.cuda.empty_cache()
    report = {
        "machine": info,
        "smoke": args.smoke,
        "peak_tflops": args.peak_tflops,
        "bandwidth_tbs": args.bandwidth_tbs,
        "targets": TARGETS,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    table = markdown(report)
    args.out.with_suffix(".md").write_text(table)
    print(table)
    return report


if __name__ == "__main__":
    main()
