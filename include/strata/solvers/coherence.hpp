#pragma once
/// @file Topic coherence: do a topic's top terms occur together in the
/// documents? (Roeder, Both & Hinneburg 2015; gensim's CoherenceModel.)
///
/// NPMI with document co-occurrence: for the top terms w_1..w_N of a topic,
///     NPMI(w_i, w_j) = log((P(w_i, w_j) + e) / (P(w_i) P(w_j))) / -log(P(w_i, w_j) + e)
/// with P(w) the fraction of documents containing w, P(w_i, w_j) the fraction
/// containing both and e = 1e-12, averaged over the N (N - 1) / 2 pairs: gensim's
/// `c_npmi` (one-one segmentation, normalized log-ratio, arithmetic mean) with
/// boolean-document probabilities, i.e. its sliding window as long as the
/// longest document. In [-1, 1]: 1 when the terms always occur together, 0
/// when independent, near -1 when they never meet.
#include <vector>

#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"

namespace strata {

/// The `top` largest entries of each row of `topics` (k x terms), by weight,
/// largest first (lower index first on ties); fewer when a row has fewer
/// positive entries.
std::vector<std::vector<Index>> top_term_indices(const DenseMatrix& topics, int top);

/// NPMI coherence (above) of each topic's terms over the documents (rows) of
/// X, counting a term present where its entry is nonzero. A topic with fewer
/// than two terms scores 0. Throws ArgumentError for a term index out of range.
std::vector<double> npmi_coherence(const SparseView& X, const std::vector<std::vector<Index>>& topics, int threads);

}  // namespace strata
