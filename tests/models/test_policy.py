import torch

from archer.models.policy import Policy, left_pad, positions

STATES = ["Guess my number from 1 to 8.\n", "Guess my number from 1 to 8.\nIs it greater than 4? Yes.\nIs it 6? No.\n"]


def naive_log_probs(policy: Policy, state: list[int], action: list[int]) -> torch.Tensor:
    """One example at a time, no padding at all: the reference the batched version must match."""
    ids = torch.tensor([state + action])
    logits = policy.model(input_ids=ids).logits[0]
    logp = torch.log_softmax(logits, -1)
    return torch.stack([logp[len(state) + t - 1, a] for t, a in enumerate(action)])


def test_left_pad_and_positions():
    ids, mask = left_pad([[5, 6, 7], [8]], pad_id=0, device=torch.device("cpu"))
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    assert positions(mask).tolist() == [[0, 1, 2], [0, 0, 0]]


def test_batched_log_probs_match_naive_per_example(policy: Policy):
    actions = ["Is it greater than 2?", "Is it 7?"]
    s_ids, a_ids = policy.encode_states(STATES), policy.encode_actions(actions)
    assert len(s_ids[0]) != len(s_ids[1]) and len(a_ids[0]) != len(a_ids[1])  # padding really happens
    with torch.no_grad():
        logp, mask = policy.token_log_probs(s_ids, a_ids)
        for i in range(2):
            ref = naive_log_probs(policy, s_ids[i], a_ids[i])
            got = logp[i][mask[i].bool()]
            torch.testing.assert_close(got, ref, atol=1e-5, rtol=1e-5)
    assert mask.sum(-1).tolist() == [len(a) for a in a_ids]


def test_sampling_is_seeded_stops_at_newline_and_matches_scoring(policy: Policy):
    torch.manual_seed(3)
    first = policy.sample(STATES)
    torch.manual_seed(3)
    again = policy.sample(STATES)
    assert first == again
    for text, ids in zip(first.texts, first.token_ids):
        assert "\n" not in text
        assert 1 <= len(ids) <= policy.max_new_tokens
        stops = [i for i, t in enumerate(ids) if t in policy.stop_ids]
        assert stops in ([], [len(ids) - 1])  # a stop token can only be the last one
        assert policy.pad_id not in ids


def test_greedy_sampling_equals_unpadded_argmax(policy: Policy):
    """Greedy generation in a padded batch equals greedy decoding of each state alone."""
    batch = policy.sample(STATES, greedy=True)
    for i, state in enumerate(STATES):
        alone = policy.sample([state], greedy=True)
        assert alone.token_ids[0] == batch.token_ids[i]


def test_prefix_table_lists_each_prefixs_next_tokens():
    from archer.models.policy import prefix_table

    assert prefix_table([[1, 2, 9], [1, 3, 9], [4, 9]]) == {
        (): [1, 4],
        (1,): [2, 3],
        (1, 2): [9],
        (1, 3): [9],
        (4,): [9],
    }


def test_sampling_keeps_to_the_listed_actions_and_leaves_unlisted_states_free(policy: Policy):
    listed = {STATES[0]: ["Is it 3?", "Is it greater than 4?", "Is it greater than 5?"], STATES[1]: None}
    free_greedy = policy.sample(STATES, greedy=True)
    policy.choices = listed.get
    try:
        greedy = policy.sample(STATES, greedy=True)
        assert greedy.texts[0] in listed[STATES[0]]
        assert greedy.texts[1] == free_greedy.texts[1] and greedy.token_ids[1] == free_greedy.token_ids[1]
        torch.manual_seed(0)
        seen = set()
        for _ in range(30):
            out = policy.sample([STATES[0]] * 4)
            for text, ids in zip(out.texts, out.token_ids):
                assert text in listed[STATES[0]] and ids == policy.encode_actions([text])[0]
                seen.add(text)
        assert len(seen) >= 2  # sampling, not a fixed pick
        policy.choices = lambda state: ["Is it 7?"]
        assert policy.sample(STATES, greedy=True).texts == ["Is it 7?", "Is it 7?"]
    finally:
        policy.choices = None


def test_word_query_sampling_spells_only_the_given_words(policy: Policy):
    import re

    from archer.envs.base import WordQuery
    from archer.models.policy import WordGrammar

    query = WordQuery("search[", ("greater", "than", "7", "seven"), "]")
    language = re.compile(r"^search\[(greater|than|7|seven)( (greater|than|7|seven))*\]$")
    grammar = WordGrammar(query, policy._encode_piece, policy._encode_piece("\n")[:1], max_tokens=40)
    spelled = policy.encode_actions(["search[seven greater than 7]"])[0]  # as a whole, with its newline
    assert all(spelled[k] in grammar.allowed(spelled[:k]) for k in range(len(spelled)))
    assert grammar.allowed(policy._encode_piece("search[sev")) is not None  # inside a word
    again = policy._encode_piece("search[than")
    assert not set(grammar.allowed(again)) & set(policy._encode_piece(" than"))  # each word once
    assert grammar.allowed(again + policy._encode_piece(" than")) is None  # off the grammar
    policy.choices = lambda state: query if state == STATES[0] else None
    policy.max_new_tokens = 16  # the grammar closes the query before the tokens run out
    try:
        assert language.match(policy.sample(STATES, greedy=True).texts[0])
        torch.manual_seed(0)
        texts = [t for _ in range(10) for t in policy.sample([STATES[0]] * 4).texts]
        assert all(language.match(t) for t in texts), [t for t in texts if not language.match(t)]
        assert all(len(set(t[7:-1].split())) == len(t[7:-1].split()) for t in texts)  # no word twice
        assert len(set(texts)) >= 5  # sampling, not a fixed pick
    finally:
        policy.choices = None
