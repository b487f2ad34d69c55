#pragma once
/// @file Randomized truncated SVD of a sparse matrix (Halko, Martinsson &
/// Tropp 2011, Algorithms 4.4 and 5.1): a Gaussian range finder with
/// oversampling and power iterations (the basis re-orthonormalized each time), then an
/// exact SVD of the small projected matrix. X is only touched through the two
/// sparse products of spmm.hpp, never densified. With `mean` set, the SVD is
/// that of the implicitly centered X - 1 mean^T (PCA), which is never formed.
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
  /// Optional column means mu (X.cols entries): factor X - 1 mu^T instead of X.
  /// Not owned; must outlive the call. nullptr: no centering.
  const DenseVector* mean = nullptr;
};

struct SvdResult {
  DenseMatrix U;     ///< n x k, orthonormal columns
  DenseVector s;     ///< k singular values, descending
  DenseMatrix V;     ///< m x k, orthonormal columns (X ~ U diag(s) V^T)
};

SvdResult randomized_svd(const SparseView& X, const RandomizedSvdOptions& options);

/// out (n x k) = (X - 1 mu^T) B = X B - 1 (mu^T B), the product with the
/// implicitly centered matrix (spmm plus a rank-one correction; mean == nullptr
/// is plain spmm). Shared by the randomized and the Lanczos SVD.
void centered_spmm(const SparseView& X, const DenseVector* mean, const DenseMatrix& B, DenseMatrix& out,
                   int threads);

/// out (m x k) = (X - 1 mu^T)^T A = X^T A - mu (1^T A) (spmm_transpose plus a
/// rank-one correction; mean == nullptr is plain spmm_transpose).
void centered_spmm_transpose(const SparseView& X, const DenseVector* mean, const DenseMatrix& A, DenseMatrix& out,
                             int threads);

}  // namespace strata
