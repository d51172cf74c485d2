"""The methods ArCHer is compared with, one complete loop per module, each reusing the stages.

    filtered_bc     online filtered BC: play, keep the best 10% of all games so far, fine-tune
    chai            fixed policy; ArCHer's critic off-policy; play the best of k sampled utterances
    ppo             token-level PPO: token value model, GAE over the policy's tokens, clipped ratio
    offline_archer  IQL-style critic (expectile V) and AWR actor on a fixed data set of games
    common          run folder, BC start, evaluation, summary: the plumbing every loop shares

BC is `archer bc` (`archer.train` with no iterations); ArCHer with a token-level baseline is an
option of the ArCHer actor (`archer.token_baseline`). `archer.compare` runs them side by side.
"""
