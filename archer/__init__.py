"""archer-rl: hierarchical multi-turn RL for LLM agents (ArCHer, Zhou et al. 2024).

The data flow, one module per stage:

    archer.envs          multi-turn text games (strings in, strings out) and their scripted players
    archer.rollout       plays the policy in a batch of games -> archer.trajectory.Game
    archer.buffer        utterance-level transitions (s, a, r, s', done), uniform sampling
    archer.critic_update TD targets, the double-Q/double-V critic loss, Polyak update
    archer.actor_update  advantage min Q - min V, token-level policy gradient, KL to the BC policy
    archer.evaluate      greedy held-out games; archer.logger metrics.jsonl and plots;
    archer.checkpoint    atomic, resumable checkpoints
    archer.train         the loop above, top to bottom; archer.bc behaviour cloning
    archer.models        policy LM wrapper, critic, tokenizer, builders
    archer.config        typed config; archer.cli the `archer` command
"""

__version__ = "0.1.0"
