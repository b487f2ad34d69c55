#pragma once
/// @file Largest eigenpairs of a symmetric positive semidefinite operator by
/// thick-restart block Lanczos with full reorthogonalization.
///
/// Why a block method: the operators strata diagonalizes are Gram operators
/// of sparse matrices (v -> X^T X v), whose cost is one pass over the
/// nonzeros. Applied to a block of b vectors, that pass gathers b contiguous
/// entries per nonzero instead of one, so a block costs about as much memory
/// traffic as a single vector; and orthogonalizing a block against the basis
/// is a matrix-matrix product (compute-bound, threaded over rows) instead of
/// two memory-bound matrix-vector products per vector.
///
/// The iteration (Golub & Underwood 1977; thick restart as in Wu & Simon,
/// "Thick-restart Lanczos method for large symmetric eigenvalue problems",
/// SIAM J. Matrix Anal. Appl. 2000, in block form):
///  - the basis Q (dim x j, orthonormal) grows by one block per operator
///    application: W = A Q_j; the coefficients C = Q^T W are the block column
///    of T = Q^T A Q. W is projected exactly out of the blocks it is coupled
///    to (the last two; the whole basis after a restart, then twice), then
///    once out of the whole basis (full reorthogonalization: what rounding
///    left), and orthonormalized (Cholesky QR twice, or Gram-Schmidt when
///    nearly rank-deficient) into the next block Q_{j+1}, W = Q_{j+1} B. A
///    rank-deficient W, an invariant subspace, is completed with random
///    directions and a zero row of B;
///  - when the basis is full, T = Y Theta Y^T; the residual of the Ritz pair
///    (theta_i, Q y_i) is ||B y_i(last block)||; pairs are converged when it
///    is at most max(tol theta_i, 100 eps theta_1): relative to each Ritz
///    value as in ARPACK, with a floor at the rounding level of ||A|| so that
///    exact zero eigenvalues (rank-deficient operators) converge too;
///  - restart: keep the leading Ritz vectors Q Y_l (T becomes diag(theta_l)
///    plus the coupling B Y_l(last block) to the pending block) and go on.
///
/// A block of b vectors finds eigenvalues of multiplicity up to b; a single
/// vector (b = 1) finds one copy of a repeated eigenvalue, like ARPACK.
/// Deterministic for a seed and thread count.
#include <cstdint>
#include <functional>

#include "strata/linalg/dense.hpp"

namespace strata {

/// Applies the operator to a block: out = A in, both dim x b (row-major, so
/// that a sparse operator gathers the b entries of a row at once).
using BlockOperator = std::function<void(const DenseMatrix& in, DenseMatrix& out)>;

struct BlockLanczosOptions {
  int k = 1;              ///< wanted eigenpairs, >= 1
  int block = 8;          ///< block size b, >= 1
  int basis = 0;          ///< maximum basis size before a restart; 0 = automatic (2k + 2b, at least 4b)
  double tol = 1e-12;     ///< relative residual test, > 0
  int max_restarts = 1000;  ///< restarts before giving up
  std::uint64_t seed = 0;  ///< starting block
  int threads = 1;        ///< threads of the orthogonalization
};

struct BlockLanczosResult {
  Eigen::VectorXd values;   ///< k largest eigenvalues, descending
  DenseMatrix vectors;      ///< dim x k, orthonormal
  bool converged = false;   ///< all k pairs passed the residual test
  int restarts = 0;         ///< restarts performed
  long long applications = 0;  ///< operator applications, counted per vector (a block of b counts b)
};

/// The k largest eigenpairs of the symmetric operator `apply` of dimension
/// `dim`. Requires k + 2 b <= dim (callers take a dense route for tiny
/// problems); throws ArgumentError otherwise. When not converged after
/// max_restarts, returns the current Ritz pairs with converged = false.
BlockLanczosResult block_lanczos(const BlockOperator& apply, Eigen::Index dim, const BlockLanczosOptions& options);

}  // namespace strata
