"""Word and node embeddings as low-rank factorizations of co-occurrence
statistics (docs/embeddings.md).

WordEmbedding: word-context counts within a window -> positive (shifted) PMI
with context-distribution smoothing -> truncated SVD (vectors U S^eig, plus
the context vectors V S^eig) or NMF.

GraphEmbedding: truncated random walks (DeepWalk) -> node-context counts ->
the same PMI factorization (NetMF's view of DeepWalk).
"""
import os

import numpy as np
import scipy.sparse as sp

from . import _core
from ._arrays import csr_from_core, csr_to_core
from .corpus import Corpus, _vectorizer_kwargs

__all__ = ["WordEmbedding", "GraphEmbedding", "spearman_correlation"]


def spearman_correlation(x, y):
    """Spearman's rank correlation with average ranks for ties (as scipy.stats.spearmanr)."""
    return _core.spearman_correlation([float(v) for v in x], [float(v) for v in y])


def _seed(random_state):
    if random_state is None:
        return 0
    if isinstance(random_state, (int, np.integer)) and random_state >= 0:
        return int(random_state)
    raise ValueError(f"random_state must be None or a nonnegative int, got {random_state!r}")


class _Vectors:
    """Nearest neighbours and similarities over fitted vectors (rows named by ``names_``)."""

    def _index(self, name):
        if not hasattr(self, "vectors_"):
            raise ValueError(f"This {type(self).__name__} instance is not fitted yet; call fit first.")
        try:
            return self._lookup[name]
        except KeyError:
            raise KeyError(f"{name!r} is not in the vocabulary") from None

    def __getitem__(self, name):
        return self.vectors_[self._index(name)]

    def __contains__(self, name):
        return hasattr(self, "_lookup") and name in self._lookup

    def _unit(self):
        if getattr(self, "_unit_cache", None) is None:
            norms = np.linalg.norm(self.vectors_, axis=1, keepdims=True)
            self._unit_cache = np.divide(self.vectors_, norms, out=np.zeros_like(self.vectors_), where=norms > 0)
        return self._unit_cache

    def similarity(self, a, b):
        """Cosine similarity of two names."""
        u = self._unit()
        return float(u[self._index(a)] @ u[self._index(b)])

    def most_similar(self, name, topn=10):
        """The `topn` nearest names by cosine: a list of (name, cosine), most similar first."""
        i = self._index(name)
        u = self._unit()
        cos = u @ u[i]
        cos[i] = -np.inf
        order = np.argsort(-cos, kind="stable")[:topn]
        return [(self.names_[j], float(cos[j])) for j in order]

    def _set(self, vectors, names, result):
        self.vectors_ = np.asarray(vectors)
        self.names_ = list(names)
        self._lookup = {n: i for i, n in enumerate(self.names_)}
        self._unit_cache = None
        s = result["singular_values"]
        self.singular_values_ = None if s is None or len(s) == 0 else np.asarray(s)
        self.pmi_nnz_ = int(result["pmi_nnz"])
        self.seconds_ = float(result["seconds"])


class WordEmbedding(_Vectors):
    """Word vectors from word-context co-occurrence (PPMI + truncated SVD).

    Parameters
    ----------
    dim : int, embedding dimension.
    window : int, co-occurrence window half-width (tokens at distance 1..window).
    shift : float >= 1, shifted PPMI subtracts log(shift) (1 = plain PPMI).
    smoothing : float in (0, 1], context-distribution smoothing exponent.
    eig : float in [0, 1], vectors are U S^eig.
    context_vectors : bool, add the context vectors V S^eig (w + c).
    method : "svd" or "nmf".
    stop_words, min_df, max_df, max_features : the vectorizer's pruning (see strata.Vectorizer).
    random_state : None or int; threads : int (0 = all cores).

    Attributes after fit: vectors_ (words x dim), vocabulary_ (list of words, the
    row names; also names_), singular_values_, cooccurrence_ (counts used).
    """

    def __init__(self, dim=100, window=5, shift=1.0, smoothing=0.75, eig=0.5, context_vectors=True, method="svd",
                 stop_words=None, min_df=1, max_df=1.0, max_features=None, random_state=None, threads=0):
        self.dim = dim
        self.window = window
        self.shift = shift
        self.smoothing = smoothing
        self.eig = eig
        self.context_vectors = context_vectors
        self.method = method
        self.stop_words = stop_words
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.random_state = random_state
        self.threads = threads

    def fit(self, documents, y=None):
        """Fit on raw text documents (an iterable of str), a strata.Corpus with
        co-occurrence counts, or a path that strata.load_corpus reads."""
        if isinstance(documents, (str, os.PathLike)):
            from .corpus import load_corpus
            documents = load_corpus(documents, stop_words=self.stop_words, min_df=self.min_df, max_df=self.max_df,
                                    max_features=self.max_features, weighting="count", window=self.window)
        if isinstance(documents, Corpus):
            if documents.cooccurrence is None:
                raise ValueError("the corpus has no co-occurrence counts (vectorize it with window > 0)")
            return self.fit_cooccurrence(documents.cooccurrence, documents.vocabulary)
        if int(self.window) < 1:
            raise ValueError(f"window must be >= 1, got {self.window!r}")
        d = _core.vectorize(list(documents), labels=[],
                            **_vectorizer_kwargs(self.stop_words, self.min_df, self.max_df, self.max_features,
                                                 "count", False, None, True, self.window))
        corpus = Corpus._from_core(d)
        return self.fit_cooccurrence(corpus.cooccurrence, corpus.vocabulary)

    def fit_cooccurrence(self, counts, vocabulary):
        """Fit on a words x contexts count matrix whose rows are named by `vocabulary`."""
        counts = sp.csr_matrix(counts)
        if len(vocabulary) != counts.shape[0]:
            raise ValueError(f"vocabulary has {len(vocabulary)} words for {counts.shape[0]} rows")
        indptr, indices, data, rows, cols = csr_to_core(counts)
        r = _core.embed_cooccurrence(indptr, indices, data, rows, cols, dim=int(self.dim), shift=float(self.shift),
                                     smoothing=float(self.smoothing), eig=float(self.eig),
                                     context_vectors=bool(self.context_vectors), method=self.method,
                                     seed=_seed(self.random_state), threads=int(self.threads))
        self.cooccurrence_ = counts
        self._set(r["vectors"], vocabulary, r)
        self.vocabulary_ = self.names_
        return self

    def evaluate(self, judgements):
        """Spearman correlation of cosines with human scores over (word1, word2,
        score) triples whose words are known; returns (spearman, pairs_used)."""
        cos, score = [], []
        for a, b, s in judgements:
            if a in self and b in self:
                cos.append(self.similarity(a, b))
                score.append(float(s))
        return spearman_correlation(cos, score), len(cos)


class GraphEmbedding(_Vectors):
    """Node vectors from truncated random walks and PMI factorization (DeepWalk / NetMF).

    Parameters
    ----------
    dim, shift, smoothing, eig, context_vectors, method : as WordEmbedding.
    walks : walks started from every node; walk_length : nodes per walk;
    window : context window along a walk; directed : bool.

    fit(edges) takes a path to an edge list ("a b [weight]" lines), an iterable
    of (a, b) or (a, b, weight) tuples, or a networkx graph. Attributes:
    vectors_ (nodes x dim), nodes_ (node names, in order of first appearance).
    """

    def __init__(self, dim=128, walks=10, walk_length=40, window=5, shift=1.0, smoothing=0.75, eig=0.5,
                 context_vectors=True, method="svd", directed=False, random_state=None, threads=0):
        self.dim = dim
        self.walks = walks
        self.walk_length = walk_length
        self.window = window
        self.shift = shift
        self.smoothing = smoothing
        self.eig = eig
        self.context_vectors = context_vectors
        self.method = method
        self.directed = directed
        self.random_state = random_state
        self.threads = threads

    def _graph(self, edges):
        if isinstance(edges, (str, os.PathLike)):
            nodes, parts = _core.read_edge_list(str(edges), bool(self.directed))
            return nodes, csr_from_core(parts)
        if hasattr(edges, "edges") and hasattr(edges, "nodes"):  # a networkx graph
            edges = [(a, b, w) for a, b, w in edges.edges(data="weight", default=1.0)]
        index, rows, cols, weights = {}, [], [], []
        for e in edges:
            if len(e) not in (2, 3):
                raise ValueError(f"an edge is (a, b) or (a, b, weight), got {e!r}")
            w = float(e[2]) if len(e) == 3 else 1.0
            if not (w > 0 and np.isfinite(w)):
                raise ValueError(f"edge weights must be positive numbers, got {e!r}")
            u = index.setdefault(str(e[0]), len(index))
            v = index.setdefault(str(e[1]), len(index))
            rows.append(u)
            cols.append(v)
            weights.append(w)
            if not self.directed and u != v:
                rows.append(v)
                cols.append(u)
                weights.append(w)
        if not rows:
            raise ValueError("the graph has no edges")
        n = len(index)
        A = sp.csr_matrix((weights, (rows, cols)), shape=(n, n))
        A.sum_duplicates()
        return list(index), A

    def fit(self, edges, y=None):
        nodes, A = self._graph(edges)
        indptr, indices, data, _, _ = csr_to_core(A)
        r = _core.embed_graph(nodes, indptr, indices, data, directed=bool(self.directed), walks=int(self.walks),
                              walk_length=int(self.walk_length), window=int(self.window), dim=int(self.dim),
                              shift=float(self.shift), smoothing=float(self.smoothing), eig=float(self.eig),
                              context_vectors=bool(self.context_vectors), method=self.method,
                              seed=_seed(self.random_state), threads=int(self.threads))
        self.adjacency_ = A
        self._set(r["vectors"], nodes, r)
        self.nodes_ = self.names_
        return self
