#pragma once
/// @file Truncated SVD and PCA of a sparse matrix (SPEC 3.3): the optimal
/// linear autoencoder (Eckart-Young). X (n x m, documents x terms) ~
/// U diag(s) V^T with the k largest singular values; with `center`, the SVD is
/// that of X - 1 mu^T (mu the column means), i.e. PCA, applied as an operator
/// and never formed, so a sparse X stays sparse.
///
/// Two methods:
///  - Lanczos: thick-restart block Lanczos (linalg/block_lanczos.hpp) on the
///    Gram operator of the smaller side, V -> Xc^T (Xc V) (one fused pass over
///    the nonzeros per block of b vectors: each row's b dot products and its
///    scatter while it is in cache) or U -> Xc (Xc^T U) (two passes,
///    spmm.hpp). Accurate to the requested tolerance. Small problems (the
///    basis would span the whole side) take the exact dense route.
///  - Randomized: the range finder of linalg/randomized_svd.hpp (Halko,
///    Martinsson & Tropp 2011) with oversampling and power iterations.
///
/// Signs are deterministic: each component's largest-|.| entry of V is
/// positive (scikit-learn's `svd_flip` with u_based_decision=False).
#include <cstdint>
#include <string>

#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"

namespace strata {

enum class SvdMethod { Lanczos, Randomized };
enum class SvdStatus { Converged, NotConverged };

SvdMethod parse_svd_method(const std::string& name);  ///< lanczos|arpack|randomized
std::string to_string(SvdMethod m);
std::string to_string(SvdStatus s);

struct SvdOptions {
  int k = 10;                        ///< components, 1 <= k <= min(n, m)
  SvdMethod method = SvdMethod::Lanczos;  ///< Lanczos (accurate) or Randomized (fast)
  bool center = false;               ///< PCA: factor X - 1 mu^T (implicitly)
  double tol = 0.0;                  ///< Lanczos: relative Ritz residual; <= 0 means 1e-12
  int max_iter = 1000;               ///< Lanczos: maximum restarts
  /// Lanczos: basis size before a restart, >= k + 2; 0 = 2k + 2 block (at
  /// least 4 block). When given, the block shrinks to fit two blocks beyond k.
  int ncv = 0;
  /// Lanczos: vectors per operator application, in [1, 64]. Larger blocks
  /// read X fewer times per vector but converge in more vectors; 4 was the
  /// fastest on TF-IDF corpora (bench/results/svd.md).
  int block = 4;
  int oversample = 10;               ///< Randomized: extra random directions
  int power_iterations = 4;          ///< Randomized: power (subspace) iterations
  std::uint64_t seed = 0;            ///< Randomized: Gaussian test matrix; Lanczos: start vector
  int threads = 0;                   ///< 0 = all cores
};

struct TruncatedSvdResult {
  DenseMatrix U;                  ///< n x k, orthonormal columns
  DenseVector s;                  ///< k singular values, descending
  DenseMatrix V;                  ///< m x k, orthonormal columns; V^T = components
  DenseVector mean;               ///< m column means when centered, else empty
  /// Centered (PCA): s^2 / (n - 1). Uncentered (TruncatedSVD): the variance
  /// (ddof 0) of each column of the projected data X V = U diag(s).
  DenseVector explained_variance;
  /// explained_variance over the total variance of X's columns (same ddof).
  DenseVector explained_variance_ratio;
  double total_variance = 0.0;    ///< sum of the column variances of X (ddof as above)
  double seconds = 0.0;           ///< wall time of the fit
  int iterations = 0;             ///< Lanczos restarts, or power iterations
  long long operations = 0;       ///< applications of X or X^T to a block of vectors (one pass each)
  SvdStatus status = SvdStatus::Converged;
};

/// The k largest singular triplets of X (or of X - 1 mu^T with options.center).
/// Throws ArgumentError for k outside [1, min(n, m)] or other bad options.
/// Cost: Lanczos, one or two passes over nnz(X) per block Gram product (a few
/// times k / block products) plus O(dim ncv block) per step and O(dim ncv^2)
/// per restart; Randomized, 2 nnz(X) (k + p)
/// per pass and 2 q + 2 passes. Memory O((n + m) (k + p)); nothing n x m.
TruncatedSvdResult truncated_svd(const SparseView& X, const SvdOptions& options);

/// Column means of X (m entries): X^T 1 / n.
DenseVector column_means(const SparseView& X, int threads);

}  // namespace strata
