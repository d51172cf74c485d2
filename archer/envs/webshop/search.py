"""Search over the catalog: BM25 from the `bm25s` package, 50 results, 10 a page (as WebShop).

WebShop searches with Pyserini's Lucene BM25 over each product's text and keeps the top 50
(`SEARCH_RETURN_N`); the results page shows 10 at a time. Here the ranking is `bm25s`' BM25
(Lucene's variant by default) over the title, attributes and two finest category levels of each product, with a
plain lower-case word tokenizer and English stop words removed.

Where it sits: `pages.Store` owns one engine per catalog; the results page calls `search`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import bm25s
import numpy as np

SEARCH_RETURN_N = 50
PRODUCTS_PER_PAGE = 10

_TOKEN = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    """a an the and or of for with in on to by at from as is it its this that be are i me my we you your need want
    would like looking am im find get buy some which than lower price dollars""".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-case word and number tokens without stop words."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class SearchEngine:
    """BM25 over `documents` (one string per product); `search` returns product indices, best first."""

    def __init__(self, documents: Sequence[str]) -> None:
        self.size = len(documents)
        self.bm25 = bm25s.BM25()
        corpus = [tokenize(doc) or ["_"] for doc in documents]
        self.bm25.index(corpus, show_progress=False)
        self.vocab = self.bm25.vocab_dict

    def search(self, query: str, k: int = SEARCH_RETURN_N) -> list[int]:
        """Indices of the (at most k) best-matching documents with a positive score, best first.

        Ties keep catalog order, so the same query always gives the same page.
        """
        terms = [t for t in tokenize(query) if t in self.vocab]
        if not terms or self.size == 0:
            return []
        scores = self.bm25.get_scores(terms)  # [N]
        order = np.lexsort((np.arange(self.size), -scores))[: min(k, self.size)]
        return [int(i) for i in order if scores[i] > 0]


def page_of(results: Sequence[int], page: int) -> list[int]:
    """The `page`-th (from 1) slice of 10 results."""
    return list(results[(page - 1) * PRODUCTS_PER_PAGE : page * PRODUCTS_PER_PAGE])
