#include "strata/linalg/block_lanczos.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {
namespace {

using Eigen::Index;
using Mat = Eigen::MatrixXd;  // small matrices: T, its eigenvectors, block coefficients
using Vec = Eigen::VectorXd;

/// Row ranges of equal length, one per thread (the basis is dense, so equal
/// rows are equal work).
std::vector<Index> row_bounds(Index dim, int threads) {
  const int nt = static_cast<int>(std::max<Index>(1, std::min<Index>(threads, dim / 512 + 1)));
  std::vector<Index> bounds(static_cast<size_t>(nt) + 1);
  for (int t = 0; t <= nt; ++t) bounds[static_cast<size_t>(t)] = dim * t / nt;
  return bounds;
}

// The basis Q is row-major: row i holds entry i of every basis vector, so a
// projection streams the basis once, row by row, with the b entries of the
// block and the c x b coefficients in cache. (A column-major basis would be
// repacked by every matrix-matrix product, doubling the memory traffic of
// what is a bandwidth-bound step.)

/// Columns [c0, c1) of the basis against the block W (dim x b):
/// C = Q^T W (c x b) and W -= Q C; one classical Gram-Schmidt pass. The
/// per-thread partial sums of C are added in thread order (deterministic for
/// a thread count). B is the block width when fixed at compile time, else 0.
template <int B>
void project_out_impl(const DenseMatrix& Q, Index c0, Index c1, DenseMatrix& W, Mat& C, const std::vector<Index>& bounds) {
  const Index c = c1 - c0, b = B > 0 ? B : W.cols(), ld = Q.cols();
  const int nt = static_cast<int>(bounds.size()) - 1;
  std::vector<std::vector<double>> partial(static_cast<size_t>(nt));
  std::vector<double> coef(static_cast<size_t>(c * b));  // row-major c x b
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    std::vector<double>& acc = partial[static_cast<size_t>(t)];
    acc.assign(static_cast<size_t>(c * b), 0.0);
    for (Index i = bounds[static_cast<size_t>(t)]; i < bounds[static_cast<size_t>(t) + 1]; ++i) {
      const double* q = Q.data() + i * ld + c0;
      const double* w = W.data() + i * b;
      for (Index r = 0; r < c; ++r) {
        const double qr = q[r];
        double* a = acc.data() + r * b;
#pragma omp simd
        for (Index s = 0; s < b; ++s) a[s] += qr * w[s];
      }
    }
#pragma omp barrier
#pragma omp single
    {
      for (int u = 0; u < nt; ++u)
        for (size_t e = 0; e < coef.size(); ++e) coef[e] += partial[static_cast<size_t>(u)][e];
    }
    for (Index i = bounds[static_cast<size_t>(t)]; i < bounds[static_cast<size_t>(t) + 1]; ++i) {
      const double* q = Q.data() + i * ld + c0;
      double* w = W.data() + i * b;
      for (Index r = 0; r < c; ++r) {
        const double qr = q[r];
        const double* a = coef.data() + r * b;
#pragma omp simd
        for (Index s = 0; s < b; ++s) w[s] -= qr * a[s];
      }
    }
  }
  C = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(coef.data(), c, b);
}

void project_out(const DenseMatrix& Q, Index c0, Index c1, DenseMatrix& W, Mat& C, const std::vector<Index>& bounds) {
  if (c1 <= c0) {
    C.setZero(0, W.cols());
    return;
  }
  switch (W.cols()) {
    case 1: return project_out_impl<1>(Q, c0, c1, W, C, bounds);
    case 2: return project_out_impl<2>(Q, c0, c1, W, C, bounds);
    case 4: return project_out_impl<4>(Q, c0, c1, W, C, bounds);
    case 8: return project_out_impl<8>(Q, c0, c1, W, C, bounds);
    default: return project_out_impl<0>(Q, c0, c1, W, C, bounds);
  }
}

/// Cholesky QR, twice (CholQR2): W_in = W_out B with B upper triangular.
/// Returns false, with W unchanged, when W is too ill-conditioned for it (a
/// column nearly in the span of the others, or of norm below `breakdown`).
/// Past that test cond(W) <= 1e6, so after the first round W^T W is within
/// ~1e-4 of I and the second Cholesky cannot fail.
bool cholesky_qr2(DenseMatrix& W, Mat& B, double breakdown, int threads) {
  const Index b = W.cols();
  B = Mat::Identity(b, b);
  DenseMatrix G;
  for (int round = 0; round < 2; ++round) {
    gram(W, G, threads);
    const Eigen::LLT<Mat> llt(G);
    const Mat R = llt.matrixU();  // G = R^T R
    const Vec d = R.diagonal().cwiseAbs();
    // The diagonal of R measures each column's new direction.
    if (round == 0 && (llt.info() != Eigen::Success || d.minCoeff() <= breakdown || d.minCoeff() < 1e-6 * d.maxCoeff()))
      return false;
    const Index n = W.rows();
    const int nt = threads_for(threads, static_cast<double>(n) * b * b);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (Index r0 = 0; r0 < n; r0 += 1024) {  // W <- W R^{-1}, by blocks of rows
      auto rows = W.middleRows(r0, std::min<Index>(1024, n - r0));
      R.triangularView<Eigen::Upper>().solveInPlace<Eigen::OnTheRight>(rows);
    }
    B = R * B;
  }
  return true;
}

/// Orthonormalizes the block W (orthogonal to the basis columns [0, c)) by
/// Cholesky QR, or column by column (modified Gram-Schmidt, twice) when the
/// block is nearly rank-deficient. A vanishing column (the basis spans an
/// invariant subspace) is replaced by a random direction orthogonal to the
/// basis and to the earlier columns, with a zero row in B, so the basis keeps
/// growing.
void orthonormalize_block(DenseMatrix& W, Mat& B, const DenseMatrix& Q, Index c, double breakdown, Random& rng,
                          int threads, const std::vector<Index>& bounds) {
  if (cholesky_qr2(W, B, breakdown, threads)) return;
  const Index b = W.cols();
  B.setZero(b, b);
  Mat unused;
  for (Index col = 0; col < b; ++col) {
    for (int pass = 0; pass < 2; ++pass)
      for (Index i = 0; i < col; ++i) {
        const double r = W.col(i).dot(W.col(col));
        W.col(col) -= r * W.col(i);
        B(i, col) += r;
      }
    const double norm = W.col(col).norm();
    if (norm > breakdown) {
      B(col, col) = norm;
      W.col(col) /= norm;
      continue;
    }
    DenseMatrix w(W.rows(), 1);
    for (Index i = 0; i < w.rows(); ++i) w(i, 0) = rng.normal();
    for (int pass = 0; pass < 2; ++pass) {
      project_out(Q, 0, c, w, unused, bounds);
      for (Index i = 0; i < col; ++i) w.col(0) -= W.col(i).dot(w.col(0)) * W.col(i);
    }
    W.col(col) = w.col(0) / w.col(0).norm();
  }
}

/// out[:, 0:l] = Q[:, 0:j] Y (j x l), threaded over rows; `out` keeps its
/// other columns.
void basis_times(const DenseMatrix& Q, Index j, const Mat& Y, DenseMatrix& out, const std::vector<Index>& bounds) {
  const int nt = static_cast<int>(bounds.size()) - 1;
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const Index r0 = bounds[static_cast<size_t>(t)], rows = bounds[static_cast<size_t>(t) + 1] - r0;
    out.block(r0, 0, rows, Y.cols()).noalias() = Q.block(r0, 0, rows, j) * Y;
  }
}

}  // namespace

BlockLanczosResult block_lanczos(const BlockOperator& apply, Index dim, const BlockLanczosOptions& o) {
  require_argument(o.k >= 1, "k", ">= 1", std::to_string(o.k));
  require_argument(o.block >= 1, "block", ">= 1", std::to_string(o.block));
  require_argument(o.tol > 0 && std::isfinite(o.tol), "tol", "finite and > 0", std::to_string(o.tol));
  require_argument(o.max_restarts >= 0, "max_restarts", ">= 0", std::to_string(o.max_restarts));
  const Index k = o.k, b = o.block;
  require_argument(k + 2 * b <= dim, "k + 2 block", "<= the operator's dimension " + std::to_string(dim),
                   std::to_string(k + 2 * b));
  // Basis size p: room for the k wanted vectors plus at least two new blocks
  // per cycle; the pending block needs b more columns.
  Index p = o.basis > 0 ? o.basis : std::max(2 * k + 2 * b, 4 * b);
  p = std::min(std::max(p, k + 2 * b), dim - b);
  const auto bounds = row_bounds(dim, o.threads);

  DenseMatrix Q;  // row-major basis: processed vectors Q[:, 0:j], pending block Q[:, j:j+b]
  Q.resize(dim, p + b);
  DenseMatrix spare;  // the next basis, during a restart
  Mat T = Mat::Zero(p + b, p + b);  // Q^T A Q
  Random rng(o.seed);
  DenseMatrix W(dim, b), AQ;
  Mat B, C, C2;
  for (Index i = 0; i < dim; ++i)
    for (Index c = 0; c < b; ++c) W(i, c) = rng.normal();
  orthonormalize_block(W, B, Q, 0, 0.0, rng, o.threads, bounds);
  Q.leftCols(b) = W;

  BlockLanczosResult res;
  double scale = 0.0;  // running estimate of ||A||, for the breakdown test
  Index j = 0;
  Index coupled = 0;  // the pending block is coupled to all of Q[:, 0:coupled] (restart or start)
  Vec theta;
  Mat Y;
  for (;;) {
    // Grow the basis one block at a time.
    while (j + b <= p) {
      apply(Q.middleCols(j, b), AQ);
      W.swap(AQ);
      res.applications += b;
      for (Index c = 0; c < b; ++c) scale = std::max(scale, W.col(c).norm());
      // The block column j of T. A Q_j has large components only along the
      // blocks it is coupled to: the previous block and itself, or the whole
      // basis right after a (re)start. Those are removed exactly (twice when
      // they are the whole basis); then one pass against the whole basis
      // removes what rounding left (full reorthogonalization).
      const Index local = coupled > 0 || j == 0 ? 0 : j - b;
      project_out(Q, local, j + b, W, C, bounds);
      project_out(Q, 0, j + b, W, C2, bounds);
      C2.bottomRows(j + b - local) += C;
      T.block(0, j, j + b, b) = C2;
      T.block(j, 0, b, j) = C2.topRows(j).transpose();
      const Mat D = C2.bottomRows(b);
      T.block(j, j, b, b) = 0.5 * (D + D.transpose());
      orthonormalize_block(W, B, Q, j + b, 1e-10 * scale, rng, o.threads, bounds);
      Q.middleCols(j + b, b) = W;
      T.block(j + b, j, b, b) = B;
      T.block(j, j + b, b, b) = B.transpose();
      j += b;
      coupled = 0;
    }

    // Rayleigh-Ritz on the processed vectors, in descending order.
    Eigen::SelfAdjointEigenSolver<Mat> eig(T.topLeftCorner(j, j));
    theta = eig.eigenvalues().reverse();
    Y = eig.eigenvectors().rowwise().reverse();
    const Mat coupling = T.block(j, 0, b, j);  // pending block's row of T
    const Mat residual = coupling * Y.leftCols(k);
    // Relative to each Ritz value, with a floor at the rounding level of the
    // operator's norm, which exact zero eigenvalues cannot go below.
    const double floor = 100.0 * std::numeric_limits<double>::epsilon() * std::abs(theta[0]);
    Index converged = 0;
    for (Index i = 0; i < k; ++i)
      if (residual.col(i).norm() <= std::max(o.tol * std::abs(theta[i]), floor)) ++converged;
    if (converged == k || res.restarts >= o.max_restarts) {
      res.converged = converged == k;
      break;
    }

    // Thick restart: keep the leading Ritz vectors, half of the free room
    // beyond the wanted k (more kept = faster convergence per cycle, fewer new
    // directions per cycle).
    const Index keep = std::min(j - b, k + (p - k) / 2);
    // The rotated basis is built in the spare buffer, which then becomes the basis.
    spare.resize(dim, p + b);
    basis_times(Q, j, Y.leftCols(keep), spare, bounds);
    spare.middleCols(keep, b) = Q.middleCols(j, b);
    Q.swap(spare);
    const Mat new_coupling = coupling * Y.leftCols(keep);
    T.setZero();
    T.topLeftCorner(keep, keep).diagonal() = theta.head(keep);
    T.block(keep, 0, b, keep) = new_coupling;
    T.block(0, keep, keep, b) = new_coupling.transpose();
    j = keep;
    coupled = keep;
    ++res.restarts;
  }
  res.values = theta.head(k);
  res.vectors.resize(dim, k);
  basis_times(Q, j, Y.leftCols(k), res.vectors, bounds);
  return res;
}

}  // namespace strata
