#pragma once
/// @file Randomized truncated SVD of a sparse matrix (Halko, Martinsson &
/// Tropp 2011, Algorithms 4.4 and 5.1): a Gaussian range finder with
/// oversampling and power iterations (re-orthonormalized each time), then an
/// exact SVD of the small projected matrix. X is only touched through the two
/// sparse products of spmm.hpp, never densified.
#include <cstdint>

#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"

namespace strata {

struct RandomizedSvdOptions {
  int k = 10;                 ///< singular triplets wanted, 1 <= k <= min(n, m)
  int oversample = 10;        ///< extra random directions (l = k + oversample)
  int power_iterations = 4;   ///< subspace iterations; more = more accurate
  std::uint64_t seed = 0;
  int threads = 0;
};

struct SvdResult {
  DenseMatrix U;     ///< n x k, orthonormal columns
  DenseVector s;     ///< k singular values, descending
  DenseMatrix V;     ///< m x k, orthonormal columns (X ~ U diag(s) V^T)
};

SvdResult randomized_svd(const SparseView& X, const RandomizedSvdOptions& options);

}  // namespace strata
