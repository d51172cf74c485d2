"""A tokenizer trained locally on the game's own text, so the default needs no download.

Byte-level BPE (as GPT-2's): every string, unicode and control characters included, encodes and
decodes back exactly, and with a vocabulary of about a thousand the game's words are single
tokens. Padding is on the left, so a batch of prompts ends where generation starts.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

PAD, EOS = "<|pad|>", "<|endoftext|>"


def train_tokenizer(texts: Iterable[str], vocab_size: int = 1024) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on `texts` and wrap it for transformers."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[PAD, EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts), trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=PAD, eos_token=EOS, padding_side="left")


def newline_token_ids(tokenizer: PreTrainedTokenizerFast) -> list[int]:
    """Ids of every token whose text contains a newline: generation stops at any of them."""
    ids = []
    for token, idx in tokenizer.get_vocab().items():
        if "\n" in tokenizer.convert_tokens_to_string([token]):
            ids.append(idx)
    return sorted(ids)
