#pragma once
/// @file Nearest neighbours by cosine similarity in a latent space (LSA:
/// documents as rows of U S, terms as rows of V S; also NMF or embedding vectors).
#include <string>
#include <vector>

#include "strata/linalg/dense.hpp"

namespace strata {

struct Neighbor {
  Index index;    ///< row of the searched matrix
  double cosine;  ///< cosine similarity with the query
};

/// The `top` rows of `vectors` most similar to `query` (k values) by cosine,
/// most similar first (ties by row), skipping row `exclude` (-1: none) and
/// zero rows. O(rows k). Throws ArgumentError if top < 1.
std::vector<Neighbor> nearest_by_cosine(const DenseMatrix& vectors, const double* query, int top, Index exclude,
                                        int threads);

/// Latent vectors of a truncated-SVD model directory (written by `strata svd`),
/// or of an embedding (`strata embed-words`, `embed-graph`): there the word or
/// node vectors are the "terms" and there are no documents.
struct LatentSpace {
  DenseMatrix documents;               ///< n x k, U S (empty for an embedding)
  DenseMatrix terms;                   ///< m x k, V S; or the word / node vectors
  std::vector<std::string> vocabulary; ///< m names (terms, words or nodes), or empty
  std::vector<std::string> labels;     ///< n labels, or empty
};

/// Loads a `strata svd`, `embed-words` or `embed-graph` directory; throws InputError naming the file
/// when a part is missing or malformed.
LatentSpace load_latent_space(const std::string& dir);

}  // namespace strata
