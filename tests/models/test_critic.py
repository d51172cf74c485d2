import torch

STATES = [
    "Guess my number from 1 to 8.\n",
    "Guess my number from 1 to 8.\nIs it greater than 4? Yes.\nIs it 6? No.\n",
    "Guess my number from 1 to 8.\nIs it 2? No.\n",
]
ACTIONS = ["Is it 3?", "Is it greater than 6?", "Is it 7?"]


def test_values_and_q_do_not_depend_on_batching_or_chunking(critic):
    with torch.no_grad():
        for head in (critic.q1, critic.q2, critic.v1, critic.v2):
            head[-1].weight.normal_()
        critic.chunk_size = 2
        chunked = critic(STATES, ACTIONS)
        critic.chunk_size = 64
        whole = critic(STATES, ACTIONS)
        alone = [critic([s], [a]) for s, a in zip(STATES, ACTIONS)]
    for k in range(4):
        torch.testing.assert_close(chunked[k], whole[k], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(whole[k], torch.cat([a[k] for a in alone]), atol=1e-5, rtol=1e-5)


def test_joint_one_pass_v_equals_state_alone(critic):
    """V read inside the [s a] sequence (causal encoder) equals V of the state encoded alone."""
    with torch.no_grad():
        critic.v1[-1].weight.normal_()
        _, _, v1, _ = critic(STATES, ACTIONS)
        v1_alone, _ = critic.values(STATES)
    torch.testing.assert_close(v1, v1_alone, atol=1e-5, rtol=1e-5)
