"""The toy settings every end-to-end test runs with: guess_number over 1..4, one-layer models, a few steps."""

# The game and the models: enough for the benchmark scripts, which choose their own schedule.
TINY_MODELS = [
    "env.name=guess_number",
    "env.n=4",
    "env.max_turns=6",
    "env.demo_games=30",
    "policy.n_layer=1",
    "policy.n_embd=32",
    "policy.n_head=2",
    "policy.max_new_tokens=8",
    "critic.head_hidden=16",
]

# A whole run: BC, critic pre-training, online iterations and evaluation, each a step or two.
TINY = [
    *TINY_MODELS,
    "bc.epochs=1",
    "bc.batch_size=16",
    "archer.critic_pretrain_steps=2",
    "archer.rollout_trajectories=4",
    "archer.critic_updates=2",
    "archer.actor_updates=1",
    "archer.batch_size=8",
    "eval.games=4",
    "eval.every=1",
    "eval.transcripts=2",
    "run.progress=false",
]
