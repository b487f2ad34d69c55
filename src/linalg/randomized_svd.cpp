#include "strata/linalg/randomized_svd.hpp"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"
#include <cmath>

namespace strata {
namespace {
DenseMatrix householder_q(const DenseMatrix& Y) {
  Eigen::HouseholderQR<DenseMatrix> qr(Y);
  return qr.householderQ() * DenseMatrix::Identity(Y.rows(), Y.cols());
}

/// Orthonormal basis of range(Y) by CholeskyQR2 (Fukaya et al. 2014): two
/// rounds of Q = Y R^-1 with R^T R = Y^T Y. It is all matrix products (a
/// Gram and a triangular solve), much faster than Householder for tall thin
/// Y, and accurate once Y's condition number is below ~1e8; otherwise (the
/// Cholesky fails or loses positivity) Householder QR is used.
DenseMatrix orthonormalize(const DenseMatrix& Y, int threads) {
  DenseMatrix Q = Y;
  for (int round = 0; round < 2; ++round) {
    DenseMatrix G;
    gram(Q, G, threads);
    Eigen::LLT<DenseMatrix> chol(G);
    if (chol.info() != Eigen::Success || chol.matrixLLT().diagonal().minCoeff() <= 1e-8 * std::sqrt(G.diagonal().maxCoeff()))
      return householder_q(Y);
    // Q <- Q R^{-1}, by blocks of rows (rows are independent).
    const auto R = chol.matrixU();
    const Index n = Q.rows();
    const int nt = threads_for(threads, static_cast<double>(n) * Q.cols() * Q.cols());
#pragma omp parallel for num_threads(nt) schedule(static)
    for (Index b = 0; b < n; b += 1024) {
      const Index r = std::min<Index>(1024, n - b);
      auto block = Q.middleRows(b, r);
      R.solveInPlace<Eigen::OnTheRight>(block);
    }
  }
  return Q;
}
}  // namespace

SvdResult randomized_svd(const SparseView& X, const RandomizedSvdOptions& o) {
  const Index limit = std::min(X.rows, X.cols);
  require_argument(o.k >= 1 && o.k <= limit, "k", "in [1, min(rows, cols)] = [1, " + std::to_string(limit) + "]",
                   std::to_string(o.k));
  require_argument(o.oversample >= 0, "oversample", ">= 0", std::to_string(o.oversample));
  require_argument(o.power_iterations >= 0, "power_iterations", ">= 0", std::to_string(o.power_iterations));
  const int threads = resolve_threads(o.threads);
  const Index l = std::min<Index>(o.k + o.oversample, limit);
  Random rng(o.seed);
  DenseMatrix omega(X.cols, l);
  for (Index j = 0; j < X.cols; ++j)
    for (Index t = 0; t < l; ++t) omega(j, t) = rng.normal();
  DenseMatrix Y, Z;
  spmm(X, omega, Y, threads);
  DenseMatrix Q = orthonormalize(Y, threads);
  for (int q = 0; q < o.power_iterations; ++q) {
    spmm_transpose(X, Q, Z, threads);
    Z = orthonormalize(Z, threads);
    spmm(X, Z, Y, threads);
    Q = orthonormalize(Y, threads);
  }
  DenseMatrix Bt;  // (Q^T X)^T = X^T Q, m x l
  spmm_transpose(X, Q, Bt, threads);
  Eigen::BDCSVD<DenseMatrix> svd(Bt, Eigen::ComputeThinU | Eigen::ComputeThinV);
  // Bt = Ub S Vb^T  =>  X ~ Q Bt^T = (Q Vb) S Ub^T.
  SvdResult r;
  r.s = svd.singularValues().head(o.k);
  r.U = Q * svd.matrixV().leftCols(o.k);
  r.V = svd.matrixU().leftCols(o.k);
  return r;
}

}  // namespace strata
