#include "strata/linalg/randomized_svd.hpp"

#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {
namespace {
DenseMatrix orthonormalize(const DenseMatrix& Y) {
  Eigen::HouseholderQR<DenseMatrix> qr(Y);
  return qr.householderQ() * DenseMatrix::Identity(Y.rows(), Y.cols());
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
  DenseMatrix Q = orthonormalize(Y);
  for (int q = 0; q < o.power_iterations; ++q) {
    spmm_transpose(X, Q, Z, threads);
    Z = orthonormalize(Z);
    spmm(X, Z, Y, threads);
    Q = orthonormalize(Y);
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
