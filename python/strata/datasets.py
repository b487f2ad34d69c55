"""Synthetic data with known ground truth (docs/synthetic.md).

Planted topics, planted topic hierarchies (the 9 -> 4 -> 2 structure of the
Neural NMF experiments), low-rank matrices with missing entries, and Zipfian
text corpora of any size. Every generator is deterministic for an integer
``random_state`` on every platform (strata draws its own random variates from
a Mersenne Twister instead of relying on library-specific distributions).

Matrices follow scikit-learn's orientation: rows are documents (samples),
columns are terms (features), X (n x m) ~ W (n x k) H (k x m).

Each ``make_*`` function returns a :class:`Dataset`, a dict whose keys are also
attributes (like scikit-learn's ``Bunch``)::

    >>> from strata import datasets
    >>> d = datasets.make_topics(n_documents=500, n_terms=1000, n_topics=8, random_state=0)
    >>> d.X.shape, d.W.shape, d.H.shape
    ((500, 1000), (500, 8), (8, 1000))
"""
import numbers
import os

import numpy as np

from . import _core
from ._arrays import csr_from_core

__all__ = ["Dataset", "make_topics", "make_hierarchy", "make_lowrank", "make_zipf_corpus", "write_zipf_corpus"]


class Dataset(dict):
    """A dict whose keys can also be read as attributes (``d.X`` is ``d["X"]``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __dir__(self):
        return list(self.keys()) + list(super().__dir__())


def _seed(random_state):
    """int -> itself; None -> a draw from numpy's global generator (as scikit-learn);
    a numpy RandomState or Generator -> a draw from it."""
    if random_state is None:
        return int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(random_state, (bool, np.bool_)):
        raise ValueError(f"random_state must be an int, None, or a numpy generator, got {random_state!r}")
    if isinstance(random_state, numbers.Integral):
        if random_state < 0 or random_state >= 2**64:
            raise ValueError(f"random_state must be in [0, 2^64), got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise ValueError(f"random_state must be an int, None, or a numpy generator, got {random_state!r}")


def _noise(noise):
    if noise is None or noise is False:
        return "none"
    if noise not in ("none", "poisson"):
        raise ValueError(f"noise must be 'poisson' or 'none', got {noise!r}")
    return noise


def make_topics(n_documents=1000, n_terms=2000, n_topics=10, *, overlap=0.0, alpha=0.1, term_concentration=0.5,
                shared_concentration=1.0, doc_length=100.0, length_cv=0.5, noise="poisson", random_state=0):
    """Planted topic model: X = Poisson(W H) with known W, H and labels.

    Topic t puts ``1 - overlap`` of its mass on its own anchor block of about
    ``n_terms / n_topics`` contiguous terms (Dirichlet(term_concentration)) and
    ``overlap`` on all terms (Dirichlet(shared_concentration)); rows of H sum
    to 1. Document i has weights W_i = L_i theta_i, theta_i ~
    Dirichlet(alpha), L_i ~ Gamma with mean ``doc_length`` and coefficient of
    variation ``length_cv``. ``noise="none"`` gives X = W H exactly.

    Returns
    -------
    Dataset with
      X : scipy.sparse.csr_matrix (n_documents, n_terms), counts (float64)
      W : ndarray (n_documents, n_topics), true document-topic weights
      H : ndarray (n_topics, n_terms), true topic-term distributions
      labels : ndarray of int32, the dominant topic of each document
      doc_lengths : ndarray, L_i (the expected row sums of X)
      vocabulary : list of str, "t0000", ...
      anchor_begin : ndarray (n_topics + 1,), topic t owns terms
        anchor_begin[t]:anchor_begin[t + 1]
    """
    d = _core.make_topics(int(n_documents), int(n_terms), int(n_topics), float(overlap), float(alpha),
                          float(term_concentration), float(shared_concentration), float(doc_length),
                          float(length_cv), _noise(noise), _seed(random_state))
    d["X"] = csr_from_core(d["X"])
    return Dataset(d)


def make_hierarchy(n_documents=1000, n_terms=1500, ranks=(9, 4, 2), *, parents=None, alpha=1.0, decay=0.2,
                   term_sharing=0.5, term_concentration=0.5, doc_length=100.0, length_cv=0.5, noise="none",
                   random_state=0):
    """Planted topic hierarchy with ranks k_0 >= k_1 >= ... (default 9 -> 4 -> 2).

    ``parents[l][t]`` is the layer-(l+1) parent of layer-l topic t; by
    default a contiguous partition with the larger groups first (9 -> 4:
    {0,1,2},{3,4},{5,6},{7,8}; 4 -> 2: {0,1},{2,3}). Leaf topics put mass
    ~ term_sharing^d on the term block of their layer-d ancestor, so siblings
    share terms; a document's leaf weights are Dirichlet with concentration
    alpha * decay^d on leaves at tree distance d from its own leaf. X = W_0
    H_0 exactly by default (``noise="poisson"`` for counts).

    Returns
    -------
    Dataset with
      X : scipy.sparse.csr_matrix (n_documents, n_terms)
      ranks : list of int; parents : list of lists (one per layer above the leaves)
      W : list of ndarrays, W[l] (n_documents, k_l): leaf weights summed per group
      H : list of ndarrays, H[l] (k_l, n_terms): H[l] = mixing[l] @ H[l-1]
      mixing : list, mixing[0] None, mixing[l] (k_l, k_{l-1}) averaging children
        (the seeds' A_l is mixing[l].T; X ~ A_0 A_1 ... A_l S_l with S_l = W[l].T)
      labels : list of int32 ndarrays, labels[l][i] = layer-l topic of document i
        (labels[0] = dominant leaf, higher layers its ancestors)
      doc_lengths, vocabulary, block_begin
    """
    p = [] if parents is None else [[int(g) for g in layer] for layer in parents]
    d = _core.make_hierarchy(int(n_documents), int(n_terms), [int(k) for k in ranks], p, float(alpha), float(decay),
                             float(term_sharing), float(term_concentration), float(doc_length), float(length_cv),
                             _noise(noise), _seed(random_state))
    d["X"] = csr_from_core(d["X"])
    return Dataset(d)


def make_lowrank(n_rows=500, n_cols=400, rank=5, *, observed=0.3, noise_sigma=0.0, scale=1.0, factor_density=1.0,
                 held_out=1.0, random_state=0):
    """Rank-r nonnegative matrix W H (+ Gaussian noise clipped at 0) with missing entries.

    Every entry is observed independently with probability ``observed``.
    ``X`` stores every observed entry, observed zeros included, as explicit
    stored values (do not call ``X.eliminate_zeros()``: the stored pattern is
    the mask). A fraction ``held_out`` of the unobserved entries is returned
    for evaluation.

    Returns
    -------
    Dataset with
      X : scipy.sparse.csr_matrix (n_rows, n_cols), observed entries
      mask : scipy.sparse.csr_matrix, same pattern as X, all ones
      W : ndarray (n_rows, rank); H : ndarray (rank, n_cols)
      held_out_rows, held_out_cols, held_out_values : ndarrays, unobserved
        entries in row-major order (noisy values, as X would hold them)
    """
    d = _core.make_lowrank(int(n_rows), int(n_cols), int(rank), float(observed), float(noise_sigma), float(scale),
                           float(factor_density), float(held_out), _seed(random_state))
    d["X"] = csr_from_core(d["X"])
    d["mask"] = csr_from_core(d["mask"])
    return Dataset(d)


def _zipf_args(n_documents, target_bytes, vocabulary_size, exponent, doc_length, length_cv, n_topics, topic_weight,
               topic_alpha, word_style, random_state):
    if target_bytes is None:
        target_bytes = 0
    if int(target_bytes) < 0:
        raise ValueError(f"target_bytes must be >= 0, got {target_bytes}")
    return (int(n_documents), int(target_bytes), int(vocabulary_size), float(exponent), float(doc_length),
            float(length_cv), int(n_topics), float(topic_weight), float(topic_alpha), str(word_style),
            _seed(random_state))


def make_zipf_corpus(n_documents=1000, *, target_bytes=None, vocabulary_size=10000, exponent=1.07, doc_length=100.0,
                     length_cv=0.5, n_topics=0, topic_weight=0.5, topic_alpha=0.1, word_style="pronounceable",
                     random_state=0):
    """Text documents whose word frequencies follow Zipf's law (frequency of rank r ~ r^-exponent).

    With ``target_bytes``, documents are generated until their texts (plus one
    newline each) reach that size, and ``n_documents`` is ignored. With
    ``n_topics`` > 0, each document mixes topic-specific Zipf distributions
    (a fraction ``topic_weight`` of its tokens) into the background one, and
    its label is its dominant topic. For corpora larger than memory use
    :func:`write_zipf_corpus`.

    Returns
    -------
    Dataset with documents (list of str), labels (list of str, "" without
    topics), topics (int32 ndarray, -1 without topics) and vocabulary (list of
    str in background rank order).
    """
    d = _core.make_zipf_corpus(*_zipf_args(n_documents, target_bytes, vocabulary_size, exponent, doc_length,
                                           length_cv, n_topics, topic_weight, topic_alpha, word_style, random_state))
    return Dataset(d)


def write_zipf_corpus(path, n_documents=1000, *, target_bytes=None, format=None, vocabulary_size=10000,
                      exponent=1.07, doc_length=100.0, length_cv=0.5, n_topics=0, topic_weight=0.5, topic_alpha=0.1,
                      word_style="pronounceable", random_state=0):
    """Streams a Zipfian corpus to ``path`` without holding it in memory.

    ``format`` is "lines" (one document per line), "tsv" (id, label, text) or
    None (by extension: ".tsv" is TSV). With ``target_bytes`` the file grows to
    at least that many bytes. The same arguments give the same documents as
    :func:`make_zipf_corpus`. Returns a dict with documents, bytes and tokens.
    """
    fmt = "auto" if format is None else format
    if fmt not in ("auto", "lines", "tsv"):
        raise ValueError(f"format must be 'lines', 'tsv' or None, got {format!r}")
    return _core.write_zipf_corpus(os.fspath(path), fmt,
                                   *_zipf_args(n_documents, target_bytes, vocabulary_size, exponent, doc_length,
                                               length_cv, n_topics, topic_weight, topic_alpha, word_style,
                                               random_state))
