"""Typed configuration: one dataclass per concern, YAML recipes, `key=value` overrides, validation.

Every field has a default and a help text (`archer train --help` prints them all). A recipe in
`configs/` is a YAML file of the same nesting; overrides on the command line use dotted keys:

    archer train --config configs/guess_number.yaml archer.iterations=40 policy.temperature=0.8

Mistakes (an unknown key, a wrong type, an impossible combination) raise `UserError` with a
message that says how to fix them.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archer.errors import UserError


def _f(default: Any, help: str) -> Any:  # noqa: A002 - "help" reads best at the call sites
    """A dataclass field with its help text."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class EnvConfig:
    """Which game, and how its demonstrations are made."""

    name: str = _f(
        "twenty_questions_subset",
        "guess_number | twenty_questions | twenty_questions_subset | guess_my_city | webshop | detective | textworld",
    )
    max_turns: int = _f(20, "turn limit of a game (the game is truncated there)")
    n: int = _f(16, "guess_number only: the hidden number lies in 1..n")
    oracle_model: str | None = _f(
        None,
        "twenty_questions and guess_my_city: a Hugging Face model name/path to answer instead of the knowledge base",
    )
    webshop_products: int = _f(3000, "webshop only: products in the generated catalog")
    webshop_seed: int = _f(0, "webshop only: seed of the generated catalog and its instructions")
    webshop_url: str | None = _f(
        None, "webshop only: play over HTTP against this WebShop server (ours or a real one); empty = in process"
    )
    webshop_goal_start: int = _f(0, "webshop only: first instruction index; a game of seed s plays start + s ...")
    webshop_goal_count: int = _f(
        0, "webshop only: ... or start + s mod count when count > 0 (a fixed range, as the paper's 2000..2099)"
    )
    webshop_validation_start: int = _f(
        -1,
        "webshop only: validation games (eval.keep_best, bc.select_games) play this range instead (start + s mod "
        "count); -1 = the training range, where with a fixed range validation replays the held-out instructions",
    )
    game_path: str | None = _f(
        None, "detective only: path to detective.z5 (empty = ../shared/games/detective.z5 beside the repo or the cwd)"
    )
    valid_actions: bool = _f(True, "detective only: list the valid actions in the observation (as the paper)")
    textworld_level: int = _f(1, "textworld only: difficulty 1, 2 or 3 (rooms, objects, quest length grow)")
    textworld_train_games: int = _f(100, "textworld only: training games (reset seeds below eval.seed cycle them)")
    textworld_eval_games: int = _f(20, "textworld only: held-out games, never trained on (reset seeds from eval.seed)")
    cache_dir: str | None = _f(
        None, "textworld only: folder of generated games (empty = ~/.cache/archer/textworld); made on first use"
    )
    demo_games: int = _f(1000, "number of scripted demonstration games generated for behaviour cloning")
    demo_skill: float | None = _f(None, "skill of the scripted demonstrator in [0, 1]; empty = the game's default")
    demo_path: str | None = _f(
        None, "a JSONL file of your own demonstration games (see docs/data.md) instead of scripted ones"
    )


@dataclass
class PolicyConfig:
    """The LM policy: a Hugging Face causal LM, tiny and built locally by default."""

    model: str = _f("tiny", "'tiny' (random-init GPT-2 built from the fields below) or a HF model name / local path")
    n_layer: int = _f(2, "tiny model: transformer layers")
    n_embd: int = _f(128, "tiny model: hidden size")
    n_head: int = _f(4, "tiny model: attention heads")
    n_positions: int = _f(512, "tiny model: longest sequence")
    dropout: float = _f(
        0.1, "tiny model: dropout of embeddings, residuals, attention (GPT-2's default; 0 cloned guess_number better)"
    )
    vocab_size: int = _f(1024, "tiny model: size of the BPE tokenizer trained on the game's own text")
    max_new_tokens: int = _f(24, "longest utterance in tokens; generation also stops at a newline or EOS")
    temperature: float = _f(1.0, "sampling temperature for rollouts (evaluation is greedy)")
    choose_from: str = _f(
        "auto",
        "'auto': where the game lists its valid actions (detective, textworld, webshop's buttons), sample only "
        "among them, token by token; 'free': generate any text, as the paper's reference did",
    )
    dtype: str = _f(
        "float32",
        "compute precision: float32 | bfloat16 | float16 (autocast; trained weights stay float32, frozen "
        "weights such as a LoRA base or the KL reference are stored in this dtype; see docs/gpu.md)",
    )
    gradient_checkpointing: bool = _f(False, "recompute activations in the backward pass (less memory, ~30% slower)")
    lora_r: int = _f(0, "LoRA rank for the policy through peft (0 = off: every weight trains); needs the 'lora' extra")
    lora_alpha: float = _f(16.0, "LoRA scale numerator (the update is scaled by lora_alpha / lora_r)")
    lora_dropout: float = _f(0.05, "dropout on the LoRA branch")
    lora_target_modules: str = _f(
        "auto",
        "comma-separated module names to adapt, or 'auto' (c_attn,c_proj for GPT-2; "
        "q_proj,k_proj,v_proj,o_proj for Llama/Mistral/Qwen; peft's own default otherwise)",
    )


@dataclass
class CriticConfig:
    """The utterance-level critic: an encoder, two Q heads, two V heads, and a Polyak target copy."""

    encoder: str = _f(
        "policy", "'policy' (a copy of the BC'd policy's body, its own weights), 'tiny', or a HF name/path"
    )
    layout: str = _f(
        "joint", "'joint': Q reads state+utterance as one sequence; 'separate': Q(e_s, e_a) as the reference"
    )
    pooling: str = _f("auto", "'last' token, 'mean', 'cls', or 'auto' (last for causal encoders, mean otherwise)")
    head_hidden: int = _f(256, "width of the MLP heads")
    max_tokens: int = _f(512, "longest critic input in tokens (the oldest turns are cut first)")
    dtype: str = _f("float32", "compute precision of the encoder: float32 | bfloat16 | float16 (autocast)")
    gradient_checkpointing: bool = _f(False, "recompute the encoder's activations in the backward pass")
    describe_actions: bool = _f(
        False,
        "let Q read each action with what the page says about it (WebShop: a product click or `buy now` "
        "with the product's title and price); no effect on tasks without descriptions",
    )


@dataclass
class BCConfig:
    """Behaviour cloning: supervised fine-tuning on demonstrations, loss on the utterance tokens only."""

    epochs: int = _f(
        6,
        "passes over the demonstration turns (0 skips BC); a tiny random-init policy needs several hundred "
        "steps in all (the run prints them): Detective's and WebShop's clones were far weaker at ~150",
    )
    from_run: str | None = _f(
        None,
        "start from the policy (and demonstrations) of an earlier run folder, e.g. one of `archer bc`, "
        "or of a checkpoint file in one, e.g. RUN/bc_policy.pt (the BC start of an `archer train` run), "
        "instead of cloning anew",
    )
    lr: float = _f(1e-3, "learning rate")
    batch_size: int = _f(64, "turns per step")
    batching: str = _f(
        "length",
        "'length' (batches of similar length: 3-4x faster on Twenty Questions, but a batch then holds one stage "
        "of the game) or 'shuffle' (uniform random batches: a tiny guess_number policy imitated far better)",
    )
    select_games: int = _f(
        0,
        "keep the epoch whose greedy return on this many validation games is best (0 = keep the last epoch); "
        "validation games use seeds from eval.seed + 100000, apart from training and evaluation games",
    )


@dataclass
class ArcherConfig:
    """Online ArCHer: the schedule and the losses' constants."""

    iterations: int = _f(20, "rollout -> critic -> actor iterations")
    rollout_trajectories: int = _f(32, "games collected per iteration (sampling at policy.temperature)")
    greedy_rollouts: int = _f(
        0,
        "of those games, how many are played greedily, as the evaluation plays: the critic and the actor then "
        "also see the states where greedy play goes (its loops, say), which sampled games rarely reach",
    )
    critic_updates: int = _f(20, "critic steps per iteration")
    actor_updates: int = _f(2, "actor steps per iteration (after the warm-up)")
    warmup_iterations: int = _f(0, "iterations in which only the critic learns")
    critic_pretrain_steps: int = _f(300, "critic steps on the demonstrations before the first iteration")
    batch_size: int = _f(64, "transitions per critic step, states per actor step")
    gamma: float = _f(0.95, "discount between utterances")
    reward_scale: float = _f(
        1.0,
        "the critic learns values of reward × this (e.g. 0.01 for Detective's 10-point rewards, so TD errors "
        "stay near 1 and the clipped gradient still fits them); the actor's advantages and all returns stay in "
        "game units",
    )
    mc_weight: float = _f(
        0.0,
        "mix the game's discounted return from each turn into Q's target: (1 - w) TD target + w return "
        "(0 = the paper's TD target; the return is that of the policy that played the game)",
    )
    tau: float = _f(0.1, "Polyak rate of the target critic, applied after every critic step")
    v_target: str = _f(
        "sample",
        "the V target's action a': 'sample' (the paper: a' ~ π, so the critic values sampled play) or 'greedy' "
        "(a' = the policy's greedy utterance, so it values greedy play, which evaluation measures; archer train only)",
    )
    critic_lr: float = _f(3e-4, "critic learning rate")
    actor_lr: float = _f(3e-5, "actor learning rate")
    grad_clip: float = _f(1.0, "max gradient norm, clipped separately for critic and actor")
    baseline: str = _f(
        "v",
        "actor baseline: 'v' (the paper: A = min Q - min V), 'centered' (that A minus its mean over the actor's "
        "batch) or 'group' (A = Q minus the mean Q of the other utterances sampled at the same state)",
    )
    actor_samples: int = _f(1, "utterances sampled per state in an actor step (the 'group' baseline needs >= 2)")
    kl_coef: float = _f(0.1, "weight of the KL penalty that keeps the actor near the BC policy (0 = off)")
    actor_lr_decay: bool = _f(
        False,
        "decay the actor's learning rate linearly to 0 over the run (the larger of the shares of archer.iterations "
        "and of run.max_env_samples spent), so the critic's noise moves a late policy less",
    )
    actor_states: str = _f(
        "buffer",
        "where the actor's states come from: 'buffer' (the paper: the whole replay buffer, demonstrations "
        "included) or 'rollout' (the latest rollout's states: where the current policy goes)",
    )
    buffer_capacity: int = _f(100_000, "replay buffer size in transitions")
    demos_in_buffer: bool = _f(True, "keep the demonstrations in the replay buffer during online training")


@dataclass
class TokenBaselineConfig:
    """ArCHer's actor with a token-level baseline Ṽ(s, a_<t) fitted to A; tokens weighted by A - Ṽ."""

    enabled: bool = _f(False, "use the token-level baseline in ArCHer's actor (see docs/baselines.md)")
    model: str = _f("policy", "Ṽ's body: 'policy' (a copy of the BC'd policy's body) or 'tiny' (random init)")
    lr: float = _f(3e-4, "learning rate of Ṽ (one regression step per actor step, on the actor's batch)")


@dataclass
class FilteredBCConfig:
    """Online filtered BC: play games, keep the best fraction of all games so far, fine-tune on them."""

    iterations: int = _f(20, "rollout -> select -> fine-tune iterations (run.max_env_samples may stop it earlier)")
    games_per_iteration: int = _f(32, "games played per iteration (sampling at policy.temperature)")
    top_fraction: float = _f(0.1, "share of all games so far kept for fine-tuning (the best by return)")
    updates_per_iteration: int = _f(10, "gradient steps on the kept games per iteration")
    batch_size: int = _f(64, "turns per gradient step")
    lr: float = _f(1e-4, "learning rate")


@dataclass
class CHAIConfig:
    """CHAI: fixed BC policy, ArCHer's critic (archer.* settings) off-policy, play the best of k samples."""

    iterations: int = _f(20, "rollout -> critic iterations (run.max_env_samples may stop it earlier)")
    samples: int = _f(5, "k: utterances sampled per state; the agent plays the argmax of min(Q̄1, Q̄2)")


@dataclass
class PPOConfig:
    """Token-level PPO: token value model, GAE over policy tokens, clipped ratio; γ is archer.gamma."""

    iterations: int = _f(20, "rollout -> update iterations (run.max_env_samples may stop it earlier)")
    games_per_update: int = _f(32, "games played per update (the paper used 1,024 or more)")
    epochs: int = _f(2, "passes over the update's turns")
    minibatch_size: int = _f(64, "turns (utterances) per gradient step")
    lr: float = _f(3e-5, "policy learning rate")
    value_lr: float = _f(3e-4, "value-model learning rate")
    value_model: str = _f("policy", "value body: 'policy' (a copy of the BC'd policy's body) or 'tiny' (random init)")
    lam: float = _f(0.95, "GAE λ, applied per policy token")
    clip: float = _f(0.2, "ε of the clipped ratio objective")
    value_clip: float = _f(0.2, "clip range of the value update around the rollout's values (0 = no value clipping)")
    kl_coef: float = _f(0.1, "weight of the k3 KL penalty to the start (BC) policy, per token (0 = off)")
    normalize_advantages: bool = _f(True, "standardise the advantages over the update's policy tokens")
    value_pretrain_steps: int = _f(
        100, "value steps on the demonstrations' Monte-Carlo returns before the first update (as ArCHer's critic)"
    )


@dataclass
class OfflineConfig:
    """Offline ArCHer: IQL-style critic, AWR actor, fixed games; γ and grad clip from archer.*."""

    steps: int = _f(1000, "gradient steps (one critic step, then one actor step after the warm-up)")
    data_path: str | None = _f(None, "a JSONL file of games (docs/data.md); empty = the BC start's demonstrations")
    critic: str = _f("iql", "'iql' (V fitted by expectile regression at offline.expectile) or 'sarsa' (expectile 0.5)")
    expectile: float = _f(0.9, "expectile of the V fit for critic=iql")
    beta: float = _f(1.0, "AWR temperature: weights exp(β A)")
    max_weight: float = _f(100.0, "AWR weights are clipped at this value (exp(β A) explodes for large A)")
    batch_size: int = _f(64, "transitions per critic step, utterances per actor step")
    critic_lr: float = _f(3e-4, "critic learning rate")
    actor_lr: float = _f(3e-5, "actor learning rate")
    tau: float = _f(0.05, "Polyak rate of the target critic")
    actor_warmup_steps: int = _f(200, "steps in which only the critic learns")
    eval_every: int = _f(200, "evaluate (and log, and checkpoint) every this many steps")


@dataclass
class EvalConfig:
    """Greedy evaluation on fixed held-out games."""

    games: int = _f(64, "held-out games per evaluation")
    every: int = _f(3, "evaluate every this many iterations (and always after the last)")
    seed: int = _f(1_000_000, "first seed of the held-out games (training games use seeds below it)")
    transcripts: int = _f(8, "evaluation games written out as transcripts")
    every_samples: int = _f(
        0, "evaluate whenever the env samples cross a multiple of this (0 = every `eval.every` iterations instead)"
    )
    keep_best: bool = _f(
        False,
        "at each evaluation also play eval.games validation games (seeds apart from training and held-out games) "
        "and keep the policy with the best validation return as best_policy.pt; the summary reports its "
        "held-out return beside the final one (archer train; the baselines ignore it)",
    )
    restore_best: bool = _f(
        False,
        "with keep_best: when the validation return falls more than eval.restore_margin below the best so far, "
        "go back to the kept policy (its weights; the actor's optimizer restarts) and go on from there, so that "
        "late actor steps that break greedy play are undone (the critic and the buffer keep what they learned)",
    )
    restore_margin: float = _f(0.0, "restore_best: how far (in return) validation may fall below the best first")


@dataclass
class RunConfig:
    """Where and how the run happens."""

    seed: int = _f(0, "seed of everything (games, models, sampling)")
    out_dir: str = _f("runs", "parent folder of run folders")
    name: str | None = _f(None, "run folder name (default: env name and time)")
    device: str = _f("auto", "'auto' (cuda if present), 'cpu', 'cuda', 'cuda:1', ...")
    threads: int = _f(0, "torch CPU threads (0 = torch's default)")
    checkpoint_every: int = _f(1, "write the resumable checkpoint every this many iterations")
    progress: bool = _f(True, "show a progress bar")
    max_env_samples: int = _f(
        0,
        "stop once this many env samples (utterances) are played; the iteration crossing it completes (0 = no limit)",
    )

    def budget_spent(self, env_samples: int) -> bool:
        """True once `env_samples` reaches `max_env_samples` (never when it is 0)."""
        return self.max_env_samples > 0 and env_samples >= self.max_env_samples


@dataclass
class Config:
    """Everything a run needs; saved resolved into the run folder as config.yaml."""

    env: EnvConfig = field(default_factory=EnvConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    critic: CriticConfig = field(default_factory=CriticConfig)
    bc: BCConfig = field(default_factory=BCConfig)
    archer: ArcherConfig = field(default_factory=ArcherConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    run: RunConfig = field(default_factory=RunConfig)
    token_baseline: TokenBaselineConfig = field(default_factory=TokenBaselineConfig)
    filtered_bc: FilteredBCConfig = field(default_factory=FilteredBCConfig)
    chai: CHAIConfig = field(default_factory=CHAIConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    offline: OfflineConfig = field(default_factory=OfflineConfig)

    def validate(self) -> Config:
        """Raise UserError for values no run can use, saying what to change."""
        _check_positive(
            self,
            [
                "env.max_turns",
                "env.n",
                "env.webshop_products",
                "env.textworld_train_games",
                "env.textworld_eval_games",
                "policy.max_new_tokens",
                "archer.rollout_trajectories",
                "archer.batch_size",
                "archer.buffer_capacity",
                "eval.games",
                "eval.every",
                "bc.batch_size",
                "run.checkpoint_every",
            ],
        )
        _check_nonneg(
            self,
            [
                "archer.iterations",
                "env.demo_games",
                "env.webshop_goal_start",
                "env.webshop_goal_count",
                "bc.epochs",
                "bc.select_games",
                "archer.greedy_rollouts",
                "archer.critic_updates",
                "archer.actor_updates",
                "archer.warmup_iterations",
                "archer.critic_pretrain_steps",
                "archer.kl_coef",
                "archer.reward_scale",
                "eval.transcripts",
                "eval.restore_margin",
                "run.threads",
            ],
        )
        from archer.envs import ENV_NAMES

        if self.env.name not in ENV_NAMES:
            raise UserError(f"env.name={self.env.name!r} is unknown; choose one of: {', '.join(ENV_NAMES)}")
        if self.env.demo_skill is not None and not 0 <= self.env.demo_skill <= 1:
            raise UserError(f"env.demo_skill={self.env.demo_skill} must lie in [0, 1]")
        if self.archer.greedy_rollouts > self.archer.rollout_trajectories:
            raise UserError(
                f"archer.greedy_rollouts={self.archer.greedy_rollouts} exceeds archer.rollout_trajectories="
                f"{self.archer.rollout_trajectories}; at most every game of an iteration can be greedy"
            )
        if self.env.webshop_validation_start < -1:
            raise UserError(
                f"env.webshop_validation_start={self.env.webshop_validation_start} must be >= 0 "
                "(or -1: the training range)"
            )
        if self.env.webshop_validation_start >= 0 and self.env.webshop_goal_count == 0:
            raise UserError(
                "env.webshop_validation_start needs a fixed range of instructions (env.webshop_goal_count > 0); "
                "without one, validation games already play instructions of their own seeds"
            )
        if self.eval.restore_best and not self.eval.keep_best:
            raise UserError("eval.restore_best=true goes back to the kept policy: set eval.keep_best=true too")
        if not 0 <= self.archer.gamma <= 1:
            raise UserError(f"archer.gamma={self.archer.gamma} must lie in [0, 1]")
        if not 0 <= self.archer.mc_weight <= 1:
            raise UserError(f"archer.mc_weight={self.archer.mc_weight} must lie in [0, 1] (0 = TD targets only)")
        if not 0 < self.archer.tau <= 1:
            raise UserError(f"archer.tau={self.archer.tau} must lie in (0, 1]; 1 copies the critic every step")
        if self.policy.temperature <= 0:
            raise UserError("policy.temperature must be > 0 (evaluation is greedy anyway)")
        if self.policy.choose_from not in ("auto", "free"):
            raise UserError(f"policy.choose_from={self.policy.choose_from!r}: use 'auto' or 'free'")
        if self.bc.batching not in ("shuffle", "length"):
            raise UserError(f"bc.batching={self.bc.batching!r}: use 'shuffle' or 'length'")
        if not 0 <= self.policy.dropout < 1:
            raise UserError(f"policy.dropout={self.policy.dropout} must lie in [0, 1)")
        if self.critic.layout not in ("joint", "separate"):
            raise UserError(f"critic.layout={self.critic.layout!r}: use 'joint' or 'separate'")
        if self.critic.pooling not in ("auto", "last", "mean", "cls"):
            raise UserError(f"critic.pooling={self.critic.pooling!r}: use auto, last, mean or cls")
        if self.critic.encoder == "policy" and self.critic.layout == "separate" and self.critic.pooling == "cls":
            raise UserError("critic.pooling=cls needs an encoder with a CLS token; a policy copy is causal: use last")
        if self.env.demo_path is None and self.env.demo_games == 0 and self.bc.epochs > 0 and not self.bc.from_run:
            raise UserError(
                "bc.epochs > 0 needs demonstrations: set env.demo_games > 0 or env.demo_path, or bc.epochs=0"
            )
        if self.policy.model == "tiny" and self.policy.n_embd % self.policy.n_head:
            raise UserError(
                f"policy.n_embd={self.policy.n_embd} must be divisible by policy.n_head={self.policy.n_head}"
            )
        if self.archer.baseline not in ("v", "centered", "group"):
            raise UserError(f"archer.baseline={self.archer.baseline!r}: use 'v', 'centered' or 'group'")
        if self.archer.baseline == "group" and self.archer.actor_samples < 2:
            raise UserError("archer.baseline=group needs archer.actor_samples >= 2 (utterances compared per state)")
        if self.archer.actor_samples < 1:
            raise UserError("archer.actor_samples must be >= 1")
        if self.archer.v_target not in ("sample", "greedy"):
            raise UserError(f"archer.v_target={self.archer.v_target!r}: use 'sample' or 'greedy'")
        if self.archer.actor_states not in ("buffer", "rollout"):
            raise UserError(f"archer.actor_states={self.archer.actor_states!r}: use 'buffer' or 'rollout'")
        for key in ("policy.dtype", "critic.dtype"):
            if _get(self, key) not in DTYPES:
                raise UserError(f"{key}={_get(self, key)!r}: use one of {', '.join(DTYPES)}")
        if self.policy.lora_r < 0 or not 0 <= self.policy.lora_dropout < 1:
            raise UserError("policy.lora_r must be >= 0 (0 = off) and policy.lora_dropout in [0, 1)")
        if self.archer.batch_size > self.archer.buffer_capacity:
            raise UserError("archer.batch_size cannot exceed archer.buffer_capacity")
        self._validate_methods()
        return self

    def _validate_methods(self) -> None:
        """The baselines' and variants' sections (archer.baselines, archer.token_baseline)."""
        _check_positive(
            self,
            [
                "filtered_bc.games_per_iteration",
                "filtered_bc.batch_size",
                "chai.samples",
                "ppo.games_per_update",
                "ppo.epochs",
                "ppo.minibatch_size",
                "ppo.clip",
                "offline.batch_size",
                "offline.beta",
                "offline.max_weight",
                "offline.eval_every",
            ],
        )
        _check_nonneg(
            self,
            [
                "run.max_env_samples",
                "eval.every_samples",
                "filtered_bc.iterations",
                "filtered_bc.updates_per_iteration",
                "chai.iterations",
                "ppo.iterations",
                "ppo.value_clip",
                "ppo.kl_coef",
                "ppo.value_pretrain_steps",
                "offline.steps",
                "offline.actor_warmup_steps",
            ],
        )
        if not 0 < self.filtered_bc.top_fraction <= 1:
            raise UserError(f"filtered_bc.top_fraction={self.filtered_bc.top_fraction} must lie in (0, 1], e.g. 0.1")
        if not 0 <= self.ppo.lam <= 1:
            raise UserError(f"ppo.lam={self.ppo.lam} must lie in [0, 1]")
        for key in ("token_baseline.model", "ppo.value_model"):
            if _get(self, key) not in ("policy", "tiny"):
                raise UserError(f"{key}={_get(self, key)!r}: use 'policy' or 'tiny'")
        if self.offline.critic not in ("iql", "sarsa"):
            raise UserError(f"offline.critic={self.offline.critic!r}: use 'iql' or 'sarsa' (expectile 0.5)")
        if not 0 < self.offline.expectile < 1:
            raise UserError(f"offline.expectile={self.offline.expectile} must lie in (0, 1); 0.5 is plain SARSA")
        if not 0 < self.offline.tau <= 1:
            raise UserError(f"offline.tau={self.offline.tau} must lie in (0, 1]")

    def check_paths(self) -> Config:
        """Files a new run reads must exist (not checked when an old run's config is reloaded)."""
        if self.env.demo_path is not None and not Path(self.env.demo_path).is_file():
            raise UserError(f"demonstration file not found: {self.env.demo_path} (env.demo_path)")
        if self.bc.from_run is not None:
            source = Path(self.bc.from_run)
            if not (source.is_file() or (source / "checkpoint.pt").is_file()):
                raise UserError(
                    f"bc.from_run={self.bc.from_run} is neither a run folder with a checkpoint nor a checkpoint file"
                )
        if self.offline.data_path is not None and not Path(self.offline.data_path).is_file():
            raise UserError(f"offline data file not found: {self.offline.data_path} (offline.data_path)")
        return self


DTYPES = ("float32", "bfloat16", "float16")


def _get(cfg: Config, dotted: str) -> Any:
    section, key = dotted.split(".")
    return getattr(getattr(cfg, section), key)


def _check_positive(cfg: Config, keys: list[str]) -> None:
    for key in keys:
        if _get(cfg, key) <= 0:
            raise UserError(f"{key}={_get(cfg, key)} must be > 0")


def _check_nonneg(cfg: Config, keys: list[str]) -> None:
    for key in keys:
        if _get(cfg, key) < 0:
            raise UserError(f"{key}={_get(cfg, key)} must be >= 0")


# ----------------------------------------------------------------------------- loading and overrides


def _sections() -> dict[str, type]:
    return {f.name: typing.get_type_hints(Config)[f.name] for f in dataclasses.fields(Config)}


def _coerce(value: Any, annotation: Any, key: str) -> Any:
    """Check `value` against a field's type; ints are accepted where floats are expected."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(value, option, key)
            except UserError as exc:
                errors.append(str(exc))
        raise UserError(errors[0] if errors else f"{key}: bad value {value!r}")
    if annotation is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if annotation is float and isinstance(value, str):
        try:  # YAML 1.1 reads "1e-4" (no dot) as a string
            return float(value)
        except ValueError:
            pass
    if annotation is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if annotation is bool and isinstance(value, bool):
        return value
    if annotation is str and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    expected = getattr(annotation, "__name__", str(annotation))
    raise UserError(f"{key} must be {expected}, got {value!r} ({type(value).__name__})")


def _unknown(key: str, known: list[str]) -> UserError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(known)}"
    return UserError(f"unknown config key {key!r}{hint}")


def apply_dict(cfg: Config, data: dict[str, Any], origin: str = "config") -> Config:
    """Set the values of a nested dict (from YAML) on `cfg`, checking keys and types."""
    if not isinstance(data, dict):
        raise UserError(f"{origin}: expected a mapping of sections (env, policy, ...), got {type(data).__name__}")
    sections = _sections()
    for section, values in data.items():
        if section not in sections:
            raise _unknown(str(section), list(sections))
        if not isinstance(values, dict):
            raise UserError(f"{origin}: section {section!r} must be a mapping of keys to values")
        target = getattr(cfg, section)
        hints = typing.get_type_hints(type(target))
        for key, value in values.items():
            dotted = f"{section}.{key}"
            if key not in hints:
                raise _unknown(dotted, [f"{section}.{k}" for k in hints])
            setattr(target, key, _coerce(value, hints[key], dotted))
    return cfg


def parse_override(text: str) -> tuple[str, Any]:
    """'archer.gamma=0.9' -> ('archer.gamma', 0.9); the value is read as YAML (so 'null', 'true', 1e-4)."""
    if "=" not in text:
        raise UserError(f"override {text!r} must look like section.key=value, e.g. archer.iterations=10")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def apply_overrides(cfg: Config, overrides: list[str]) -> Config:
    """Apply `section.key=value` strings on top of `cfg`."""
    for text in overrides:
        key, value = parse_override(text)
        if key.count(".") != 1:
            raise UserError(f"override key {key!r} must be section.key, e.g. archer.gamma")
        section, name = key.split(".")
        apply_dict(cfg, {section: {name: value}}, origin="command line")
    return cfg


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Defaults, then the YAML recipe at `path` (if any), then the overrides; validated."""
    cfg = Config()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise UserError(f"config file not found: {path}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise UserError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        apply_dict(cfg, data, origin=str(path))
    apply_overrides(cfg, overrides or [])
    return cfg.validate().check_paths()


def to_dict(cfg: Config) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def from_dict(data: dict[str, Any]) -> Config:
    return apply_dict(Config(), data).validate()


def save_config(cfg: Config, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")


def help_lines() -> list[str]:
    """Every option as 'section.key (type, default): help', for --help."""
    lines = []
    for section, cls in _sections().items():
        lines.append(f"{section}: {cls.__doc__}")
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            type_name = str(hints[f.name]).replace("typing.", "").replace("<class '", "").replace("'>", "")
            lines.append(f"  {section}.{f.name} ({type_name}, default {default!r}): {f.metadata.get('help', '')}")
    return lines
