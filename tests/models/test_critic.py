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


def test_described_actions_are_what_q_reads_and_v_ignores(critic):
    with torch.no_grad():
        for head in (critic.q1, critic.v1):
            head[-1].weight.normal_()
        plain = critic(STATES, [a + " (described)" for a in ACTIONS])
        critic.describe = lambda state, action: action + " (described)"
        described = critic(STATES, ACTIONS)
        critic.describe = None
        undescribed = critic(STATES, ACTIONS)
    torch.testing.assert_close(described[0], plain[0])
    torch.testing.assert_close(described[2], undescribed[2])  # V reads the state alone
    assert not torch.allclose(described[0], undescribed[0])


def test_build_critic_describes_actions_only_where_asked_and_the_task_has_descriptions(tiny_cfg, policy):
    from archer.envs.webshop.scripted import describe_action
    from archer.models.build import build_critic

    assert build_critic(tiny_cfg, policy).describe is None
    tiny_cfg.critic.describe_actions = True
    assert build_critic(tiny_cfg, policy).describe is None  # guess_number has none
    tiny_cfg.env.name = "webshop"
    assert build_critic(tiny_cfg, policy).describe is describe_action
