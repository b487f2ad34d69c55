#include "strata/linalg/randomized_svd.hpp"

#include <limits>

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
/// Householder QR in place: Y <- Q; returns R (Y = Q R).
DenseMatrix householder_in_place(DenseMatrix& Y) {
  Eigen::HouseholderQR<DenseMatrix> qr(Y);
  const Index l = Y.cols();
  DenseMatrix R = qr.matrixQR().topRows(l).triangularView<Eigen::Upper>();
  Y = qr.householderQ() * DenseMatrix::Identity(Y.rows(), l);
  return R;
}

/// Orthonormalizes the columns of Y in place and returns R with Y_in = Y_out R,
/// by CholeskyQR2 (Fukaya et al. 2014): two rounds of Y <- Y R_i^-1 with
/// R_i^T R_i = Y^T Y. It is all matrix products (a Gram and a triangular
/// solve), much faster than Householder for tall thin Y, and accurate once Y's
/// condition number is below ~1e8. A worse-conditioned Y (power iterations
/// make the columns nearly parallel) first takes one shifted round, Y^T Y +
/// s I with s = 11 (n l + l (l + 1)) eps ||Y||_F^2 (shifted CholeskyQR3,
/// Fukaya et al. 2020), which brings the condition number within reach of
/// the two plain rounds, all in place; Householder QR, which needs two more
/// n x l copies, is left for what even that cannot factor. `rounds` = 1
/// (one plain round, orthonormal to about eps cond(Y)^2) is enough between
/// power iterations, where the basis only has to stay well conditioned.
DenseMatrix orthonormalize(DenseMatrix& Y, int threads, int rounds = 2) {
  const Index n = Y.rows(), l = Y.cols();
  DenseMatrix R = DenseMatrix::Identity(l, l);
  bool shifted = false;
  for (int round = 0; round < rounds;) {
    DenseMatrix G;
    gram(Y, G, threads);
    Eigen::LLT<DenseMatrix> chol(G);
    const bool ok = chol.info() == Eigen::Success &&
                    chol.matrixLLT().diagonal().minCoeff() > 1e-8 * std::sqrt(G.diagonal().maxCoeff());
    if (!ok) {
      if (shifted) {
        // Y is (R so far)-scaled: Y_in = Y R. Finish with Householder on the current Y.
        const DenseMatrix Rh = householder_in_place(Y);
        return Rh * R;
      }
      const double shift = 11.0 * (static_cast<double>(n) * l + static_cast<double>(l) * (l + 1)) *
                           std::numeric_limits<double>::epsilon() * G.trace();
      G.diagonal().array() += shift;
      chol.compute(G);
      shifted = true;
      if (chol.info() != Eigen::Success) continue;  // falls to Householder on the next pass
    } else {
      ++round;
    }
    const DenseMatrix Ri = chol.matrixU();
    const int nt = threads_for(threads, static_cast<double>(n) * l * l);
    // Y <- Y Ri^{-1}, by blocks of rows (rows are independent). A plain round's
    // Ri is well conditioned (checked above): multiplying by its l x l inverse
    // is a GEMM, several times faster than the triangular solve, which the
    // shifted round keeps.
    const DenseMatrix Ri_inv =
        !ok ? DenseMatrix() : DenseMatrix(Ri.triangularView<Eigen::Upper>().solve(DenseMatrix::Identity(l, l)));
#pragma omp parallel for num_threads(nt) schedule(static)
    for (Index b = 0; b < n; b += 1024) {
      auto block = Y.middleRows(b, std::min<Index>(1024, n - b));
      if (!ok) {  // a shifted round
        chol.matrixU().solveInPlace<Eigen::OnTheRight>(block);
      } else {
        const DenseMatrix product = block * Ri_inv;
        block = product;
      }
    }
    R = Ri * R;
  }
  return R;
}

}  // namespace

void centered_spmm(const SparseView& X, const DenseVector* mean, const DenseMatrix& B, DenseMatrix& out,
                   int threads) {
  spmm(X, B, out, threads);
  if (!mean) return;
  if (mean->size() != X.cols) throw ArgumentError("centered_spmm: mean must have X.cols entries");
  const Eigen::RowVectorXd shift = mean->transpose() * B;  // 1 x k
  out.rowwise() -= shift;
}

void centered_spmm_transpose(const SparseView& X, const DenseVector* mean, const DenseMatrix& A, DenseMatrix& out,
                             int threads) {
  spmm_transpose(X, A, out, threads);
  if (!mean) return;
  if (mean->size() != X.cols) throw ArgumentError("centered_spmm_transpose: mean must have X.cols entries");
  const Eigen::RowVectorXd colsum = A.colwise().sum();  // 1 x k
  out.noalias() -= *mean * colsum;
}

SvdResult randomized_svd(const SparseView& X, const RandomizedSvdOptions& o) {
  const Index limit = std::min(X.rows, X.cols);
  require_argument(o.k >= 1 && o.k <= limit, "k", "in [1, min(rows, cols)] = [1, " + std::to_string(limit) + "]",
                   std::to_string(o.k));
  require_argument(o.oversample >= 0, "oversample", ">= 0", std::to_string(o.oversample));
  require_argument(o.power_iterations >= 0, "power_iterations", ">= 0", std::to_string(o.power_iterations));
  if (o.mean)
    require_argument(o.mean->size() == X.cols, "mean", "of length cols = " + std::to_string(X.cols),
                     std::to_string(o.mean->size()));
  const int threads = resolve_threads(o.threads);
  const DenseVector* mu = o.mean;
  const Index l = std::min<Index>(o.k + o.oversample, limit);
  // The range finder runs on M = X, or on M = X^T when X is wide (as
  // scikit-learn does): its basis then spans the right singular vectors, and
  // X V = U diag(s) holds exactly, so fit_transform's U s equals transform's X V.
  const bool wide = X.rows < X.cols;
  auto times = [&](const DenseMatrix& B, DenseMatrix& out) {  // out = M B
    if (wide) centered_spmm_transpose(X, mu, B, out, threads);
    else centered_spmm(X, mu, B, out, threads);
  };
  auto times_transpose = [&](const DenseMatrix& B, DenseMatrix& out) {  // out = M^T B
    if (wide) centered_spmm(X, mu, B, out, threads);
    else centered_spmm_transpose(X, mu, B, out, threads);
  };
  const Index m_rows = wide ? X.cols : X.rows, m_cols = wide ? X.rows : X.cols;
  // Memory: one block of M's rows x l and one of its columns x l, reused; nothing n x m.
  DenseMatrix Y, Z;
  {
    Random rng(o.seed);
    DenseMatrix omega(m_cols, l);
    for (Index j = 0; j < m_cols; ++j)
      for (Index t = 0; t < l; ++t) omega(j, t) = rng.normal();
    times(omega, Y);
  }
  orthonormalize(Y, threads, o.power_iterations > 0 ? 1 : 2);
  for (int q = 0; q < o.power_iterations; ++q) {
    // Z = M^T Y is not orthonormalized: Y is, and near M's leading subspace,
    // so Z's condition number is about sigma_1 / sigma_l and M Z's its
    // square, which one CholeskyQR round (or its shifted fallback, or
    // Householder) handles. The range is the same; half the
    // orthonormalizations are saved.
    times_transpose(Y, Z);
    times(Z, Y);
    // The last Y is the basis Q of M ~ Q Q^T M: orthonormal to full precision.
    orthonormalize(Y, threads, q + 1 < o.power_iterations ? 1 : 2);
  }
  // M^T Q = Qb R (Z <- Qb), R = Ur S Vr^T  =>  M ~ Q (M^T Q)^T = (Q Vr) S (Qb Ur)^T.
  times_transpose(Y, Z);
  const DenseMatrix R = orthonormalize(Z, threads);
  Eigen::JacobiSVD<DenseMatrix> svd(R, Eigen::ComputeFullU | Eigen::ComputeFullV);
  SvdResult r;
  r.s = svd.singularValues().head(o.k);
  // Products into fresh matrices (noalias: no temporary of the same size).
  DenseMatrix& left = wide ? r.V : r.U;   // M's left singular vectors
  DenseMatrix& right = wide ? r.U : r.V;  // M's right singular vectors
  right.resize(m_cols, o.k);
  right.noalias() = Z * svd.matrixU().leftCols(o.k);
  Z.resize(0, 0);
  left.resize(m_rows, o.k);
  left.noalias() = Y * svd.matrixV().leftCols(o.k);
  return r;
}

}  // namespace strata
